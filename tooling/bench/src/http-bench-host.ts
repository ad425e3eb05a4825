// The host process of `pnpm bench:http` (forked by http.bench.ts, never run alone): a real host
// (createHost, production defaults: info logs, background workers) listening on loopback, plus what
// must run next to its database (PGlite is one process's): set-up, the in-process WalletService and
// the batched raw-SQL baseline, and the checks. The parent drives HTTP; it asks for the rest by IPC.
//
// tsyringe (inside the host) needs the Reflect metadata API before it is imported.
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openDatabase, pgArray, type Database, type Engine } from '@tollgate/db';
import { createHost, loadConfig, type TollgateHost } from '@tollgate/host';
import { Money } from '@tollgate/money';
import { checkInvariants } from '@tollgate/wallet';
import { drive, parallel, perWallet, type Run } from './bench-kit.js';
import { BatchedRawCharges, fundRaw, RAW_SCHEMA } from './raw-sql.js';

const PRICE = Money.of('0.18');

/** Who runs a scenario: the parent over HTTP, or this process in-process. */
export type ScenarioKind = 'http-charge' | 'http-read' | 'wallet-charge' | 'wallet-balance' | 'raw-batched';

export interface HostOptions {
  engine: Engine;
  url: string;
  pool: number;
  logLevel: string;
  /** The spend channel charged (priced at €0.18 a message). */
  channel: string;
  rawMaxBatch: number;
  rawWriters: number;
}

export type Request =
  | { op: 'prepare'; id: string; kind: ScenarioKind; wallets: number; charges: number; history: number; like?: string }
  | { op: 'drive'; id: string; from: number; count: number; concurrency: number }
  | { op: 'sample' }
  | { op: 'verify'; id: string; charges: number }
  | { op: 'close' };

export interface Ready {
  url: string;
  version: string;
  settings: Record<string, string>;
}

/** Counters read before and after a round: this process's CPU, and the database's commits and rows written. */
export interface Sample {
  cpuMicros: number;
  /**
   * PostgreSQL only: pg_stat_database.xact_commit (read-only transactions count too), and rows
   * inserted, updated or deleted in the host's schema (pg_stat_user_tables; not the WAL position,
   * which other databases of a shared server move too). Both lag up to a second behind.
   */
  commits: number | null;
  rowsWritten: number | null;
}

export interface Prepared {
  /** Per wallet: the owner key (the HTTP scenarios' bearer). */
  keys: string[];
}

export interface Verified {
  checks: string[];
  /** Raw baseline: transactions and charges per transaction. */
  batch?: { transactions: number; mean: number };
}

