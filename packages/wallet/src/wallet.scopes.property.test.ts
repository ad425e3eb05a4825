import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase } from '@tollgate/db';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { PriceCatalog } from './price-catalog.js';
import { walletMigrations } from './wallet.migrations.js';
import { WalletService } from './wallet.service.js';

/*
 * Property test for scoped credit (issue 22), beside wallet.property.test.ts (whose reference model
 * knows general credit only): random grants (general, scoped to a channel, to a tag, to both),
 * charges, holds, captures, releases, reversals and caps on a real database. After every run the
 * ledger invariants hold, and no lot ever paid for a channel outside its scope: every posting that
 * takes a lot's credit for a spend (charge, hold) names a channel the lot may pay for.
 */

const NUM_RUNS = Number(process.env.WALLET_PROPERTY_RUNS ?? 30);
const CHANNELS = ['ssms', 'spost-be', 'spost-nl', 'sscan'] as const;
const TAGS: Record<string, string[]> = { 'spost-be': ['postal'], 'spost-nl': ['postal'], sscan: ['docs'] };
const SCOPES: Array<string[] | null> = [null, null, ['postal'], ['ssms'], ['spost-be'], ['docs', 'ssms'], ['postal', 'sscan']];

type Cmd =
  | { t: 'grant'; scope: number; cents: number }
  | { t: 'charge' | 'hold'; channel: number; units: number; user: number }
  | { t: 'capture'; pick: number; permille: number }
  | { t: 'release' | 'reverse'; pick: number }
  | { t: 'cap'; channel: number; cents: number }
  | { t: 'days'; days: number };

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('grant' as const), scope: fc.nat({ max: SCOPES.length - 1 }), cents: fc.integer({ min: 1, max: 400 }) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constantFrom('charge' as const, 'hold' as const),
      channel: fc.nat({ max: CHANNELS.length - 1 }),
      units: fc.integer({ min: 1, max: 6 }),
      user: fc.nat({ max: 2 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('capture' as const), pick: fc.nat(), permille: fc.integer({ min: 0, max: 1000 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constantFrom('release' as const, 'reverse' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('cap' as const), channel: fc.nat({ max: CHANNELS.length - 1 }), cents: fc.integer({ min: 0, max: 500 }) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('days' as const), days: fc.integer({ min: 1, max: 20 }) }) },
);

/** Refusals a random command may meet; anything else fails the run. */
const EXPECTED = new Set(['insufficient_funds', 'spending_cap_exceeded', 'hold_not_pending', 'hold_expired', 'not_reversible', 'capture_exceeds_hold']);

for (const engine of testEngines()) {
  describe(`wallet scoped credit property [${engine.name}]`, () => {
    let db: TestDatabase;
    let runs = 0;

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [walletMigrations] });
      const catalog = new PriceCatalog(db, new ManualClock('2025-01-01T00:00:00Z'));
      const prices: Record<(typeof CHANNELS)[number], string> = { ssms: '0.15', 'spost-be': '1.20', 'spost-nl': '1.35', sscan: '0.0125' };
      for (const channel of CHANNELS)
        await catalog.setPrice({ channel, unit: 'unit', unitPrice: prices[channel], effectiveFrom: new Date('2025-01-01T00:00:00Z') });
      for (const [channel, tags] of Object.entries(TAGS)) await catalog.setTags({ channel, tags });
    });
    afterAll(async () => {
      await db?.dispose();
    });

    it(`keeps the ledger invariant and every lot within its scope (${NUM_RUNS} runs)`, async () => {
      const property = fc.asyncProperty(fc.array(cmdArb, { minLength: 1, maxLength: 40 }), async (cmds) => {
        const clock = new ManualClock('2026-03-20T10:00:00Z');
        const wallet = new WalletService(db, clock, { trialCredit: '0.50' });
        const accountId = `scoped-${engine.name}-${++runs}`;
        await wallet.openWallet({ accountId });
        const holds: string[] = [];
        const spends: string[] = [];
        let k = 0;
        for (const c of cmds) {
          const key = `k${++k}`;
          try {
            switch (c.t) {
              case 'grant': {
                const scope = SCOPES[c.scope]!;
                await wallet.grant({ accountId, kind: 'purchased', amount: (c.cents / 100).toFixed(2), idempotencyKey: key, ...(scope ? { scope } : {}) });
                break;
              }
              case 'charge': {
                const r = await wallet.charge({
                  accountId,
                  channel: CHANNELS[c.channel]!,
                  units: String(c.units),
                  idempotencyKey: key,
                  ...(c.user ? { userId: `u${c.user}` } : {}),
                });
                spends.push(r.transactionId);
                break;
              }
              case 'hold': {
                const r = await wallet.hold({
                  accountId,
                  channel: CHANNELS[c.channel]!,
                  units: String(c.units),
                  idempotencyKey: key,
                  ...(c.user ? { userId: `u${c.user}` } : {}),
                });
                holds.push(r.holdId);
                break;
              }
              case 'capture': {
                if (!holds.length) break;
                const holdId = holds[c.pick % holds.length]!;
                const hold = await wallet.getHold({ accountId, holdId });
                const amount = (hold!.amount.toCents() * BigInt(c.permille)) / 1000n;
                const r = await wallet.capture({ accountId, holdId, idempotencyKey: key, amount: (Number(amount) / 100).toFixed(2) });
                spends.push(r.transactionId);
                break;
              }
              case 'release':
                if (holds.length) await wallet.release({ accountId, holdId: holds[c.pick % holds.length]!, idempotencyKey: key });
                break;
              case 'reverse':
                if (spends.length) await wallet.reverse({ accountId, transactionId: spends[c.pick % spends.length]!, idempotencyKey: key, reason: 'test' });
                break;
              case 'cap':
                await wallet.setCap({ accountId, kind: 'channel', target: CHANNELS[c.channel]!, limit: (c.cents / 100).toFixed(2) });
                break;
              case 'days':
                clock.advance({ days: c.days });
                // The expiry job releases holds past their expiry (their amounts leave the counters as a release's do).
                await wallet.expireHolds();
                break;
            }
          } catch (error) {
            const code = (error as { code?: string }).code;
            if (!code || !EXPECTED.has(code)) throw error;
          }
        }
        const report = await checkInvariants({ db });
        expect(report.problems).toEqual([]);
        // Every lot credit taken for a charge or hold was taken for a channel its scope allows.
        const { rows: outside } = await db.query(
          `select t.id, t.channel, l.scope from ledger_postings p
             join ledger_transactions t on t.id = p.transaction_id
             join credit_lots l on l.id = p.lot_id
            where t.account_id = $1 and t.type in ('charge', 'hold') and p.book = 'wallet' and p.amount < 0 and l.scope is not null
              and not (t.channel = any(l.scope) or exists (select 1 from channel_tags c where c.channel = t.channel and c.tag = any(l.scope)))`,
          [accountId],
        );
        expect(outside).toEqual([]);
        // The spending counters never go below zero.
        const { rows: negative } = await db.query('select * from spend_usage where account_id = $1 and amount < 0', [accountId]);
        expect(negative).toEqual([]);
      });
      await fc.assert(property, { numRuns: NUM_RUNS, interruptAfterTimeLimit: 200_000 });
    }, 240_000);
  });
}
