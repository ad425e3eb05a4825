// Invoice import benchmark (not a test): a real host with the source-teamleader plugin imports the
// booked invoices of the last 30 days from the Teamleader sandbox over real HTTP, on the real clock,
// with the sandbox's rate limit raised so the run takes minutes, not hours. Reported next to two
// baselines of the same run: the rate limit itself (the most any client may send: how much of each
// 60 s window the import kept taken) and a raw TeamleaderClient loop making as many invoices.info
// calls against its own sandbox at the same limit. See docs/performance.md.
//
//   pnpm bench:import                                   PGlite, defaults below
//   pnpm bench:import --engines=pglite,postgres         any knob as --name=value or BENCH_NAME=value (see CONFIG)
//
// tsyringe (inside the host and @tollgate/invoice-sync) needs the Reflect metadata API before it is imported.
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SystemClock } from '@tollgate/clock';
import { dropSchemaFamily, openDatabase, testEngines, type Database, type Engine, type TestDatabase, type TestEngine } from '@tollgate/db';
import { ProfileService, type ImportRun } from '@tollgate/invoice-sync';
import { Money } from '@tollgate/money';
import sourceTeamleader, { SANDBOX_CLIENT } from '@tollgate/plugin-source-teamleader';
import { startTeamleaderSandbox, type SandboxRequest, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { TeamleaderClient } from '@tollgate/teamleader';
import { createTestHost, type ManualClock, type TestHost } from '@tollgate/testing';

// ---- configuration ------------------------------------------------------------------------------

function arg(name: string): string | undefined {
  const flag = `--${name}=`;
  const hit = process.argv.find((a) => a.startsWith(flag));
  if (hit) return hit.slice(flag.length);
  return process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
}
function intArg(name: string, fallback: number, min = 1): number {
  const raw = arg(name);
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${raw}`);
  return n;
}

const CONFIG = {
  /** Booked invoices in the sandbox, spread over the last `days` days (all inside the import's 30). */
  invoices: intArg('invoices', 5_000),
  companies: intArg('companies', 500),
  /** Every 10th invoice goes to a contact (a person) instead of a company. */
  contacts: intArg('contacts', 100),
  /** Partial credit notes on as many of the invoices. */
  creditNotes: intArg('credit-notes', 50, 0),
  days: intArg('days', 25),
  /**
   * Requests per sliding 60 s window per (integration, account); real Teamleader allows 200. A
   * window admits its whole limit at once, so the limit only binds when the run needs several
   * windows: 3,600 (60/s) makes the ~10,100 requests of the default data set take about three.
   */
  ratePerMinute: intArg('rate-per-minute', 3_600),
  /** invoices.info calls in flight in the raw-client baseline (the plugin enriches a page 5 at a time). */
  rawConcurrency: intArg('raw-concurrency', 5),
  /** 0 skips the raw-client baseline. */
  raw: arg('raw') !== '0',
  engines: (arg('engines') ?? 'pglite')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean) as Engine[],
  /** PostgreSQL pool size of the host (the host's default is 10). */
  pool: intArg('pool', 10),
  url: arg('database-url') ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
};

const TARGET_SHARE = 0.9;
const WINDOW_MS = 60_000;
const PLUGIN_PATH = '/v1/plugins/source-teamleader';
const RPC = /^\/[a-zA-Z]+\.[a-zA-Z]+$/;
/** Invoice amounts: €100.00 to €467.50 excl. VAT, in steps of €7.50. */
const BASE_PRICE = Money.of('100.00');
const PRICE_STEP = Money.of('7.50');

// ---- the data set -------------------------------------------------------------------------------

interface Seeded {
  invoiceIds: string[];
  creditNotes: number;
}

/** The same shape every time: customers round robin, invoice dates spread evenly over `days` days. */
function seed(sandbox: TeamleaderSandbox): Seeded {
  const { control } = sandbox;
  const companies = Array.from(
    { length: CONFIG.companies },
    (_, i) =>
      (
        control.seedCompany({ name: `Bench Company ${i}`, vatNumber: `BE0${String(400_000_000 + i)}`, email: `ap${i}@company.test`, language: 'nl' }) as {
          id: string;
        }
      ).id,
  );
  const contacts = Array.from(
    { length: CONFIG.contacts },
    (_, i) => (control.seedContact({ firstName: 'Bench', lastName: `Contact ${i}`, email: `person${i}@contact.test`, language: 'nl' }) as { id: string }).id,
  );
  const today = Date.now();
  const invoiceIds: string[] = [];
  for (let i = 0; i < CONFIG.invoices; i++) {
    const customer =
      contacts.length > 0 && i % 10 === 9
        ? { type: 'contact' as const, id: contacts[i % contacts.length]! }
        : { type: 'company' as const, id: companies[i % companies.length]! };
    // Oldest first, as a business books them; the newest lands on today.
    const bookedOn = new Date(today - Math.floor(((CONFIG.invoices - 1 - i) * CONFIG.days * 86_400_000) / CONFIG.invoices)).toISOString().slice(0, 10);
    const lines = [{ description: 'Subscription', quantity: 1, unitPrice: BASE_PRICE.plus(PRICE_STEP.times(i % 50)).toString(), taxRate: '0.21' }];
    invoiceIds.push((control.seedInvoice({ customer, booked: true, bookedOn, lines }) as { id: string }).id);
  }
  const step = CONFIG.creditNotes > 0 ? Math.max(1, Math.floor(CONFIG.invoices / CONFIG.creditNotes)) : 0;
  let creditNotes = 0;
  for (let i = 0; i < CONFIG.creditNotes && i * step < invoiceIds.length; i++) {
    control.seedCreditNote({ invoiceId: invoiceIds[i * step]!, lines: [{ description: 'Goodwill', quantity: 1, unitPrice: '10.00', taxRate: '0.21' }] });
    creditNotes++;
  }
  return { invoiceIds, creditNotes };
}

// ---- instrumenting what the process waits on ----------------------------------------------------

/** Wall time with at least one operation of a kind in flight (a union of intervals, not a sum). */
class Busy {
  #inFlight = 0;
  #since = 0;
  ms = 0;
  count = 0;
  /** Σ in-flight × time, for the mean concurrency. */
  #area = 0;
  #last = 0;

  enter(): void {
    const now = performance.now();
    this.#area += this.#inFlight * (now - this.#last);
    this.#last = now;
    if (this.#inFlight++ === 0) this.#since = now;
    this.count++;
  }

  leave(): void {
    const now = performance.now();
    this.#area += this.#inFlight * (now - this.#last);
    this.#last = now;
    if (--this.#inFlight === 0) this.ms += now - this.#since;
  }

  meanInFlight(wallMs: number): number {
    return this.#area / wallMs;
  }

  reset(): void {
    this.#inFlight = 0;
    this.ms = 0;
    this.count = 0;
    this.#area = 0;
    this.#last = performance.now();
  }
}

/** An API request as the client saw it answered (the sandbox logs whole seconds only). */
interface Call {
  /** Date.now() when the answer's headers arrived: the sandbox decides synchronously just before. */
  at: number;
  status: number;
  /** Took a slot of the window: answered with rate-limit headers and not refused. */
  counted: boolean;
  /** X-RateLimit-Remaining; 0 makes TeamleaderClient wait until X-RateLimit-Reset plus up to 1 s. */
  remaining: number | null;
}

/** Both meters, plus the wall time where neither a request nor a statement was in flight. */
class Meters {
  readonly http = new Busy();
  readonly db = new Busy();
  readonly either = new Busy();
  /** Every API request since the sandbox started (not cleared by reset: earlier ones still fill the window). */
  readonly calls: Call[] = [];

  reset(): void {
    this.http.reset();
    this.db.reset();
    this.either.reset();
  }

  async time<T>(kind: 'http' | 'db', work: () => Promise<T>): Promise<T> {
    this[kind].enter();
    this.either.enter();
    try {
      return await work();
    } finally {
      this[kind].leave();
      this.either.leave();
    }
  }
}

/** Times every API request to `base` made through the global fetch (TeamleaderClient calls it per request). */
function meterFetch(base: string, meters: Meters): () => void {
  const original = globalThis.fetch;
  globalThis.fetch = ((input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(base)) return original(input, init);
    // Until the body is read: the client awaits response.text() right after.
    return meters.time('http', async () => {
      const response = await original(input, init);
      if (RPC.test(new URL(url).pathname)) {
        const remaining = response.headers.get('x-ratelimit-remaining');
        meters.calls.push({
          at: Date.now(),
          status: response.status,
          counted: response.status !== 429 && remaining !== null,
          remaining: remaining === null ? null : Number(remaining),
        });
      }
      const text = await response.text();
      return new Response([204, 205, 304].includes(response.status) ? null : text, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    });
  }) as typeof fetch;
  return () => {
    globalThis.fetch = original;
  };
}

/**
 * Times the host's statements and transactions. The methods are replaced on the same object (not
 * a wrapper), so the migrator and job queue still recognise the database.
 */
function meterDatabase(db: Pick<Database, 'query' | 'transaction'>, meters: Meters): void {
  const query = db.query.bind(db);
  const transaction = db.transaction.bind(db);
  Object.assign(db, {
    query: (text: string, params?: readonly unknown[]) => meters.time('db', () => query(text, params)),
    transaction: (fn: Parameters<Database['transaction']>[0], options?: Parameters<Database['transaction']>[1]) =>
      meters.time('db', () => transaction(fn, options)),
  });
}

// ---- the request log ----------------------------------------------------------------------------

interface Traffic {
  /** Every API request the sandbox answered in the stretch, refused ones included. */
  total: number;
  admitted: number;
  refused429: number;
  byPath: Record<string, number>;
  byStatus: Record<string, number>;
  /** Most admitted requests in any sliding 60 s window since the sandbox started. */
  peakWindow: number;
  /** Seconds from the start until the window first held `limit` requests; null = the limit never bound. */
  fullAfter: number | null;
  /**
   * From that moment to the last request: the time-averaged share of the window's `limit` slots
   * that were taken. A client that sends the moment a slot frees keeps it at 100 %.
   */
  occupancy: number | null;
  /**
   * For the k-th admitted request (k ≥ limit): how long its slot stood free, i.e. its time minus
   * (the (k − limit)-th request's time + 60 s). Never negative by the sandbox's clock (it would have
   * refused the request); timed from the client side it may be a few ms off.
   */
  slotIdleMs: { mean: number; p50: number; p90: number; max: number } | null;
  /** Answers in the stretch that said the budget was spent (remaining 0), and the mean ms until the next answer arrived. */
  spent: { answers: number; meanGapMs: number };
}

function quantile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** Counts from the sandbox's log of the stretch; the window from the client's timings of every call since the sandbox started. */
function traffic(input: { requests: SandboxRequest[]; calls: Call[]; limit: number; startMs: number }): Traffic {
  const { requests, limit, startMs } = input;
  const byPath: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  for (const r of requests) {
    byPath[r.path] = (byPath[r.path] ?? 0) + 1;
    byStatus[String(r.status)] = (byStatus[String(r.status)] ?? 0) + 1;
  }
  const at = input.calls
    .filter((c) => c.counted)
    .map((c) => c.at)
    .sort((a, b) => a - b);
  const stretch = input.calls.filter((c) => c.at >= startMs);
  let spentAnswers = 0;
  let spentGaps = 0;
  for (const [i, c] of stretch.entries()) {
    if (!c.counted || c.remaining !== 0) continue;
    spentAnswers++;
    // Answers are recorded in arrival order; one sent after the client's wait arrives after it.
    const next = stretch.slice(i + 1).find((n) => n.at > c.at);
    if (next) spentGaps += next.at - c.at;
  }
  const admitted = requests.filter((r) => r.status !== 429).length;
  let peakWindow = 0;
  let full: number | null = null;
  for (let lo = 0, hi = 0; hi < at.length; hi++) {
    while (at[lo]! <= at[hi]! - WINDOW_MS) lo++;
    peakWindow = Math.max(peakWindow, hi - lo + 1);
    if (full === null && hi - lo + 1 >= limit) full = hi;
  }
  let occupancy: number | null = null;
  if (full !== null && at.length > 0 && at.at(-1)! > at[full]!) {
    // The count in (t − 60 s, t] steps up at each request and down 60 s later: integrate it.
    const from = at[full]!;
    const to = at.at(-1)!;
    const steps = [...at.map((t) => ({ t, d: 1 })), ...at.map((t) => ({ t: t + WINDOW_MS, d: -1 }))].sort((a, b) => a.t - b.t || a.d - b.d);
    let n = 0;
    let area = 0;
    let prev = from;
    for (const { t, d } of steps) {
      if (t >= to) break;
      if (t > from) {
        area += n * (t - prev);
        prev = t;
      }
      n += d;
    }
    area += n * (to - prev);
    occupancy = area / limit / (to - from);
  }
  const idle = at
    .slice(limit)
    .map((t, i) => ({ t, idle: t - (at[i]! + WINDOW_MS) }))
    .filter((x) => x.t >= startMs)
    .map((x) => x.idle)
    .sort((a, b) => a - b);
  return {
    total: requests.length,
    admitted,
    refused429: byStatus['429'] ?? 0,
    byPath,
    byStatus,
    peakWindow,
    fullAfter: full === null ? null : (at[full]! - startMs) / 1000,
    occupancy,
    spent: { answers: spentAnswers, meanGapMs: spentAnswers ? spentGaps / spentAnswers : 0 },
    slotIdleMs: idle.length
      ? { mean: idle.reduce((a, b) => a + b, 0) / idle.length, p50: quantile(idle, 0.5), p90: quantile(idle, 0.9), max: idle.at(-1)! }
      : null,
  };
}

// ---- scenarios ----------------------------------------------------------------------------------

interface Measured {
  seconds: number;
  traffic: Traffic;
  /** Requests admitted per second over the stretch. */
  perSecond: number;
  /** perSecond over the limit's rate (ratePerMinute / 60): above 100 % while the first window's burst allowance lasts. */
  rateShare: number;
  /** The headline: the window's occupancy once the limit bound, else rateShare. */
  share: number;
  waits: { httpMs: number; dbMs: number; neitherMs: number; meanHttpInFlight: number; meanDbInFlight: number; statements: number };
  nodeCpu: number;
}

interface RawResult extends Measured {
  calls: number;
}

interface ImportResult extends Measured {
  engine: Engine;
  run: Pick<ImportRun, 'status' | 'counts' | 'error'> & { failures: number };
  invoices: number;
  creditNotes: number;
  perInvoice: number;
  invoicesPerSecond: number;
  checks: string[];
  vsRaw?: number;
}

function measured(input: { requests: SandboxRequest[]; startMs: number; seconds: number; meters: Meters; cpuMicros: number }): Measured {
  const t = traffic({ requests: input.requests, calls: input.meters.calls, limit: CONFIG.ratePerMinute, startMs: input.startMs });
  const wallMs = input.seconds * 1000;
  const perSecond = t.admitted / input.seconds;
  return {
    seconds: input.seconds,
    traffic: t,
    perSecond,
    rateShare: perSecond / (CONFIG.ratePerMinute / 60),
    share: t.occupancy ?? perSecond / (CONFIG.ratePerMinute / 60),
    waits: {
      httpMs: input.meters.http.ms,
      dbMs: input.meters.db.ms,
      neitherMs: wallMs - input.meters.either.ms,
      meanHttpInFlight: input.meters.http.meanInFlight(wallMs),
      meanDbInFlight: input.meters.db.meanInFlight(wallMs),
      statements: input.meters.db.count,
    },
    nodeCpu: input.cpuMicros / 1e6 / input.seconds,
  };
}

/**
 * Baseline: `calls` invoices.info calls (the invoices in turn) straight through TeamleaderClient,
 * `rawConcurrency` in flight, against a fresh sandbox with the same limit: what the client alone
 * gets out of the limit, without the importer's database work between the calls.
 */
async function rawClient(calls: number): Promise<RawResult> {
  const clock = new SystemClock();
  const sandbox = await startTeamleaderSandbox({ now: () => clock.now(), rateLimitPerMinute: CONFIG.ratePerMinute });
  const meters = new Meters();
  const unmeter = meterFetch(sandbox.url, meters);
  try {
    const { invoiceIds } = seed(sandbox);
    const { access_token: token } = sandbox.control.issueTokens();
    const client = new TeamleaderClient({
      tokens: { accessToken: async () => token, refreshAfterRejection: async () => token },
      apiBaseUrl: sandbox.url,
      clock,
    });
    const api = client.connection({ connectionId: 'raw' });
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < calls; i = next++) await api.invoiceInfo({ id: invoiceIds[i % invoiceIds.length]! });
    };
    meters.reset();
    const cpu0 = process.cpuUsage();
    const startMs = Date.now();
    const start = performance.now();
    await Promise.all(Array.from({ length: Math.min(CONFIG.rawConcurrency, calls) }, worker));
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const result = measured({ requests: sandbox.control.requests(), startMs, seconds, meters, cpuMicros: cpu.user + cpu.system });
    if (result.traffic.admitted !== calls) throw new Error(`raw client: ${JSON.stringify(result.traffic.byStatus)} for ${calls} calls`);
    return { ...result, calls };
  } finally {
    unmeter();
    await sandbox.close();
  }
}

function engineFor(engine: Engine): TestEngine {
  if (engine === 'pglite') return testEngines()[0]!;
  // As the test harness does, with the host's pool size and a URL of the bench's choosing.
  return {
    name: 'postgres',
    open: async () => {
      const schema = `bench_${randomBytes(4).toString('hex')}`;
      const db = await openDatabase({ url: CONFIG.url, schema, poolSize: CONFIG.pool });
      const dispose = async () => {
        await db.close();
        await dropSchemaFamily({ url: CONFIG.url, schema }).catch(() => undefined); // with its job queue's and plugins' schemas
      };
      return Object.assign(db, { dispose }) as TestDatabase;
    },
  };
}

/** The import: connect by OAuth, one default profile, then importRecent({ days: 30 }) timed from call to finished run. */
async function importScenario(engine: Engine): Promise<ImportResult> {
  // The rate limiter counts real seconds, so the sandbox and the host share the system clock.
  const clock = new SystemClock();
  const sandbox = await startTeamleaderSandbox({ now: () => clock.now(), rateLimitPerMinute: CONFIG.ratePerMinute });
  const meters = new Meters();
  let t: TestHost | undefined;
  const unmeter = meterFetch(sandbox.url, meters);
  try {
    const seeded = seed(sandbox);
    t = await createTestHost({
      engine: engineFor(engine),
      // createTestHost types its clock as ManualClock for tests; the host only ever calls now().
      clock: clock as unknown as ManualClock,
      plugins: [
        {
          plugin: sourceTeamleader,
          options: { ...SANDBOX_CLIENT, authBaseUrl: sandbox.url, apiBaseUrl: sandbox.url, tokenKey: randomBytes(32).toString('base64') },
        },
      ],
    });
    const owner = await t.createAccount({ name: 'Bench BV' });
    const start = await t.request({ path: `${PLUGIN_PATH}/connect`, key: owner.ownerKey });
    if (start.status !== 200) throw new Error(`connect: ${start.status} ${JSON.stringify(start.body)}`);
    const consent = await fetch(start.body.authorizeUrl as string, { redirect: 'manual' });
    const back = new URL(consent.headers.get('location') ?? '');
    const callback = await t.request({ path: `${back.pathname}${back.search}` });
    if (callback.status !== 200) throw new Error(`oauth callback: ${callback.status} ${JSON.stringify(callback.body)}`);
    const connectionId = callback.body.connection.syncConnectionId as string;
    // Without a profile every invoice fails with no_profile.
    await new ProfileService(t.db, clock).create({
      accountId: owner.accountId,
      name: 'Direct debit',
      directDebit: true,
      paymentLink: true,
      transfer: true,
      isDefault: true,
    });

    meterDatabase(t.db, meters);
    meterDatabase(t.pluginDatabase('source-teamleader'), meters); // its own tables, in its own schema
    const before = sandbox.control.requests().length;
    meters.reset();
    const cpu0 = process.cpuUsage();
    const startMs = Date.now();
    const started = performance.now();
    const run = await t.host.invoiceSync.importer.importRecent({ connectionId, days: 30 });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const requests = sandbox.control.requests().slice(before);
    const result = measured({ requests, startMs, seconds, meters, cpuMicros: cpu.user + cpu.system });

    // The result must be right, or the figures mean nothing.
    const { rows } = await t.db.query<{ kind: string; n: string }>('select kind, count(*) as n from sync_invoices group by kind');
    const stored = Object.fromEntries(rows.map((r) => [r.kind, Number(r.n)]));
    const expected = seeded.invoiceIds.length + seeded.creditNotes;
    const problems = [
      run.status !== 'completed' && `run ${run.status}: ${run.error ?? ''}`,
      run.counts.failed > 0 && `${run.counts.failed} failed, first: ${JSON.stringify(run.failures[0])}`,
      run.counts.new !== expected && `${run.counts.new} new, expected ${expected}`,
      stored.invoice !== seeded.invoiceIds.length && `${stored.invoice ?? 0} invoices stored, expected ${seeded.invoiceIds.length}`,
      (stored.credit_note ?? 0) !== seeded.creditNotes && `${stored.credit_note ?? 0} credit notes stored, expected ${seeded.creditNotes}`,
    ].filter(Boolean);
    if (problems.length) throw new Error(`import [${engine}] went wrong: ${problems.join('; ')} (requests ${JSON.stringify(result.traffic.byStatus)})`);
    const documents = run.counts.new;
    return {
      ...result,
      engine,
      run: { status: run.status, counts: run.counts, error: run.error, failures: run.failures.length },
      invoices: seeded.invoiceIds.length,
      creditNotes: seeded.creditNotes,
      perInvoice: result.traffic.total / documents,
      invoicesPerSecond: documents / seconds,
      checks: [`run completed, ${documents} new, 0 failed`, `${stored.invoice} invoices + ${stored.credit_note ?? 0} credit notes stored`],
    };
  } finally {
    unmeter();
    await t?.close();
    await sandbox.close();
  }
}

// ---- report -------------------------------------------------------------------------------------

function fmt(n: number, digits: number): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
function pct(n: number): string {
  return `${Math.round(n * 100)} %`;
}

function table(head: string[], rows: string[][], left = 1): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < left ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (i < left ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}

function waitsLine(m: Measured): string {
  const wall = m.seconds * 1000;
  const w = m.waits;
  return `requests in flight ${pct(w.httpMs / wall)} of the wall time (mean ${fmt(w.meanHttpInFlight, 2)}), database busy ${pct(w.dbMs / wall)} (${w.statements} calls), neither ${pct(w.neitherMs / wall)}`;
}

function windowLine(m: Measured): string {
  const t = m.traffic;
  if (t.fullAfter === null)
    return `the window never filled (at most ${t.peakWindow} of ${CONFIG.ratePerMinute}): the limit did not bind, share = requests/s over ${fmt(CONFIG.ratePerMinute / 60, 0)}/s`;
  const idle = t.slotIdleMs
    ? `; a freed slot stood idle ${fmt(t.slotIdleMs.mean, 0)} ms on average before reuse (p50 ${fmt(t.slotIdleMs.p50, 0)}, p90 ${fmt(t.slotIdleMs.p90, 0)}, max ${fmt(t.slotIdleMs.max, 0)})`
    : '';
  const spent = t.spent.answers ? `; ${t.spent.answers} answers said remaining 0, ${fmt(t.spent.meanGapMs, 0)} ms on average until the next answer` : '';
  return `window full after ${fmt(t.fullAfter, 1)} s, then ${pct(t.occupancy ?? 0)} occupied on average${idle}${spent}`;
}

function revision(cwd: string): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git(
      'status',
      '--porcelain',
      '--',
      '../../packages/invoice-sync/src',
      '../../packages/teamleader/src',
      '../../plugins/source-teamleader/src',
      '../../tooling/sandbox-teamleader/src',
    );
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted changes' : ''}`;
  } catch {
    return 'unknown';
  }
}

