import { eventMigrations } from '@tollgate/events';
import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase, type Transaction } from '@tollgate/db';
import { Money } from '@tollgate/money';
import {
  checkInvariants,
  PriceCatalog,
  walletMigrations,
  WalletService,
  type PaymentEvent,
  type PaymentMethodSetup,
  type PaymentProvider,
  type PaymentStatus,
} from '@tollgate/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fundingMigrations } from './funding.migrations.js';
import type { FundingOptions } from './funding.options.js';
import { FundingService } from './funding.service.js';
import type { FundingNotice } from './funding.types.js';

/**
 * A scripted provider for the funding state machine: the outcome of a payment is chosen by the
 * method's token, like the sandboxes' test cards. The real providers are tested against their
 * sandboxes in plugins/payments-*.
 */
class ScriptedProvider implements PaymentProvider {
  readonly label = 'Scripted';
  readonly methods = ['card'] as const;
  readonly payments = new Map<string, { id: string; amount: string; status: PaymentStatus }>();
  calls = 0;
  failNext = 0;
  expectedDate = '2026-03-09';
  constructor(
    readonly id: string,
    readonly settlement: 'fast' | 'slow',
  ) {}
  async createPaymentMethod(input: { accountId: string; details: Readonly<Record<string, unknown>> }): Promise<PaymentMethodSetup> {
    return { providerMethodId: String(input.details.token), kind: 'card', label: `Test ${String(input.details.token)}`, metadata: {} };
  }
  async createPayment(input: { amount: Money; idempotencyKey: string; providerMethodId: string }) {
    this.calls++;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('connection reset');
    }
    const known = this.payments.get(input.idempotencyKey);
    if (known) return { providerPaymentId: known.id, status: known.status };
    const status: PaymentStatus = input.providerMethodId === 'decline' ? 'failed' : input.providerMethodId === 'later' ? 'pending' : 'succeeded';
    const payment = { id: `pay_${this.payments.size + 1}`, amount: input.amount.toString(), status };
    this.payments.set(input.idempotencyKey, payment);
    // A slow provider says when it expects the money (as payments-sepa does); the fast one, like a 2.0.0 provider, says nothing.
    const expected = status === 'pending' && this.settlement === 'slow' ? { expectedSettlementDate: this.expectedDate } : {};
    return { providerPaymentId: payment.id, status, ...(status === 'failed' ? { reason: 'card_declined' } : {}), ...expected };
  }
}

