import { randomBytes } from 'node:crypto';
import { ManualClock } from '@tollgate/clock';
import { migrate, openDatabase, testEngines, type Database } from '@tollgate/db';
import { Money } from '@tollgate/money';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { PriceCatalog } from './price-catalog.js';
import { walletMigrations } from './wallet.migrations.js';
import { WalletService } from './wallet.service.js';
import type { CaptureResult } from './wallet.types.js';

/*
 * Many concurrent charges, holds and captures on ONE wallet, sent through one or two WalletService
 * instances. Two services are two hosts: each has its own in-process queue and batching, so they
 * meet only at the database (the wallet row lock). On PostgreSQL the two hosts also get their own
 * connection pools on the same schema, as two processes would. No sleeps, no timing: the
 * assertions are about counts, amounts and the ledger.
 */

const PRICE = '0.25'; // divides every credit below exactly
const TRIAL = '2.00';

type Settled<T> = PromiseSettledResult<T>;
const codeOf = (r: Settled<unknown>) => (r.status === 'rejected' ? ((r.reason as { code?: string }).code ?? String(r.reason)) : 'ok');
const fulfilled = <T>(rs: Array<Settled<T>>) => rs.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
const answerOf = (r: Settled<unknown>) => (r.status === 'fulfilled' ? r.value : { refused: codeOf(r) });
const eur = (amount: string) => Money.of(amount);
// Results carry Money; compare amounts by value (Money's own fields are private, so toEqual alone would not).
expect.addEqualityTesters([(a: unknown, b: unknown) => (a instanceof Money && b instanceof Money ? a.equals(b) : undefined)]);

interface Hosts {
  /** The two hosts (the same service twice for the single-service case). */
  a: WalletService;
  b: WalletService;
  /** For reads and ledger queries. */
  db: Database;
}

/** Polls the wallet row until `done` settles; returns the lowest available and pending seen. */
async function watch(db: Database, accountId: string, done: Promise<unknown>): Promise<{ minAvailable: Money; minPending: Money; reads: number }> {
  let finished = false;
  void done.finally(() => (finished = true));
  let minAvailable: Money | undefined;
  let minPending: Money | undefined;
  let reads = 0;
  while (!finished) {
    const { rows } = await db.query<{ available: string; pending: string }>('select available, pending from wallets where account_id = $1', [accountId]);
    reads++;
    const available = eur(rows[0]!.available);
    const pending = eur(rows[0]!.pending);
    minAvailable = minAvailable ? Money.min(minAvailable, available) : available;
    minPending = minPending ? Money.min(minPending, pending) : pending;
  }
  return { minAvailable: minAvailable ?? Money.zero(), minPending: minPending ?? Money.zero(), reads };
}

async function chargesOf(db: Database, accountId: string) {
  const { rows } = await db.query<{ id: string; amount: string; balance_after: string; idempotency_key: string }>(
    "select id, amount, balance_after, idempotency_key from ledger_transactions where account_id = $1 and type = 'charge' order by id",
    [accountId],
  );
  return rows;
}

