// Wallet part 2 (issue 22) benchmark (not a test): what scoped credit, monthly spending caps, plan
// allowances, the quote's dry run and the transaction hooks (invoices, alerts) cost on the wallet's
// hot path, each next to a baseline measured in the same run, rounds alternating. See
// docs/performance.md, "Wallet part 2 (issue 22)".
//
//   pnpm bench:wallet2                                 both engines, defaults below
//   pnpm bench:wallet2 --engines=pglite --ops=1000     any knob as --name=value or BENCH_NAME=value
//
// The hooks are built as apps/host/src/core-container.ts builds them (registerWalletAlerts, then
// registerWalletInvoices with the host's job queue), without tsyringe, Nest or HTTP.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SystemClock } from '@tollgate/clock';
import {
  JobQueue,
  migrate,
  openDatabase,
  pgArray,
  type Database,
  type Engine,
  type QueryResult,
  type Transaction,
  type TransactionOptions,
} from '@tollgate/db';
import { Money } from '@tollgate/money';
import { PriceCatalog, WalletService, checkInvariants, walletMigrations } from '@tollgate/wallet';
import { WalletAlertService, walletAlertMigrations } from '@tollgate/wallet-alerts';
import { BILLING_DOCUMENT_QUEUE, DocumentIssuer, walletInvoiceMigrations, type WalletInvoiceOptions } from '@tollgate/wallet-invoices';
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

// ---- configuration ------------------------------------------------------------------------------

const CONFIG = {
  /** Measured operations per scenario (charges, quotes, balance reads or grants). */
  ops: intArg('ops', 2_000),
  /** Operations run before measuring each scenario; not counted. */
  warmup: intArg('warmup', 300),
  /** Rounds per scenario; the scenarios of a group alternate round by round (same background load). */
  rounds: intArg('rounds', 4),
  /** Wallets in the across-wallets scenarios; operation i goes to wallet i mod wallets. */
  wallets: intArg('wallets', 1_000),
  /** Operations in flight (closed loop). */
  concurrency: intArg('concurrency', 64),
  /** PostgreSQL pool size (the host's default is 10). */
  pool: intArg('pool', 10),
  engines: (arg('engines') ?? 'pglite,postgres')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean) as Engine[],
  /** Groups to run (default all): charges-across, charges-hot, quotes, purchases. */
  only: listArg('only'),
  /** 1: time every statement inside wallet transactions and print where a transaction spends its time. */
  profile: arg('profile') === '1',
  /** The server; the bench creates its own database on it and drops it afterwards. */
  url: arg('database-url') ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
};

const CHANNEL = 'bench-sms';
const PRICE = Money.of('0.18');
/** The plan of the feature wallets: 1 unit of the channel a month, used up before measuring. */
const PLAN = 'bench-plus';
const USER = 'usr-bench';
const CAP = '100000.00';
const TOP_UP = Money.of('10.00');
const INVOICES: WalletInvoiceOptions = {
  seller: {
    name: 'Tollgate Bench BV',
    addressLines: ['Benchstraat 1'],
    postcode: '1000',
    city: 'Brussel',
    country: 'BE',
    vatNumber: 'BE0123456749',
    iban: 'BE68539007547034',
    email: 'billing@bench.invalid',
  },
};

// The host's accounts and users (apps/host/src/accounts/host.migrations.ts, not exported): the
// invoice hook reads the buyer from them.
const HOST_TABLES = `
  create table accounts (
    id          text primary key,
    name        text not null check (length(name) between 1 and 200),
    status      text not null default 'trial' check (status in ('trial', 'active', 'closed')),
    locale      text not null default 'en' check (locale in ('nl', 'fr', 'en', 'de')),
    time_zone   text not null default 'Europe/Brussels',
    created_at  timestamptz not null
  );
  create table users (
    id          text primary key,
    account_id  text not null references accounts(id),
    email       text not null,
    name        text not null,
    role        text not null check (role in ('owner', 'admin', 'member')),
    created_at  timestamptz not null,
    unique (account_id, email)
  );`;

