// HTTP benchmark (not a test): the real host over loopback, next to the same wallet in-process and a
// batched raw-SQL baseline, in the same run on the same database. See docs/performance.md.
//
//   pnpm bench:http                                  PostgreSQL, defaults below
//   pnpm bench:http --engines=postgres,pglite        any knob as --name=value or BENCH_NAME=value (see CONFIG)
//   pnpm bench:http --host-node-args=--cpu-prof      profile the host process (.cpuprofile in tooling/bench)
//
// Two processes, as in production: the host (http-bench-host.ts, forked) and this one, the load
// generator (undici, one keep-alive connection per request in flight, closed loop). The host process
// also runs the in-process and raw-SQL scenarios, because PGlite belongs to one process; this one
// waits meanwhile. Each process's CPU is measured on its own, so the client's share is visible.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine } from '@tollgate/db';
import { Pool } from 'undici';
import { arg, drive, fmt, intArg, listArg, loadAverage, markdownTable, pct, revision, summarize, writeResults, type Run, type Stats } from './bench-kit.js';
import type { HostOptions, Prepared, Ready, Request, Sample, ScenarioKind, Verified } from './http-bench-host.js';

const CONFIG = {
  /** Measured operations per scenario. */
  requests: intArg('requests', 10_000),
  /** Operations before measuring each scenario (JIT, caches, connections); not counted. */
  warmup: intArg('warmup', 1_000),
  /** The measured operations are split into rounds; the scenarios of a group take turns round by round. */
  rounds: intArg('rounds', 4),
  /** Wallets in the across-wallets and read scenarios; operation i goes to wallet i mod wallets. */
  wallets: intArg('wallets', 100),
  /** Requests (or in-process calls) in flight at any time. */
  concurrency: intArg('concurrency', 64),
  /** The host's PostgreSQL pool (its default is 10). */
  pool: intArg('pool', 10),
  /** Charges made on each read scenario's wallet before measuring, so a history page is full. */
  history: intArg('history', 60),
  /** Batched raw SQL: most charges per transaction, and transactions in flight (lanes by account). */
  rawMaxBatch: intArg('raw-max-batch', 64),
  rawWriters: intArg('raw-writers', 4),
  engines: (listArg('engines') ?? ['postgres']) as Engine[],
  /** Scenario ids to run (default: all), e.g. --only=wallet-hot,http-hot */
  only: listArg('only'),
  /** The host's log level: info is its default (a line per request, if the host logs them). */
  logLevel: arg('log-level') ?? 'info',
  /** Extra node flags for the host process, space-separated, e.g. --cpu-prof */
  hostNodeArgs: (arg('host-node-args') ?? '').split(' ').filter(Boolean),
  url: arg('database-url') ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
};

const CHANNEL = 'bench-sms';
const TARGET_HTTP_CHARGE_RATIO = 0.5;
const TARGET_BALANCE_RATE = 3_000;
const TARGET_BALANCE_P99_MS = 100;
const TARGET_WALLET_VS_RAW = 0.5;

type Http = (i: number, key: string) => { method: 'GET' | 'POST'; path: string; body?: string; headers?: Record<string, string> };

interface Def {
  id: string;
  title: string;
  kind: ScenarioKind;
  wallets: number;
  /** Scenarios of one group are set up together and measured round by round, taking turns. */
  group: 'hot' | 'across' | 'reads';
  /** An HTTP scenario's request for operation i, with the key of wallet i mod wallets. */
  http?: Http;
  /** Reuse the wallets of an earlier scenario of the group (reads). */
  like?: string;
  /** Charges made on each wallet before measuring. */
  history?: number;
  /** The scenario its ops/s is compared with. */
  versus?: string;
}

const charge: Http = (i) => ({
  method: 'POST',
  path: '/v1/wallet/charges',
  body: JSON.stringify({ channel: CHANNEL, units: '1' }),
  headers: { 'content-type': 'application/json', 'idempotency-key': `bench-${RUN}-${i}` },
});
const RUN = Date.now().toString(36);