/** The scenarios, against whatever pair of hosts the describe block below gives. */
function concurrencyCases(name: string, hosts: () => Hosts) {
  let n = 0;
  const account = async (purchased: string) => {
    const { a } = hosts();
    const id = `conc-${name}-${++n}-${randomBytes(3).toString('hex')}`;
    await a.openWallet({ accountId: id });
    await a.grant({ accountId: id, kind: 'purchased', amount: purchased, idempotencyKey: 'top-up' });
    return id;
  };

  it('lets exactly the affordable charges through: 200 racing charges, credit for 37', async () => {
    const { a, b, db } = hosts();
    const id = await account('7.25'); // 2.00 trial + 7.25 = 9.25 = 37 x 0.25
    const race = Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? b : a).charge({ accountId: id, channel: 'conc-sms', units: '1', idempotencyKey: `c-${i}` })),
    );
    const [results, seen] = await Promise.all([race, watch(db, id, race)]);

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(37);
    expect(new Set(results.map(codeOf))).toEqual(new Set(['ok', 'insufficient_funds']));
    const ok = fulfilled(results);
    // Every successful charge saw a different, non-negative balance: they were applied one after the other.
    expect(new Set(ok.map((r) => r.balanceAfter.toString())).size).toBe(37);
    expect(ok.every((r) => !r.balanceAfter.isNegative())).toBe(true);
    expect(seen.minAvailable.isNegative()).toBe(false);

    const balance = await a.balance({ accountId: id });
    expect([balance.available.toString(), balance.pending.toString()]).toEqual(['0.00', '0.00']);
    const charges = await chargesOf(db, id);
    expect(charges).toHaveLength(37);
    // The balances after the charges are exactly 9.00, 8.75, ..., 0.00: one price apart, none skipped or repeated.
    const after = charges.map((c) => eur(c.balance_after)).sort((x, y) => y.compare(x));
    expect(after.map(String)).toEqual(Array.from({ length: 37 }, (_, i) => eur('9.00').minus(eur(PRICE).times(i)).toString()));
    expect((await checkInvariants({ db })).problems).toEqual([]);
  });

  it('never charges twice for one idempotency key sent to both hosts at once', async () => {
    const { a, b, db } = hosts();
    const id = await account('3.00'); // 5.00 = 20 x 0.25, for 50 keys
    const calls = Array.from({ length: 50 }, (_, i) => {
      const input = { accountId: id, channel: 'conc-sms', units: '1', idempotencyKey: `same-${i}` };
      return Promise.allSettled([a.charge(input), b.charge(input), b.charge(input), a.charge(input)]);
    });
    const perKey = await Promise.all(calls);

    let succeeded = 0;
    for (const results of perKey) {
      // All four answers for a key are the same answer: one charge or one refusal.
      for (const r of results) expect(answerOf(r)).toEqual(answerOf(results[0]!));
      if (results[0]!.status === 'fulfilled') succeeded++;
      else expect(codeOf(results[0]!)).toBe('insufficient_funds');
    }
    expect(succeeded).toBe(20);
    const charges = await chargesOf(db, id);
    expect(charges).toHaveLength(20);
    expect(new Set(charges.map((c) => c.idempotency_key)).size).toBe(20);
    const ids = perKey.flatMap((rs) => (rs[0]!.status === 'fulfilled' ? [rs[0].value.transactionId] : []));
    expect(new Set(ids)).toEqual(new Set(charges.map((c) => c.id)));
    expect((await a.balance({ accountId: id })).available.toString()).toBe('0.00');
    expect((await checkInvariants({ db })).problems).toEqual([]);
  });

  it('holds exactly what the credit covers, then settles each hold once while new charges race for the released credit', async () => {
    const { a, b, db } = hosts();
    const id = await account('9.50'); // 11.50 = 23 holds of 2 units (0.50)
    const holding = Promise.allSettled(
      Array.from({ length: 120 }, (_, i) => (i % 2 ? a : b).hold({ accountId: id, channel: 'conc-sms', units: '2', idempotencyKey: `h-${i}` })),
    );
    const [holdResults, duringHolds] = await Promise.all([holding, watch(db, id, holding)]);
    const holds = fulfilled(holdResults);
    expect(holds).toHaveLength(23);
    expect(new Set(holdResults.map(codeOf))).toEqual(new Set(['ok', 'insufficient_funds']));
    expect(duringHolds.minAvailable.isNegative()).toBe(false);
    let balance = await a.balance({ accountId: id });
    expect([balance.available.toString(), balance.pending.toString()]).toEqual(['0.00', '11.50']);

    // For every hold at once: host A captures one unit, host B captures it with the same key, host B
    // releases it (every other hold: the release is sent first); meanwhile 60 new charges on both
    // hosts compete for whatever gets released.
    const settling = Promise.all(
      holds.map(async (h, i) => {
        const capture = (host: WalletService) => host.capture({ accountId: id, holdId: h.holdId, units: '1', idempotencyKey: `cap-${i}` });
        const release = () => b.release({ accountId: id, holdId: h.holdId, idempotencyKey: `rel-${i}` });
        if (i % 2) return Promise.allSettled([capture(a), capture(b), release()]);
        const [rel, capA, capB] = await Promise.allSettled([release(), capture(a), capture(b)]);
        return [capA!, capB!, rel!];
      }),
    );
    const charging = Promise.allSettled(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? b : a).charge({ accountId: id, channel: 'conc-sms', units: '1', idempotencyKey: `late-${i}` })),
    );
    const everything = Promise.all([settling, charging]);
    const [[settled, charged], during] = await Promise.all([everything, watch(db, id, everything)]);

    let captured = 0;
    for (const [capA, capB, release] of settled as Array<[Settled<unknown>, Settled<unknown>, Settled<unknown>]>) {
      // The two capture calls share a key, so they give the same answer.
      expect(answerOf(capB)).toEqual(answerOf(capA));
      // Exactly one of capture and release wins; the loser finds the hold settled.
      const winners = [capA, release].filter((r) => r.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      const loser = capA.status === 'fulfilled' ? release : capA;
      expect(codeOf(loser)).toBe('hold_not_pending');
      if (capA.status === 'fulfilled') {
        expect((capA.value as CaptureResult).captured).toEqual(eur(PRICE));
        captured++;
      }
    }
    const chargedOk = charged.filter((r) => r.status === 'fulfilled').length;
    expect(new Set(charged.map(codeOf))).toEqual(
      chargedOk === 60 ? new Set(['ok']) : chargedOk === 0 ? new Set(['insufficient_funds']) : new Set(['ok', 'insufficient_funds']),
    );
    expect(during.minAvailable.isNegative() || during.minPending.isNegative()).toBe(false);

    // Everything that was not captured or charged is back: 11.50 = available + 0.25 x (captures + charges).
    balance = await a.balance({ accountId: id });
    expect(balance.pending.toString()).toBe('0.00');
    expect(balance.available.toString()).toBe(
      eur('11.50')
        .minus(eur(PRICE).times(captured + chargedOk))
        .toString(),
    );
    // Released credit (0.50 per released hold, 0.25 per partial capture) is all there was to charge.
    expect(chargedOk).toBeLessThanOrEqual((23 - captured) * 2 + captured);
    const { rows } = await db.query<{ type: string; n: number }>(
      'select type, count(*)::int as n from ledger_transactions where account_id = $1 group by type order by type',
      [id],
    );
    const expected = { grant: 2, hold: 23, capture: captured, release: 23 - captured, charge: chargedOk };
    expect(Object.fromEntries(rows.map((r) => [r.type, r.n]))).toEqual(Object.fromEntries(Object.entries(expected).filter(([, count]) => count > 0)));
    expect((await checkInvariants({ db })).problems).toEqual([]);
  });
}

