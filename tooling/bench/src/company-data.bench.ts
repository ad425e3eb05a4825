// Company-data benchmark (not a test): a real host with the company-data-trendstop plugin, over HTTP,
// against the Trends Top sandbox on loopback, next to a plain wallet charge over the same host's API
// in the same run (the baseline). See docs/performance.md.
//
//   pnpm bench:company-data                              PGlite; PostgreSQL when BENCH_DATABASE_URL is set
//   pnpm bench:company-data --requests=1000 --wallets=50 any knob as --name=value or BENCH_NAME=value (see CONFIG)
//
// Three processes' work in two: the host (company-data-bench-host.ts, forked; its logs go to a file)
// and this one, the load generator (undici, closed loop) and the Trends Top sandbox (the vendor, whose
// CPU therefore counts as this process's). Scenarios take turns round by round, so a busy moment of
// the shared machine hits them all.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine } from '@tollgate/db';
import { Money } from '@tollgate/money';
import { SANDBOX_KEYS, hasNoData, seedCompanies, startTrendsTopSandbox, type TrendsTopSandbox } from '@tollgate/sandbox-trendstop';
import { Pool } from 'undici';
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
  percentile,
  revision,
  summarize,
  writeResults,
  type Run,
  type Stats,
} from './bench-kit.js';
import type { CompanyDataHostOptions, CompanyDataHostReady } from './company-data-bench-host.js';

const CONFIG = {
  /** Measured operations per scenario (each purchase: a company added, then bought). */
  requests: intArg('requests', 160),
  /** Operations before measuring each scenario (JIT, caches, connections); not counted. */
  warmup: intArg('warmup', 20),
  /** The measured operations are split into rounds; the scenarios take turns round by round. */
  rounds: intArg('rounds', 4),
  /** Accounts per scenario; operation i goes to account i mod wallets (each buys distinct companies). */
  wallets: intArg('wallets', 20),
  /** Requests in flight at any time (as pnpm bench:http). */
  concurrency: intArg('concurrency', 64),
  /** The host's PostgreSQL pool (its default is 10). */
  pool: intArg('pool', 10),
  /** Default: PGlite, or PostgreSQL when a database URL is given. */
  engines: (listArg('engines') ?? [arg('database-url') ? 'postgres' : 'pglite']) as Engine[],
  /** 0 leaves out the classic-vs-focus scenario. */
  plans: arg('plans') !== '0',
  logLevel: arg('log-level') ?? 'info',
  url: arg('database-url') ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
};

const BASE = '/v1/plugins/company-data-trendstop';
const CHANNEL = 'bench-sms';
const CHARGE_PRICE = Money.of('0.18');
/** The bench channel's price on classic (a plan row), so classic accounts are priced from their plan's rows. */
const CLASSIC_PRICE = Money.of('0.20');
/** The plugin's default list price (focus has no plan price of its own). */
const COMPANY_PRICE = Money.of('1.50');
const RUN = Date.now().toString(36);

type ScenarioId = 'purchase' | 'repeat' | 'charge' | 'charge-classic';

interface Account {
  accountId: string;
  key: string;
  /** Company ids added, by company index (the purchase scenario fills it; repeat re-buys them). */
  companies: string[];
}

interface Result {
  engine: Engine;
  id: ScenarioId;
  title: string;
  stats: Stats;
  p95: number;
  /** The host process's CPU (from /proc), share of one core; null where there is no /proc. */
  hostCpu: number | null;
  /** Purchase only: the buy request alone (without adding the company). */
  buyOnly?: { p50: number; p95: number };
  versus?: ScenarioId;
  ratio?: number;
  roundRatios?: number[];
}

// ---- the host process -----------------------------------------------------------------------------

