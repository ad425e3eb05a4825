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
    return { providerPaymentId: payment.id, status, ...(status === 'failed' ? { reason: 'card_declined' } : {}) };
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
      await migrate({ db, sets: [walletMigrations, fundingMigrations] });
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
      expect(await funding.maybeRefill({ accountId: id })).toMatchObject({ status: 'failed' });
      const settings = await funding.getAutoRefill({ accountId: id });
      expect(settings!.pausedReason).toBe('payment_failed:card_declined');
      expect(await funding.maybeRefill({ accountId: id })).toBeNull();
      expect(notices.filter((x) => x.accountId === id && x.template === 'refill_failed')).toHaveLength(1);
      const ok = await method(id, 'ok');
      await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '5.00', pack: '10', paymentMethodId: ok.id });
      expect(await funding.maybeRefill({ accountId: id })).toMatchObject({ status: 'succeeded' });
    });

    it('auto-refill: the storm guard stops more than N refills per period', async () => {
      const id = await account();
      const pm = await method(id);
      await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '100.00', pack: '5', paymentMethodId: pm.id, maxPerPeriod: 2, periodHours: 1 });
      const guarded: unknown[] = [];
      funding.events.on('refill_guarded', (e) => guarded.push(e));
      expect(await funding.maybeRefill({ accountId: id })).not.toBeNull();
      expect(await funding.maybeRefill({ accountId: id })).not.toBeNull();
      expect(await funding.maybeRefill({ accountId: id })).toBeNull();
      expect(guarded).toHaveLength(1);
      clock.advance({ hours: 1, ms: 1 });
      expect(await funding.maybeRefill({ accountId: id })).not.toBeNull();
      expect(await available(id)).toBe('17.00');
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
  });
}
