import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase } from '@tollgate/db';
import { eventMigrations } from '@tollgate/events';
import { Money } from '@tollgate/money';
import { PriceCatalog, walletMigrations, WalletService, type PaymentMethodSetup, type PaymentProvider, type PaymentStatus } from '@tollgate/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fundingMigrations } from './funding.migrations.js';
import { FundingService } from './funding.service.js';
import { ceilToCents, targetRefillAmount } from './refill-amount.js';
import { scheduleState } from './refill-schedule.js';

/** Card-like ('fast') or bank-like ('slow') provider: 'ok' pays at once, 'decline' is refused, 'later' stays pending. */
class ScriptedProvider implements PaymentProvider {
  readonly label = 'Scripted';
  readonly methods = ['card'] as const;
  readonly payments = new Map<string, { id: string; status: PaymentStatus }>();
  constructor(
    readonly id: string,
    readonly settlement: 'fast' | 'slow',
  ) {}
  async createPaymentMethod(input: { details: Readonly<Record<string, unknown>> }): Promise<PaymentMethodSetup> {
    return { providerMethodId: String(input.details.token), kind: 'card', label: `Test ${String(input.details.token)}`, metadata: {} };
  }
  async createPayment(input: { idempotencyKey: string; providerMethodId: string }) {
    const known = this.payments.get(input.idempotencyKey);
    if (known) return { providerPaymentId: known.id, status: known.status };
    const status: PaymentStatus = input.providerMethodId === 'decline' ? 'failed' : input.providerMethodId === 'later' ? 'pending' : 'succeeded';
    const payment = { id: `pay_${this.id}_${this.payments.size + 1}`, status };
    this.payments.set(input.idempotencyKey, payment);
    return { providerPaymentId: payment.id, status, ...(status === 'failed' ? { reason: 'card_declined' } : {}) };
  }
}

describe('target refill amount', () => {
  it('is the shortfall to the target, rounded up to the cent, within €5.00…€1000.00', () => {
    const amount = (target: string, available: string, shortfall?: string) =>
      targetRefillAmount({ target: Money.of(target), available: Money.of(available), ...(shortfall ? { shortfall: Money.of(shortfall) } : {}) }).toString();
    expect(amount('50.00', '3.40')).toBe('46.60');
    expect(amount('50.00', '3.405')).toBe('46.60');
    expect(amount('50.00', '3.4049')).toBe('46.60');
    expect(amount('50.00', '3.3999')).toBe('46.61');
    expect(amount('12.00', '9.00')).toBe('5.00');
    expect(amount('1500.00', '0.00')).toBe('1000.00');
    // A use the balance cannot pay: the balance is at the target once it is paid.
    expect(amount('50.00', '3.00', '77.00')).toBe('127.00');
    expect(ceilToCents(Money.of('0.001')).toString()).toBe('0.01');
    expect(ceilToCents(Money.of('2.30')).toString()).toBe('2.30');
  });
});

describe('refill schedule', () => {
  const state = (now: string, doneMonth: string | null = null, since = '2025-01-01T00:00:00Z', dayOfMonth = 1) =>
    scheduleState({ now: new Date(now), timeZone: 'Europe/Brussels', dayOfMonth, since: new Date(since), doneMonth });
  it("is due from 00:00 on the day in the account's time zone to the month's end", () => {
    // 23:30 UTC on 31 March is 01:30 on 1 April in Brussels (summer time).
    expect(state('2026-03-31T21:59:59Z')).toMatchObject({ month: '2026-03', due: true }); // still March there: March's refill
    expect(state('2026-03-31T21:59:59Z', '2026-03')).toMatchObject({ month: '2026-03', due: false, nextAt: new Date('2026-03-31T22:00:00Z') });
    expect(state('2026-03-31T23:30:00Z', '2026-03')).toMatchObject({ month: '2026-04', due: true });
    expect(state('2026-04-30T21:00:00Z', '2026-03')).toMatchObject({ month: '2026-04', due: true }); // caught up late in the month
    expect(state('2026-04-30T22:00:00Z', '2026-03')).toMatchObject({ month: '2026-05', due: true }); // May: April's is not bought
    // Winter: 1 January starts at 23:00 UTC.
    expect(state('2025-12-31T23:00:00Z', '2025-12').nextAt).toEqual(new Date('2025-12-31T23:00:00Z'));
    expect(state('2025-12-15T10:00:00Z', '2025-12').nextAt).toEqual(new Date('2025-12-31T23:00:00Z'));
  });
  it('a schedule set after this month’s day waits for the next month', () => {
    expect(state('2026-04-20T10:00:00Z', null, '2026-04-10T10:00:00Z', 5)).toMatchObject({
      month: '2026-04',
      due: false,
      nextAt: new Date('2026-05-04T22:00:00Z'),
    });
    expect(state('2026-04-20T10:00:00Z', null, '2026-04-03T10:00:00Z', 5)).toMatchObject({ due: true, nextAt: new Date('2026-04-04T22:00:00Z') });
  });
});