function scenarios(): Def[] {
  const w = CONFIG.wallets;
  const h = CONFIG.history;
  const all: Def[] = [
    { id: 'raw-hot', title: 'raw SQL batched, 1 hot wallet', kind: 'raw-batched', wallets: 1, group: 'hot' },
    { id: 'wallet-hot', title: 'WalletService.charge, 1 hot wallet', kind: 'wallet-charge', wallets: 1, group: 'hot', versus: 'raw-hot' },
    { id: 'http-hot', title: 'POST /v1/wallet/charges, 1 hot wallet', kind: 'http-charge', wallets: 1, group: 'hot', http: charge, versus: 'wallet-hot' },
    { id: 'raw-across', title: `raw SQL batched, ${w} wallets`, kind: 'raw-batched', wallets: w, group: 'across' },
    { id: 'wallet-across', title: `WalletService.charge, ${w} wallets`, kind: 'wallet-charge', wallets: w, group: 'across', versus: 'raw-across' },
    {
      id: 'http-across',
      title: `POST /v1/wallet/charges, ${w} wallets`,
      kind: 'http-charge',
      wallets: w,
      group: 'across',
      http: charge,
      versus: 'wallet-across',
    },
    { id: 'wallet-balance', title: `WalletService.balance, ${w} wallets`, kind: 'wallet-balance', wallets: w, group: 'reads', history: h },
    {
      id: 'http-balance',
      title: `GET /v1/wallet, ${w} wallets`,
      kind: 'http-read',
      wallets: w,
      group: 'reads',
      like: 'wallet-balance',
      http: () => ({ method: 'GET', path: '/v1/wallet' }),
      versus: 'wallet-balance',
    },
    {
      id: 'http-history',
      title: `GET /v1/wallet/history (50), ${w} wallets`,
      kind: 'http-read',
      wallets: w,
      group: 'reads',
      like: 'wallet-balance',
      http: () => ({ method: 'GET', path: '/v1/wallet/history?limit=50' }),
    },
    {
      id: 'http-health',
      title: 'GET /health (no key, a ping)',
      kind: 'http-read',
      wallets: 0,
      group: 'reads',
      http: () => ({ method: 'GET', path: '/health' }),
    },
  ];
  return all.filter((d) => !CONFIG.only || CONFIG.only.includes(d.id));
}

// ---- the host process -----------------------------------------------------------------------------

interface HostProcess {
  ready: Ready;
  call<T>(request: Request): Promise<T>;
  child: ChildProcess;
}

async function startHost(engine: Engine, logFile: string): Promise<HostProcess> {
  const here = dirname(fileURLToPath(import.meta.url));
  const options: HostOptions = {
    engine,
    url: CONFIG.url,
    pool: CONFIG.pool,
    logLevel: CONFIG.logLevel,
    channel: CHANNEL,
    rawMaxBatch: CONFIG.rawMaxBatch,
    rawWriters: CONFIG.rawWriters,
  };
  // The host's logs go to a file, as a production host's go to a file or a pipe, not to this terminal.
  const child = fork(join(here, 'http-bench-host.js'), [JSON.stringify(options)], {
    execArgv: CONFIG.hostNodeArgs,
    stdio: ['ignore', openSync(logFile, 'w'), 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let seq = 0;
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`host process exited (${code}); see ${logFile}`))));
  exited.catch(() => undefined);
  const ready = new Promise<Ready>((resolve, reject) => pending.set(0, { resolve: resolve as (v: unknown) => void, reject }));
  child.on('message', (m: { seq: number; result?: unknown; error?: string }) => {
    const p = pending.get(m.seq);
    pending.delete(m.seq);
    if (m.error !== undefined) p?.reject(new Error(`host process: ${m.error}`));
    else p?.resolve(m.result);
  });
  const call = <T>(request: Request) =>
    Promise.race([
      new Promise<T>((resolve, reject) => {
        pending.set(++seq, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ seq, request });
      }),
      exited,
    ]);
  return { ready: await Promise.race([ready, exited]), call, child };
}

// ---- measuring ------------------------------------------------------------------------------------

interface Result {
  engine: Engine;
  id: string;
  title: string;
  stats: Stats;
  /** Share of one core: the load generator (0 in-process), the host process. */
  clientCpu: number;
  hostCpu: number;
  /** PostgreSQL: committed transactions and rows written (host schema) per operation, during the measured rounds. */
  commitsPerOp: number | null;
  rowsPerOp: number | null;
  versus?: string;
  ratio?: number;
  roundRatios?: number[];
  checks: string[];
  batch?: { transactions: number; mean: number };
}

