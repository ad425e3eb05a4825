import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase } from '@tollgate/db';
import { Money } from '@tollgate/money';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { PriceCatalog } from './price-catalog.js';
import { relayWalletEvents } from './wallet-outbox.js';
import { walletMigrations } from './wallet.migrations.js';
import { WalletService } from './wallet.service.js';

// Results carry Money; compare amounts by value (Money's own fields are private, so toEqual alone would not).
expect.addEqualityTesters([(a: unknown, b: unknown) => (a instanceof Money && b instanceof Money ? a.equals(b) : undefined)]);
const eur = (amount: string) => Money.of(amount);

async function refusal(promise: Promise<unknown>): Promise<{ code: string; status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; status: number; message: string };
  }
  throw new Error('expected a refusal');
}

for (const engine of testEngines()) {
  describe(`wallet [${engine.name}]`, () => {
    let db: TestDatabase;
    let clock: ManualClock;
    let wallet: WalletService;
    let catalog: PriceCatalog;
    let n = 0;
    const account = async (timeZone = 'Europe/Brussels') => {
      const id = `acc_${engine.name}_${++n}`;
      await wallet.openWallet({ accountId: id, timeZone });
      return id;
    };
    const ledgerCount = async () => (await db.query<{ n: number }>('select count(*)::int as n from ledger_postings')).rows[0]!.n;

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [walletMigrations] });
      clock = new ManualClock('2025-06-01T10:00:00.000Z');
      wallet = new WalletService(db, clock, {});
      catalog = new PriceCatalog(db, clock);
      await catalog.setPrice({ channel: 'sms-reminder', unit: 'message', unitPrice: '0.15', effectiveFrom: new Date('2025-01-01T00:00:00Z') });
      await catalog.setPrice({ channel: 'sms-reminder', unit: 'message', unitPrice: '0.18', effectiveFrom: new Date('2026-01-01T00:00:00Z') });
      await catalog.setPrice({ channel: 'expense-scan', unit: 'scan', unitPrice: '0.10', effectiveFrom: new Date('2025-01-01T00:00:00Z') });
      await catalog.setQuota({ channel: 'expense-scan', freeUnits: '100' });
      await catalog.setPrice({ channel: 'voice', unit: 'minute', unitPrice: '0.0125', effectiveFrom: new Date('2025-01-01T00:00:00Z') });
      await catalog.setPrice({ channel: 'post', unit: 'letter', unitPrice: '1.20', country: 'BE', effectiveFrom: new Date('2025-01-01T00:00:00Z') });
      await catalog.setPrice({ channel: 'post', unit: 'letter', unitPrice: '1.35', country: 'NL', effectiveFrom: new Date('2025-01-01T00:00:00Z') });
    });
    afterAll(async () => {
      await db?.dispose();
    });

    it('grants the €2.00 trial credit once per account', async () => {
      const id = await account();
      await wallet.openWallet({ accountId: id });
      await Promise.all([wallet.openWallet({ accountId: id }), wallet.openWallet({ accountId: id })]);
      const balance = await wallet.balance({ accountId: id });
      expect(balance.available.toString()).toBe('2.00');
      expect(balance.byKind.trial.available.toString()).toBe('2.00');
      expect(balance.byKind.purchased.available.toString()).toBe('0.00');
    });

    it('charges the price in force at the time of use, rounded half-up to the cent', async () => {
      const id = await account();
      const first = await wallet.charge({ accountId: id, channel: 'sms-reminder', units: '1', idempotencyKey: 'a' });
      expect(first).toMatchObject({ amount: eur('0.15'), unitPrice: eur('0.15'), balanceAfter: eur('1.85') });
      clock.set('2026-01-15T09:00:00.000Z');
      const second = await wallet.charge({ accountId: id, channel: 'sms-reminder', units: '1', idempotencyKey: 'b', description: 'SMS reminder' });
      expect(second).toMatchObject({ amount: eur('0.18'), balanceAfter: eur('1.67') });
      const voice = await wallet.charge({ accountId: id, channel: 'voice', units: '3', idempotencyKey: 'c' });
      expect(voice).toMatchObject({ amount: eur('0.04'), unitPrice: eur('0.0125') }); // 0.0375 -> 0.04
      const post = await wallet.charge({ accountId: id, channel: 'post', units: '1', country: 'NL', idempotencyKey: 'd' });
      expect(post).toMatchObject({ amount: eur('1.35') });
      expect((await refusal(wallet.charge({ accountId: id, channel: 'post', units: '1', country: 'DE', idempotencyKey: 'e' }))).code).toBe('no_price');
    });

    it('returns the first result on a retry and refuses the key with other parameters', async () => {
      const id = await account();
      const [a, b] = await Promise.all([
        wallet.charge({ accountId: id, channel: 'sms-reminder', units: '1', idempotencyKey: 'k1' }),
        wallet.charge({ accountId: id, channel: 'sms-reminder', units: '1', idempotencyKey: 'k1' }),
      ]);
      expect(b).toEqual(a);
      const again = await wallet.charge({ accountId: id, channel: 'sms-reminder', units: '1', idempotencyKey: 'k1' });
      expect(again).toEqual(a);
      expect((await wallet.balance({ accountId: id })).available.toString()).toBe('1.82');
      const reused = await refusal(wallet.charge({ accountId: id, channel: 'sms-reminder', units: '2', idempotencyKey: 'k1' }));
      expect([reused.code, reused.status]).toEqual(['idempotency_key_reused', 409]);
    });

    it('refuses a charge it cannot cover, changes nothing, and replays the refusal', async () => {
      const id = await account();
      const before = await ledgerCount();
      const refused = await refusal(wallet.charge({ accountId: id, channel: 'sms-reminder', units: '12', idempotencyKey: 'big' }));
      expect([refused.code, refused.status]).toEqual(['insufficient_funds', 422]);
      expect(await ledgerCount()).toBe(before);
      await wallet.grant({ accountId: id, kind: 'purchased', amount: '10.00', idempotencyKey: 'buy' });
      const replay = await refusal(wallet.charge({ accountId: id, channel: 'sms-reminder', units: '12', idempotencyKey: 'big' }));
      expect(replay.code).toBe('insufficient_funds');
      const ok = await wallet.charge({ accountId: id, channel: 'sms-reminder', units: '12', idempotencyKey: 'big-2' });
      expect(ok.amount).toEqual(eur('2.16'));
    });

    it('refuses bad input with a clear code and no ledger change', async () => {
      const id = await account();
      const before = await ledgerCount();
      const cases: Array<[() => Promise<unknown>, string]> = [
        [() => wallet.charge({ accountId: id, channel: 'sms-reminder', units: '0', idempotencyKey: 'x' }), 'invalid_units'],
        [() => wallet.charge({ accountId: id, channel: 'sms-reminder', units: '-1', idempotencyKey: 'x' }), 'invalid_units'],
        [() => wallet.charge({ accountId: id, channel: 'sms-reminder', units: 1 as unknown as string, idempotencyKey: 'x' }), 'invalid_units'],
        [() => wallet.charge({ accountId: id, channel: 'telepathy', units: '1', idempotencyKey: 'x' }), 'unknown_channel'],
        [() => wallet.charge({ accountId: id, channel: 'sms-reminder', units: '1', idempotencyKey: '' }), 'invalid_idempotency_key'],
        [() => wallet.charge({ accountId: id, channel: 'sms-reminder', units: '1', country: 'be', idempotencyKey: 'x' }), 'invalid_country'],
        [() => wallet.grant({ accountId: id, kind: 'purchased', amount: '0', idempotencyKey: 'x' }), 'invalid_amount'],
        [() => wallet.grant({ accountId: id, kind: 'purchased', amount: '-5.00', idempotencyKey: 'x' }), 'invalid_amount'],
        [() => wallet.grant({ accountId: id, kind: 'purchased', amount: '1.005', idempotencyKey: 'x' }), 'too_many_decimals'],
        [() => wallet.grant({ accountId: id, kind: 'purchased', amount: 5 as unknown as string, idempotencyKey: 'x' }), 'invalid_amount'],
        [() => wallet.charge({ accountId: 'acc_nobody', channel: 'sms-reminder', units: '1', idempotencyKey: 'x' }), 'not_found'],
      ];
      for (const [call, code] of cases) expect((await refusal(call())).code).toBe(code);
      expect(await ledgerCount()).toBe(before);
      // The unknown channel was not remembered: the key is still free.
      await catalog.setPrice({ channel: 'telepathy', unit: 'thought', unitPrice: '0.01' });
      expect((await wallet.charge({ accountId: id, channel: 'telepathy', units: '1', idempotencyKey: 'x' })).amount).toEqual(eur('0.01'));
    });

    it('spends trial and promo credit first, soonest expiry first, and shows which lot paid', async () => {
      const id = await account();
      const now = clock.now().getTime();
      const purchased = await wallet.grant({ accountId: id, kind: 'purchased', amount: '5.00', idempotencyKey: 'p' });
      const promoLate = await wallet.grant({ accountId: id, kind: 'promo', amount: '1.00', idempotencyKey: 'pl', expiresAt: new Date(now + 30 * 86_400_000) });
      const promoSoon = await wallet.grant({ accountId: id, kind: 'promo', amount: '0.10', idempotencyKey: 'ps', expiresAt: new Date(now + 86_400_000) });
      const charge = await wallet.charge({ accountId: id, channel: 'post', units: '3', country: 'BE', idempotencyKey: 'c' }); // 3.60
      const lots = charge.lots.map((l) => [l.lotId, l.amount.toString()]);
      const trialLot = (await wallet.lots({ accountId: id, includeEmpty: true })).find((l) => l.kind === 'trial')!;
      expect(lots).toEqual([
        [promoSoon.lotId, '0.10'],
        [promoLate.lotId, '1.00'],
        [trialLot.id, '2.00'],
        [purchased.lotId, '0.50'],
      ]);
      const history = await wallet.history({ accountId: id, type: 'charge' });
      expect(history.data[0]!.lots.map((l) => [l.kind, l.amount.toString()])).toEqual([
        ['promo', '-0.10'],
        ['promo', '-1.00'],
        ['trial', '-2.00'],
        ['purchased', '-0.50'],
      ]);
    });

    it('gives a free monthly quota that resets at the start of the month in the account time zone', async () => {
      clock.set('2026-01-31T20:00:00.000Z');
      const id = await account('Europe/Brussels');
      await wallet.grant({ accountId: id, kind: 'purchased', amount: '20.00', idempotencyKey: 'p' });
      const first = await wallet.charge({ accountId: id, channel: 'expense-scan', units: '98', idempotencyKey: 's1' });
      expect(first).toMatchObject({ amount: eur('0.00'), freeUnits: '98' });
      const second = await wallet.charge({ accountId: id, channel: 'expense-scan', units: '5', idempotencyKey: 's2' });
      expect(second).toMatchObject({ amount: eur('0.30'), freeUnits: '2' });
      expect(await wallet.quotas({ accountId: id })).toEqual([
        { channel: 'expense-scan', period: '2026-01-01', freeUnits: '100', used: '100', remaining: '0', resetsAt: '2026-02-01' },
      ]);
      clock.set('2026-01-31T23:30:00.000Z'); // 00:30 on 1 February in Brussels
      const third = await wallet.charge({ accountId: id, channel: 'expense-scan', units: '1', idempotencyKey: 's3' });
      expect(third).toMatchObject({ amount: eur('0.00'), freeUnits: '1' });
      expect((await wallet.quotas({ accountId: id }))[0]).toMatchObject({ period: '2026-02-01', used: '1', remaining: '99' });
      // A refused charge does not use quota.
      const poor = await account();
      await wallet.charge({ accountId: poor, channel: 'expense-scan', units: '100', idempotencyKey: 'free' });
      expect((await refusal(wallet.charge({ accountId: poor, channel: 'expense-scan', units: '50', idempotencyKey: 'big' }))).code).toBe('insufficient_funds');
      expect((await wallet.quotas({ accountId: poor }))[0]!.used).toBe('100');
    });

    it('holds, captures part, releases the rest; refuses a second capture, an over-capture and an expired hold', async () => {
      clock.set('2026-03-01T10:00:00.000Z');
      const id = await account();
      const hold = await wallet.hold({ accountId: id, channel: 'voice', units: '60', idempotencyKey: 'h1', expiresAt: new Date('2026-03-01T11:00:00Z') }); // 0.75
      expect(hold).toMatchObject({ amount: eur('0.75'), status: 'pending' });
      let balance = await wallet.balance({ accountId: id });
      expect([balance.available.toString(), balance.pending.toString(), balance.total.toString()]).toEqual(['1.25', '0.75', '2.00']);
      const over = await refusal(wallet.capture({ accountId: id, holdId: hold.holdId, amount: '0.76', idempotencyKey: 'c0' }));
      expect([over.code, over.status]).toEqual(['capture_exceeds_hold', 422]);
      const captured = await wallet.capture({ accountId: id, holdId: hold.holdId, units: '7', idempotencyKey: 'c1' }); // 0.0875 -> 0.09
      expect(captured).toMatchObject({ status: 'captured', captured: eur('0.09'), balanceAfter: eur('1.91') });
      balance = await wallet.balance({ accountId: id });
      expect([balance.available.toString(), balance.pending.toString()]).toEqual(['1.91', '0.00']);
      const twice = await refusal(wallet.capture({ accountId: id, holdId: hold.holdId, idempotencyKey: 'c2' }));
      expect([twice.code, twice.status]).toEqual(['hold_not_pending', 409]);
      expect(await wallet.capture({ accountId: id, holdId: hold.holdId, units: '7', idempotencyKey: 'c1' })).toEqual(captured);

      const late = await wallet.hold({ accountId: id, channel: 'sms-reminder', units: '1', idempotencyKey: 'h2', expiresAt: new Date('2026-03-01T10:30:00Z') });
      const released = await wallet.hold({ accountId: id, channel: 'sms-reminder', units: '1', idempotencyKey: 'h3' });
      await wallet.release({ accountId: id, holdId: released.holdId, idempotencyKey: 'r3' });
      clock.set('2026-03-01T10:31:00.000Z');
      const expired = await refusal(wallet.capture({ accountId: id, holdId: late.holdId, idempotencyKey: 'c3' }));
      expect([expired.code, expired.status]).toEqual(['hold_expired', 409]);
      expect(await wallet.expireHolds()).toBe(1);
      expect((await wallet.getHold({ accountId: id, holdId: late.holdId }))!.status).toBe('expired');
      expect((await wallet.balance({ accountId: id })).available.toString()).toBe('1.91');
      const otherAccount = await account();
      expect((await refusal(wallet.capture({ accountId: otherAccount, holdId: hold.holdId, idempotencyKey: 'steal' }))).code).toBe('not_found');
    });

    it('recognises a retried hold that relies on the default expiry', async () => {
      const id = await account();
      const first = await wallet.hold({ accountId: id, channel: 'sms-reminder', units: '1', idempotencyKey: 'h' });
      clock.advance({ minutes: 5 });
      const retry = await wallet.hold({ accountId: id, channel: 'sms-reminder', units: '1', idempotencyKey: 'h' });
      expect(retry).toEqual(first);
      expect(first.expiresAt.getTime() - first.createdAt.getTime()).toBe(7 * 86_400_000);
      expect((await wallet.holds({ accountId: id })).data).toHaveLength(1);
    });

    it('filters the history by credit kind', async () => {
      const id = await account();
      await wallet.grant({ accountId: id, kind: 'promo', amount: '0.10', idempotencyKey: 'promo', expiresAt: new Date(clock.now().getTime() + 86_400_000) });
      await wallet.charge({ accountId: id, channel: 'sms-reminder', units: '1', idempotencyKey: 'c1' }); // expiring promo 0.10 first, then trial
      await wallet.charge({ accountId: id, channel: 'sms-reminder', units: '1', idempotencyKey: 'c2' }); // trial only
      const promo = await wallet.history({ accountId: id, lotKind: 'promo' });
      expect(promo.data.map((e) => e.type)).toEqual(['charge', 'grant']);
      const trial = await wallet.history({ accountId: id, lotKind: 'trial', type: 'charge' });
      expect(trial.data).toHaveLength(2);
    });

    it('books expired credit to its own account', async () => {
      clock.set('2026-04-01T00:00:00.000Z');
      const id = await account();
      // More expiring lots than one batch would otherwise reserve transaction ids for.
      for (const i of [1, 2, 3, 4])
        await wallet.grant({ accountId: id, kind: 'promo', amount: '0.25', idempotencyKey: `small-${i}`, expiresAt: new Date('2026-04-09T00:00:00Z') });
      await wallet.grant({ accountId: id, kind: 'promo', amount: '2.00', idempotencyKey: 'promo', expiresAt: new Date('2026-04-10T00:00:00Z') });
      expect((await wallet.balance({ accountId: id })).available.toString()).toBe('5.00');
      clock.set('2026-04-10T00:00:01.000Z');
      expect((await wallet.balance({ accountId: id })).available.toString()).toBe('2.00'); // real time, before the job
      expect(await wallet.expireLots()).toBeGreaterThanOrEqual(1);
      const history = await wallet.history({ accountId: id, type: 'expire_lot' });
      expect(history.data.map((h) => h.amount.toString())).toEqual(['-2.00', '-0.25', '-0.25', '-0.25', '-0.25']);
      const { rows } = await db.query<{ total: string }>(
        "select sum(p.amount) as total from ledger_postings p join ledger_transactions t on t.id = p.transaction_id where t.account_id = $1 and p.book = 'expired'",
        [id],
      );
      expect(rows[0]!.total).toBe('3.00');
    });

    it('reverses a charge into the lots it came from, once', async () => {
      const id = await account();
      const charge = await wallet.charge({ accountId: id, channel: 'sms-reminder', units: '2', idempotencyKey: 'c' });
      const reversal = await wallet.reverse({ accountId: id, transactionId: charge.transactionId, idempotencyKey: 'r', reason: 'delivery failed' });
      expect(reversal).toMatchObject({ amount: eur('0.36'), balanceAfter: eur('2.00') });
      expect((await refusal(wallet.reverse({ accountId: id, transactionId: charge.transactionId, idempotencyKey: 'r2', reason: 'again' }))).code).toBe(
        'not_reversible',
      );
      expect((await wallet.lots({ accountId: id }))[0]!.remaining.toString()).toBe('2.00');
    });

    it('quotes what a charge would cost now, by the same rules, without writing anything', async () => {
      const id = await account(); // 2.00 trial
      await wallet.charge({ accountId: id, channel: 'expense-scan', units: '98', idempotencyKey: 'scan-98' }); // free
      const written = async () =>
        (
          await db.query(
            `select (select count(*) from ledger_transactions)::int as transactions, (select count(*) from idempotency_keys)::int as keys,
                    (select count(*) from wallet_events)::int as events, (select coalesce(sum(used), 0)::text from quota_usage where account_id = $1) as used,
                    (select last_value::text from ledger_transactions_id_seq) as tx_seq, (select last_value::text from holds_id_seq) as hold_seq`,
            [id],
          )
        ).rows[0];
      const before = await written();
      const quote = await wallet.quote({ accountId: id, channel: 'expense-scan', units: '5' });
      expect(quote).toMatchObject({
        accountId: id,
        channel: 'expense-scan',
        units: '5',
        country: null,
        unitPrice: eur('0.10'),
        freeUnits: '2',
        amount: eur('0.30'),
        available: eur('2.00'),
        affordable: true,
        reason: null,
      });
      expect(quote.at).toEqual(clock.now());
      expect(await written()).toEqual(before);
      const charged = await wallet.charge({ accountId: id, channel: 'expense-scan', units: '5', idempotencyKey: 'scan-5' });
      expect([charged.amount, charged.freeUnits]).toEqual([quote.amount, quote.freeUnits]);

      expect(await wallet.quote({ accountId: id, channel: 'post', units: '2', country: 'BE' })).toMatchObject({
        amount: eur('2.40'),
        available: eur('1.70'),
        affordable: false,
        reason: 'insufficient_funds',
      });
      const bought = await wallet.grant({ accountId: id, kind: 'purchased', amount: '5.00', idempotencyKey: 'buy' });
      await wallet.charge({ accountId: id, channel: 'post', units: '2', country: 'BE', idempotencyKey: 'letters' }); // 1.70 trial + 0.70 purchased
      await wallet.clawback({ accountId: id, lotId: bought.lotId, idempotencyKey: 'claw', reason: 'MD06' }); // owes 0.70
      expect(await wallet.quote({ accountId: id, channel: 'sms-reminder', units: '1' })).toMatchObject({ affordable: false, reason: 'wallet_blocked' });
      expect((await refusal(wallet.charge({ accountId: id, channel: 'sms-reminder', units: '1', idempotencyKey: 'blocked' }))).code).toBe('wallet_blocked');

      expect((await refusal(wallet.quote({ accountId: id, channel: 'telepathy-2', units: '1' }))).code).toBe('unknown_channel');
      expect((await refusal(wallet.quote({ accountId: id, channel: 'sms-reminder', units: '0' }))).code).toBe('invalid_units');
      expect((await refusal(wallet.quote({ accountId: 'acc_nobody', channel: 'sms-reminder', units: '1' }))).code).toBe('not_found');
    });

    it('lets exactly the affordable charges through when many race on one wallet', async () => {
      const id = await account(); // 2.00 = 11 SMS at 0.18 (1.98)
      const results = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) => wallet.charge({ accountId: id, channel: 'sms-reminder', units: '1', idempotencyKey: `race-${i}` })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(11);
      expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason.code === 'insufficient_funds')).toBe(true);
      expect((await wallet.balance({ accountId: id })).available.toString()).toBe('0.02');
    });

    it('writes events to the outbox and emits them after commit', async () => {
      const seen: string[] = [];
      const listener = (e: { type: string }) => seen.push(e.type);
      wallet.events.on('wallet.low_balance', listener);
      wallet.events.on('wallet.depleted', listener);
      const id = await account();
      await wallet.charge({ accountId: id, channel: 'post', units: '1', country: 'BE', idempotencyKey: 'a' }); // 2.00 -> 0.80
      await wallet.grant({ accountId: id, kind: 'purchased', amount: '0.10', idempotencyKey: 'g' });
      await wallet.charge({ accountId: id, channel: 'voice', units: '72', idempotencyKey: 'b' }); // 0.90 -> 0
      expect(seen).toEqual(['wallet.low_balance', 'wallet.depleted']);
      const published: string[] = [];
      let relayed: number;
      do {
        relayed = await relayWalletEvents({
          db,
          now: clock.now(),
          publish: async (events) => void published.push(...events.filter((e) => e.accountId === id).map((e) => e.type)),
        });
      } while (relayed > 0);
      expect(published).toEqual(['wallet.topped_up', 'wallet.charged', 'wallet.low_balance', 'wallet.topped_up', 'wallet.charged', 'wallet.depleted']);
    });

    it('keeps the ledger balanced, and the invariant check notices tampering', async () => {
      const report = await checkInvariants({ db });
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.counts.transactions).toBeGreaterThan(10);
      const id = await account();
      await db.query('update wallets set available = available + 1 where account_id = $1', [id]);
      const broken = await checkInvariants({ db });
      expect(broken.ok).toBe(false);
      expect(broken.problems.map((p) => p.check)).toEqual(expect.arrayContaining(['wallet_available', 'lots_sum_to_wallet']));
      await db.query('update wallets set available = available - 1 where account_id = $1', [id]);
    });
  });
}