// ---- a Database that counts transactions (and with --profile=1 times statements) -----------------

interface Profile {
  transactions: number;
  statements: Map<string, { count: number; ms: number }>;
  txMs: number;
  queryMs: number;
}

const newProfile = (): Profile => ({ transactions: 0, statements: new Map(), txMs: 0, queryMs: 0 });

/** A short name for a statement: its verb and the tables it writes or reads. */
function label(text: string): string {
  const s = text.replace(/\s+/g, ' ').trim().toLowerCase();
  const verb = /^with\b/.test(s) ? 'with' : (s.split(' ')[0] ?? '?');
  if (verb === 'savepoint' || verb === 'release') return verb;
  const writes = [...s.matchAll(/\b(?:insert into|update|delete from)\s+(\w+)/g)].map((m) => m[1]!).filter((t) => t !== 'set');
  const reads = [...s.matchAll(/\b(?:from|join)\s+(\w+)/g)].map((m) => m[1]!).filter((t) => !['unnest', 'generate_series'].includes(t));
  const parts = [
    writes.length ? `writes ${[...new Set(writes)].join(', ')}` : '',
    reads.length && !writes.length ? `reads ${[...new Set(reads)].join(', ')}` : '',
    /for update/.test(s) ? 'for update' : '',
  ].filter(Boolean);
  return `${verb}: ${parts.join('; ')}`;
}

function counted(db: Database, profile: Profile, timing: boolean): Database {
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
                const key = label(text);
                const e = profile.statements.get(key) ?? { count: 0, ms: 0 };
                e.count++;
                e.ms += ms;
                profile.statements.set(key, e);
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
  db: Database;
  version: string;
  dispose(): Promise<void>;
}

async function openBench(engine: Engine): Promise<Bench | { skipped: string }> {
  if (engine === 'pglite') {
    const db = await openDatabase({});
    const { rows } = await db.query<{ v: string }>('select version() as v');
    return { engine, db, version: rows[0]!.v, dispose: () => db.close() };
  }
  // Our own database on the server, dropped afterwards.
  const name = `tollgate_bench_w2_${randomBytes(4).toString('hex')}`;
  let admin: Database;
  try {
    admin = await openDatabase({ url: CONFIG.url, poolSize: 1 });
    await admin.query(`create database ${name}`);
  } catch (error) {
    return { skipped: `PostgreSQL at ${redact(CONFIG.url)} is not usable (${(error as Error).message}); set BENCH_DATABASE_URL` };
  }
  const url = new URL(CONFIG.url);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString(), poolSize: CONFIG.pool });
  const { rows } = await db.query<{ v: string }>('select version() as v');
  return {
    engine,
    db,
    version: rows[0]!.v,
    async dispose() {
      await db.close();
      await admin.query(`drop database if exists ${name} with (force)`).catch((error: unknown) => console.error(`could not drop ${name}:`, error));
      await admin.close();
    },
  };
}

async function settle(db: Database): Promise<void> {
  if (db.engine === 'postgres') await db.query('checkpoint').catch(() => undefined);
}

// ---- scenarios ----------------------------------------------------------------------------------

interface Result {
  engine: Engine;
  id: string;
  title: string;
  stats: Stats;
  loadBefore: string;
  /** Database transactions the measured operations took (null: no transaction, a read). */
  transactions: number | null;
  /** Operations per wallet transaction (charges: from the clock reading every charge of a batch shares). */
  batch: { mean: number; max: number } | null;
  baseline?: string;
  ratio?: number;
  roundRatios?: number[];
  checks: string[];
  profile?: { statements: Array<{ statement: string; count: number; msPerTx: number; share: number }>; jsMsPerTx: number; queryMsPerTx: number };
}

interface Scenario {
  id: string;
  title: string;
  baseline?: string;
  op(i: number): Promise<void>;
  /** Called before the warm-up. */
  prepare?(): Promise<void>;
  startMeasuring(): void;
  verify(): Promise<Omit<Result, 'engine' | 'id' | 'title' | 'stats' | 'loadBefore'>>;
}