interface Scenario {
  kind: ScenarioKind;
  accounts: string[];
  keys: string[];
  /** Available balance after set-up, per account. */
  start: Map<string, Money>;
  prefix: string;
  raw?: BatchedRawCharges;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]!) as HostOptions;
  const schema = `bench_http_${process.pid}`;
  const db: Database = options.engine === 'postgres' ? await openDatabase({ url: options.url, schema, poolSize: options.pool }) : await openDatabase({});
  const empty = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  // No config file, no plugins: the core API on loopback, everything else at its production default.
  const config = loadConfig({ env: {}, cwd: empty, overrides: { port: 0, host: '127.0.0.1', logLevel: options.logLevel as 'info', plugins: [] } });
  const host = await createHost({ config, db });
  await migrate({ db, sets: [{ namespace: 'bench', migrations: [{ id: '0001_raw', sql: RAW_SCHEMA }] }] });
  await host.catalog.setPrice({ channel: options.channel, unit: 'message', unitPrice: PRICE, effectiveFrom: new Date('2025-01-01T00:00:00Z') });
  const url = await host.listen();
  const settings: Record<string, string> = {};
  if (db.engine === 'postgres') {
    for (const name of ['synchronous_commit', 'fsync', 'shared_buffers', 'max_connections']) {
      settings[name] = (await db.query<{ v: string }>(`select current_setting('${name}') as v`)).rows[0]!.v;
    }
  }
  const version = (await db.query<{ v: string }>('select version() as v')).rows[0]!.v;
  const scenarios = new Map<string, Scenario>();

  const handle = async (request: Request): Promise<unknown> => {
    switch (request.op) {
      case 'prepare':
        return prepare(host, db, scenarios, request, options);
      case 'drive':
        return driveInProcess(host, scenarios.get(request.id)!, request, options.channel);
      case 'sample':
        return sample(db);
      case 'verify':
        return verify(host, db, scenarios.get(request.id)!, request);
      case 'close':
        await host.close();
        // The host's schema and those named after it (the job queue's, plugins').
        if (db.engine === 'postgres') {
          const { rows } = await db.query<{ name: string }>('select nspname as name from pg_namespace where nspname = $1 or nspname like $2', [
            schema,
            `${schema}\\_%`,
          ]);
          for (const { name } of rows) await db.query(`drop schema if exists ${name} cascade`).catch(() => undefined);
        }
        await db.close();
        rmSync(empty, { recursive: true, force: true });
        setImmediate(() => process.exit(0));
        return null;
    }
  };
  process.on('message', (message: { seq: number; request: Request }) => {
    handle(message.request).then(
      (result) => process.send!({ seq: message.seq, result }),
      (error: unknown) => process.send!({ seq: message.seq, error: String((error as Error)?.stack ?? error) }),
    );
  });
  process.send!({ seq: 0, result: { url, version, settings } satisfies Ready });
}

async function prepare(host: TollgateHost, db: Database, scenarios: Map<string, Scenario>, request: Extract<Request, { op: 'prepare' }>, options: HostOptions) {
  const like = request.like ? scenarios.get(request.like) : undefined;
  if (like) {
    // A read scenario on the wallets of an earlier one: same accounts, same starting balances.
    scenarios.set(request.id, { ...like, kind: request.kind, prefix: `${request.id}-` });
    return { keys: like.keys } satisfies Prepared;
  }
  const counts = perWallet(request.charges, request.wallets);
  const prefix = `${request.id}-${Date.now().toString(36)}-`;
  if (request.kind === 'raw-batched') {
    const accounts = counts.map((_, w) => `${prefix}${w}`);
    const start = new Map(accounts.map((a, w) => [a, PRICE.times(counts[w]! + 10)]));
    await fundRaw(db, start);
    const raw = new BatchedRawCharges(db, PRICE, { maxBatch: options.rawMaxBatch, writers: options.rawWriters });
    scenarios.set(request.id, { kind: request.kind, accounts, keys: [], start, prefix, raw });
    return { keys: [] } satisfies Prepared;
  }
  const accounts: string[] = [];
  const keys: string[] = [];
  const start = new Map<string, Money>();
  await parallel(request.wallets, 16, async (w) => {
    const created = await host.accounts.createAccount({ name: `${prefix}${w}`, owner: { email: `owner-${prefix}${w}@bench.test`, name: 'Bench' } });
    accounts[w] = created.account.id;
    keys[w] = created.apiKey.key;
    // Enough for every charge (with a margin), so no charge is refused.
    if (counts[w]! > 0) {
      await host.wallet.grant({
        accountId: created.account.id,
        kind: 'purchased',
        amount: PRICE.times(counts[w]! + 10).roundToCents(),
        idempotencyKey: `bench-topup-${created.account.id}`,
      });
    }
    // Read scenarios read a wallet with a history: `history` charges made here, before measuring.
    for (let i = 0; i < request.history; i++) {
      await host.wallet.charge({ accountId: created.account.id, channel: options.channel, units: '1', idempotencyKey: `${prefix}history-${w}-${i}` });
    }
    start.set(created.account.id, (await host.wallet.balance({ accountId: created.account.id })).available);
  });
  scenarios.set(request.id, { kind: request.kind, accounts, keys, start, prefix });
  if (db.engine === 'postgres') await db.query('checkpoint').catch(() => undefined);
  return { keys } satisfies Prepared;
}

