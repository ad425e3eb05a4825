// Wallet benchmark (not a test): balance-checked charges per second and per-charge latency, on
// PGlite and on PostgreSQL, next to a raw-SQL baseline (one UPDATE + one INSERT per charge)
// measured in the same run on the same engine. See docs/performance.md.
//
//   pnpm bench                                   both engines, defaults below
//   pnpm bench --charges=5000 --engines=pglite   any knob as --name=value or BENCH_NAME=value (see CONFIG)
//
// tsyringe (inside @tollgate/wallet) needs the Reflect metadata API before it is imported.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SystemClock } from '@tollgate/clock';
import { migrate, openDatabase, pgArray, type Database, type Engine, type QueryResult, type Transaction, type TransactionOptions } from '@tollgate/db';
import { Money } from '@tollgate/money';
import { PriceCatalog, WalletService, checkInvariants, walletMigrations } from '@tollgate/wallet';
import {
  arg,
  drive,
  fmt,
  intArg,
  listArg,
  loadAverage,
  markdownTable,
  parallel,
  pct,
  redact,
  revision,
  summarize,
  writeResults,
  type Run,
  type Stats,
} from './bench-kit.js';
import { fundRaw, rawCharge, RAW_SCHEMA } from './raw-sql.js';

// ---- configuration ------------------------------------------------------------------------------

const CONFIG = {
  /** Measured charges per scenario. */
  charges: intArg('charges', 10_000),
  /** Charges run before measuring each scenario (JIT, caches, connection pool); not counted. */
  warmup: intArg('warmup', 1_000),
  /**
   * The measured charges are split into rounds, and a wallet scenario's rounds alternate with its
   * raw-SQL baseline's, so both see the same background load (the machine may be shared).
   */
  rounds: intArg('rounds', 4),
  /** Wallets in the across-wallets scenarios; charge i goes to wallet i mod wallets. */
  wallets: intArg('wallets', 1_000),
  /** Charges in flight at any time (closed loop: each of N workers awaits its charge, then sends the next). */
  concurrency: intArg('concurrency', 64),
  /** PostgreSQL pool size per Database (the host's default is 10). */
  pool: intArg('pool', 10),
  /** Most commands per wallet transaction (WalletOptions.maxBatch; the service's default is 200). */
  maxBatch: intArg('max-batch', 200),
  engines: (arg('engines') ?? 'pglite,postgres')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean) as Engine[],
  /** Scenario ids to run (default: all), e.g. --only=raw-hot,wallet-hot */
  only: listArg('only'),
  /** 1: time every statement the wallet sends (adds a little overhead) and print where a batch spends its time. */
  profile: arg('profile') === '1',
  url: arg('database-url') ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
};

const CHANNEL = 'bench-sms';
const PRICE = Money.of('0.18');
const TRIAL = Money.of('2.00');
const TARGET_ACROSS_RATIO = 0.5;
const TARGET_HOT_RATE = 1_000;
const TARGET_HOT_P99_MS = 50;

// ---- measuring ----------------------------------------------------------------------------------

// ---- a Database wrapper that counts transactions (and, with --profile=1, times statements) -------

interface Profile {
  transactions: number;
  statements: Map<string, { count: number; ms: number }>;
  /** Time inside transaction callbacks, and the part of it spent waiting for statements. */
  txMs: number;
  queryMs: number;
}

function newProfile(): Profile {
  return { transactions: 0, statements: new Map(), txMs: 0, queryMs: 0 };
}

/** A short name for a statement: its verb and the tables it reads or writes. */
function label(text: string): string {
  const s = text.replace(/\s+/g, ' ').trim().toLowerCase();
  const verb = /^with\b/.test(s) ? 'with' : (s.split(' ')[0] ?? '?');
  const writes = [...s.matchAll(/\b(?:insert into|update|delete from)\s+(\w+)/g)].map((m) => m[1]!).filter((t) => t !== 'set'); // on conflict do update set
  const reads = [...s.matchAll(/\b(?:from|join)\s+(\w+)/g)].map((m) => m[1]!).filter((t) => !['unnest', 'generate_series'].includes(t));
  const seqs = [...s.matchAll(/nextval\('(\w+)'\)/g)].map((m) => m[1]!);
  const parts = [
    writes.length ? `writes ${[...new Set(writes)].join(', ')}` : '',
    reads.length && !writes.length ? `reads ${[...new Set(reads)].join(', ')}` : '',
    seqs.length ? `nextval ${[...new Set(seqs)].length} seqs` : '',
    /for update/.test(s) ? 'for update' : '',
  ].filter(Boolean);
  return `${verb}: ${parts.join('; ')}`;
}

