// History read benchmark (not a test): one page of the wallet history as lines (a hold folded with
// its capture) next to the raw ledger entries of the same account — the baseline — in the same run
// on the same engine. See docs/performance.md.
//
//   pnpm bench:history                                 both engines, defaults below
//   pnpm bench:history --lines=10000 --engines=pglite  any knob as --name=value or BENCH_NAME=value
//
// tsyringe (inside @tollgate/wallet) needs the Reflect metadata API before it is imported.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { SystemClock } from '@tollgate/clock';
import { migrate, openDatabase, type Database, type Engine } from '@tollgate/db';
import { WalletService, walletMigrations } from '@tollgate/wallet';
import { fmt, intArg, listArg, loadAverage, markdownTable, redact } from './bench-kit.js';

const CONFIG = {
  /** History lines of each account (7 in 10 a hold with its capture, 3 in 10 a charge). */
  lines: intArg('lines', 10_000),
  /** Accounts with that history in the same tables (the others are noise the indexes must skip). */
  accounts: intArg('accounts', 5),
  /** Timed reads per scenario, one at a time (latency). */
  reads: intArg('reads', 300),
  warmup: intArg('warmup', 30),
  /** ANALYZE after seeding (what autovacuum does on PostgreSQL in time; PGlite has none, and the host never runs it). */
  analyze: process.env.BENCH_ANALYZE === '1',
  /** Keep the PostgreSQL schema afterwards (to EXPLAIN by hand); its name is printed. */
  keep: process.env.BENCH_KEEP === '1',
  engines: (listArg('engines') ?? ['pglite', 'postgres']) as Engine[],
  url: process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
};

/** Writes the ledger rows straight (the writer's speed is another bench): 10 accounts' worth in a few statements. */
async function seed(db: Database): Promise<void> {
  const { lines, accounts } = CONFIG;
  const a = accounts - 1;
  await db.query(
    `insert into wallets (account_id, available, pending, created_at, updated_at) select 'acc_' || k, 100, 0, now(), now() from generate_series(0, ${a}) k`,
  );
  await db.query(
    `insert into credit_lots (id, account_id, kind, granted, remaining, created_at, transaction_id)
     select k + 1, 'acc_' || k, 'purchased', 1000, 100, now(), 0 from generate_series(0, ${a}) k`,
  );
  // Line i of account k opens with transaction (i*accounts + k)*2; a hold's capture is that + 1. The last ten holds are still open.
  await db.query(
    `insert into holds (id, account_id, channel, description, units, unit_price, amount, captured, status, expires_at, created_at, settled_at)
     select i * ${accounts} + k, 'acc_' || k, 'bench-voice', 'Call to +32 471 23 45 67', 40, 0.0125, 0.50, 0.05,
            case when i > ${lines - 10} then 'pending' else 'captured' end, now() + interval '7 days', now(), now()
       from generate_series(1, ${lines}) i, generate_series(0, ${a}) k where i % 10 < 7`,
  );
  await db.query(
    `insert into ledger_transactions (id, account_id, type, channel, description, amount, balance_after, hold_id, created_at)
     select (i * ${accounts} + k) * 2, 'acc_' || k, case when i % 10 < 7 then 'hold' else 'charge' end, 'bench-voice', 'Call to +32 471 23 45 67',
            case when i % 10 < 7 then -0.50 else -0.05 end, 100, case when i % 10 < 7 then i * ${accounts} + k end,
            timestamptz '2026-01-01T00:00:00Z' + i * interval '1 minute'
       from generate_series(1, ${lines}) i, generate_series(0, ${a}) k`,
  );
  await db.query(
    `insert into ledger_transactions (id, account_id, type, channel, description, amount, balance_after, hold_id, created_at)
     select (i * ${accounts} + k) * 2 + 1, 'acc_' || k, 'capture', 'bench-voice', 'Call to +32 471 23 45 67', 0.45, 100, i * ${accounts} + k,
            timestamptz '2026-01-01T00:00:30Z' + i * interval '1 minute'
       from generate_series(1, ${lines}) i, generate_series(0, ${a}) k where i % 10 < 7 and i <= ${lines - 10}`,
  );
  await db.query(
    `insert into ledger_postings (transaction_id, seq, book, account_id, lot_id, amount)
     select t.id, 1, 'wallet', t.account_id, (substr(t.account_id, 5))::int + 1, t.amount from ledger_transactions t where t.type in ('hold', 'charge')`,
  );
}