interface Service {
  wallet: WalletService;
  profile: Profile;
}

const TOTAL = () => CONFIG.warmup + CONFIG.ops;

function opsPerAccount(accounts: string[]): Map<string, number> {
  const per = new Map<string, number>();
  for (let i = 0; i < TOTAL(); i++) per.set(accounts[i % accounts.length]!, (per.get(accounts[i % accounts.length]!) ?? 0) + 1);
  return per;
}

async function available(db: Database, accounts: string[]): Promise<Map<string, Money>> {
  const { rows } = await db.query<{ account_id: string; available: string }>(
    'select account_id, available::text as available from wallets where account_id = any($1::text[])',
    [pgArray(accounts)],
  );
  return new Map(rows.map((r) => [r.account_id, Money.of(r.available)]));
}

function profileOf(service: Service): Pick<Result, 'profile'> {
  const p = service.profile;
  const n = p.transactions;
  if (!CONFIG.profile || n === 0) return {};
  return {
    profile: {
      statements: [...p.statements]
        .sort((a, b) => b[1].ms - a[1].ms)
        .map(([statement, v]) => ({ statement, count: v.count, msPerTx: v.ms / n, share: v.ms / p.txMs })),
      jsMsPerTx: (p.txMs - p.queryMs) / n,
      queryMsPerTx: p.queryMs / n,
    },
  };
}

/** The host's accounts (one owner each) for the wallets: what the invoice hook reads as the buyer. */
async function addAccounts(db: Database, accounts: string[]): Promise<void> {
  await db.query(`insert into accounts (id, name, created_at) select a, 'Bench ' || a, now() from unnest($1::text[]) a on conflict do nothing`, [
    pgArray(accounts),
  ]);
  await db.query(
    `insert into users (id, account_id, email, name, role, created_at) select 'u-' || a, a, a || '@bench.invalid', 'Owner', 'owner', now() from unnest($1::text[]) a
     on conflict do nothing`,
    [pgArray(accounts)],
  );
}

/**
 * Wallets funded for `accounts` charges each (+ 10). features: opened on the plan with an
 * allowance (used up here by one charge), half the top-up scoped to the channel, a channel cap and
 * a user cap far above what is spent, and a balance_below and a days_left alert.
 */
async function fund(input: {
  db: Database;
  service: Service;
  alerts: WalletAlertService | null;
  accounts: string[];
  features: boolean;
}): Promise<Map<string, Money>> {
  const { db, accounts, features } = input;
  const wallet = input.service.wallet;
  const per = opsPerAccount(accounts);
  await addAccounts(db, accounts);
  await parallel(accounts.length, 32, async (i) => {
    const accountId = accounts[i]!;
    await wallet.openWallet({ accountId, ...(features ? { plan: PLAN } : {}) });
    const amount = PRICE.times(per.get(accountId)! + 10).roundToCents();
    if (!features) {
      await wallet.grant({ accountId, kind: 'purchased', amount, idempotencyKey: `topup-${accountId}` });
      return;
    }
    const scoped = amount.times('0.5').roundToCents();
    await wallet.grant({ accountId, kind: 'purchased', amount: scoped, idempotencyKey: `topup-scoped-${accountId}`, scope: [CHANNEL] });
    await wallet.grant({ accountId, kind: 'purchased', amount: amount.minus(scoped), idempotencyKey: `topup-${accountId}` });
    await wallet.setCap({ accountId, kind: 'channel', target: CHANNEL, limit: CAP });
    await wallet.setCap({ accountId, kind: 'user', target: USER, limit: CAP });
    await input.alerts!.create({ accountId, alert: { kind: 'balance_below', amount: Money.of('1.00') } });
    await input.alerts!.create({ accountId, alert: { kind: 'days_left', days: 5, burnWindowDays: 7 } });
    // The month's allowance (1 unit) goes now: every measured charge reads it, finds it used, pays money.
    const first = await wallet.charge({ accountId, channel: CHANNEL, units: '1', idempotencyKey: `allowance-${accountId}`, userId: USER });
    if (first.allowanceUnits !== '1') throw new Error(`expected the allowance to pay the first charge of ${accountId}, got ${JSON.stringify(first)}`);
  });
  return available(db, accounts);
}