function counted(db: Database, profile: Profile, timing: boolean): Database {
  const record = (text: string, ms: number) => {
    const key = label(text);
    const entry = profile.statements.get(key) ?? { count: 0, ms: 0 };
    entry.count++;
    entry.ms += ms;
    profile.statements.set(key, entry);
  };
  return {
    engine: db.engine,
    query: (text, params) => db.query(text, params),
    ping: (options) => db.ping(options),
    close: () => db.close(),
    transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
      profile.transactions++;
      if (!timing) return db.transaction(fn, options);
      return db.transaction(async (tx) => {
        const t0 = performance.now();
        // Statements of one transaction share one connection and run one after the other anyway;
        // chaining them here makes each timing its own (not the wait behind a sibling of Promise.all).
        let chain: Promise<unknown> = Promise.resolve();
        const wrapped: Transaction = {
          engine: tx.engine,
          query<R>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
            const run = chain.then(async () => {
              const q0 = performance.now();
              try {
                return await tx.query<R>(text, params);
              } finally {
                const ms = performance.now() - q0;
                profile.queryMs += ms;
                record(text, ms);
              }
            });
            chain = run.catch(() => undefined);
            return run;
          },
        };
        try {
          return await fn(wrapped);
        } finally {
          profile.txMs += performance.now() - t0;
        }
      }, options);
    },
  } as Database;
}

// ---- engines ------------------------------------------------------------------------------------

interface Bench {
  engine: Engine;
  /** Opens a Database on the bench's store (a second call on PostgreSQL = a second "host"). */
  open(): Promise<Database>;
  version: string;
  settings: Record<string, string>;
  dispose(): Promise<void>;
}

async function openBench(engine: Engine): Promise<Bench | { skipped: string }> {
  if (engine === 'pglite') {
    const db = await openDatabase({});
    const { rows } = await db.query<{ v: string }>('select version() as v');
    return { engine, open: async () => db, version: rows[0]!.v, settings: {}, dispose: () => db.close() };
  }
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  let first: Database;
  try {
    first = await openDatabase({ url: CONFIG.url, schema, poolSize: CONFIG.pool });
  } catch (error) {
    return { skipped: `PostgreSQL at ${redact(CONFIG.url)} is not reachable (${(error as Error).message}); set BENCH_DATABASE_URL` };
  }
  const opened: Database[] = [first];
  const { rows } = await first.query<{ v: string }>('select version() as v');
  const settings: Record<string, string> = {};
  for (const name of ['synchronous_commit', 'fsync', 'shared_buffers', 'max_connections', 'wal_level']) {
    settings[name] = (await first.query<{ v: string }>(`select current_setting('${name}') as v`)).rows[0]!.v;
  }
  let handedFirst = false;
  return {
    engine,
    version: rows[0]!.v,
    settings,
    async open() {
      if (!handedFirst) {
        handedFirst = true;
        return first;
      }
      const db = await openDatabase({ url: CONFIG.url, schema, poolSize: CONFIG.pool });
      opened.push(db);
      return db;
    },
    async dispose() {
      await first.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
      for (const db of opened) await db.close();
    },
  };
}

/**
 * Dirty pages of the set-up written before measuring (PostgreSQL). No ANALYZE: the host never runs
 * one, and on PGlite (no autovacuum) an ANALYZE of still-small tables makes the foreign-key checks
 * of ledger_postings scan ledger_transactions sequentially from then on (see docs/performance.md).
 */
async function settle(db: Database): Promise<void> {
  if (db.engine === 'postgres') await db.query('checkpoint').catch(() => undefined);
}

// ---- scenarios ----------------------------------------------------------------------------------

interface Result {
  engine: Engine;
  id: string;
  title: string;
  stats: Stats;
  /** Database transactions the measured charges took (wallet: batches; raw: one per charge). */
  transactions: number;
  /** Charges per wallet transaction (from the clock reading every charge of one batch shares). */
  batch: { mean: number; max: number } | null;
  baseline?: string;
  /** charges/s over the baseline's, overall and per round. */
  ratio?: number;
  roundRatios?: number[];
  checks: string[];
  profile?: { statements: Array<{ statement: string; count: number; msPerTx: number; share: number }>; jsMsPerTx: number; queryMsPerTx: number };
}