async function runEngine(engine: Engine, host: HostProcess, log: (r: Result) => void): Promise<Result[]> {
  const defs = scenarios();
  const pool = new Pool(host.ready.url, { connections: CONFIG.concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const results: Result[] = [];
  const byId = new Map<string, Result>();
  const total = CONFIG.warmup + CONFIG.requests;
  try {
    for (const group of ['hot', 'across', 'reads'] as const) {
      const members = defs.filter((d) => d.group === group);
      if (!members.length) continue;
      const keys = new Map<string, string[]>();
      for (const d of members) {
        const prepared = await host.call<Prepared>({
          op: 'prepare',
          id: d.id,
          kind: d.kind,
          wallets: d.wallets,
          charges: total,
          history: d.history ?? 0,
          ...(d.like && keys.has(d.like) ? { like: d.like } : {}),
        });
        keys.set(d.id, prepared.keys);
      }
      const op = (d: Def): ((from: number, count: number) => Promise<Run>) => {
        if (!d.http) return (from, count) => host.call<Run>({ op: 'drive', id: d.id, from, count, concurrency: CONFIG.concurrency });
        const own = keys.get(d.id)!;
        return (from, count) =>
          drive(count, CONFIG.concurrency, async (i) => {
            const n = from + i;
            const r = d.http!(n, own.length ? own[n % own.length]! : '');
            const response = await pool.request({
              method: r.method,
              path: r.path,
              headers: { ...r.headers, ...(own.length ? { authorization: `Bearer ${own[n % own.length]!}` } : {}) },
              ...(r.body !== undefined ? { body: r.body } : {}),
            });
            const text = await response.body.text();
            if (response.statusCode >= 300) throw new Error(`${r.method} ${r.path}: ${response.statusCode} ${text.slice(0, 300)}`);
          });
      };
      const ops = new Map(members.map((d) => [d.id, op(d)]));
      for (const d of members) await ops.get(d.id)!(0, CONFIG.warmup);
      const runs = new Map(members.map((d) => [d.id, { runs: [] as Run[], hostMicros: 0, commits: 0, rows: 0 }]));
      const size = Math.ceil(CONFIG.requests / CONFIG.rounds);
      for (let from = 0; from < CONFIG.requests; from += size) {
        const count = Math.min(size, CONFIG.requests - from);
        for (const d of members) {
          const before = await host.call<Sample>({ op: 'sample' });
          const run = await ops.get(d.id)!(CONFIG.warmup + from, count);
          const after = await host.call<Sample>({ op: 'sample' });
          const acc = runs.get(d.id)!;
          acc.runs.push(run);
          acc.hostMicros += after.cpuMicros - before.cpuMicros;
          if (before.commits !== null && after.commits !== null) acc.commits += after.commits - before.commits;
          if (before.rowsWritten !== null && after.rowsWritten !== null) acc.rows += after.rowsWritten - before.rowsWritten;
        }
      }
      for (const d of members) {
        const acc = runs.get(d.id)!;
        const stats = summarize(acc.runs);
        const verified = await host.call<Verified>({
          op: 'verify',
          id: d.id,
          charges: d.kind === 'http-charge' || d.kind === 'wallet-charge' || d.kind === 'raw-batched' ? total : 0,
        });
        const pg = engine === 'postgres';
        const result: Result = {
          engine,
          id: d.id,
          title: d.title,
          stats,
          clientCpu: d.http ? stats.nodeCpu : 0,
          hostCpu: acc.hostMicros / 1e6 / stats.seconds,
          commitsPerOp: pg ? acc.commits / stats.operations : null,
          rowsPerOp: pg ? acc.rows / stats.operations : null,
          checks: verified.checks,
          ...(verified.batch ? { batch: verified.batch } : {}),
        };
        const base = d.versus ? byId.get(d.versus) : undefined;
        if (base) {
          result.versus = base.id;
          result.ratio = stats.perSecond / base.stats.perSecond;
          result.roundRatios = stats.rounds.map((r, i) => r / base.stats.rounds[i]!);
        }
        results.push(result);
        byId.set(d.id, result);
        log(result);
      }
    }
  } finally {
    await pool.close();
  }
  return results;
}

// ---- report ---------------------------------------------------------------------------------------

function table(results: Result[]): string {
  const head = [
    'engine',
    'scenario',
    'ops/s',
    'p50 ms',
    'p99 ms',
    'max ms',
    'vs (rounds)',
    'client cpu',
    'host cpu',
    'machine cpu',
    'commits/op',
    'rows written/op',
  ];
  const rows = results.map((r) => [
    r.engine,
    r.title,
    fmt(r.stats.perSecond, 0),
    fmt(r.stats.p50, 1),
    fmt(r.stats.p99, 1),
    fmt(r.stats.max, 1),
    r.ratio === undefined ? '—' : `${pct(r.ratio)} of ${r.versus} (${pct(Math.min(...r.roundRatios!))}–${pct(Math.max(...r.roundRatios!))})`,
    pct(r.clientCpu),
    pct(r.hostCpu),
    r.stats.machineCpu === null ? '—' : pct(r.stats.machineCpu),
    r.commitsPerOp === null ? '—' : fmt(r.commitsPerOp, 2),
    r.rowsPerOp === null ? '—' : fmt(r.rowsPerOp, 2),
  ]);
  return markdownTable(head, rows);
}

function targets(results: Result[]): string[] {
  const lines: string[] = [];
  const met = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
  for (const engine of [...new Set(results.map((r) => r.engine))]) {
    const get = (id: string) => results.find((r) => r.engine === engine && r.id === id);
    for (const id of ['http-hot', 'http-across']) {
      const r = get(id);
      if (r?.ratio !== undefined)
        lines.push(
          `${engine}: ${r.title}: ${pct(r.ratio)} of in-process (target ≥ ${pct(TARGET_HTTP_CHARGE_RATIO)}): ${met(r.ratio >= TARGET_HTTP_CHARGE_RATIO)}`,
        );
    }
    const balance = get('http-balance');
    if (balance) {
      const ok = balance.stats.perSecond >= TARGET_BALANCE_RATE && balance.stats.p99 < TARGET_BALANCE_P99_MS;
      lines.push(
        `${engine}: GET /v1/wallet ${fmt(balance.stats.perSecond, 0)}/s, p99 ${fmt(balance.stats.p99, 1)} ms (target ≥ ${fmt(TARGET_BALANCE_RATE, 0)}/s, p99 < ${TARGET_BALANCE_P99_MS} ms): ${met(ok)}`,
      );
    }
    for (const id of ['wallet-hot', 'wallet-across']) {
      const r = get(id);
      if (r?.ratio !== undefined)
        lines.push(
          `${engine}: ${r.title}: ${pct(r.ratio)} of batched raw SQL (target ≥ ${pct(TARGET_WALLET_VS_RAW)}): ${met(r.ratio >= TARGET_WALLET_VS_RAW)}`,
        );
    }
  }
  return lines;
}

async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const cores = availableParallelism();
  const commit = revision(here, ['../../apps/host/src', '../../packages']);
  const started = performance.now();
  console.log(`http bench at ${commit}: node ${process.version}, ${cores} cores, load average ${loadAverage()}`);
  console.log(
    `${CONFIG.requests} measured operations per scenario in ${CONFIG.rounds} rounds after ${CONFIG.warmup} warm-up, ${CONFIG.concurrency} in flight, ${CONFIG.wallets} wallets, pool ${CONFIG.pool}, host log level ${CONFIG.logLevel}, raw batches ≤ ${CONFIG.rawMaxBatch} in ${CONFIG.rawWriters} lanes`,
  );
  const out = join(here, '..', 'results');
  mkdirSync(out, { recursive: true });
  const results: Result[] = [];
  const engines: Array<{ engine: Engine; version: string; settings: Record<string, string>; loadBefore: string; loadAfter?: string }> = [];
  for (const engine of CONFIG.engines) {
    if (engine !== 'pglite' && engine !== 'postgres') throw new Error(`unknown engine ${String(engine)}`);
    const host = await startHost(engine, join(out, `http-host-${engine}.log`));
    const info: (typeof engines)[number] = { engine, version: host.ready.version, settings: host.ready.settings, loadBefore: loadAverage() };
    engines.push(info);
    console.log(
      `\n[${engine}] ${info.version}${
        Object.keys(info.settings).length
          ? ` (${Object.entries(info.settings)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')})`
          : ''
      }`,
    );
    try {
      results.push(
        ...(await runEngine(engine, host, (r) =>
          console.log(
            `  ${r.id.padEnd(15)} ${fmt(r.stats.perSecond, 0).padStart(6)}/s (rounds ${fmt(Math.min(...r.stats.rounds), 0)}–${fmt(Math.max(...r.stats.rounds), 0)})  p50 ${fmt(r.stats.p50, 1)} ms  p99 ${fmt(r.stats.p99, 1)} ms${r.ratio !== undefined ? `  ${pct(r.ratio)} of ${r.versus}` : ''}  client ${pct(r.clientCpu)} host ${pct(r.hostCpu)}${r.batch ? `  batch ≈ ${fmt(r.batch.mean, 1)}` : ''}`,
          ),
        )),
      );
    } finally {
      await host.call({ op: 'close' }).catch(() => undefined);
      await new Promise((resolve) => (host.child.exitCode !== null ? resolve(null) : host.child.once('exit', resolve)));
      info.loadAfter = loadAverage();
    }
  }

  console.log(`\n${table(results)}\n`);
  console.log('ops/s and latency: per operation (HTTP: request sent to body read), over all rounds. vs: ops/s over the named scenario');
  console.log('of the same run (overall, and the lowest and highest round). client cpu: this process (the load generator); host cpu: the');
  console.log(`host process (HTTP, the wallet, in-process scenarios); both as a share of one core. machine cpu: all ${cores} cores, anything`);
  console.log('running (PostgreSQL included). commits/op: pg_stat_database.xact_commit, read-only transactions included. rows written/op:');
  console.log("inserted, updated or deleted in the host's schema, background work included. Both from pg_stat views, which lag up to 1 s.\n");
  for (const line of targets(results)) console.log(line);
  writeResults({ file: join(out, 'http.json'), started, commit, cores, config: CONFIG, engines, results, targets: targets(results) });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