function chargeScenario(input: {
  db: Database;
  service: Service;
  id: string;
  title: string;
  baseline?: string;
  accounts: string[];
  start: Map<string, Money>;
  features: boolean;
  alertErrors: unknown[];
}): Scenario {
  const { db, service, accounts, features } = input;
  const keyPrefix = `${input.id}-${randomBytes(3).toString('hex')}-`;
  const per = opsPerAccount(accounts);
  return {
    id: input.id,
    title: input.title,
    ...(input.baseline ? { baseline: input.baseline } : {}),
    op: (i) =>
      service.wallet
        .charge({
          accountId: accounts[i % accounts.length]!,
          channel: CHANNEL,
          units: '1',
          idempotencyKey: `${keyPrefix}${i}`,
          ...(features ? { userId: USER } : {}),
        })
        .then(() => undefined),
    startMeasuring: () => Object.assign(service.profile, newProfile()),
    async verify() {
      const after = await available(db, accounts);
      const wrong = accounts.filter((a) => !after.get(a)?.equals(input.start.get(a)!.minus(PRICE.times(per.get(a)!))));
      const {
        rows: [txs],
      } = await db.query<{ n: string }>(`select count(*) as n from ledger_transactions where type = 'charge' and idempotency_key like $1`, [`${keyPrefix}%`]);
      if (wrong.length || Number(txs!.n) !== TOTAL())
        throw new Error(`${input.id} [${db.engine}]: ${wrong.length} wrong balances, ${txs!.n}/${TOTAL()} charges`);
      const checks = [`${accounts.length} balances exact`, `${TOTAL()} charges recorded`];
      if (features) {
        // The caps' counters, the channel's and the user's: each what the measured charges took (the allowance's charge paid nothing).
        const { rows } = await db.query<{ account_id: string; kind: string; amount: string }>(
          `select account_id, kind, amount::text as amount from spend_usage where account_id = any($1::text[])`,
          [pgArray(accounts)],
        );
        const badUsage = rows.filter((r) => !Money.of(r.amount).equals(input.start.get(r.account_id)!.minus(after.get(r.account_id)!)));
        if (badUsage.length || rows.length !== accounts.length * 2)
          throw new Error(`${input.id} [${db.engine}]: spend_usage wrong (${badUsage.length} wrong, ${rows.length} rows)`);
        const {
          rows: [fired],
        } = await db.query<{ n: string }>(`select count(*) as n from wallet_alerts where account_id = any($1::text[]) and state <> 'armed'`, [
          pgArray(accounts),
        ]);
        if (Number(fired!.n) || input.alertErrors.length)
          throw new Error(`${input.id} [${db.engine}]: ${fired!.n} alerts fired, ${input.alertErrors.length} alert faults`);
        checks.push(`spend_usage exact (${rows.length} counters)`, `${accounts.length * 2} alerts checked, none fired, no fault`);
      }
      const {
        rows: [batch],
      } = await db.query<{ mean: string; max: string }>(
        `select avg(n) as mean, max(n) as max from (
           select count(*) as n from ledger_transactions where type = 'charge' and idempotency_key like $1
              and substring(idempotency_key from '(\\d+)$')::int >= $2 group by account_id, created_at) b`,
        [`${keyPrefix}%`, CONFIG.warmup],
      );
      return {
        transactions: service.profile.transactions,
        batch: { mean: Number(batch!.mean), max: Number(batch!.max) },
        checks,
        ...profileOf(service),
      };
    },
  };
}