/** A prepared scenario: charge i (warm-up first, then the measured ones), and the check afterwards. */
interface Scenario {
  id: string;
  title: string;
  charge(i: number): Promise<void>;
  /** Called once between warm-up and measuring. */
  startMeasuring(): void;
  verify(): Promise<Omit<Result, 'engine' | 'id' | 'title' | 'stats'>>;
}

function chargesPerAccount(accounts: string[]): Map<string, number> {
  const total = CONFIG.warmup + CONFIG.charges;
  const per = new Map<string, number>();
  for (let i = 0; i < total; i++) per.set(accounts[i % accounts.length]!, (per.get(accounts[i % accounts.length]!) ?? 0) + 1);
  return per;
}

async function prepareRaw(db: Database, input: { id: string; title: string; accounts: string[] }): Promise<Scenario> {
  const { accounts } = input;
  const perAccount = chargesPerAccount(accounts);
  const start = new Map([...perAccount].map(([a, n]) => [a, PRICE.times(n + 10)]));
  await fundRaw(db, start);
  const entriesBefore = Number((await db.query<{ n: string }>('select count(*) as n from bench_entries')).rows[0]!.n);
  return {
    id: input.id,
    title: input.title,
    charge: (i) => rawCharge(db, accounts[i % accounts.length]!, PRICE),
    startMeasuring: () => undefined,
    async verify() {
      // Every balance is exactly its start minus its charges; one entry per charge.
      const total = CONFIG.warmup + CONFIG.charges;
      const { rows } = await db.query<{ account_id: string; balance: string }>(
        'select account_id, balance from bench_balances where account_id = any($1::text[])',
        [pgArray(accounts)],
      );
      const wrong = rows.filter((r) => !Money.of(r.balance).equals(start.get(r.account_id)!.minus(PRICE.times(perAccount.get(r.account_id)!))));
      const entries = Number((await db.query<{ n: string }>('select count(*) as n from bench_entries')).rows[0]!.n) - entriesBefore;
      if (wrong.length || rows.length !== accounts.length || entries !== total) {
        throw new Error(`${input.id} [${db.engine}]: wrong result (${wrong.length} wrong balances, ${entries}/${total} entries)`);
      }
      return { transactions: CONFIG.charges, batch: null, checks: [`${accounts.length} balances exact`, `${entries} entries`] };
    },
  };
}