function pgliteVersion(): string {
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    return (
      JSON.parse(readFileSync(join(here, '..', '..', '..', 'packages', 'db', 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return '?';
  }
}

async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const cores = availableParallelism();
  const commit = revision(here);
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const limitPerSecond = CONFIG.ratePerMinute / 60;
  const started = performance.now();
  console.log(`invoice import bench at ${commit}: node ${process.version}, ${cores} cores, load average ${load()}, PGlite ${pgliteVersion()}`);
  console.log(
    `${CONFIG.invoices} booked invoices over ${CONFIG.days} days (${CONFIG.companies} companies, ${CONFIG.contacts} contacts), ${CONFIG.creditNotes} credit notes; ` +
      `sandbox limit ${CONFIG.ratePerMinute} requests per sliding 60 s (= ${fmt(limitPerSecond, 1)}/s)`,
  );

  const results: ImportResult[] = [];
  const skipped: Array<{ engine: Engine; reason: string }> = [];
  let raw: RawResult | null = null;
  for (const engine of CONFIG.engines) {
    if (engine !== 'pglite' && engine !== 'postgres') throw new Error(`unknown engine ${String(engine)}`);
    if (engine === 'postgres') {
      try {
        const probe = await openDatabase({ url: CONFIG.url, poolSize: 1 });
        const { rows } = await probe.query<{ v: string }>('select version() as v');
        console.log(`\n[postgres] ${rows[0]!.v}, pool ${CONFIG.pool}`);
        await probe.close();
      } catch (error) {
        const reason = `PostgreSQL is not reachable (${(error as Error).message}); set BENCH_DATABASE_URL`;
        console.log(`\n[postgres] skipped: ${reason}`);
        skipped.push({ engine, reason });
        continue;
      }
    } else console.log(`\n[pglite] load average ${load()}`);
    const r = await importScenario(engine);
    results.push(r);
    console.log(
      `  ${r.run.counts.new} documents in ${fmt(r.seconds, 1)} s: ${fmt(r.invoicesPerSecond, 1)}/s, ${r.traffic.total} requests (${fmt(r.perInvoice, 2)} per document), ${fmt(r.perSecond, 1)}/s, ${r.traffic.refused429} × 429`,
    );
    console.log(`  ${windowLine(r)}`);
    console.log(`  ${waitsLine(r)}`);
    console.log(`  ${r.checks.join('; ')}`);
    // The baseline makes as many calls as the first import made requests, so the two runs span the same windows.
    if (CONFIG.raw && !raw) {
      raw = await rawClient(r.traffic.admitted);
      console.log(
        `\n[raw client] ${raw.calls} invoices.info, ${CONFIG.rawConcurrency} in flight: ${fmt(raw.seconds, 1)} s, ${fmt(raw.perSecond, 1)}/s, ${raw.traffic.refused429} × 429`,
      );
      console.log(`  ${windowLine(raw)}`);
      console.log(`  ${waitsLine(raw)}`);
    }
  }
  for (const r of results) if (raw) r.vsRaw = r.perSecond / raw.perSecond;

  const row = (name: string, documents: string, m: Measured, docsPerSecond: string, perDoc: string, vsRaw: string) => [
    name,
    documents,
    fmt(m.seconds, 1),
    docsPerSecond,
    String(m.traffic.total),
    perDoc,
    fmt(m.perSecond, 1),
    pct(m.rateShare),
    m.traffic.fullAfter === null ? 'never' : `${fmt(m.traffic.fullAfter, 1)} s`,
    m.traffic.occupancy === null ? '—' : pct(m.traffic.occupancy),
    m.traffic.slotIdleMs ? fmt(m.traffic.slotIdleMs.mean, 0) : '—',
    String(m.traffic.refused429),
    vsRaw,
    pct(m.nodeCpu),
  ];
  const rows = [
    ...results.map((r) =>
      row(
        `import, ${r.engine}`,
        `${r.invoices} + ${r.creditNotes} CN`,
        r,
        fmt(r.invoicesPerSecond, 1),
        fmt(r.perInvoice, 2),
        r.vsRaw === undefined ? '—' : pct(r.vsRaw),
      ),
    ),
    ...(raw ? [row('raw client', `${raw.calls} info calls`, raw, '—', '1.00', '—')] : []),
  ];
  console.log(
    `\n${table(['scenario', 'documents', 'wall s', 'docs/s', 'requests', 'req/doc', 'req/s', 'req/s ÷ limit/s', 'window full', 'window use', 'slot idle ms', '429s', 'vs raw', 'node cpu'], rows)}\n`,
  );
  for (const r of results) {
    const paths = Object.entries(r.traffic.byPath)
      .sort((a, b) => b[1] - a[1])
      .map(([p, n]) => `${p} ${n}`)
      .join(', ');
    console.log(
      `${r.engine} requests by path: ${paths}; by status: ${Object.entries(r.traffic.byStatus)
        .map(([st, n]) => `${st} × ${n}`)
        .join(', ')}`,
    );
  }
  console.log(`\nreq/s ÷ limit/s: admitted requests per second over ${fmt(limitPerSecond, 1)}/s; above 100 % when the run is short, since a sliding window`);
  console.log(`lets a client send ${CONFIG.ratePerMinute} at once. window full: when a 60 s window first held the limit. window use: from then to the last`);
  console.log('request, the time-averaged share of the window taken (the share of the limit used; 100 % = every slot reused the');
  console.log('moment it freed). slot idle: mean ms a freed slot waited for its next request. vs raw: req/s of the import over the raw');
  console.log('TeamleaderClient loop (same limit, as many calls). node cpu: this process (host, PGlite, sandbox), share of one core.\n');
  const verdicts = results.map((r) => {
    const met = r.share >= TARGET_SHARE;
    const basis =
      r.traffic.occupancy === null
        ? `requests/s over the limit's (the window never filled: at most ${r.traffic.peakWindow} of ${CONFIG.ratePerMinute})`
        : 'window use';
    return `${r.engine}: ${pct(r.share)} of the limit used (${basis}; target ≥ ${pct(TARGET_SHARE)}), ${r.traffic.refused429} × 429: ${met ? 'MET' : 'NOT MET'}`;
  });
  for (const line of verdicts) console.log(line);

  const out = join(here, '..', 'results');
  mkdirSync(out, { recursive: true });
  const file = join(out, 'invoice-import.json');
  const seconds = (performance.now() - started) / 1000;
  const config = { ...CONFIG, url: CONFIG.url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@') };
  writeFileSync(
    file,
    `${JSON.stringify({ at: new Date().toISOString(), commit, node: process.version, cores, load: load(), seconds, config, raw, results, skipped, verdicts }, null, 2)}\n`,
  );
  console.log(`\n${fmt(seconds, 0)} s; results: ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