function readScenario(input: { id: string; title: string; baseline?: string; accounts: string[]; read: (accountId: string) => Promise<unknown> }): Scenario {
  let reads = 0;
  return {
    id: input.id,
    title: input.title,
    ...(input.baseline ? { baseline: input.baseline } : {}),
    op: async (i) => {
      await input.read(input.accounts[i % input.accounts.length]!);
      reads++;
    },
    startMeasuring: () => undefined,
    verify: async () => {
      await Promise.resolve();
      if (reads !== TOTAL()) throw new Error(`${input.id}: ${reads}/${TOTAL()} reads`);
      return { transactions: null, batch: null, checks: [`${reads} answers`] };
    },
  };
}

function grantScenario(input: {
  db: Database;
  service: Service;
  id: string;
  title: string;
  baseline?: string;
  accounts: string[];
  invoices: boolean;
}): Scenario {
  const { db, service, accounts } = input;
  const keyPrefix = `${input.id}-${randomBytes(3).toString('hex')}-`;
  const per = opsPerAccount(accounts);
  let start = new Map<string, Money>();
  let invoicesBefore = 0;
  return {
    id: input.id,
    title: input.title,
    ...(input.baseline ? { baseline: input.baseline } : {}),
    op: (i) =>
      service.wallet
        .grant({
          accountId: accounts[i % accounts.length]!,
          kind: 'purchased',
          amount: TOP_UP,
          idempotencyKey: `${keyPrefix}${i}`,
          description: 'Credit pack',
          metadata: { purchaseId: `${keyPrefix}${i}` },
        })
        .then(() => undefined),
    async prepare() {
      start = await available(db, accounts);
      invoicesBefore = Number((await db.query<{ n: string }>(`select count(*) as n from billing_documents where doc_type = 'invoice'`)).rows[0]!.n);
    },
    startMeasuring: () => Object.assign(service.profile, newProfile()),
    async verify() {
      const after = await available(db, accounts);
      const wrong = accounts.filter((a) => !after.get(a)?.equals(start.get(a)!.plus(TOP_UP.times(per.get(a)!))));
      const {
        rows: [docs],
      } = await db.query<{ n: string }>(`select count(*) as n from billing_documents where purchase_id like $1`, [`${keyPrefix}%`]);
      const {
        rows: [series],
      } = await db.query<{ n: string; lo: string; hi: string }>(
        `select count(*) as n, min(substring(number from '(\\d+)$')::int) as lo, max(substring(number from '(\\d+)$')::int) as hi from billing_documents where doc_type = 'invoice'`,
      );
      const gapFree = Number(series!.n) === 0 || Number(series!.hi) - Number(series!.lo) + 1 === Number(series!.n);
      const wantDocs = input.invoices ? TOTAL() : 0;
      if (wrong.length || Number(docs!.n) !== wantDocs || !gapFree || Number(series!.n) - invoicesBefore < wantDocs)
        throw new Error(`${input.id} [${db.engine}]: ${wrong.length} wrong balances, ${docs!.n}/${wantDocs} invoices, series gap-free ${gapFree}`);
      return {
        transactions: service.profile.transactions,
        batch: null,
        checks: [`${accounts.length} balances exact`, input.invoices ? `${docs!.n} invoices, series gap-free (${series!.n} numbers)` : 'no invoices'],
        ...profileOf(service),
      };
    },
  };
}

/** Warms every scenario of a group up, then measures them round by round, alternating. */
async function measure(db: Database, engine: Engine, group: Scenario[], log: (r: Result) => void, byId: Map<string, Result>): Promise<void> {
  const loadBefore = loadAverage();
  await settle(db);
  for (const s of group) {
    await s.prepare?.();
    await drive(CONFIG.warmup, CONFIG.concurrency, (i) => s.op(i));
  }
  for (const s of group) s.startMeasuring();
  const runs = new Map(group.map((s) => [s.id, [] as Run[]]));
  const size = Math.ceil(CONFIG.ops / CONFIG.rounds);
  for (let from = 0; from < CONFIG.ops; from += size) {
    const count = Math.min(size, CONFIG.ops - from);
    for (const s of group) runs.get(s.id)!.push(await drive(count, CONFIG.concurrency, (i) => s.op(CONFIG.warmup + from + i)));
  }
  for (const s of group) {
    const stats = summarize(runs.get(s.id)!);
    const result: Result = { engine, id: s.id, title: s.title, stats, loadBefore, ...(await s.verify()) };
    const baseline = s.baseline ? byId.get(s.baseline) : undefined;
    if (baseline) {
      result.baseline = baseline.id;
      result.ratio = stats.perSecond / baseline.stats.perSecond;
      if (group.some((g) => g.id === baseline.id)) result.roundRatios = stats.rounds.map((r, i) => r / baseline.stats.rounds[i]!);
    }
    byId.set(result.id, result);
    log(result);
  }
}