async function prepareWallet(
  db: Database,
  services: Array<{ wallet: WalletService; profile: Profile }>,
  input: { id: string; title: string; accounts: string[] },
): Promise<Scenario> {
  const { accounts } = input;
  const perAccount = chargesPerAccount(accounts);
  const setupWallet = services[0]!.wallet;
  const granted = new Map<string, Money>();
  await parallel(accounts.length, 32, async (i) => {
    const accountId = accounts[i]!;
    await setupWallet.openWallet({ accountId });
    const amount = PRICE.times(perAccount.get(accountId)! + 10).roundToCents();
    await setupWallet.grant({ accountId, kind: 'purchased', amount, idempotencyKey: `bench-topup-${accountId}` });
    granted.set(accountId, amount);
  });
  const runId = randomBytes(3).toString('hex');
  const keyPrefix = `${input.id}-${runId}-`;
  return {
    id: input.id,
    title: input.title,
    charge: (i) => {
      const { wallet } = services[i % services.length]!;
      return wallet
        .charge({ accountId: accounts[i % accounts.length]!, channel: CHANNEL, units: '1', idempotencyKey: `${keyPrefix}${i}` })
        .then(() => undefined);
    },
    startMeasuring: () => {
      for (const s of services) Object.assign(s.profile, newProfile());
    },
    async verify() {
      const total = CONFIG.warmup + CONFIG.charges;
      const merged = newProfile();
      for (const { profile } of services) {
        merged.transactions += profile.transactions;
        merged.txMs += profile.txMs;
        merged.queryMs += profile.queryMs;
        for (const [k, v] of profile.statements) {
          const e = merged.statements.get(k) ?? { count: 0, ms: 0 };
          e.count += v.count;
          e.ms += v.ms;
          merged.statements.set(k, e);
        }
      }
      // The ledger proves itself, and every balance is exactly trial + top-up − charges.
      const report = await checkInvariants({ db });
      if (!report.ok) throw new Error(`${input.id} [${db.engine}]: invariants broken: ${JSON.stringify(report.problems.slice(0, 5))}`);
      const { rows } = await db.query<{ account_id: string; available: string }>(
        'select account_id, available from wallets where account_id = any($1::text[])',
        [pgArray(accounts)],
      );
      const wrong = rows.filter((r) => !Money.of(r.available).equals(TRIAL.plus(granted.get(r.account_id)!).minus(PRICE.times(perAccount.get(r.account_id)!))));
      const {
        rows: [txs],
      } = await db.query<{ n: string }>(`select count(*) as n from ledger_transactions where type = 'charge' and idempotency_key like $1`, [`${keyPrefix}%`]);
      if (wrong.length || rows.length !== accounts.length || Number(txs!.n) !== total) {
        throw new Error(`${input.id} [${db.engine}]: wrong result (${wrong.length} wrong balances, ${txs!.n}/${total} charge transactions)`);
      }
      // Batch sizes: every charge of a batch carries the batch's clock reading (measured charges only).
      const {
        rows: [batch],
      } = await db.query<{ mean: string; max: string }>(
        `select avg(n) as mean, max(n) as max from (
           select count(*) as n from ledger_transactions where type = 'charge' and idempotency_key like $1
              and substring(idempotency_key from '(\\d+)$')::int >= $2 group by account_id, created_at) b`,
        [`${keyPrefix}%`, CONFIG.warmup],
      );
      const n = merged.transactions;
      return {
        transactions: n,
        batch: { mean: Number(batch!.mean), max: Number(batch!.max) },
        checks: [
          `invariants ok (${report.counts.transactions} transactions, ${report.counts.postings} postings)`,
          `${accounts.length} balances exact`,
          `${total} charges recorded`,
        ],
        ...(CONFIG.profile && n > 0
          ? {
              profile: {
                statements: [...merged.statements]
                  .sort((a, b) => b[1].ms - a[1].ms)
                  .map(([statement, v]) => ({ statement, count: v.count, msPerTx: v.ms / n, share: v.ms / merged.txMs })),
                jsMsPerTx: (merged.txMs - merged.queryMs) / n,
                queryMsPerTx: merged.queryMs / n,
              },
            }
          : {}),
      };
    },
  };
}

/** Warms every scenario of a group up, then measures them round by round, alternating. */
async function measure(
  db: Database,
  engine: Engine,
  group: Scenario[],
  baselineFor: (id: string) => Result | undefined,
  log: (r: Result) => void,
): Promise<void> {
  await settle(db);
  for (const s of group) await drive(CONFIG.warmup, CONFIG.concurrency, (i) => s.charge(i));
  for (const s of group) s.startMeasuring();
  const runs = new Map(group.map((s) => [s.id, [] as Run[]]));
  const size = Math.ceil(CONFIG.charges / CONFIG.rounds);
  for (let from = 0; from < CONFIG.charges; from += size) {
    const count = Math.min(size, CONFIG.charges - from);
    for (const s of group) runs.get(s.id)!.push(await drive(count, CONFIG.concurrency, (i) => s.charge(CONFIG.warmup + from + i)));
  }
  for (const s of group) {
    const stats = summarize(runs.get(s.id)!);
    const result: Result = { engine, id: s.id, title: s.title, stats, ...(await s.verify()) };
    const baseline = baselineFor(s.id);
    if (baseline) {
      result.baseline = baseline.id;
      result.ratio = stats.perSecond / baseline.stats.perSecond;
      // Per round only when the baseline ran in the same group (interleaved).
      if (group.some((g) => g.id === baseline.id)) result.roundRatios = stats.rounds.map((r, i) => r / baseline.stats.rounds[i]!);
    }
    log(result); // in group order, so a baseline is logged before the scenario compared with it
  }
}

