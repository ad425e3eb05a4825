import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase } from '@tollgate/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { PriceCatalog } from './price-catalog.js';
import { walletMigrations } from './wallet.migrations.js';
import { WalletService } from './wallet.service.js';

async function refusal(promise: Promise<unknown>): Promise<{ code: string; status: number; details?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; status: number };
  }
  throw new Error('expected a refusal');
}

for (const engine of testEngines()) {
  describe(`wallet clawbacks and refunds [${engine.name}]`, () => {
    let db: TestDatabase;
    let wallet: WalletService;
    let n = 0;
    const account = async () => {
      const id = `acc_f_${engine.name}_${++n}`;
      await wallet.openWallet({ accountId: id });
      return id;
    };
    const buy = (accountId: string, amount: string, key = `buy-${amount}-${n}`) =>
      wallet.grant({ accountId, kind: 'purchased', amount, idempotencyKey: key, description: 'Cash pack' });
    const sms = (accountId: string, units: string, key: string) => wallet.charge({ accountId, channel: 'sms-reminder', units, idempotencyKey: key });

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [walletMigrations] });
      const clock = new ManualClock('2026-06-01T10:00:00.000Z');
      wallet = new WalletService(db, clock, {});
      await new PriceCatalog(db, clock).setPrice({
        channel: 'sms-reminder',
        unit: 'message',
        unitPrice: '1.00',
        effectiveFrom: new Date('2026-01-01T00:00:00Z'),
      });
    });
    afterAll(async () => {
      await db?.dispose();
    });

    it('claws back an unspent purchase entirely and owes nothing', async () => {
      const id = await account();
      const lot = await buy(id, '10.00');
      const back = await wallet.clawback({ accountId: id, lotId: lot.lotId, idempotencyKey: 'claw-1', reason: 'AM04' });
      expect(back.recovered.toString()).toBe('10.00');
      expect(back.shortfall.toString()).toBe('0.00');
      const balance = await wallet.balance({ accountId: id });
      expect(balance.available.toString()).toBe('2.00'); // the trial credit is untouched
      expect(balance.owed.toString()).toBe('0.00');
      expect(balance.blocked).toBe(false);
    });

    it('turns spent credit into debt, blocks spending, and a new purchase settles it first', async () => {
      const id = await account();
      const lot = await buy(id, '10.00');
      await sms(id, '5', 's1'); // trial 2.00 first, then 3.00 of the purchase
      const back = await wallet.clawback({ accountId: id, lotId: lot.lotId, idempotencyKey: 'claw-2', reason: 'MD06' });
      expect(back.recovered.toString()).toBe('7.00');
      expect(back.shortfall.toString()).toBe('3.00');
      let balance = await wallet.balance({ accountId: id });
      expect(balance.owed.toString()).toBe('3.00');
      expect(balance.blocked).toBe(true);
      expect(balance.available.toString()).toBe('0.00');

      expect(await refusal(sms(id, '1', 's2'))).toMatchObject({ code: 'wallet_blocked', status: 409 });
      expect(await refusal(wallet.hold({ accountId: id, channel: 'sms-reminder', units: '1', idempotencyKey: 'h1' }))).toMatchObject({
        code: 'wallet_blocked',
      });
      expect(await refusal(wallet.clawback({ accountId: id, lotId: lot.lotId, idempotencyKey: 'claw-2b', reason: 'again' }))).toMatchObject({
        code: 'not_clawable',
      });

      await buy(id, '5.00', 'buy-again');
      balance = await wallet.balance({ accountId: id });
      expect(balance.owed.toString()).toBe('0.00');
      expect(balance.blocked).toBe(false);
      expect(balance.available.toString()).toBe('2.00');
      const { data } = await wallet.history({ accountId: id });
      expect(data.map((h) => h.type).slice(0, 3)).toEqual(['settle', 'grant', 'clawback']);
      expect((await checkInvariants({ db })).problems).toEqual([]);
    });

    it('a replayed clawback is answered from its key and claws once', async () => {
      const id = await account();
      const lot = await buy(id, '25.00');
      const [a, b] = await Promise.all([
        wallet.clawback({ accountId: id, lotId: lot.lotId, idempotencyKey: 'claw-3', reason: 'card_declined' }),
        wallet.clawback({ accountId: id, lotId: lot.lotId, idempotencyKey: 'claw-3', reason: 'card_declined' }),
      ]);
      expect(a.transactionId).toBe(b.transactionId);
      expect((await wallet.balance({ accountId: id })).available.toString()).toBe('2.00');
    });

    it('refuses to claw back trial credit or another wallet’s lot', async () => {
      const id = await account();
      const other = await account();
      const theirs = await buy(other, '5.00');
      const trial = (await wallet.lots({ accountId: id }))[0]!;
      expect(await refusal(wallet.clawback({ accountId: id, lotId: trial.id, idempotencyKey: 'c4', reason: 'x' }))).toMatchObject({ code: 'not_clawable' });
      expect(await refusal(wallet.clawback({ accountId: id, lotId: theirs.lotId, idempotencyKey: 'c5', reason: 'x' }))).toMatchObject({ code: 'not_clawable' });
      expect((await wallet.balance({ accountId: other })).available.toString()).toBe('7.00');
    });

    it('a hold on clawed credit that is released later settles the debt', async () => {
      const id = await account();
      const lot = await buy(id, '10.00');
      const hold = await wallet.hold({ accountId: id, channel: 'sms-reminder', units: '4', idempotencyKey: 'h2' }); // trial 2 + 2 purchased
      await wallet.clawback({ accountId: id, lotId: lot.lotId, idempotencyKey: 'claw-6', reason: 'MD06' });
      expect((await wallet.balance({ accountId: id })).owed.toString()).toBe('2.00');
      await wallet.release({ accountId: id, holdId: hold.holdId, idempotencyKey: 'r2' });
      const balance = await wallet.balance({ accountId: id });
      expect(balance.owed.toString()).toBe('0.00');
      expect(balance.available.toString()).toBe('2.00'); // the trial part came back; the purchased part paid the debt
      expect((await checkInvariants({ db })).problems).toEqual([]);
    });

    it('refunds purchased credit less the fee as two entries, never trial credit', async () => {
      const id = await account();
      await buy(id, '100.00');
      await wallet.grant({ accountId: id, kind: 'referral', amount: '10.00', idempotencyKey: 'ref' });
      expect((await wallet.balance({ accountId: id })).refundable.toString()).toBe('100.00');
      expect(await refusal(wallet.refund({ accountId: id, credits: '100.01', fee: '50.00', idempotencyKey: 'rf0' }))).toMatchObject({
        code: 'refund_exceeds_refundable',
        status: 422,
      });
      expect(await refusal(wallet.refund({ accountId: id, credits: '50.00', fee: '50.00', idempotencyKey: 'rf1' }))).toMatchObject({
        code: 'refund_below_fee',
        status: 422,
      });
      const refund = await wallet.refund({ accountId: id, credits: '80.00', fee: '50.00', idempotencyKey: 'rf2' });
      expect(refund.payout.toString()).toBe('30.00');
      expect(refund.feeTransactionId).not.toBeNull();
      const again = await wallet.refund({ accountId: id, credits: '80.00', fee: '50.00', idempotencyKey: 'rf2' });
      expect(again.refundTransactionId).toBe(refund.refundTransactionId);
      const balance = await wallet.balance({ accountId: id });
      expect(balance.byKind.purchased.available.toString()).toBe('20.00');
      expect(balance.byKind.referral.available.toString()).toBe('10.00');
      expect(balance.byKind.trial.available.toString()).toBe('2.00');
      const { data } = await wallet.history({ accountId: id, limit: 2 });
      expect(data.map((h) => [h.type, h.amount.toString()])).toEqual([
        ['fee', '-50.00'],
        ['refund', '-30.00'],
      ]);
      expect((await checkInvariants({ db })).problems).toEqual([]);
    });

    it('an invariant problem is found when owed and receivables disagree', async () => {
      const id = await account();
      await db.query('update wallets set owed = 1.00 where account_id = $1', [id]);
      const report = await checkInvariants({ db });
      expect(report.problems.map((p) => p.check)).toContain('wallet_owed');
      await db.query('update wallets set owed = 0 where account_id = $1', [id]);
    });
  });
}