for (const engine of testEngines()) {
  describe(`auto-refill to a target and on a schedule [${engine.name}]`, () => {
    let db: TestDatabase;
    const clock = new ManualClock('2026-03-15T09:00:00.000Z');
    let wallet: WalletService;
    const card = new ScriptedProvider('scripted-card', 'fast');
    const bank = new ScriptedProvider('scripted-bank', 'slow');
    const providers = { get: (id: string) => [card, bank].find((p) => p.id === id), list: () => [card, bank] };
    const notifier = { notify: async () => undefined };
    const service = (options: { refillWaitMs?: number } = {}) => new FundingService(db, clock, wallet, providers, notifier, options);
    let funding: FundingService;
    let n = 0;
    const account = async (balance?: string) => {
      const id = `acc_target_${engine.name}_${++n}`;
      await wallet.openWallet({ accountId: id, timeZone: 'Europe/Brussels' });
      if (balance) await wallet.grant({ accountId: id, kind: 'purchased', amount: balance, idempotencyKey: `seed-${id}` });
      return id;
    };
    const method = (accountId: string, token = 'ok', providerId = card.id) =>
      funding.addPaymentMethod({ accountId, providerId, kind: 'card', details: { token }, idempotencyKey: `m-${token}-${providerId}` });
    const available = async (accountId: string) => (await wallet.balance({ accountId })).available.toString();
    const refills = async (accountId: string) =>
      (await funding.listPurchases({ accountId })).data.filter((p) => p.origin === 'auto_refill').map((p) => p.amount.toString());
    const scheduledKeys = async (accountId: string) => {
      const { rows } = await db.query<{ idempotency_key: string }>(
        `select idempotency_key from funding_purchases where account_id = $1 and idempotency_key like 'refill-schedule:%' order by created_at`,
        [accountId],
      );
      return rows.map((r) => r.idempotency_key);
    };

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [walletMigrations, eventMigrations, fundingMigrations] });
      wallet = new WalletService(db, clock, { trialCredit: '0.00' }); // balances in the tests are the seeds alone
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

    it('target mode buys exactly the shortfall to the target in one purchase (3.40 → 50.00 is 46.60)', async () => {
      const id = await account('3.40');
      const pm = await method(id);
      const settings = await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '10.00', mode: 'target', target: '50.00', paymentMethodId: pm.id });
      expect(settings).toMatchObject({ mode: 'target', pack: null, schedule: null, nextScheduledAt: null });
      expect(settings.target!.toString()).toBe('50.00');
      expect(await funding.maybeRefill({ accountId: id })).toMatchObject({ status: 'succeeded', origin: 'auto_refill' });
      expect(await refills(id)).toEqual(['46.60']);
      expect(await available(id)).toBe('50.00');
      // Above the minimum again: nothing more.
      expect(await funding.maybeRefill({ accountId: id })).toBeNull();
      expect(await refills(id)).toEqual(['46.60']);
    });

    it('target mode clamps to the smallest pack (5.00) and the largest (1000.00)', async () => {
      const low = await account('9.00');
      await funding.setAutoRefill({
        accountId: low,
        enabled: true,
        minimum: '10.00',
        mode: 'target',
        target: '12.00',
        paymentMethodId: (await method(low)).id,
      });
      await funding.maybeRefill({ accountId: low });
      expect(await refills(low)).toEqual(['5.00']);
      expect(await available(low)).toBe('14.00');
      const high = await account();
      await funding.setAutoRefill({
        accountId: high,
        enabled: true,
        minimum: '500.00',
        mode: 'target',
        target: '1500.00',
        paymentMethodId: (await method(high)).id,
      });
      await funding.maybeRefill({ accountId: high });
      expect(await refills(high)).toEqual(['1000.00']);
    });

    it('target mode: a charge the balance cannot pay is refilled once so the balance is at the target after it', async () => {
      const id = await account('3.00');
      await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '2.00', mode: 'target', target: '50.00', paymentMethodId: (await method(id)).id });
      await funding.spendWithRefill({
        accountId: id,
        attempt: (provisional) => wallet.charge({ accountId: id, channel: 'sms-reminder', units: '80', idempotencyKey: 'big', provisional }),
      });
      expect(await refills(id)).toEqual(['127.00']);
      expect(await available(id)).toBe('50.00');
    });

    it('settings: target above the minimum and at most minimum + 1000, a pack or a target per mode, a day 1…28; pack mode stays the default', async () => {
      const id = await account();
      const pm = await method(id);
      const refusal = (input: Partial<Parameters<FundingService['setAutoRefill']>[0]>) =>
        funding
          .setAutoRefill({ accountId: id, enabled: true, minimum: '10.00', mode: 'target', target: '50.00', paymentMethodId: pm.id, ...input })
          .catch((e: unknown) => e);
      expect(await refusal({ target: '10.00' })).toMatchObject({
        status: 400,
        code: 'invalid_auto_refill',
        details: [{ path: ['minimum'] }, { path: ['target'] }],
      });
      expect(await refusal({ target: '1010.01' })).toMatchObject({ code: 'invalid_auto_refill', details: [{ path: ['target'] }] });
      expect(await refusal({ target: undefined })).toMatchObject({ code: 'invalid_auto_refill', details: [{ path: ['target'] }] });
      expect(await refusal({ mode: 'pack' })).toMatchObject({ code: 'invalid_auto_refill', details: [{ path: ['pack'] }] });
      expect(await refusal({ schedule: { dayOfMonth: 29 } })).toMatchObject({ code: 'invalid_auto_refill', details: [{ path: ['schedule', 'dayOfMonth'] }] });
      expect(await funding.getAutoRefill({ accountId: id })).toBeNull();
      expect(
        await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '10.00', mode: 'target', target: '1010.00', paymentMethodId: pm.id }),
      ).toMatchObject({ mode: 'target' });
      const packed = await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '5.00', pack: '10', paymentMethodId: pm.id });
      expect(packed).toMatchObject({ mode: 'pack', target: null, schedule: null });
      expect(packed.pack!.toString()).toBe('10.00');
    });

    it('a schedule buys once per month across two services and repeated sweeps, on the 1st in Brussels (23:30 UTC on 31 March)', async () => {
      clock.set(new Date('2026-03-15T09:00:00Z'));
      const id = await account('100.00');
      const pm = await method(id);
      const settings = await funding.setAutoRefill({
        accountId: id,
        enabled: true,
        minimum: '5.00',
        pack: '10',
        schedule: { dayOfMonth: 1 },
        paymentMethodId: pm.id,
      });
      expect(settings.schedule).toEqual({ dayOfMonth: 1 });
      expect(settings.nextScheduledAt).toEqual(new Date('2026-03-31T22:00:00Z'));
      const other = service();
      const sweepBoth = () => Promise.all([funding.sweep(), other.sweep(), funding.sweep(), other.scheduledRefill({ accountId: id })]);
      clock.set(new Date('2026-03-31T21:30:00Z')); // 23:30 on 31 March in Brussels
      await sweepBoth();
      expect(await scheduledKeys(id)).toEqual([]);
      clock.set(new Date('2026-03-31T23:30:00Z')); // 01:30 on 1 April in Brussels
      await sweepBoth();
      await sweepBoth();
      expect(await scheduledKeys(id)).toEqual(['refill-schedule:2026-04']);
      expect(await refills(id)).toEqual(['10.00']);
      expect(await available(id)).toBe('110.00');
      expect((await funding.getAutoRefill({ accountId: id }))!.nextScheduledAt).toEqual(new Date('2026-04-30T22:00:00Z'));
      clock.set(new Date('2026-04-15T12:00:00Z'));
      await sweepBoth();
      expect(await scheduledKeys(id)).toHaveLength(1);
      clock.set(new Date('2026-04-30T22:05:00Z')); // 1 May in Brussels
      await sweepBoth();
      expect(await scheduledKeys(id)).toEqual(['refill-schedule:2026-04', 'refill-schedule:2026-05']);
      expect(await available(id)).toBe('120.00');
    });

    it('a missed day is caught up later the same month, never in the next one', async () => {
      clock.set(new Date('2026-03-15T09:00:00Z'));
      const id = await account('100.00');
      await funding.setAutoRefill({
        accountId: id,
        enabled: true,
        minimum: '5.00',
        pack: '25',
        schedule: { dayOfMonth: 5 },
        paymentMethodId: (await method(id)).id,
      });
      clock.set(new Date('2026-04-20T09:00:00Z')); // no sweep ran from before 5 April until now
      await funding.sweep();
      expect(await scheduledKeys(id)).toEqual(['refill-schedule:2026-04']);
      const late = await account('100.00');
      await funding.setAutoRefill({
        accountId: late,
        enabled: true,
        minimum: '5.00',
        pack: '25',
        schedule: { dayOfMonth: 28 },
        paymentMethodId: (await method(late)).id,
      });
      clock.set(new Date('2026-05-03T09:00:00Z')); // 28 April passed without a sweep; it is May now
      await funding.sweep();
      expect(await scheduledKeys(late)).toEqual([]);
      expect((await funding.getAutoRefill({ accountId: late }))!.nextScheduledAt).toEqual(new Date('2026-05-27T22:00:00Z'));
    });

    it('target mode on a schedule: nothing when the balance is at the target (the month is done), else up to the target', async () => {
      clock.set(new Date('2026-06-10T09:00:00Z'));
      const id = await account('60.00');
      const pm = await method(id);
      await funding.setAutoRefill({
        accountId: id,
        enabled: true,
        minimum: '5.00',
        mode: 'target',
        target: '50.00',
        schedule: { dayOfMonth: 15 },
        paymentMethodId: pm.id,
      });
      clock.set(new Date('2026-06-15T08:00:00Z'));
      await funding.sweep();
      expect(await refills(id)).toEqual([]);
      await wallet.charge({ accountId: id, channel: 'sms-reminder', units: '30', idempotencyKey: 'june' });
      clock.set(new Date('2026-06-20T08:00:00Z'));
      await funding.sweep(); // 30.00 is under the target but above the minimum, and June was handled
      expect(await refills(id)).toEqual([]);
      clock.set(new Date('2026-07-15T08:00:00Z'));
      await funding.sweep();
      expect(await scheduledKeys(id)).toEqual(['refill-schedule:2026-07']);
      expect(await refills(id)).toEqual(['20.00']);
      expect(await available(id)).toBe('50.00');
    });

    it('scheduled refills count toward the refill limit, and one held back by the limit is bought once it resumes', async () => {
      clock.set(new Date('2026-08-10T09:00:00Z'));
      const id = await account('100.00');
      const pm = await method(id);
      await funding.setAutoRefill({
        accountId: id,
        enabled: true,
        minimum: '5.00',
        pack: '10',
        schedule: { dayOfMonth: 12 },
        paymentMethodId: pm.id,
        maxPerPeriod: 1,
      });
      clock.set(new Date('2026-08-11T23:00:00Z'));
      expect(await funding.maybeRefill({ accountId: id, force: true })).toMatchObject({ status: 'succeeded' });
      clock.set(new Date('2026-08-12T08:00:00Z')); // the schedule's day, but the limit is used up
      await funding.sweep();
      expect(await scheduledKeys(id)).toEqual([]);
      expect(await funding.getAutoRefill({ accountId: id })).toMatchObject({ pausedReason: 'refill_limit_reached' });
      clock.set(new Date('2026-08-13T08:00:00Z'));
      await funding.sweep();
      expect(await scheduledKeys(id)).toEqual(['refill-schedule:2026-08']);
      expect(await funding.getAutoRefill({ accountId: id })).toMatchObject({ pausedReason: 'refill_limit_reached', window: { refills: 1 } });
      expect(await funding.maybeRefill({ accountId: id, force: true })).toBeNull();
    });

    it('a declined scheduled refill pauses auto-refill; that month is done, the next month buys again once it is on', async () => {
      clock.set(new Date('2026-09-01T09:00:00Z'));
      const id = await account('100.00');
      const bad = await method(id, 'decline');
      await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '5.00', pack: '10', schedule: { dayOfMonth: 3 }, paymentMethodId: bad.id });
      clock.set(new Date('2026-09-03T08:00:00Z'));
      await funding.sweep();
      expect(await refills(id)).toEqual(['10.00']);
      expect(await funding.getAutoRefill({ accountId: id })).toMatchObject({ pausedReason: 'payment_declined', window: { declined: 1 } });
      const good = await method(id);
      await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '5.00', pack: '10', schedule: { dayOfMonth: 3 }, paymentMethodId: good.id });
      clock.set(new Date('2026-09-10T08:00:00Z'));
      await funding.sweep();
      expect(await scheduledKeys(id)).toEqual(['refill-schedule:2026-09']);
      clock.set(new Date('2026-10-03T08:00:00Z'));
      await funding.sweep();
      expect(await scheduledKeys(id)).toEqual(['refill-schedule:2026-09', 'refill-schedule:2026-10']);
      expect(await available(id)).toBe('110.00');
    });

    it('refillCover says whether an auto-refill would pay for a use the balance cannot pay, and why not', async () => {
      const shortfall = (s: string) => Money.of(s);
      const off = await account();
      expect(await funding.refillCover({ accountId: off, shortfall: shortfall('4.00') })).toEqual({
        enabled: false,
        paused: false,
        wouldCover: false,
        refillAmount: null,
        reason: 'auto_refill_off',
      });
      const id = await account('2.00');
      const pm = await method(id);
      await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '1.00', pack: '10', paymentMethodId: pm.id });
      const covered = await funding.refillCover({ accountId: id, shortfall: shortfall('4.00') });
      expect(covered).toMatchObject({ enabled: true, paused: false, wouldCover: true, reason: 'covered' });
      expect(covered.refillAmount!.toString()).toBe('10.00');
      expect(await funding.refillCover({ accountId: id, shortfall: shortfall('10.01') })).toMatchObject({ wouldCover: false, reason: 'refill_too_small' });
      expect(await service({ refillWaitMs: 0 }).refillCover({ accountId: id, shortfall: shortfall('4.00') })).toMatchObject({
        wouldCover: false,
        reason: 'refill_not_awaited',
      });
      await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '1.00', mode: 'target', target: '50.00', paymentMethodId: pm.id });
      const target = await funding.refillCover({ accountId: id, shortfall: shortfall('78.00') });
      expect(target).toMatchObject({ wouldCover: true, reason: 'covered' });
      expect(target.refillAmount!.toString()).toBe('128.00');
      expect((await funding.refillCover({ accountId: id, shortfall: shortfall('1200.00') })).reason).toBe('refill_too_small');
      // A bank (slow) method: the refill would start, but the credit comes days later.
      const sepa = await method(id, 'later', bank.id);
      await funding.setAutoRefill({ accountId: id, enabled: true, minimum: '1.00', pack: '10', paymentMethodId: sepa.id });
      expect(await funding.refillCover({ accountId: id, shortfall: shortfall('4.00') })).toMatchObject({ wouldCover: false, reason: 'refill_not_immediate' });
      await funding.maybeRefill({ accountId: id, force: true });
      expect(await funding.refillCover({ accountId: id, shortfall: shortfall('4.00') })).toMatchObject({ wouldCover: false, reason: 'refill_in_flight' });
      // Declined: paused, nothing would cover.
      const declined = await account();
      await funding.setAutoRefill({ accountId: declined, enabled: true, minimum: '1.00', pack: '10', paymentMethodId: (await method(declined, 'decline')).id });
      await funding.maybeRefill({ accountId: declined, force: true });
      expect(await funding.refillCover({ accountId: declined, shortfall: shortfall('4.00') })).toMatchObject({
        enabled: true,
        paused: true,
        wouldCover: false,
        refillAmount: null,
        reason: 'payment_declined',
      });
      // Nothing was bought by asking.
      expect(await refills(off)).toEqual([]);
    });
  });
}