async function runEngine(bench: Bench): Promise<Result[]> {
  const want = (id: string) => !CONFIG.only || CONFIG.only.includes(id);
  const db = await bench.open();
  await migrate({ db, sets: [walletMigrations, { namespace: 'bench', migrations: [{ id: '0001_raw', sql: RAW_SCHEMA }] }] });
  const clock = new SystemClock();
  await new PriceCatalog(db, clock).setPrice({ channel: CHANNEL, unit: 'message', unitPrice: PRICE, effectiveFrom: new Date('2025-01-01T00:00:00Z') });
  const service = (database: Database) => {
    const profile = newProfile();
    return { wallet: new WalletService(counted(database, profile, CONFIG.profile), clock, { maxBatch: CONFIG.maxBatch }), profile };
  };
  const one = [service(db)];
  const names = Array.from({ length: CONFIG.wallets }, (_, i) => `w${String(i).padStart(5, '0')}`);
  const results: Result[] = [];
  const byId = new Map<string, Result>();
  const baselines: Record<string, string> = { 'wallet-across': 'raw-across', 'wallet-hot': 'raw-hot', 'wallet-hot-2-hosts': 'raw-hot' };
  const log = (r: Result) => {
    results.push(r);
    byId.set(r.id, r);
    const spread = r.stats.rounds.length > 1 ? ` (rounds ${fmt(Math.min(...r.stats.rounds), 0)}–${fmt(Math.max(...r.stats.rounds), 0)})` : '';
    console.log(
      `  ${r.id.padEnd(19)} ${fmt(r.stats.perSecond, 0).padStart(6)} charges/s${spread}  p50 ${fmt(r.stats.p50, 1)} ms  p99 ${fmt(r.stats.p99, 1)} ms${r.ratio !== undefined ? `  vs raw ${pct(r.ratio)}` : ''}${r.batch ? `  batch ≈ ${fmt(r.batch.mean, 1)}` : ''}`,
    );
  };
  const run = async (scenarios: Array<Scenario | false>) => {
    const ready = scenarios.filter((s): s is Scenario => s !== false);
    if (ready.length) await measure(db, bench.engine, ready, (id) => byId.get(baselines[id] ?? ''), log);
  };

  // Set up a pair, then measure its two scenarios interleaved, round by round.
  await run([
    want('raw-across') && (await prepareRaw(db, { id: 'raw-across', title: `raw SQL, ${CONFIG.wallets} wallets`, accounts: names.map((a) => `raw-${a}`) })),
    want('wallet-across') &&
      (await prepareWallet(db, one, {
        id: 'wallet-across',
        title: `WalletService.charge, ${CONFIG.wallets} wallets`,
        accounts: names.map((a) => `across-${a}`),
      })),
  ]);
  await run([
    want('raw-hot') && (await prepareRaw(db, { id: 'raw-hot', title: 'raw SQL, 1 hot wallet', accounts: ['raw-hot'] })),
    want('wallet-hot') && (await prepareWallet(db, one, { id: 'wallet-hot', title: 'WalletService.charge, 1 hot wallet', accounts: ['hot'] })),
  ]);
  if (bench.engine === 'postgres' && want('wallet-hot-2-hosts')) {
    // Two hosts: two WalletService instances on two Databases (pools); they serialise on the wallet row lock.
    const two = [one[0]!, service(await bench.open())];
    await run([await prepareWallet(db, two, { id: 'wallet-hot-2-hosts', title: '2 hosts, 1 hot wallet', accounts: ['hot-2'] })]);
  }
  return results;
}

// ---- report -------------------------------------------------------------------------------------

function table(results: Result[]): string {
  const head = ['engine', 'scenario', 'charges/s', 'p50 ms', 'p99 ms', 'max ms', 'vs raw (rounds)', 'db tx', 'charges/tx avg, max', 'node cpu', 'machine cpu'];
  const rows = results.map((r) => [
    r.engine,
    r.title,
    fmt(r.stats.perSecond, 0),
    fmt(r.stats.p50, 1),
    fmt(r.stats.p99, 1),
    fmt(r.stats.max, 1),
    r.ratio === undefined ? '—' : `${pct(r.ratio)}${r.roundRatios ? ` (${pct(Math.min(...r.roundRatios))}–${pct(Math.max(...r.roundRatios))})` : ''}`,
    String(r.transactions),
    r.batch ? `${fmt(r.batch.mean, 1)}, ${r.batch.max}` : '1, 1',
    pct(r.stats.nodeCpu),
    r.stats.machineCpu === null ? '—' : pct(r.stats.machineCpu),
  ]);
  return markdownTable(head, rows);
}

