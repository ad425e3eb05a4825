import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase } from '@tollgate/db';
import { Money } from '@tollgate/money';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { PriceCatalog } from './price-catalog.js';
import { walletMigrations } from './wallet.migrations.js';
import { WalletService } from './wallet.service.js';

// Scoped credit, channel tags, monthly spending caps and the quote (issue 22), on a real database.
expect.addEqualityTesters([(a: unknown, b: unknown) => (a instanceof Money && b instanceof Money ? a.equals(b) : undefined)]);
const eur = (amount: string) => Money.of(amount);

async function refusal(promise: Promise<unknown>): Promise<{ code: string; status: number; message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; status: number; message: string; details: Record<string, unknown> };
  }
  throw new Error('expected a refusal');
}

for (const engine of testEngines()) {
  describe(`wallet scopes and caps [${engine.name}]`, () => {
    let db: TestDatabase;
    let clock: ManualClock;
    let wallet: WalletService;
    let catalog: PriceCatalog;
    let n = 0;
    let k = 0;
    const key = () => `k${++k}`;
    const account = async () => {
      const id = `acc_${engine.name}_${++n}`;
      await wallet.openWallet({ accountId: id });
      return id;
    };
    const ledgerRows = async () => (await db.query<{ n: number }>('select count(*)::int as n from ledger_transactions')).rows[0]!.n;

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [walletMigrations] });
      clock = new ManualClock('2026-03-10T10:00:00.000Z');
      // No trial credit: every test grants exactly what it spends.
      wallet = new WalletService(db, clock, { trialCredit: '0' });
      catalog = new PriceCatalog(db, clock);
      const from = new Date('2025-01-01T00:00:00Z');
      await catalog.setPrice({ channel: 'sms', unit: 'message', unitPrice: '0.15', effectiveFrom: from });
      await catalog.setPrice({ channel: 'post-be', unit: 'letter', unitPrice: '1.20', effectiveFrom: from });
      await catalog.setPrice({ channel: 'post-nl', unit: 'letter', unitPrice: '1.35', effectiveFrom: from });
      await catalog.setPrice({ channel: 'voice', unit: 'minute', unitPrice: '0.0125', effectiveFrom: from });
      await catalog.setPrice({ channel: 'scan', unit: 'scan', unitPrice: '0.10', effectiveFrom: from });
      await catalog.setQuota({ channel: 'scan', freeUnits: '3' });
      await catalog.setTags({ channel: 'post-be', tags: ['postal'] });
      await catalog.setTags({ channel: 'post-nl', tags: ['postal', 'postal'] });
    });
    afterAll(async () => {
      await db?.dispose();
    });

    it('a letter-only (postal) pack never pays for an SMS; letters spend it first', async () => {
      const id = await account();
      const pack = await wallet.grant({ accountId: id, kind: 'purchased', amount: '3.00', idempotencyKey: key(), scope: ['postal'] });
      expect(pack.scope).toEqual(['postal']);
      const general = await wallet.grant({ accountId: id, kind: 'purchased', amount: '0.10', idempotencyKey: key() });
      expect(general.scope).toBeNull();

      // The letter takes the postal pack although the general lot is older in the W-4 order's terms.
      const letter = await wallet.charge({ accountId: id, channel: 'post-be', units: '1', idempotencyKey: key() });
      expect(letter.lots).toEqual([{ lotId: pack.lotId, kind: 'purchased', amount: eur('1.20') }]);

      // An SMS may only use the €0.10 general credit: €0.15 is refused, saying how much is scoped elsewhere.
      const before = await ledgerRows();
      const refused = await refusal(wallet.charge({ accountId: id, channel: 'sms', units: '1', idempotencyKey: key() }));
      expect(refused.code).toBe('insufficient_funds');
      expect(refused.details).toMatchObject({ required: '0.15', available: '0.10', scopedToOtherChannels: '1.80' });
      expect(await ledgerRows()).toBe(before);

      // A letter beyond the pack takes the rest of the pack, then general credit.
      await wallet.charge({ accountId: id, channel: 'post-nl', units: '1', idempotencyKey: key() });
      const last = await refusal(wallet.charge({ accountId: id, channel: 'post-be', units: '1', idempotencyKey: key() }));
      expect(last.code).toBe('insufficient_funds');

      const lots = await wallet.lots({ accountId: id, includeEmpty: true });
      expect(lots.map((l) => [l.scope, l.remaining.toString()])).toEqual([
        [['postal'], '0.45'],
        [null, '0.10'],
      ]);
      const balance = await wallet.balance({ accountId: id });
      expect(balance.available).toEqual(eur('0.55'));
      expect(balance.scoped).toEqual([{ scope: ['postal'], available: eur('0.45'), pending: eur('0') }]);
      expect(balance.refundable).toEqual(eur('0.55'));
      expect((await checkInvariants({ db })).ok).toBe(true);
    });

    it('spends the narrowest scope first: the channel itself, then a tag, then general credit', async () => {
      const id = await account();
      const general = await wallet.grant({ accountId: id, kind: 'promo', amount: '1.00', idempotencyKey: key() });
      const tagged = await wallet.grant({ accountId: id, kind: 'purchased', amount: '1.00', idempotencyKey: key(), scope: ['postal', 'sms'] });
      const own = await wallet.grant({ accountId: id, kind: 'purchased', amount: '1.00', idempotencyKey: key(), scope: ['post-be'] });
      const hold = await wallet.hold({ accountId: id, channel: 'post-be', units: '2', idempotencyKey: key() });
      expect(hold.lots.map((l) => [l.lotId, l.amount.toString()])).toEqual([
        [own.lotId, '1.00'],
        [tagged.lotId, '1.00'],
        [general.lotId, '0.40'],
      ]);
      const released = await wallet.release({ accountId: id, holdId: hold.holdId, idempotencyKey: key() });
      expect(released.lots).toHaveLength(3);
      const lots = await wallet.lots({ accountId: id });
      expect(lots.every((l) => l.remaining.equals(eur('1.00')))).toBe(true);
    });

    it('refuses an unknown scope with invalid_scope', async () => {
      const id = await account();
      const refused = await refusal(wallet.grant({ accountId: id, kind: 'promo', amount: '1.00', idempotencyKey: key(), scope: ['postal', 'fax'] }));
      expect(refused).toMatchObject({ code: 'invalid_scope', status: 400 });
      expect((await refusal(wallet.grant({ accountId: id, kind: 'promo', amount: '1.00', idempotencyKey: key(), scope: [] }))).code).toBe('invalid_scope');
    });

    it('a channel cap refuses the first use over it, nothing moves, and it resets next month', async () => {
      clock.set('2026-03-10T10:00:00.000Z');
      const id = await account();
      await wallet.grant({ accountId: id, kind: 'purchased', amount: '10.00', idempotencyKey: key() });
      await wallet.setCap({ accountId: id, kind: 'channel', target: 'sms', limit: '0.50' });
      await wallet.charge({ accountId: id, channel: 'sms', units: '3', idempotencyKey: key() }); // 0.45
      const before = await ledgerRows();
      const overKey = key();
      const refused = await refusal(wallet.charge({ accountId: id, channel: 'sms', units: '1', idempotencyKey: overKey }));
      expect(refused.code).toBe('spending_cap_exceeded');
      expect(refused.status).toBe(422);
      expect(refused.details).toEqual({
        kind: 'channel',
        target: 'sms',
        limit: '0.50',
        used: '0.45',
        requested: '0.15',
        period: '2026-03-01',
        resetsAt: '2026-04-01',
      });
      expect(await ledgerRows()).toBe(before);
      expect((await wallet.balance({ accountId: id })).available).toEqual(eur('9.55'));
      // 0.45 of 0.50 is not reached: no cap_reached event yet.
      const reached = async () =>
        (
          await db.query<{ payload: object }>(`select payload from wallet_events where account_id = $1 and type = 'wallet.cap_reached' order by id`, [id])
        ).rows.map((r) => r.payload);
      expect(await reached()).toEqual([]);
      // Remembered under its key: raising the cap does not change what that key answered.
      await wallet.setCap({ accountId: id, kind: 'channel', target: 'sms', limit: '5.00' });
      expect((await refusal(wallet.charge({ accountId: id, channel: 'sms', units: '1', idempotencyKey: overKey }))).code).toBe('spending_cap_exceeded');
      await wallet.setCap({ accountId: id, kind: 'channel', target: 'sms', limit: '0.50' });
      // Other channels are not capped.
      await wallet.charge({ accountId: id, channel: 'post-be', units: '1', idempotencyKey: key() });

      // A spend that brings the counter exactly to the cap emits wallet.cap_reached once.
      await wallet.setCap({ accountId: id, kind: 'channel', target: 'sms', limit: '0.60' });
      await wallet.charge({ accountId: id, channel: 'sms', units: '1', idempotencyKey: key() });
      expect(await reached()).toEqual([{ accountId: id, kind: 'channel', target: 'sms', limit: '0.60', used: '0.60', period: '2026-03-01' }]);
      await wallet.setCap({ accountId: id, kind: 'channel', target: 'sms', limit: '0.50' });
      const caps = await wallet.caps({ accountId: id });
      expect(caps).toEqual([
        { kind: 'channel', target: 'sms', limit: eur('0.50'), used: eur('0.60'), remaining: eur('0'), period: '2026-03-01', resetsAt: '2026-04-01' },
      ]);

      // April (Brussels time): the counter starts again.
      clock.set('2026-03-31T22:30:00.000Z');
      await wallet.charge({ accountId: id, channel: 'sms', units: '3', idempotencyKey: key() });
      expect((await wallet.caps({ accountId: id }))[0]).toMatchObject({ used: eur('0.45'), period: '2026-04-01' });
      clock.set('2026-03-10T10:00:00.000Z');
    });

    it('a user cap counts holds when placed, captures lower it, releases and reversals give back', async () => {
      const id = await account();
      await wallet.grant({ accountId: id, kind: 'purchased', amount: '10.00', idempotencyKey: key() });
      await wallet.setCap({ accountId: id, kind: 'user', target: 'usr_1', limit: '2.00' });
      const hold = await wallet.hold({ accountId: id, channel: 'post-be', units: '1', idempotencyKey: key(), userId: 'usr_1' });
      const used = async () => (await wallet.caps({ accountId: id })).find((c) => c.target === 'usr_1')!.used.toString();
      expect(await used()).toBe('1.20');
      // Another user's spend and an unknown user's spend do not count.
      await wallet.charge({ accountId: id, channel: 'post-be', units: '1', idempotencyKey: key(), userId: 'usr_2' });
      await wallet.charge({ accountId: id, channel: 'post-be', units: '1', idempotencyKey: key() });
      expect(await used()).toBe('1.20');
      const refused = await refusal(wallet.charge({ accountId: id, channel: 'post-be', units: '1', idempotencyKey: key(), userId: 'usr_1' }));
      expect(refused.details).toMatchObject({ kind: 'user', target: 'usr_1', used: '1.20', requested: '1.20', limit: '2.00' });
      await wallet.capture({ accountId: id, holdId: hold.holdId, idempotencyKey: key(), amount: '0.50' });
      expect(await used()).toBe('0.50');
      const charged = await wallet.charge({ accountId: id, channel: 'post-be', units: '1', idempotencyKey: key(), userId: 'usr_1' });
      expect(await used()).toBe('1.70');
      await wallet.reverse({ accountId: id, transactionId: charged.transactionId, idempotencyKey: key(), reason: 'not delivered' });
      expect(await used()).toBe('0.50');
      const second = await wallet.hold({ accountId: id, channel: 'sms', units: '2', idempotencyKey: key(), userId: 'usr_1' });
      expect(await used()).toBe('0.80');
      await wallet.release({ accountId: id, holdId: second.holdId, idempotencyKey: key() });
      expect(await used()).toBe('0.50');
      expect((await checkInvariants({ db })).ok).toBe(true);
    });

    it('the quote is what a hold then takes: amount, free units and the lots split', async () => {
      const id = await account();
      const general = await wallet.grant({ accountId: id, kind: 'promo', amount: '0.25', idempotencyKey: key() });
      const scoped = await wallet.grant({ accountId: id, kind: 'purchased', amount: '0.20', idempotencyKey: key(), scope: ['scan'] });
      await wallet.grant({ accountId: id, kind: 'purchased', amount: '5.00', idempotencyKey: key(), scope: ['postal'] });
      await wallet.setCap({ accountId: id, kind: 'channel', target: 'scan', limit: '1.00' });
      const quote = await wallet.quote({ accountId: id, channel: 'scan', units: '7' });
      expect(quote).toMatchObject({ affordable: true, reason: null, freeUnits: '3', amount: eur('0.40'), available: eur('0.45') });
      expect(quote.breakdown).toEqual({ freeUnits: '3', allowanceUnits: '0', paidUnits: '4', fromScoped: eur('0.20'), fromGeneral: eur('0.20') });
      expect(quote.caps).toEqual([{ kind: 'channel', target: 'scan', limit: eur('1.00'), used: eur('0'), remaining: eur('1.00') }]);
      // 3 free + €0.45 / €0.10 = 4 paid.
      expect(quote.maxUnits).toBe('7');
      expect(quote.autoRefill).toBeNull();
      const hold = await wallet.hold({ accountId: id, channel: 'scan', units: '7', idempotencyKey: key() });
      expect(hold.amount).toEqual(quote.amount);
      expect(hold.freeUnits).toBe(quote.freeUnits);
      expect(hold.lots).toEqual(quote.lots);
      expect(hold.lots.map((l) => l.lotId)).toEqual([scoped.lotId, general.lotId]);
      // Now the quote sees the hold: no free units left, €0.05 of credit for scans.
      const after = await wallet.quote({ accountId: id, channel: 'scan', units: '1' });
      expect(after).toMatchObject({ affordable: false, reason: 'insufficient_funds', freeUnits: '0', available: eur('0.05'), maxUnits: '0' });
    });

    it('maxUnits is exact at a rounding edge (0.0125 per minute, half-up) and respects caps', async () => {
      const id = await account();
      await wallet.grant({ accountId: id, kind: 'purchased', amount: '0.06', idempotencyKey: key() });
      // 5 minutes cost 0.0625 → 0.06 (half-up), 6 cost 0.075 → 0.08: five fit, although 0.06 / 0.0125 = 4.8.
      const quote = await wallet.quote({ accountId: id, channel: 'voice', units: '1' });
      expect(quote.maxUnits).toBe('5');
      expect((await wallet.quote({ accountId: id, channel: 'voice', units: '6' })).affordable).toBe(false);
      expect((await wallet.quote({ accountId: id, channel: 'voice', units: '5' })).affordable).toBe(true);
      await wallet.setCap({ accountId: id, kind: 'channel', target: 'voice', limit: '0.04' });
      // 3 minutes: 0.0375 → 0.04; 4: 0.05.
      const capped = await wallet.quote({ accountId: id, channel: 'voice', units: '4' });
      expect(capped).toMatchObject({ maxUnits: '3', affordable: false, reason: 'spending_cap_exceeded' });
      expect((await refusal(wallet.hold({ accountId: id, channel: 'voice', units: '4', idempotencyKey: key() }))).code).toBe('spending_cap_exceeded');
      const held = await wallet.hold({ accountId: id, channel: 'voice', units: '3', idempotencyKey: key() });
      expect(held.amount).toEqual(eur('0.04'));
    });

    it('a transaction hook that throws rolls the batch back; a hook sees availableBefore and available', async () => {
      const hooked = new WalletService(db, clock, { trialCredit: '0' });
      const seen: Array<[string, string]> = [];
      let fail = false;
      hooked.addTransactionHook({
        name: 'probe',
        afterWrite: async ({ changes }) => {
          for (const c of changes) seen.push([c.availableBefore.toString(), c.available.toString()]);
          if (fail) throw new Error('hook fault');
        },
      });
      const id = `acc_${engine.name}_hook`;
      await hooked.openWallet({ accountId: id });
      await hooked.grant({ accountId: id, kind: 'promo', amount: '1.00', idempotencyKey: 'h1' });
      expect(seen.at(-1)).toEqual(['0.00', '1.00']);
      const before = await ledgerRows();
      fail = true;
      await expect(hooked.charge({ accountId: id, channel: 'sms', units: '2', idempotencyKey: 'h2' })).rejects.toThrow('hook fault');
      expect(seen.at(-1)).toEqual(['1.00', '0.70']);
      expect(await ledgerRows()).toBe(before);
      expect((await hooked.balance({ accountId: id })).available).toEqual(eur('1.00'));
      const { rows } = await db.query('select 1 from idempotency_keys where account_id = $1 and key = $2', [id, 'h2']);
      expect(rows).toHaveLength(0);
    });
  });
}
