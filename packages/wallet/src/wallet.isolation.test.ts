import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase } from '@tollgate/db';
import { Money } from '@tollgate/money';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { PriceCatalog } from './price-catalog.js';
import { walletMigrations } from './wallet.migrations.js';
import { WalletService } from './wallet.service.js';

/*
 * One command's data must never fail the other commands of its batch. A refusal is one command's
 * answer anyway; these tests are about a command that passes every check and still makes the
 * database refuse the transaction, and about input the database could not store at all.
 */

// The largest balance numeric(18,2) holds is 9999999999999999.99.
const NEAR_MAX = '9999999999999000.00';

async function refusal(promise: Promise<unknown>): Promise<{ code?: string; status?: number; message: string; details?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; status?: number; message: string };
  }
  throw new Error('expected a refusal');
}

for (const engine of testEngines()) {
  describe(`wallet isolation [${engine.name}]`, () => {
    let db: TestDatabase;
    let wallet: WalletService;
    let n = 0;
    const account = async () => {
      const id = `iso_${engine.name}_${++n}`;
      await wallet.openWallet({ accountId: id });
      return id;
    };
    const count = async (sql: string, params: unknown[]) => (await db.query<{ n: number }>(sql, params)).rows[0]!.n;

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [walletMigrations] });
      const clock = new ManualClock('2026-05-01T08:00:00.000Z');
      // The cap on a single grant raised to what numeric(18,2) holds, so only the database can refuse.
      wallet = new WalletService(db, clock, { maxGrant: NEAR_MAX });
      await new PriceCatalog(db, clock).setPrice({ channel: 'iso-sms', unit: 'message', unitPrice: '0.25', effectiveFrom: new Date('2026-01-01T00:00:00Z') });
    });
    afterAll(async () => {
      await db?.dispose();
    });

    it('fails exactly the command the database refuses; the 40 charges around it commit once each', async () => {
      const id = await account();
      await wallet.grant({ accountId: id, kind: 'purchased', amount: NEAR_MAX, idempotencyKey: 'near-max' });
      // A valid grant (a whole-cent amount below the maximum) that takes the balance past what
      // numeric(18,2) holds: only the database can refuse it, and it refuses the whole statement.
      const calls: Array<Promise<unknown>> = [];
      for (let i = 0; i < 40; i++) {
        if (i === 20) calls.push(wallet.grant({ accountId: id, kind: 'purchased', amount: '5000.00', idempotencyKey: 'poison' }));
        calls.push(wallet.charge({ accountId: id, channel: 'iso-sms', units: '1', idempotencyKey: `c-${i}` }));
      }
      const results = await Promise.allSettled(calls);

      const rejected = results.flatMap((r, i) => (r.status === 'rejected' ? [{ i, reason: r.reason as Error }] : []));
      expect(rejected.map((r) => r.i)).toEqual([20]);
      expect(rejected[0]!.reason.message).toMatch(/numeric field overflow/);
      const charges = results.flatMap((r) =>
        r.status === 'fulfilled' && 'channel' in (r.value as object) ? [r.value as { transactionId: string; balanceAfter: Money }] : [],
      );
      expect(charges).toHaveLength(40);

      // Each charge committed once, under its own key; the poisoned grant left nothing behind.
      const { rows } = await db.query<{ id: string; idempotency_key: string }>(
        "select id, idempotency_key from ledger_transactions where account_id = $1 and type = 'charge' order by id",
        [id],
      );
      expect(rows.map((r) => r.idempotency_key).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `c-${i}`).sort());
      expect(new Set(rows.map((r) => r.id))).toEqual(new Set(charges.map((c) => c.transactionId)));
      expect(await count('select count(*)::int as n from idempotency_keys where account_id = $1 and key = $2', [id, 'poison'])).toBe(0);
      expect(await count("select count(*)::int as n from credit_lots where account_id = $1 and kind = 'purchased'", [id])).toBe(1);
      const balance = await wallet.balance({ accountId: id });
      expect(balance.available.toString()).toBe(Money.of(NEAR_MAX).plus(Money.of('2.00')).minus(Money.of('10.00')).toString());
      expect(charges.map((c) => c.balanceAfter.toString())).toContain(balance.available.toString());
      expect((await checkInvariants({ db })).problems).toEqual([]);

      // The wallet goes on: the next charge is an ordinary one.
      const next = await wallet.charge({ accountId: id, channel: 'iso-sms', units: '1', idempotencyKey: 'after' });
      expect(next.amount.toString()).toBe('0.25');
    });

    it('keeps the other accounts and commands of a mixed transaction out of it', async () => {
      const [poisoned, bystander] = [await account(), await account()];
      await wallet.grant({ accountId: poisoned, kind: 'purchased', amount: NEAR_MAX, idempotencyKey: 'near-max' });
      // One worker: while it runs the first charge, the rest queue up and share the next transaction.
      const single = new WalletService(db, new ManualClock('2026-05-01T08:00:00.000Z'), { concurrency: 1 });
      const results = await Promise.allSettled([
        single.charge({ accountId: bystander, channel: 'iso-sms', units: '1', idempotencyKey: 'b-0' }),
        single.charge({ accountId: bystander, channel: 'iso-sms', units: '1', idempotencyKey: 'b-1' }),
        single.charge({ accountId: poisoned, channel: 'iso-sms', units: '1', idempotencyKey: 'p-0' }),
        single.grant({ accountId: poisoned, kind: 'promo', amount: '1000.00', idempotencyKey: 'poison' }),
        single.charge({ accountId: poisoned, channel: 'iso-sms', units: '1', idempotencyKey: 'p-1' }),
        single.charge({ accountId: bystander, channel: 'iso-sms', units: '1', idempotencyKey: 'b-2' }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect((await wallet.balance({ accountId: bystander })).available.toString()).toBe('1.25');
      expect(await count("select count(*)::int as n from ledger_transactions where account_id = $1 and type = 'charge'", [poisoned])).toBe(2);
      expect((await checkInvariants({ db })).problems).toEqual([]);
    });

    it('refuses text PostgreSQL cannot store with a 400 naming the field, before anything is queued', async () => {
      const id = await account();
      const ledger = async () => count('select count(*)::int as n from ledger_transactions where account_id = $1', [id]);
      const before = await ledger();
      const cases: Array<[() => Promise<unknown>, string]> = [
        [() => wallet.charge({ accountId: id, channel: 'iso-sms', units: '1', idempotencyKey: 'a', description: 'SMS to Jo\u0000' }), 'description'],
        [() => wallet.charge({ accountId: id, channel: 'iso-sms', units: '1', idempotencyKey: 'key\u0000' }), 'idempotencyKey'],
        [() => wallet.charge({ accountId: id, channel: 'iso-sms', units: '1', idempotencyKey: 'b', metadata: { to: 'Jo \ud800' } }), 'metadata.to'],
        [
          () => wallet.hold({ accountId: id, channel: 'iso-sms', units: '1', idempotencyKey: 'c', metadata: { recipients: ['ok', 'bad \udc00 half'] } }),
          'metadata.recipients[1]',
        ],
        [() => wallet.grant({ accountId: id, kind: 'promo', amount: '1.00', idempotencyKey: 'd', metadata: { 'k\u0000': 1 } }), 'metadata.k\u0000'],
        [() => wallet.reverse({ accountId: id, transactionId: '1', idempotencyKey: 'e', reason: 'why\u0000' }), 'reason'],
        [() => wallet.charge({ accountId: `${id}\u0000`, channel: 'iso-sms', units: '1', idempotencyKey: 'f' }), 'accountId'],
      ];
      for (const [call, field] of cases) {
        const refused = await refusal(call());
        expect([refused.code, refused.status]).toEqual(['invalid_text', 400]);
        expect(refused.message.startsWith(`${field} contains`)).toBe(true);
      }
      // A well-formed pair (an emoji) is fine.
      const emoji = await wallet.charge({
        accountId: id,
        channel: 'iso-sms',
        units: '1',
        idempotencyKey: 'g',
        description: 'SMS \ud83d\udce8',
        metadata: { note: '\ud83d\udc4d' },
      });
      expect(emoji.amount.toString()).toBe('0.25');
      expect(await ledger()).toBe(before + 1);
      // Ids that cannot name a row are not found, without a trip to the database.
      expect((await refusal(wallet.capture({ accountId: id, holdId: 'abc', idempotencyKey: 'h' }))).code).toBe('not_found');
      expect((await refusal(wallet.reverse({ accountId: id, transactionId: '99999999999999999999', idempotencyKey: 'i', reason: 'x' }))).code).toBe(
        'not_found',
      );
      expect((await refusal(wallet.grant({ accountId: id, kind: 'promo', amount: '10000000000000000.00', idempotencyKey: 'j' }))).code).toBe('invalid_amount');
    });
  });
}