async function runEngine(bench: Bench): Promise<Result[]> {
  const { db } = bench;
  const clock = new SystemClock();
  await migrate({
    db,
    sets: [
      walletMigrations,
      walletAlertMigrations,
      walletInvoiceMigrations,
      { namespace: 'bench_wallet2', migrations: [{ id: '0001_host_tables', sql: HOST_TABLES }] },
    ],
  });
  await new PriceCatalog(db, clock).setPrice({ channel: CHANNEL, unit: 'message', unitPrice: PRICE, effectiveFrom: new Date('2025-01-01T00:00:00Z') });
  // The host's job queue: the invoice hook queues each document's rendering in the wallet transaction.
  const jobs = JobQueue.create({ db, clock, supervise: false, onError: (error) => console.error('job queue:', error) });
  await jobs.start();
  await jobs.createQueue({ name: BILLING_DOCUMENT_QUEUE, retryLimit: 5, retryDelaySeconds: 30, retryBackoff: true });
  try {
    return await measureEngine(bench, clock, jobs);
  } finally {
    await jobs.stop({ graceful: false });
  }
}

async function measureEngine(bench: Bench, clock: SystemClock, jobs: JobQueue): Promise<Result[]> {
  const want = (group: string) => !CONFIG.only || CONFIG.only.includes(group);
  const { db } = bench;

  // Not timed: the job queue refuses a wrapped transaction (JobQueue.send wants @tollgate/db's own), and only purchases send jobs.
  const service = (timing = CONFIG.profile): Service => {
    const profile = newProfile();
    return { wallet: new WalletService(counted(db, profile, timing), clock, {}), profile };
  };
  // 1. the plain wallet: no hooks (caps, scoped lots and allowances only exist on the feature wallets).
  const plain = service();
  // 2. the host's wallet (core-container.ts): the alerts' hook, then the invoices' hook.
  const full = service();
  const alertErrors: unknown[] = [];
  let alertsFired = 0;
  const alerts = new WalletAlertService(db, clock, { notify: () => Promise.resolve(void alertsFired++) }, { onError: (error) => alertErrors.push(error) });
  full.wallet.addTransactionHook(alerts.hook);
  full.wallet.addTransactionHook(new DocumentIssuer({ options: INVOICES, jobs }));
  // 4. the invoices' hook alone, for purchases.
  const invoiced = service(false);
  invoiced.wallet.addTransactionHook(new DocumentIssuer({ options: INVOICES, jobs }));
  await plain.wallet.setPlanAllowances({ plan: PLAN, allowances: { [CHANNEL]: { units: '1' } } });

  const names = Array.from({ length: CONFIG.wallets }, (_, i) => `w${String(i).padStart(5, '0')}`);
  const results: Result[] = [];
  const byId = new Map<string, Result>();
  const log = (r: Result) => {
    results.push(r);
    const spread = r.stats.rounds.length > 1 ? ` (rounds ${fmt(Math.min(...r.stats.rounds), 0)}–${fmt(Math.max(...r.stats.rounds), 0)})` : '';
    console.log(
      `  ${r.id.padEnd(16)} ${fmt(r.stats.perSecond, 0).padStart(6)}/s${spread}  p50 ${fmt(r.stats.p50, 1)} ms  p99 ${fmt(r.stats.p99, 1)} ms${
        r.ratio !== undefined ? `  vs ${r.baseline} ${pct(r.ratio)}` : ''
      }  load ${r.loadBefore}`,
    );
  };
  const plainAcross = names.map((n) => `pa-${n}`);
  const fullAcross = names.map((n) => `fa-${n}`);

  if (want('charges-across') || want('quotes') || want('purchases')) {
    const [plainStart, fullStart] = [
      await fund({ db, service: plain, alerts: null, accounts: plainAcross, features: false }),
      await fund({ db, service: full, alerts, accounts: fullAcross, features: true }),
    ];
    if (want('charges-across'))
      await measure(
        db,
        bench.engine,
        [
          chargeScenario({
            db,
            service: plain,
            id: 'charge-across',
            title: `charge, ${CONFIG.wallets} wallets, plain`,
            accounts: plainAcross,
            start: plainStart,
            features: false,
            alertErrors,
          }),
          chargeScenario({
            db,
            service: full,
            id: 'charge-across-22',
            title: `charge, ${CONFIG.wallets} wallets, issue 22 on`,
            baseline: 'charge-across',
            accounts: fullAcross,
            start: fullStart,
            features: true,
            alertErrors,
          }),
        ],
        log,
        byId,
      );
  }
  if (want('charges-hot')) {
    const plainStart = await fund({ db, service: plain, alerts: null, accounts: ['p-hot'], features: false });
    const fullStart = await fund({ db, service: full, alerts, accounts: ['f-hot'], features: true });
    await measure(
      db,
      bench.engine,
      [
        chargeScenario({
          db,
          service: plain,
          id: 'charge-hot',
          title: 'charge, 1 hot wallet, plain',
          accounts: ['p-hot'],
          start: plainStart,
          features: false,
          alertErrors,
        }),
        chargeScenario({
          db,
          service: full,
          id: 'charge-hot-22',
          title: 'charge, 1 hot wallet, issue 22 on',
          baseline: 'charge-hot',
          accounts: ['f-hot'],
          start: fullStart,
          features: true,
          alertErrors,
        }),
      ],
      log,
      byId,
    );
  }
  if (want('quotes')) {
    await measure(
      db,
      bench.engine,
      [
        readScenario({
          id: 'balance',
          title: `balance, ${CONFIG.wallets} wallets (issue 22 on)`,
          accounts: fullAcross,
          read: (accountId) => full.wallet.balance({ accountId }),
        }),
        readScenario({
          id: 'quote-22',
          title: `quote, ${CONFIG.wallets} wallets (issue 22 on)`,
          baseline: 'balance',
          accounts: fullAcross,
          read: (accountId) => full.wallet.quote({ accountId, channel: CHANNEL, units: '1', userId: USER }),
        }),
        readScenario({
          id: 'quote-plain',
          title: `quote, ${CONFIG.wallets} wallets (plain)`,
          baseline: 'balance',
          accounts: plainAcross,
          read: (accountId) => plain.wallet.quote({ accountId, channel: CHANNEL, units: '1' }),
        }),
      ],
      log,
      byId,
    );
  }
  if (want('purchases')) {
    await measure(
      db,
      bench.engine,
      [
        grantScenario({
          db,
          service: plain,
          id: 'purchase',
          title: `purchased grant, ${CONFIG.wallets} wallets, no hook`,
          accounts: plainAcross,
          invoices: false,
        }),
        grantScenario({
          db,
          service: invoiced,
          id: 'purchase-invoice',
          title: `purchased grant, ${CONFIG.wallets} wallets, invoice hook`,
          baseline: 'purchase',
          accounts: fullAcross,
          invoices: true,
        }),
      ],
      log,
      byId,
    );
  }
  const report = await checkInvariants({ db });
  if (!report.ok) throw new Error(`[${bench.engine}] invariants broken: ${JSON.stringify(report.problems.slice(0, 5))}`);
  console.log(`  invariants ok (${report.counts.transactions} transactions, ${report.counts.postings} postings); alerts fired: ${alertsFired}`);
  for (const r of results) r.checks.push('invariants ok');
  return results;
}