async function seedCatalog(db: Database, clock: ManualClock): Promise<void> {
  await new PriceCatalog(db, clock).setPrice({ channel: 'conc-sms', unit: 'message', unitPrice: PRICE, effectiveFrom: new Date('2025-01-01T00:00:00Z') });
}

for (const engine of testEngines()) {
  describe(`wallet concurrency [${engine.name}]`, () => {
    let db: Awaited<ReturnType<typeof engine.open>>;
    let one: Hosts;
    let two: Hosts;

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [walletMigrations] });
      const clock = new ManualClock('2026-05-01T08:00:00.000Z');
      await seedCatalog(db, clock);
      const single = new WalletService(db, clock, { trialCredit: TRIAL });
      one = { a: single, b: single, db };
      // Two services on one database: two in-process queues meeting at the wallet row lock
      // (one with small batches, so the race spans many transactions).
      two = { a: new WalletService(db, clock, { trialCredit: TRIAL }), b: new WalletService(db, clock, { trialCredit: TRIAL, maxBatch: 7 }), db };
    });
    afterAll(async () => {
      await db?.dispose();
    });

    describe('one service', () => concurrencyCases(`${engine.name}-one`, () => one));
    describe('two services on one database', () => concurrencyCases(`${engine.name}-two`, () => two));
  });
}

const url = process.env.TEST_DATABASE_URL;
if (url) {
  describe('wallet concurrency [postgres] two hosts: two pools on one schema', () => {
    const schema = `t_conc_${randomBytes(5).toString('hex')}`;
    let first: Database;
    let second: Database;
    let hosts: Hosts;

    beforeAll(async () => {
      first = await openDatabase({ url, schema, poolSize: 6 });
      second = await openDatabase({ url, schema, poolSize: 6 });
      await migrate({ db: first, sets: [walletMigrations] });
      const clock = new ManualClock('2026-05-01T08:00:00.000Z');
      await seedCatalog(first, clock);
      hosts = {
        a: new WalletService(first, clock, { trialCredit: TRIAL }),
        b: new WalletService(second, new ManualClock(clock.now()), { trialCredit: TRIAL, maxBatch: 7 }),
        db: first,
      };
    });
    afterAll(async () => {
      await second?.close();
      await first?.query(`drop schema if exists ${schema} cascade`);
      await first?.close();
    });

    concurrencyCases('pg-two-pools', () => hosts);
  });
}