async function startHost(engine: Engine, sandbox: TrendsTopSandbox, logFile: string): Promise<{ ready: CompanyDataHostReady; child: ChildProcess }> {
  const here = dirname(fileURLToPath(import.meta.url));
  const options: CompanyDataHostOptions = {
    engine,
    url: CONFIG.url,
    pool: CONFIG.pool,
    logLevel: CONFIG.logLevel,
    sandboxUrl: sandbox.url,
    partnerApiKey: SANDBOX_KEYS.partner,
  };
  const child = fork(join(here, 'company-data-bench-host.js'), [JSON.stringify(options)], {
    stdio: ['ignore', openSync(logFile, 'w'), 'inherit', 'ipc'],
  });
  const ready = await new Promise<CompanyDataHostReady>((resolve, reject) => {
    child.once('message', (m) => resolve(m as CompanyDataHostReady));
    child.once('exit', (code) => reject(new Error(`host process exited (${code}); see ${logFile}`)));
  });
  return { ready, child };
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat; null where there is none. */
function processCpuSeconds(pid: number | undefined): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks (100/s on Linux).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

// ---- measuring ------------------------------------------------------------------------------------

async function runEngine(engine: Engine, companies: string[], log: (r: Result) => void): Promise<{ results: Result[]; checks: string[]; version: string }> {
  const here = dirname(fileURLToPath(import.meta.url));
  const out = join(here, '..', 'results');
  // The vendor with its rate limit out of the way: the bench measures Tollgate, not the limit.
  const sandbox = await startTrendsTopSandbox({ rateLimitPerMinute: 1_000_000_000 });
  const { ready, child } = await startHost(engine, sandbox, join(out, `company-data-host-${engine}.log`));
  const pool = new Pool(ready.url, { connections: CONFIG.concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const total = CONFIG.warmup + CONFIG.requests;
  const request = async <T = Record<string, unknown>>(input: { method?: string; path: string; key: string; body?: unknown; idem?: string }) => {
    const response = await pool.request({
      method: (input.method ?? 'GET') as 'GET',
      path: input.path,
      headers: {
        authorization: `Bearer ${input.key}`,
        ...(input.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(input.idem ? { 'idempotency-key': input.idem } : {}),
      },
      ...(input.body !== undefined ? { body: JSON.stringify(input.body) } : {}),
    });
    const text = await response.body.text();
    return { status: response.statusCode, body: (text ? JSON.parse(text) : null) as T };
  };
  const must = async <T = Record<string, unknown>>(status: number, input: Parameters<typeof request>[0]) => {
    const r = await request<T>(input);
    if (r.status !== status) throw new Error(`${input.method ?? 'GET'} ${input.path}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    return r.body;
  };
  try {
    const admin = ready.adminKey;
    const epoch = '2025-01-01T00:00:00.000Z';
    await must(201, {
      method: 'POST',
      path: '/admin/catalog/prices',
      key: admin,
      body: { channel: CHANNEL, unit: 'message', unitPrice: CHARGE_PRICE.toString(), effectiveFrom: epoch },
    });
    if (CONFIG.plans)
      await must(201, {
        method: 'POST',
        path: '/admin/catalog/prices',
        key: admin,
        body: { channel: CHANNEL, unit: 'message', unitPrice: CLASSIC_PRICE.toString(), plan: 'classic', effectiveFrom: epoch },
      });

    const perAccount = Math.ceil(total / CONFIG.wallets);
    /** Accounts with company data switched on for their owner, funded for every operation with a margin. */
    const accounts = async (name: string, plan: string, amount: Money): Promise<Account[]> => {
      const made: Account[] = [];
      await parallel(CONFIG.wallets, 8, async (w) => {
        const created = await must<{ account: { id: string }; owner: { id: string }; apiKey: { key: string } }>(201, {
          method: 'POST',
          path: '/admin/accounts',
          key: admin,
          body: { name: `${name} ${w}`, owner: { email: `owner-${name}-${w}-${RUN}@bench.test`, name: 'Bench' } },
        });
        const accountId = created.account.id;
        if (plan !== 'focus') await must(200, { method: 'PUT', path: `/admin/accounts/${accountId}/plan`, key: admin, body: { plan } });
        await must(201, {
          method: 'POST',
          path: `/admin/accounts/${accountId}/wallet/grants`,
          key: admin,
          body: { kind: 'purchased', amount: amount.roundToCents().toString(), idempotencyKey: `bench-grant-${accountId}` },
        });
        await must(200, { method: 'PUT', path: `${BASE}/users/${created.owner.id}`, key: created.apiKey.key, body: { enabled: true } });
        made[w] = { accountId, key: created.apiKey.key, companies: [] };
      });
      return made;
    };
    const buyers = await accounts('buyer', 'focus', COMPANY_PRICE.times(perAccount + 2));
    const focus = await accounts('focus', 'focus', CHARGE_PRICE.times(perAccount + 10));
    const classic = CONFIG.plans ? await accounts('classic', 'classic', CLASSIC_PRICE.times(perAccount + 10)) : [];
    const startBalance = new Map<string, Money>();
    for (const a of [...buyers, ...focus, ...classic])
      startBalance.set(a.accountId, Money.of((await must<{ available: string }>(200, { path: '/v1/wallet', key: a.key })).available));

    const buyLatencies: number[] = [];
    let measuring = false;
    const ops: Record<ScenarioId, (n: number) => Promise<void>> = {
      // Operation n: account n mod wallets adds its next company (a distinct one of the seed) and buys it.
      purchase: async (n) => {
        const a = buyers[n % buyers.length]!;
        const index = Math.floor(n / buyers.length);
        const added = await must<{ id: string }>(201, {
          method: 'POST',
          path: `${BASE}/companies`,
          key: a.key,
          body: { name: `Company ${index}`, country: 'BE', enterpriseNumber: companies[index]! },
        });
        a.companies[index] = added.id;
        const t0 = performance.now();
        const bought = await must<{ charged: boolean }>(201, {
          method: 'POST',
          path: `${BASE}/companies/${added.id}/data/purchase`,
          key: a.key,
          idem: `buy-${RUN}-${n}`,
        });
        if (measuring) buyLatencies.push(performance.now() - t0);
        if (bought.charged !== true) throw new Error(`purchase ${n} was not charged`);
      },
      // The same company again, with a new Idempotency-Key: the "never pay twice" path (200, charged: false).
      repeat: async (n) => {
        const a = buyers[n % buyers.length]!;
        const id = a.companies[Math.floor(n / buyers.length)]!;
        const again = await must<{ charged: boolean }>(200, {
          method: 'POST',
          path: `${BASE}/companies/${id}/data/purchase`,
          key: a.key,
          idem: `again-${RUN}-${n}`,
        });
        if (again.charged !== false) throw new Error(`repeat ${n} was charged`);
      },
      charge: async (n) => {
        const a = focus[n % focus.length]!;
        await must(201, { method: 'POST', path: '/v1/wallet/charges', key: a.key, body: { channel: CHANNEL, units: '1' }, idem: `charge-${RUN}-${n}` });
      },
      'charge-classic': async (n) => {
        const a = classic[n % classic.length]!;
        await must(201, { method: 'POST', path: '/v1/wallet/charges', key: a.key, body: { channel: CHANNEL, units: '1' }, idem: `classic-${RUN}-${n}` });
      },
    };
    const defs: Array<{ id: ScenarioId; title: string; versus?: ScenarioId }> = [
      { id: 'charge', title: `POST /v1/wallet/charges (focus), ${CONFIG.wallets} wallets` },
      { id: 'purchase', title: `add company + buy (charged €1.50), ${CONFIG.wallets} wallets`, versus: 'charge' },
      { id: 'repeat', title: `buy again (already bought, no charge), ${CONFIG.wallets} wallets`, versus: 'charge' },
      ...(CONFIG.plans
        ? [{ id: 'charge-classic' as const, title: `POST /v1/wallet/charges (classic plan row), ${CONFIG.wallets} wallets`, versus: 'charge' as const }]
        : []),
    ];
    const hostSeconds = new Map<ScenarioId, number | null>(defs.map((d) => [d.id, 0]));
    const timed = async (id: ScenarioId, from: number, count: number) => {
      const before = processCpuSeconds(child.pid);
      const run = await drive(count, CONFIG.concurrency, (i) => ops[id](from + i));
      const after = processCpuSeconds(child.pid);
      const sofar = hostSeconds.get(id);
      hostSeconds.set(id, before === null || after === null || sofar === null || sofar === undefined ? null : sofar + after - before);
      return run;
    };
    // Warm-up in order: repeat re-buys what purchase bought.
    for (const d of defs) await timed(d.id, 0, CONFIG.warmup);
    for (const d of defs) hostSeconds.set(d.id, 0);
    measuring = true;
    const runs = new Map<ScenarioId, Run[]>(defs.map((d) => [d.id, []]));
    const size = Math.ceil(CONFIG.requests / CONFIG.rounds);
    for (let from = 0; from < CONFIG.requests; from += size) {
      const count = Math.min(size, CONFIG.requests - from);
      for (const d of defs) runs.get(d.id)!.push(await timed(d.id, CONFIG.warmup + from, count));
    }

    const results: Result[] = [];
    for (const d of defs) {
      const all = runs.get(d.id)!;
      const stats = summarize(all);
      const sorted = Float64Array.from(all.flatMap((r) => [...r.latencies])).sort();
      const host = hostSeconds.get(d.id);
      const result: Result = {
        engine,
        id: d.id,
        title: d.title,
        stats,
        p95: percentile(sorted, 0.95),
        hostCpu: host === null || host === undefined ? null : host / stats.seconds,
      };
      if (d.id === 'purchase') {
        const buys = Float64Array.from(buyLatencies).sort();
        result.buyOnly = { p50: percentile(buys, 0.5), p95: percentile(buys, 0.95) };
      }
      const base = d.versus ? results.find((r) => r.id === d.versus) : undefined;
      if (base) {
        result.versus = base.id;
        result.ratio = stats.perSecond / base.stats.perSecond;
        result.roundRatios = stats.rounds.map((r, i) => r / base.stats.rounds[i]!);
      }
      results.push(result);
      log(result);
    }

    // The figures mean nothing unless the money is right: every balance exact, the ledger sound, one export per purchase.
    const spent = (a: Account, price: Money, ops: number, w: number) =>
      startBalance.get(a.accountId)!.minus(price.times(Math.floor(ops / CONFIG.wallets) + (w < ops % CONFIG.wallets ? 1 : 0)));
    const wrong: string[] = [];
    const expect = async (list: Account[], price: Money) => {
      for (const [w, a] of list.entries()) {
        const available = Money.of((await must<{ available: string }>(200, { path: '/v1/wallet', key: a.key })).available);
        const expected = spent(a, price, total, w);
        if (!available.equals(expected)) wrong.push(`${a.accountId}: ${available.toString()} ≠ ${expected.toString()}`);
      }
    };
    await expect(buyers, COMPANY_PRICE);
    await expect(focus, CHARGE_PRICE);
    await expect(classic, CLASSIC_PRICE);
    if (wrong.length) throw new Error(`${wrong.length} wrong balances, e.g. ${wrong[0]}`);
    // The plugin's Trends Top Idempotency-Key is per purchase row (account, company, period): every
    // purchase is one billed export, and the repeats bill none.
    const exports = sandbox.control.exportCount({ apiKey: SANDBOX_KEYS.partner }).total;
    if (exports !== total) throw new Error(`${exports} exports billed by the sandbox, expected ${total} (one per purchase)`);
    const check = await must<{ ok: boolean; problems: unknown[]; counts: { transactions: number } }>(200, { path: '/admin/wallet/check', key: admin });
    if (!check.ok) throw new Error(`invariants broken: ${JSON.stringify(check.problems.slice(0, 5))}`);
    const checks = [
      `${buyers.length + focus.length + classic.length} balances exact`,
      `${total} purchases charged, ${exports} exports billed (one per purchase; repeats: none)`,
      `invariants ok (${check.counts.transactions} transactions)`,
    ];
    return { results, checks, version: ready.version };
  } finally {
    await pool.close();
    child.send({ op: 'close' });
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    await sandbox.close();
  }
}

// ---- report ---------------------------------------------------------------------------------------

function table(results: Result[]): string {
  const head = ['engine', 'scenario', 'ops/s', 'p50 ms', 'p95 ms', 'p99 ms', 'vs baseline (rounds)', 'client+sandbox cpu', 'host cpu', 'machine cpu'];
  const rows = results.map((r) => [
    r.engine,
    r.title,
    fmt(r.stats.perSecond, 0),
    fmt(r.stats.p50, 1),
    fmt(r.p95, 1),
    fmt(r.stats.p99, 1),
    r.ratio === undefined ? 'baseline' : `${pct(r.ratio)} of ${r.versus} (${pct(Math.min(...r.roundRatios!))}–${pct(Math.max(...r.roundRatios!))})`,
    pct(r.stats.nodeCpu),
    r.hostCpu === null ? '—' : pct(r.hostCpu),
    r.stats.machineCpu === null ? '—' : pct(r.stats.machineCpu),
  ]);
  return markdownTable(head, rows);
}

function ratios(results: Result[]): string[] {
  return results
    .filter((r) => r.ratio !== undefined)
    .map(
      (r) => `${r.engine}: ${r.id}/${r.versus} = ${fmt(r.ratio!, 2)} (rounds ${fmt(Math.min(...r.roundRatios!), 2)}–${fmt(Math.max(...r.roundRatios!), 2)})`,
    );
}

async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const cores = availableParallelism();
  const commit = revision(here, ['../../apps/host/src', '../../packages', '../../plugins/company-data-trendstop/src', '../sandbox-trendstop/src']);
  const started = performance.now();
  // Companies with something to export (a company known by name only is refused, not bought).
  const companies = seedCompanies()
    .filter((c) => !hasNoData(c))
    .map((c) => c.enterpriseNumber);
  const total = CONFIG.warmup + CONFIG.requests;
  if (Math.ceil(total / CONFIG.wallets) > companies.length)
    throw new Error(
      `${total} purchases over ${CONFIG.wallets} accounts needs more than the sandbox's ${companies.length} companies per account: raise --wallets`,
    );
  console.log(`company-data bench at ${commit}: node ${process.version}, ${cores} cores, load average ${loadAverage()}`);
  console.log(
    `${CONFIG.requests} measured operations per scenario in ${CONFIG.rounds} rounds after ${CONFIG.warmup} warm-up, ${CONFIG.concurrency} in flight, ${CONFIG.wallets} accounts per scenario, ${companies.length} seed companies, pool ${CONFIG.pool}, host log level ${CONFIG.logLevel}`,
  );
  const out = join(here, '..', 'results');
  mkdirSync(out, { recursive: true });
  const results: Result[] = [];
  const checks: string[] = [];
  const engines: Array<{ engine: Engine; version: string; loadBefore: string; loadAfter: string }> = [];
  for (const engine of CONFIG.engines) {
    if (engine !== 'pglite' && engine !== 'postgres') throw new Error(`unknown engine ${String(engine)}`);
    const loadBefore = loadAverage();
    console.log(`\n[${engine}]`);
    const run = await runEngine(engine, companies, (r) =>
      console.log(
        `  ${r.id.padEnd(15)} ${fmt(r.stats.perSecond, 0).padStart(6)}/s (rounds ${fmt(Math.min(...r.stats.rounds), 0)}–${fmt(Math.max(...r.stats.rounds), 0)})  p50 ${fmt(r.stats.p50, 1)} ms  p95 ${fmt(r.p95, 1)} ms${r.buyOnly ? ` (buy alone p50 ${fmt(r.buyOnly.p50, 1)}, p95 ${fmt(r.buyOnly.p95, 1)})` : ''}${r.ratio !== undefined ? `  ${pct(r.ratio)} of ${r.versus}` : ''}`,
      ),
    );
    console.log(`  ${run.version}; ${run.checks.join('; ')}`);
    results.push(...run.results);
    checks.push(...run.checks.map((c) => `${engine}: ${c}`));
    engines.push({ engine, version: run.version, loadBefore, loadAfter: loadAverage() });
  }

  console.log(`\n${table(results)}\n`);
  console.log('ops/s and latency: per operation (request sent to body read; a purchase is two requests: add the company, then buy it),');
  console.log('over all rounds. vs baseline: ops/s over the plain charge of the same run (overall, and the lowest and highest round).');
  console.log('client+sandbox cpu: this process (load generator and Trends Top sandbox); host cpu: the host process (from /proc); both a share of one core.');
  console.log(`machine cpu: all ${cores} cores, anything running (PostgreSQL and other users of a shared machine included).\n`);
  for (const line of ratios(results)) console.log(line);
  writeResults({ file: join(out, 'company-data.json'), started, commit, cores, config: CONFIG, engines, results, targets: [...ratios(results), ...checks] });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