function targets(results: Result[]): string[] {
  const lines: string[] = [];
  for (const engine of [...new Set(results.map((r) => r.engine))]) {
    const across = results.find((r) => r.engine === engine && r.id === 'wallet-across');
    const hot = results.find((r) => r.engine === engine && r.id === 'wallet-hot');
    if (across?.ratio !== undefined) {
      lines.push(
        `${engine}: across wallets ${pct(across.ratio)} of raw SQL (target ≥ ${pct(TARGET_ACROSS_RATIO)}): ${across.ratio >= TARGET_ACROSS_RATIO ? 'MET' : 'NOT MET'}`,
      );
    }
    if (hot) {
      const ok = hot.stats.perSecond >= TARGET_HOT_RATE && hot.stats.p99 < TARGET_HOT_P99_MS;
      lines.push(
        `${engine}: hot wallet ${fmt(hot.stats.perSecond, 0)} charges/s, p99 ${fmt(hot.stats.p99, 1)} ms (target ≥ ${fmt(TARGET_HOT_RATE, 0)}/s and p99 < ${TARGET_HOT_P99_MS} ms): ${ok ? 'MET' : 'NOT MET'}`,
      );
    }
  }
  return lines;
}

async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const cores = availableParallelism();
  const commit = revision(here, ['../../packages/wallet/src', '../../packages/db/src', '../../packages/money/src']);
  const load = loadAverage;
  const started = performance.now();
  console.log(`wallet bench at ${commit}: node ${process.version}, ${cores} cores, load average ${load()}`);
  console.log(
    `${CONFIG.charges} measured charges per scenario in ${CONFIG.rounds} rounds after ${CONFIG.warmup} warm-up, ${CONFIG.concurrency} in flight, ${CONFIG.wallets} wallets, pool ${CONFIG.pool}, maxBatch ${CONFIG.maxBatch}`,
  );
  const results: Result[] = [];
  const engines: Array<{ engine: Engine; version?: string; settings?: Record<string, string>; skipped?: string; loadBefore?: string; loadAfter?: string }> = [];
  for (const engine of CONFIG.engines) {
    if (engine !== 'pglite' && engine !== 'postgres') throw new Error(`unknown engine ${String(engine)}`);
    const bench = await openBench(engine);
    if ('skipped' in bench) {
      console.log(`\n[${engine}] skipped: ${bench.skipped}`);
      engines.push({ engine, skipped: bench.skipped });
      continue;
    }
    console.log(
      `\n[${engine}] ${bench.version}${
        Object.keys(bench.settings).length
          ? ` (${Object.entries(bench.settings)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')})`
          : ''
      }`,
    );
    const info: (typeof engines)[number] = { engine, version: bench.version, settings: bench.settings, loadBefore: load() };
    engines.push(info);
    try {
      results.push(...(await runEngine(bench)));
    } finally {
      await bench.dispose();
      info.loadAfter = load();
    }
  }

  console.log(`\n${table(results)}\n`);
  console.log('charges/s and latency: per charge, from the call to its result, over all rounds. vs raw: charges/s over the raw-SQL');
  console.log('baseline of the same engine and shape (overall, and the lowest and highest of the interleaved rounds).');
  console.log('db tx: database transactions the measured charges took; the wallet applies queued charges of one wallet in one.');
  console.log(`node cpu: this process, share of one core; machine cpu: all ${cores} cores, anything running on them.\n`);
  for (const line of targets(results)) console.log(line);
  for (const r of results.filter((x) => x.profile)) {
    console.log(
      `\nprofile ${r.engine} ${r.id}: per transaction ${fmt(r.profile!.queryMsPerTx, 2)} ms in statements, ${fmt(r.profile!.jsMsPerTx, 2)} ms in between (JS; BEGIN, COMMIT and pool waits not included)`,
    );
    for (const s of r.profile!.statements)
      console.log(`  ${fmt(s.msPerTx, 3).padStart(8)} ms/tx  ${pct(s.share).padStart(5)}  ${String(s.count).padStart(7)}×  ${s.statement}`);
  }
  const out = join(here, '..', 'results');
  mkdirSync(out, { recursive: true });
  writeResults({ file: join(out, 'latest.json'), started, commit, cores, config: CONFIG, engines, results, targets: targets(results) });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
