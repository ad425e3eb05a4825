import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase } from '@tollgate/db';
import { Money } from '@tollgate/money';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { PriceCatalog } from './price-catalog.js';
import { walletMigrations } from './wallet.migrations.js';
import { WalletService } from './wallet.service.js';
import type { ChargeResult } from './wallet.types.js';

/*
 * Plan allowances in the wallet (issue 22): the host's replace-all write of a plan's allowances,
 * and racing charges from two services (two hosts) that must use the free quota, then exactly the
 * allowance, then money, each unit once.
 */

const CHANNEL = 'allow-letter';

for (const engine of testEngines()) {
  describe(`wallet allowances [${engine.name}]`, () => {
    let db: TestDatabase;
    const clock = new ManualClock('2027-01-15T10:00:00.000Z');
    let a: WalletService;
    let b: WalletService;

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [walletMigrations] });
      const catalog = new PriceCatalog(db, clock);
      await catalog.setPrice({ channel: CHANNEL, unit: 'letter', unitPrice: '0.50', effectiveFrom: new Date('2026-01-01T00:00:00Z') });
      await catalog.setQuota({ channel: CHANNEL, freeUnits: '2' });
      a = new WalletService(db, clock, { trialCredit: '0' });
      b = new WalletService(db, clock, { trialCredit: '0', maxBatch: 5 });
    });
    afterAll(async () => {
      await db?.dispose();
    });

    const rows = async (plan: string) =>
      (
        await db.query<{ channel: string; units: string; rollover_max: string | null; rollover_months: number | null }>(
          'select channel, units::text, rollover_max::text, rollover_months from plan_allowances where plan = $1 order by channel',
          [plan],
        )
      ).rows;

    it('setPlanAllowances replaces a plan’s allowances; the same again changes nothing; bad input is refused', async () => {
      await a.setPlanAllowances({
        plan: 'letters',
        allowances: { [CHANNEL]: { units: '20' }, sms: { units: '5', rollover: { max: '5', expiresAfterMonths: 1 } } },
      });
      expect(await rows('letters')).toEqual([
        { channel: CHANNEL, units: '20.000000', rollover_max: null, rollover_months: null },
        { channel: 'sms', units: '5.000000', rollover_max: '5.000000', rollover_months: 1 },
      ]);
      const only = { [CHANNEL]: { units: '20', rollover: { max: '10' } } };
      await a.setPlanAllowances({ plan: 'letters', allowances: only });
      await b.setPlanAllowances({ plan: 'letters', allowances: only });
      expect(await rows('letters')).toEqual([{ channel: CHANNEL, units: '20.000000', rollover_max: '10.000000', rollover_months: null }]);
      await expect(a.setPlanAllowances({ plan: 'letters', allowances: { [CHANNEL]: { units: '0' } } })).rejects.toMatchObject({ code: 'invalid_units' });
      await expect(
        a.setPlanAllowances({ plan: 'letters', allowances: { [CHANNEL]: { units: '20', rollover: { max: '10', expiresAfterMonths: 0 } } } }),
      ).rejects.toMatchObject({ code: 'invalid_expiry' });
      await expect(a.setPlanAllowances({ plan: 'Letters!', allowances: {} })).rejects.toMatchObject({ status: 400 });
      // Refusals changed nothing.
      expect(await rows('letters')).toEqual([{ channel: CHANNEL, units: '20.000000', rollover_max: '10.000000', rollover_months: null }]);
    });

    it('40 racing charges on two services: 2 free, exactly 20 from the allowance, 18 paid; a replay answers the same', async () => {
      const id = 'allow-race';
      await a.openWallet({ accountId: id, plan: 'letters', timeZone: 'Europe/Brussels' });
      await a.grant({ accountId: id, kind: 'purchased', amount: '20.00', idempotencyKey: 'top-up' });
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 ? b : a).charge({ accountId: id, channel: CHANNEL, units: '1', idempotencyKey: `c-${i}` })),
      );
      const sum = (pick: (r: ChargeResult) => string) => results.reduce((total, r) => total.plus(Money.of(pick(r))), Money.zero());
      expect(sum((r) => r.freeUnits).toString()).toBe('2.00');
      expect(sum((r) => r.allowanceUnits).toString()).toBe('20.00');
      expect(sum((r) => r.amount.toString()).toString()).toBe('9.00');
      // Each charge is wholly one kind: free, allowance, or money.
      for (const r of results) expect([r.freeUnits, r.allowanceUnits, r.amount.toString()].filter((v) => v !== '0' && v !== '0.00')).toHaveLength(1);
      const [allowance] = await a.allowances({ accountId: id });
      expect(allowance).toMatchObject({ channel: CHANNEL, period: '2027-01-01', granted: '20', used: '20', remaining: '0', label: '0 of 20 letters left' });
      const replay = await b.charge({ accountId: id, channel: CHANNEL, units: '1', idempotencyKey: 'c-7' });
      expect(replay.allowanceUnits).toBe(results[7]!.allowanceUnits);
      expect(replay.transactionId).toBe(results[7]!.transactionId);
      expect((await a.balance({ accountId: id })).available.toString()).toBe('11.00');
      expect((await checkInvariants({ db })).problems).toEqual([]);
    });

    it('a quote reads the allowance without using it', async () => {
      const id = 'allow-quote';
      await a.openWallet({ accountId: id, plan: 'letters', timeZone: 'Europe/Brussels' });
      const quote = await a.quote({ accountId: id, channel: CHANNEL, units: '25' });
      expect(quote).toMatchObject({ freeUnits: '2', allowanceUnits: '20', affordable: false, reason: 'insufficient_funds' });
      expect(quote.amount.toString()).toBe('1.50');
      expect((await db.query('select 1 from allowance_periods where account_id = $1', [id])).rows).toHaveLength(0);
    });
  });
}