for (const engine of testEngines()) {
  describe(`funding [${engine.name}]`, () => {
    let db: TestDatabase;
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let wallet: WalletService;
    const card = new ScriptedProvider('scripted-card', 'fast');
    const bank = new ScriptedProvider('scripted-bank', 'slow');
    const notices: Array<{ accountId: string; eventKey: string; template: FundingNotice; data: Record<string, unknown> }> = [];
    const notifier = {
      notify: async (input: { tx: Transaction; accountId: string; eventKey: string; template: FundingNotice; data: Record<string, unknown> }) =>
        void notices.push(input),
    };
    const providers = { get: (id: string) => [card, bank].find((p) => p.id === id), list: () => [card, bank] };
    const service = (options: FundingOptions = {}) => new FundingService(db, clock, wallet, providers, notifier, options);
    let funding: FundingService;
    let n = 0;
    const account = async () => {
      const id = `acc_fund_${engine.name}_${++n}`;
      await wallet.openWallet({ accountId: id });
      return id;
    };
    const method = (accountId: string, token = 'ok', providerId = card.id) =>
      funding.addPaymentMethod({ accountId, providerId, kind: 'card', details: { token }, idempotencyKey: `m-${token}-${providerId}` });
    const event = (providerPaymentId: string, status: PaymentStatus, eventId: string, reason?: string): PaymentEvent => ({
      eventId,
      providerPaymentId,
      status,
      occurredAt: clock.now(),
      ...(reason ? { reason } : {}),
    });
    const available = async (accountId: string) => (await wallet.balance({ accountId })).available.toString();

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [walletMigrations, eventMigrations, fundingMigrations] });
      wallet = new WalletService(db, clock, {});
      await new PriceCatalog(db, clock).setPrice({
        channel: 'sms-reminder',
        unit: 'message',
        unitPrice: '1.00',
        effectiveFrom: new Date('2026-01-01T00:00:00Z'),
      });
      funding = service();
    });
    afterAll(async () => {
      await db?.dispose();
    });

    it('refuses unknown packs and amounts outside €5…€1000, and changes nothing', async () => {
      const id = await account();
      const pm = await method(id);
      await expect(funding.buy({ accountId: id, amount: '7.00', paymentMethodId: pm.id, idempotencyKey: 'a' })).rejects.toMatchObject({
        code: 'unknown_pack',
        status: 422,
      });
      await expect(funding.buy({ accountId: id, amount: '2000', paymentMethodId: pm.id, idempotencyKey: 'b' })).rejects.toMatchObject({
        code: 'amount_out_of_range',
        status: 400,
      });
      await expect(funding.buy({ accountId: id, amount: '4.99', paymentMethodId: pm.id, idempotencyKey: 'c' })).rejects.toMatchObject({
        code: 'amount_out_of_range',
      });
      await expect(funding.buy({ accountId: id, amount: 'ten', paymentMethodId: pm.id, idempotencyKey: 'd' })).rejects.toMatchObject({
        code: 'invalid_amount',
      });
      expect(() => service({ packs: ['3'] })).toThrow(/outside/);
      expect((await funding.listPurchases({ accountId: id })).data).toEqual([]);
      expect(await available(id)).toBe('2.00');
    });

    it('buys a pack: credits once, the same key returns the same purchase, another account’s method is not found', async () => {
      const id = await account();
      const other = await account();
      const pm = await method(id);
      const bought = await funding.buy({ accountId: id, amount: '25', paymentMethodId: pm.id, idempotencyKey: 'k1' });
      expect(bought).toMatchObject({ status: 'succeeded', origin: 'manual' });
      expect(bought!.amount.toString()).toBe('25.00');
      const again = await funding.buy({ accountId: id, amount: '25.00', paymentMethodId: pm.id, idempotencyKey: 'k1' });
      expect(again!.id).toBe(bought!.id);
      await expect(funding.buy({ accountId: id, amount: '50', paymentMethodId: pm.id, idempotencyKey: 'k1' })).rejects.toMatchObject({
        code: 'idempotency_key_reused',
        status: 409,
      });
      await expect(funding.buy({ accountId: other, amount: '25', paymentMethodId: pm.id, idempotencyKey: 'k2' })).rejects.toMatchObject({
        code: 'payment_method_not_found',
        status: 404,
      });
      expect(await available(id)).toBe('27.00');
      expect(notices.filter((x) => x.accountId === id).map((x) => x.template)).toEqual(['purchase_succeeded']);
    });

    it('a pending payment credits when its event arrives; replays of the event credit once', async () => {
      const id = await account();
      const pm = await method(id, 'later', bank.id);
      const purchase = await funding.buy({ accountId: id, amount: '10', paymentMethodId: pm.id, idempotencyKey: 'p1' });
      expect(purchase!.status).toBe('pending');
      expect(await available(id)).toBe('2.00');
      const replays = await Promise.all(
        Array.from({ length: 10 }, () =>
          funding.handlePaymentEvents({ providerId: bank.id, events: [event(purchase!.providerPaymentId!, 'succeeded', 'evt-settle-1')] }),
        ),
      );
      expect(replays.reduce((sum, r) => sum + r.accepted, 0)).toBeGreaterThanOrEqual(1);
      expect(await available(id)).toBe('12.00');
      expect((await funding.getPurchase({ id: purchase!.id })).status).toBe('succeeded');
    });

    it('a scoped pack: the scope is checked before anything is stored or paid, kept on the purchase, granted on success', async () => {
      await new PriceCatalog(db, clock).setTags({ channel: 'sms-reminder', tags: ['reminders'] });
      const id = await account();
      const pm = await method(id, 'later', bank.id);
      const calls = bank.calls;
      await expect(
        funding.buy({ accountId: id, amount: '10', paymentMethodId: pm.id, idempotencyKey: 's0', scope: ['reminders', 'no-such-tag'] }),
      ).rejects.toMatchObject({ code: 'invalid_scope', status: 400 });
      await expect(funding.buy({ accountId: id, amount: '10', paymentMethodId: pm.id, idempotencyKey: 's0', scope: [] })).rejects.toMatchObject({
        code: 'invalid_scope',
      });
      expect(bank.calls).toBe(calls);
      expect((await funding.listPurchases({ accountId: id })).data).toEqual([]);

      const purchase = await funding.buy({ accountId: id, amount: '10', paymentMethodId: pm.id, idempotencyKey: 's1', scope: ['sms-reminder', 'reminders'] });
      expect(purchase).toMatchObject({ status: 'pending', scope: ['reminders', 'sms-reminder'] });
      // The scope is part of the key's promise: the same key for another scope, or none, is refused.
      for (const scope of [['reminders'], undefined])
        await expect(
          funding.buy({ accountId: id, amount: '10', paymentMethodId: pm.id, idempotencyKey: 's1', ...(scope ? { scope } : {}) }),
        ).rejects.toMatchObject({
          code: 'idempotency_key_reused',
        });
      const same = await funding.buy({ accountId: id, amount: '10', paymentMethodId: pm.id, idempotencyKey: 's1', scope: ['reminders', 'sms-reminder'] });
      expect(same!.id).toBe(purchase!.id);
      expect(bank.calls).toBe(calls + 1);

      await funding.handlePaymentEvents({ providerId: bank.id, events: [event(purchase!.providerPaymentId!, 'succeeded', 'evt-scoped-1')] });
      const settled = await funding.getPurchase({ id: purchase!.id });
      expect(settled).toMatchObject({ status: 'succeeded', scope: ['reminders', 'sms-reminder'] });
      const lots = await wallet.lots({ accountId: id });
      expect(lots.map((l) => [l.kind, l.remaining.toString(), l.scope])).toEqual(
        expect.arrayContaining([
          ['purchased', '10.00', ['reminders', 'sms-reminder']],
          ['trial', '2.00', null],
        ]),
      );
      expect(lots.find((l) => l.id === settled.lotId)?.scope).toEqual(['reminders', 'sms-reminder']);
      // A general pack stays general.
      const plain = await funding.buy({ accountId: id, amount: '5', paymentMethodId: (await method(id)).id, idempotencyKey: 's2' });
      expect(plain).toMatchObject({ status: 'succeeded', scope: null });
      expect((await wallet.lots({ accountId: id })).find((l) => l.id === plain!.lotId)?.scope).toBeNull();
    });

    it('a reversal after success claws the credit back; what was spent is owed and blocks spending', async () => {
      const id = await account();
      const pm = await method(id, 'later', bank.id);
      const purchase = await funding.buy({ accountId: id, amount: '10', paymentMethodId: pm.id, idempotencyKey: 'r1' });
      await funding.handlePaymentEvents({ providerId: bank.id, events: [event(purchase!.providerPaymentId!, 'succeeded', 'evt-r1-ok')] });
      await wallet.charge({ accountId: id, channel: 'sms-reminder', units: '5', idempotencyKey: 'spend' }); // 2.00 trial + 3.00 purchased
      const result = await funding.handlePaymentEvents({
        providerId: bank.id,
        events: [
          event(purchase!.providerPaymentId!, 'reversed', 'evt-r1-back', 'MD06'),
          event(purchase!.providerPaymentId!, 'reversed', 'evt-r1-back', 'MD06'),
        ],
      });
      expect(result).toMatchObject({ accepted: 1, duplicates: 1 });
      const balance = await wallet.balance({ accountId: id });
      expect(balance.owed.toString()).toBe('3.00');
      expect(balance.blocked).toBe(true);
      expect((await funding.getPurchase({ id: purchase!.id })).reason).toBe('MD06');
      expect(notices.find((x) => x.eventKey === `payment_reversed:${purchase!.id}`)?.data).toMatchObject({ owed: '3.00', reason: 'MD06' });
      await expect(wallet.charge({ accountId: id, channel: 'sms-reminder', units: '1', idempotencyKey: 'blocked' })).rejects.toMatchObject({
        code: 'wallet_blocked',
      });
      expect((await checkInvariants({ db })).problems).toEqual([]);
    });

    it('a declined payment fails the purchase and grants nothing', async () => {
      const id = await account();
      const pm = await method(id, 'decline');
      const purchase = await funding.buy({ accountId: id, amount: '10', paymentMethodId: pm.id, idempotencyKey: 'x1' });
      expect(purchase).toMatchObject({ status: 'failed', reason: 'card_declined' });
      expect(await available(id)).toBe('2.00');
    });

    it('a provider that does not answer leaves the purchase to be resumed with the same key', async () => {
      const id = await account();
      const pm = await method(id);
      card.failNext = 1;
      await expect(funding.buy({ accountId: id, amount: '5', paymentMethodId: pm.id, idempotencyKey: 'net' })).rejects.toMatchObject({
        code: 'provider_unavailable',
        status: 503,
      });
      expect((await funding.listPurchases({ accountId: id })).data[0]!.status).toBe('creating');
      clock.advance({ minutes: 2 });
      const swept = await funding.sweep();
      expect(swept).toMatchObject({ resumed: 1 });
      expect(await available(id)).toBe('7.00');
    });

    it('an event that arrives before the payment id is known is applied when it is', async () => {
      const id = await account();
      const pm = await method(id, 'later', bank.id);
      const early = await funding.handlePaymentEvents({ providerId: bank.id, events: [event(`pay_${bank.payments.size + 1}`, 'succeeded', 'evt-early')] });
      expect(early.unmatched).toBe(1);
      await funding.buy({ accountId: id, amount: '5', paymentMethodId: pm.id, idempotencyKey: 'e1' });
      expect(await available(id)).toBe('7.00');
    });

    it('auto-refill: exactly one refill for 50 concurrent charges, on two services', async () => {
      const id = await account();
      const pm = await method(id, 'later', bank.id); // SEPA-like: stays pending, so it stays in flight
      await wallet.grant({ accountId: id, kind: 'purchased', amount: '60.00', idempotencyKey: 'seed' });
      await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '20.00', pack: '50', paymentMethodId: pm.id });
      const second = service();
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          await wallet.charge({ accountId: id, channel: 'sms-reminder', units: '1', idempotencyKey: `c${i}` });
          await (i % 2 ? second : funding).maybeRefill({ accountId: id });
        }),
      );
      const refills = (await funding.listPurchases({ accountId: id })).data.filter((p) => p.origin === 'auto_refill');
      expect(refills).toHaveLength(1);
      expect(refills[0]!.amount.toString()).toBe('50.00');
    });

    it('auto-refill: a declined refill pauses it and tells the account; turning it on again resumes', async () => {
      const id = await account();
      const pm = await method(id, 'decline');
      await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '5.00', pack: '10', paymentMethodId: pm.id });
      const declined = await funding.maybeRefill({ accountId: id });
      expect(declined).toMatchObject({ status: 'failed' });
      const settings = await funding.getAutoRefill({ accountId: id });
      expect(settings).toMatchObject({ pausedReason: 'payment_declined', resumesAt: null, window: { refills: 0, declined: 1 } });
      expect(settings!.lastDecline).toMatchObject({ purchaseId: declined!.id, reason: 'card_declined' });
      expect(await funding.maybeRefill({ accountId: id })).toBeNull();
      expect(notices.filter((x) => x.accountId === id && x.template === 'refill_failed')).toHaveLength(1);
      const ok = await method(id, 'ok');
      await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '5.00', pack: '10', paymentMethodId: ok.id });
      expect(await funding.maybeRefill({ accountId: id })).toMatchObject({ status: 'succeeded' });
    });

    it('auto-refill: the refill limit pauses it visibly until the period has passed, and tells the account once per pause', async () => {
      const id = await account();
      const pm = await method(id);
      await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '4.00', pack: '5', paymentMethodId: pm.id, maxPerPeriod: 2, periodHours: 1 });
      const guarded: unknown[] = [];
      funding.events.on('refill_guarded', (e) => guarded.push(e));
      const start = clock.now().getTime();
      expect(await funding.maybeRefill({ accountId: id, force: true })).not.toBeNull();
      clock.advance({ minutes: 10 });
      expect(await funding.maybeRefill({ accountId: id, force: true })).not.toBeNull();
      // The limit is used up: shown as a pause that ends when the first refill leaves the hour.
      const paused = await funding.getAutoRefill({ accountId: id });
      expect(paused).toMatchObject({ enabled: true, pausedReason: 'refill_limit_reached', window: { refills: 2, declined: 0 } });
      expect(paused!.resumesAt!.getTime()).toBe(start + 3_600_000);
      const limitMails = () => notices.filter((x) => x.accountId === id && x.template === 'refill_limit_reached');
      expect(limitMails()).toHaveLength(0); // nothing is refused yet
      expect(await funding.maybeRefill({ accountId: id, force: true })).toBeNull();
      expect(await funding.maybeRefill({ accountId: id, force: true })).toBeNull();
      expect(await service().maybeRefill({ accountId: id, force: true })).toBeNull();
      expect(guarded).toHaveLength(2);
      expect(limitMails()).toHaveLength(1);
      expect(limitMails()[0]).toMatchObject({
        eventKey: `refill_limit_reached:${id}:${new Date(start + 3_600_000).toISOString()}`,
        data: { maxPerPeriod: '2', periodHours: '1', resumesAt: `${new Date(start + 3_600_000).toISOString().slice(0, 16).replace('T', ' ')} UTC` },
      });
      // A charge refused meanwhile says why no refill came.
      const refusal = await funding
        .spendWithRefill({
          accountId: id,
          attempt: (provisional) => wallet.charge({ accountId: id, channel: 'sms-reminder', units: '100', idempotencyKey: 'capped', provisional }),
        })
        .catch((error: unknown) => error);
      expect(refusal).toMatchObject({
        code: 'insufficient_funds',
        details: {
          required: '100.00',
          autoRefill: { paused: true, pausedReason: 'refill_limit_reached', resumesAt: new Date(start + 3_600_000).toISOString() },
        },
      });
      expect((refusal as Error).message).toContain(`Auto-refill is paused (refill_limit_reached) until ${new Date(start + 3_600_000).toISOString()}.`);
      clock.set(new Date(start + 3_600_000 + 1));
      expect(await funding.getAutoRefill({ accountId: id })).toMatchObject({ pausedAt: null, pausedReason: null, resumesAt: null, window: { refills: 1 } });
      expect(await funding.maybeRefill({ accountId: id, force: true })).not.toBeNull();
      // Full again: a new pause, a new mail.
      expect(await funding.maybeRefill({ accountId: id, force: true })).toBeNull();
      expect(limitMails()).toHaveLength(2);
      expect(await available(id)).toBe('17.00');
    });

    it('auto-refill: declines are counted apart and do not use up the refill limit', async () => {
      const id = await account();
      const bad = await method(id, 'decline');
      await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '4.00', pack: '5', paymentMethodId: bad.id, maxPerPeriod: 1 });
      expect(await funding.maybeRefill({ accountId: id, force: true })).toMatchObject({ status: 'failed' });
      expect(await funding.getAutoRefill({ accountId: id })).toMatchObject({ pausedReason: 'payment_declined', window: { refills: 0, declined: 1 } });
      const good = await method(id);
      await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '4.00', pack: '5', paymentMethodId: good.id, maxPerPeriod: 1 });
      expect(await funding.maybeRefill({ accountId: id, force: true })).toMatchObject({ status: 'succeeded' });
      expect(await funding.getAutoRefill({ accountId: id })).toMatchObject({ pausedReason: 'refill_limit_reached', window: { refills: 1, declined: 1 } });
    });

    it('auto-refill settings: refuses a minimum one pack cannot lift the balance above, and nonsense limits, naming the fields', async () => {
      const id = await account();
      const pm = await method(id);
      const refusal = (input: Partial<Parameters<FundingService['setAutoRefill']>[0]>) =>
        funding.setAutoRefill({ accountId: id, enabled: true, minimum: '5.00', pack: '10', paymentMethodId: pm.id, ...input }).catch((e: unknown) => e);
      expect(await refusal({ minimum: '500.00', pack: '10' })).toMatchObject({
        status: 400,
        code: 'invalid_auto_refill',
        details: [{ path: ['minimum'] }, { path: ['pack'] }],
      });
      expect(await refusal({ minimum: '10.00', pack: '10' })).toMatchObject({ code: 'invalid_auto_refill' });
      expect(await refusal({ maxPerPeriod: 0 })).toMatchObject({ code: 'invalid_auto_refill', details: [{ path: ['maxPerPeriod'] }] });
      expect(await refusal({ maxPerPeriod: 1.5, periodHours: 24 * 365 })).toMatchObject({
        details: [{ path: ['maxPerPeriod'] }, { path: ['periodHours'] }],
      });
      expect(await funding.getAutoRefill({ accountId: id })).toBeNull();
      expect(await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '9.99', pack: '10', paymentMethodId: pm.id })).toMatchObject({
        enabled: true,
        pausedAt: null,
      });
    });

    it('a pending event with a new expected day moves the purchase’s date; once settled, it changes nothing', async () => {
      const id = await account();
      const pm = await method(id, 'later', bank.id);
      const purchase = (await funding.buy({ accountId: id, amount: '10', paymentMethodId: pm.id, idempotencyKey: 'moved' }))!;
      const pending = (eventId: string, day: string): PaymentEvent => ({
        ...event(purchase.providerPaymentId!, 'pending', eventId),
        expectedSettlementDate: day,
      });
      await funding.handlePaymentEvents({ providerId: bank.id, events: [pending('later-1', '2026-03-16'), pending('bad-day', '2026-02-30')] });
      expect((await funding.getPurchase({ id: purchase.id })).expectedSettlementDate).toBe('2026-03-16');
      expect((await funding.incoming({ accountId: id })).nextExpectedSettlementDate).toBe('2026-03-16');
      await funding.handlePaymentEvents({
        providerId: bank.id,
        events: [event(purchase.providerPaymentId!, 'succeeded', 'moved-ok'), pending('later-2', '2026-03-20')],
      });
      expect(await funding.getPurchase({ id: purchase.id })).toMatchObject({ status: 'succeeded', expectedSettlementDate: '2026-03-16' });
    });

    it('purchases carry the provider’s expected settlement date; the wallet’s incoming sums what is on its way', async () => {
      const id = await account();
      const slow = await method(id, 'later', bank.id);
      const fast = await method(id, 'later', card.id);
      expect(await funding.incoming({ accountId: id })).toMatchObject({ purchases: 0, nextExpectedSettlementDate: null });
      const sepa = await funding.buy({ accountId: id, amount: '25', paymentMethodId: slow.id, idempotencyKey: 'i1' });
      expect(sepa).toMatchObject({ status: 'pending', expectedSettlementDate: '2026-03-09' });
      bank.expectedDate = '2026-03-06';
      await funding.buy({ accountId: id, amount: '10', paymentMethodId: slow.id, idempotencyKey: 'i2' });
      bank.expectedDate = '2026-03-09';
      // A fast provider that gives no date (API 2.0.0): expected the same day.
      expect(await funding.buy({ accountId: id, amount: '5', paymentMethodId: fast.id, idempotencyKey: 'i3' })).toMatchObject({
        expectedSettlementDate: clock.now().toISOString().slice(0, 10),
      });
      const incoming = await funding.incoming({ accountId: id });
      expect(incoming.amount.toString()).toBe('40.00');
      expect(incoming).toMatchObject({ purchases: 3, nextExpectedSettlementDate: clock.now().toISOString().slice(0, 10) });
      // Settled at once: no date.
      const paidCard = await method(id);
      expect(await funding.buy({ accountId: id, amount: '5', paymentMethodId: paidCard.id, idempotencyKey: 'i4' })).toMatchObject({
        status: 'succeeded',
        expectedSettlementDate: null,
      });
      expect(await available(id)).toBe('7.00'); // incoming is not spendable
    });

    it('a charge refused for lack of credit waits for a card refill, not for a bank one', async () => {
      const id = await account();
      const pm = await method(id);
      await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '1.00', pack: '5', paymentMethodId: pm.id });
      const charged = await funding.spendWithRefill({
        accountId: id,
        attempt: (provisional) => wallet.charge({ accountId: id, channel: 'sms-reminder', units: '4', idempotencyKey: 'wait-1', provisional }),
      });
      expect(charged.amount.toString()).toBe('4.00');
      expect(await available(id)).toBe('3.00');

      const slow = await account();
      const bankPm = await method(slow, 'later', bank.id);
      await funding.setAutoRefill({ accountId: slow, enabled: true, minimum: '1.00', pack: '5', paymentMethodId: bankPm.id });
      await expect(
        funding.spendWithRefill({
          accountId: slow,
          attempt: (provisional) => wallet.charge({ accountId: slow, channel: 'sms-reminder', units: '4', idempotencyKey: 'wait-2', provisional }),
        }),
      ).rejects.toMatchObject({ code: 'insufficient_funds' });
      // The refusal is remembered under its key once the wait is over.
      await expect(wallet.charge({ accountId: slow, channel: 'sms-reminder', units: '4', idempotencyKey: 'wait-2' })).rejects.toMatchObject({
        code: 'insufficient_funds',
      });
    });

    it('referral credit: once, when the referred account first buys', async () => {
      const referrer = await account();
      const referred = await account();
      const { code } = await funding.referralCode({ accountId: referrer });
      expect(code).toMatch(/^[A-Z2-9]{8}$/);
      await expect(funding.registerReferral({ referredAccountId: referred, code: 'NOPE1234' })).rejects.toMatchObject({ code: 'invalid_referral_code' });
      await expect(funding.registerReferral({ referredAccountId: referrer, code })).rejects.toMatchObject({ code: 'self_referral' });
      await funding.registerReferral({ referredAccountId: referred, code: code.toLowerCase() });
      const pm = await method(referred);
      await funding.buy({ accountId: referred, amount: '5', paymentMethodId: pm.id, idempotencyKey: 'b1' });
      await funding.buy({ accountId: referred, amount: '5', paymentMethodId: pm.id, idempotencyKey: 'b2' });
      const balance = await wallet.balance({ accountId: referrer });
      expect(balance.byKind.referral.available.toString()).toBe('10.00');
      expect(await funding.referralCode({ accountId: referrer })).toMatchObject({ code, referred: 1, rewarded: 1 });
    });

    it('refunds purchased credit less the €50 fee, once per key, and records the payout', async () => {
      const id = await account();
      const pm = await method(id);
      await funding.buy({ accountId: id, amount: '100', paymentMethodId: pm.id, idempotencyKey: 'big' });
      await expect(funding.requestRefund({ accountId: id, credits: '100.01', idempotencyKey: 'rf0' })).rejects.toMatchObject({
        code: 'refund_exceeds_refundable',
      });
      await expect(funding.requestRefund({ accountId: id, credits: '40.00', idempotencyKey: 'rf1' })).rejects.toMatchObject({ code: 'refund_below_fee' });
      const [a, b] = await Promise.all([
        funding.requestRefund({ accountId: id, credits: '100.00', idempotencyKey: 'rf2' }),
        funding.requestRefund({ accountId: id, credits: '100.00', idempotencyKey: 'rf2' }),
      ]);
      expect(a.id).toBe(b.id);
      expect(a.payout.toString()).toBe('50.00');
      expect(await available(id)).toBe('2.00');
      expect(notices.filter((x) => x.eventKey === `refund_processed:${a.id}`)).toHaveLength(1);
      const paid = await funding.markRefundPaid({ refundId: a.id, reference: 'TRF-1' });
      expect(paid).toMatchObject({ status: 'paid', payoutReference: 'TRF-1' });
      await expect(funding.markRefundPaid({ refundId: 'rfd_0', reference: 'x' })).rejects.toMatchObject({ code: 'refund_not_found' });
      expect((await checkInvariants({ db })).problems).toEqual([]);
    });

    describe('events (event_outbox)', () => {
      const outbox = async (accountId: string) =>
        (
          await db.query<{ account_id: string; type: string; data: Record<string, unknown>; occurred_at: Date; published_at: Date | null }>(
            `select account_id, type, data, occurred_at, published_at from event_outbox where account_id = $1 and type like 'purchase.%' order by id`,
            [accountId],
          )
        ).rows;

      it('a purchase that succeeds records one purchase.succeeded, and replays of its event add none', async () => {
        const id = await account();
        const pm = await method(id, 'later', bank.id);
        const purchase = await funding.buy({ accountId: id, amount: '10', paymentMethodId: pm.id, idempotencyKey: 'ev-s1' });
        expect(purchase!.status).toBe('pending');
        expect(await outbox(id)).toEqual([]);
        await funding.handlePaymentEvents({ providerId: bank.id, events: [event(purchase!.providerPaymentId!, 'succeeded', 'evt-ev-s1')] });
        await Promise.all(
          Array.from({ length: 4 }, () =>
            funding.handlePaymentEvents({ providerId: bank.id, events: [event(purchase!.providerPaymentId!, 'succeeded', 'evt-ev-s1')] }),
          ),
        );
        // Another event id with the same news changes nothing either.
        await funding.handlePaymentEvents({ providerId: bank.id, events: [event(purchase!.providerPaymentId!, 'succeeded', 'evt-ev-s1-again')] });
        const rows = await outbox(id);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ account_id: id, type: 'purchase.succeeded', published_at: null });
        expect(rows[0]!.data).toEqual({ purchaseId: purchase!.id, accountId: id, amount: '10.00', providerId: bank.id, origin: 'manual' });
        expect(new Date(rows[0]!.occurred_at).toISOString()).toBe(clock.now().toISOString());
      });

      it('a purchase paid at once records one purchase.succeeded, and buying again with its key adds none', async () => {
        const id = await account();
        const pm = await method(id);
        const bought = await funding.buy({ accountId: id, amount: '25', paymentMethodId: pm.id, idempotencyKey: 'ev-s2' });
        await funding.buy({ accountId: id, amount: '25', paymentMethodId: pm.id, idempotencyKey: 'ev-s2' });
        const rows = await outbox(id);
        expect(rows.map((r) => r.type)).toEqual(['purchase.succeeded']);
        expect(rows[0]!.data).toMatchObject({ purchaseId: bought!.id, amount: '25.00', providerId: card.id });
        expect(typeof rows[0]!.data.amount).toBe('string');
      });

      it('a declined purchase records one purchase.failed with its reason', async () => {
        const id = await account();
        const pm = await method(id, 'decline');
        const purchase = await funding.buy({ accountId: id, amount: '10', paymentMethodId: pm.id, idempotencyKey: 'ev-f1' });
        expect(purchase!.status).toBe('failed');
        await funding.buy({ accountId: id, amount: '10', paymentMethodId: pm.id, idempotencyKey: 'ev-f1' });
        const rows = await outbox(id);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ account_id: id, type: 'purchase.failed' });
        expect(rows[0]!.data).toEqual({
          purchaseId: purchase!.id,
          accountId: id,
          amount: '10.00',
          providerId: card.id,
          origin: 'manual',
          reason: 'card_declined',
        });
      });

      it('a pending purchase that fails records one purchase.failed; a replay of the event adds none', async () => {
        const id = await account();
        const pm = await method(id, 'later', bank.id);
        const purchase = await funding.buy({ accountId: id, amount: '10', paymentMethodId: pm.id, idempotencyKey: 'ev-f2' });
        const failed = event(purchase!.providerPaymentId!, 'failed', 'evt-ev-f2', 'AM04');
        await funding.handlePaymentEvents({ providerId: bank.id, events: [failed, failed] });
        await funding.handlePaymentEvents({ providerId: bank.id, events: [failed] });
        // A late success after the failure is ignored: no event either.
        await funding.handlePaymentEvents({ providerId: bank.id, events: [event(purchase!.providerPaymentId!, 'succeeded', 'evt-ev-f2-late')] });
        const rows = await outbox(id);
        expect(rows.map((r) => r.type)).toEqual(['purchase.failed']);
        expect(rows[0]!.data).toMatchObject({ purchaseId: purchase!.id, amount: '10.00', reason: 'AM04' });
      });

      it('a reversed purchase records purchase.succeeded then one purchase.reversed; replays add none', async () => {
        const id = await account();
        const pm = await method(id, 'later', bank.id);
        const purchase = await funding.buy({ accountId: id, amount: '10', paymentMethodId: pm.id, idempotencyKey: 'ev-r1' });
        await funding.handlePaymentEvents({ providerId: bank.id, events: [event(purchase!.providerPaymentId!, 'succeeded', 'evt-ev-r1-ok')] });
        const back = event(purchase!.providerPaymentId!, 'reversed', 'evt-ev-r1-back', 'MD06');
        await funding.handlePaymentEvents({ providerId: bank.id, events: [back, back] });
        await funding.handlePaymentEvents({ providerId: bank.id, events: [back] });
        await funding.handlePaymentEvents({ providerId: bank.id, events: [event(purchase!.providerPaymentId!, 'reversed', 'evt-ev-r1-back2', 'MD06')] });
        const rows = await outbox(id);
        expect(rows.map((r) => r.type)).toEqual(['purchase.succeeded', 'purchase.reversed']);
        expect(rows[1]!.data).toEqual({ purchaseId: purchase!.id, accountId: id, amount: '10.00', providerId: bank.id, origin: 'manual', reason: 'MD06' });
      });

      it('a failure after success is a reversal: one purchase.reversed, no purchase.failed', async () => {
        const id = await account();
        const pm = await method(id, 'later', bank.id);
        const purchase = await funding.buy({ accountId: id, amount: '10', paymentMethodId: pm.id, idempotencyKey: 'ev-r2' });
        await funding.handlePaymentEvents({ providerId: bank.id, events: [event(purchase!.providerPaymentId!, 'succeeded', 'evt-ev-r2-ok')] });
        await funding.handlePaymentEvents({ providerId: bank.id, events: [event(purchase!.providerPaymentId!, 'failed', 'evt-ev-r2-fail', 'chargeback')] });
        const rows = await outbox(id);
        expect(rows.map((r) => r.type)).toEqual(['purchase.succeeded', 'purchase.reversed']);
        expect(rows[1]!.data).toMatchObject({ purchaseId: purchase!.id, amount: '10.00', reason: 'chargeback' });
      });
    });
  });
}