interface Scenario {
  id: string;
  title: string;
  read: (wallet: WalletService, accountId: string) => Promise<unknown>;
}

const middle = () => String((Math.floor(CONFIG.lines / 2) * CONFIG.accounts + 2) * 2);
const SCENARIOS: Scenario[] = [
  { id: 'entries-first', title: 'entries, first page (50) — baseline', read: (w, accountId) => w.history({ accountId, limit: 50 }) },
  { id: 'lines-first', title: 'lines, first page (50)', read: (w, accountId) => w.historyLines({ accountId, limit: 50 }) },
  {
    id: 'entries-deep',
    title: 'entries, a page from the middle (before=…) — baseline',
    read: (w, accountId) => w.history({ accountId, limit: 50, before: middle() }),
  },
  { id: 'lines-deep', title: 'lines, a page from the middle (before=…)', read: (w, accountId) => w.historyLines({ accountId, limit: 50, before: middle() }) },
  {
    id: 'entries-charge',
    title: 'entries, type=charge, first page (50) — baseline',
    read: (w, accountId) => w.history({ accountId, limit: 50, type: 'charge' }),
  },
  { id: 'lines-spend', title: 'lines, type=spend, first page (50)', read: (w, accountId) => w.historyLines({ accountId, limit: 50, type: 'spend' }) },
  {
    id: 'line-detail',
    title: 'one line with its entries (by a capture id)',
    read: (w, accountId) => w.historyLine({ accountId, id: String((100 * CONFIG.accounts + Number(accountId.slice(4))) * 2 + 1) }),
  },
];

async function measure(wallet: WalletService, s: Scenario): Promise<{ median: number; p95: number }> {
  for (let i = 0; i < CONFIG.warmup; i += 1) await s.read(wallet, `acc_${i % CONFIG.accounts}`);
  const times: number[] = [];
  for (let i = 0; i < CONFIG.reads; i += 1) {
    const start = process.hrtime.bigint();
    await s.read(wallet, `acc_${i % CONFIG.accounts}`);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((x, y) => x - y);
  return { median: times[Math.floor(times.length / 2)]!, p95: times[Math.floor(times.length * 0.95)]! };
}

async function run(engine: Engine): Promise<string> {
  let db: Database;
  let schema: string | undefined;
  if (engine === 'pglite') db = await openDatabase({});
  else {
    schema = `bench_${randomBytes(4).toString('hex')}`;
    try {
      db = await openDatabase({ url: CONFIG.url, schema, poolSize: 2 });
    } catch (error) {
      return `${engine}: skipped, PostgreSQL at ${redact(CONFIG.url)} is not reachable (${(error as Error).message})`;
    }
  }
  try {
    await migrate({ db, sets: [walletMigrations] });
    const seeded = Date.now();
    await seed(db);
    const seedMs = Date.now() - seeded;
    if (CONFIG.analyze) await db.query('analyze');
    const wallet = new WalletService(db, new SystemClock(), {});
    const rows: string[][] = [];
    for (const s of SCENARIOS) {
      const r = await measure(wallet, s);
      rows.push([s.id, s.title, fmt(r.median, 2), fmt(r.p95, 2)]);
    }
    const started = Date.now();
    const csv = await wallet.historyLinesCsv({ accountId: 'acc_0' });
    const csvMs = Date.now() - started;
    const started2 = Date.now();
    await wallet.historyCsv({ accountId: 'acc_0' });
    const csvEntriesMs = Date.now() - started2;
    return [
      `### ${engine}${CONFIG.analyze ? ' (analyzed)' : ''}: ${CONFIG.lines} lines per account (${Math.round(CONFIG.lines * 1.7)} entries), ${CONFIG.accounts} accounts, seeded in ${seedMs} ms`,
      '',
      markdownTable(['scenario', 'what', 'median ms', 'p95 ms'], rows),
      '',
      `Whole CSV of one account: lines ${csvMs} ms (${csv.trim().split('\n').length - 1} rows), entries ${csvEntriesMs} ms.`,
    ].join('\n');
  } finally {
    if (schema && CONFIG.keep) console.log(`kept schema ${schema}`);
    else if (schema) await db.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await db.close();
  }
}

const out: string[] = [`History read bench, ${new Date().toISOString()}, load ${loadAverage()}, ${CONFIG.reads} reads per scenario`];
for (const engine of CONFIG.engines) out.push(await run(engine));
console.log(out.join('\n\n'));