// ---- report -------------------------------------------------------------------------------------

function table(results: Result[]): string {
  const head = ['engine', 'scenario', 'ops/s', 'p50 ms', 'p99 ms', 'vs baseline (rounds)', 'db tx', 'ops/tx', 'machine cpu', 'load (1 min)'];
  const rows = results.map((r) => [
    r.engine,
    r.title,
    fmt(r.stats.perSecond, 0),
    fmt(r.stats.p50, 1),
    fmt(r.stats.p99, 1),
    r.ratio === undefined ? '—' : `${pct(r.ratio)}${r.roundRatios ? ` (${pct(Math.min(...r.roundRatios))}–${pct(Math.max(...r.roundRatios))})` : ''}`,
    r.transactions === null ? '—' : String(r.transactions),
    r.transactions === null ? '—' : fmt(CONFIG.ops / Math.max(1, r.transactions), 1),
    r.stats.machineCpu === null ? '—' : pct(r.stats.machineCpu),
    r.loadBefore.split(' ')[0]!,
  ]);
  return markdownTable(head, rows);
}

async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const cores = availableParallelism();
  const commit = revision(here, [
    '../../packages/wallet/src',
    '../../packages/wallet-alerts/src',
    '../../packages/wallet-invoices/src',
    '../../packages/db/src',
  ]);
  const started = performance.now();
  console.log(`wallet part 2 bench at ${commit}: node ${process.version}, ${cores} cores, load average ${loadAverage()}`);
  console.log(
    `${CONFIG.ops} measured operations per scenario in ${CONFIG.rounds} rounds after ${CONFIG.warmup} warm-up, ${CONFIG.concurrency} in flight, ${CONFIG.wallets} wallets, pool ${CONFIG.pool}${CONFIG.profile ? ', profiling' : ''}`,
  );
  const results: Result[] = [];
  const engines: Array<{ engine: Engine; version?: string; skipped?: string; loadBefore?: string; loadAfter?: string }> = [];
  for (const engine of CONFIG.engines) {
    if (engine !== 'pglite' && engine !== 'postgres') throw new Error(`unknown engine ${String(engine)}`);
    const bench = await openBench(engine);
    if ('skipped' in bench) {
      console.log(`\n[${engine}] skipped: ${bench.skipped}`);
      engines.push({ engine, skipped: bench.skipped });
      continue;
    }
    console.log(`\n[${engine}] ${bench.version}`);
    const info: (typeof engines)[number] = { engine, version: bench.version, loadBefore: loadAverage() };
    engines.push(info);
    try {
      results.push(...(await runEngine(bench)));
    } finally {
      await bench.dispose();
      info.loadAfter = loadAverage();
    }
  }
  console.log(`\n${table(results)}\n`);
  console.log('ops/s and latency: per operation, from the call to its answer, over all rounds. vs baseline: ops/s over the baseline of the');
  console.log('same engine and group (overall, and the lowest and highest of the interleaved rounds). db tx: wallet transactions the measured');
  console.log(`operations took. machine cpu: all ${cores} cores, anything running on them. load: 1-minute load average before the group.`);
  for (const r of results.filter((x) => x.profile)) {
    console.log(
      `\nprofile ${r.engine} ${r.id}: per transaction ${fmt(r.profile!.queryMsPerTx, 2)} ms in statements, ${fmt(r.profile!.jsMsPerTx, 2)} ms in between (JS; BEGIN, COMMIT, pool waits not included)`,
    );
    for (const s of r.profile!.statements.slice(0, 14))
      console.log(`  ${fmt(s.msPerTx, 3).padStart(8)} ms/tx  ${pct(s.share).padStart(5)}  ${String(s.count).padStart(7)}×  ${s.statement}`);
  }
  const out = join(here, '..', 'results');
  mkdirSync(out, { recursive: true });
  writeResults({ file: join(out, 'wallet-part2.json'), started, commit, cores, config: CONFIG, engines, results, targets: [] });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