async function driveInProcess(host: TollgateHost, s: Scenario, request: Extract<Request, { op: 'drive' }>, channel: string): Promise<Run> {
  const account = (i: number) => s.accounts[i % s.accounts.length]!;
  switch (s.kind) {
    case 'wallet-charge':
      return drive(request.count, request.concurrency, async (i) => {
        await host.wallet.charge({ accountId: account(request.from + i), channel, units: '1', idempotencyKey: `${s.prefix}${request.from + i}` });
      });
    case 'wallet-balance':
      return drive(request.count, request.concurrency, async (i) => {
        await host.wallet.balance({ accountId: account(request.from + i) });
      });
    case 'raw-batched':
      return drive(request.count, request.concurrency, (i) => s.raw!.charge(account(request.from + i)));
    default:
      throw new Error(`${s.kind} is driven over HTTP`);
  }
}

async function sample(db: Database): Promise<Sample> {
  const cpu = process.cpuUsage();
  if (db.engine !== 'postgres') return { cpuMicros: cpu.user + cpu.system, commits: null, rowsWritten: null };
  const {
    rows: [row],
  } = await db.query<{ commits: string; written: string }>(
    `select (select xact_commit from pg_stat_database where datname = current_database()) as commits,
            (select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) from pg_stat_user_tables where schemaname = current_schema()) as written`,
  );
  return { cpuMicros: cpu.user + cpu.system, commits: Number(row!.commits), rowsWritten: Number(row!.written) };
}

/** Every balance is exactly its start minus its charges; the ledger proves itself. */
async function verify(host: TollgateHost, db: Database, s: Scenario, request: Extract<Request, { op: 'verify' }>): Promise<Verified> {
  const counts = perWallet(s.kind === 'wallet-charge' || s.kind === 'http-charge' || s.kind === 'raw-batched' ? request.charges : 0, s.accounts.length);
  const expected = (w: number) => s.start.get(s.accounts[w]!)!.minus(PRICE.times(counts[w]!));
  if (s.kind === 'raw-batched') {
    const { rows } = await db.query<{ account_id: string; balance: string }>(
      'select account_id, balance from bench_balances where account_id = any($1::text[])',
      [pgArray(s.accounts)],
    );
    const balance = new Map(rows.map((r) => [r.account_id, Money.of(r.balance)]));
    const wrong = s.accounts.filter((a, w) => !balance.get(a)?.equals(expected(w)));
    const {
      rows: [entries],
    } = await db.query<{ n: string }>('select count(*) as n from bench_entries where account_id = any($1::text[])', [pgArray(s.accounts)]);
    if (wrong.length || Number(entries!.n) !== request.charges)
      throw new Error(`${s.prefix}: ${wrong.length} wrong balances, ${entries!.n}/${request.charges} entries`);
    return {
      checks: [`${s.accounts.length} balances exact`, `${entries!.n} entries`],
      batch: { transactions: s.raw!.transactions, mean: s.raw!.charges / s.raw!.transactions },
    };
  }
  const wrong: string[] = [];
  for (const [w, accountId] of s.accounts.entries()) {
    const balance = await host.wallet.balance({ accountId });
    if (!balance.available.equals(expected(w))) wrong.push(`${accountId}: ${balance.available.toString()} ≠ ${expected(w).toString()}`);
  }
  if (wrong.length) throw new Error(`${s.prefix}: ${wrong.length} wrong balances, e.g. ${wrong[0]}`);
  const report = await checkInvariants({ db });
  if (!report.ok) throw new Error(`invariants broken: ${JSON.stringify(report.problems.slice(0, 5))}`);
  return { checks: [`${s.accounts.length} balances exact`, `invariants ok (${report.counts.transactions} transactions)`] };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
