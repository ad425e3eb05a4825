// Events out benchmark (not a test): N charges through the wallet of a real host (createHost, its
// background work on: a wallet commit kicks a relay-and-deliver round, the 2 s timer catches the
// rest), each charge's `wallet.charged` event POSTed, signed, to one webhook endpoint per account on
// the webhook sandbox. The baseline, in the same run on the same host, is the same N charges on
// accounts without an endpoint. Measured: charges/s with and without endpoints, end-to-end events/s
// (first charge to last webhook received), and the lag of each event (received − occurredAt, both
// on the real clock). The run fails unless every charge's event arrives exactly once, with valid
// signatures, in sequence order per account. See docs/performance.md.
//
//   pnpm bench:events                                      PGlite; PostgreSQL too when DATABASE_URL is set
//   BENCH_EVENTS=1000 pnpm bench:events --engines=pglite   any knob as --name=value or BENCH_NAME=value (see CONFIG)
//
// One process: the host, the load (in-process WalletService.charge, as the wallet scenarios of
// bench:http) and the receiver share one event loop, as PGlite belongs to one process.
//
// tsyringe (inside the host) needs the Reflect metadata API before it is imported.
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, pgArray, type Database } from '@tollgate/db';
import { createHost, loadConfig, type TollgateHost } from '@tollgate/host';
import { Money } from '@tollgate/money';
import { startWebhookSandbox, type ReceivedWebhook, type WebhookSandbox } from '@tollgate/sandbox-webhooks';
import { arg, drive, fmt, intArg, listArg, loadAverage, markdownTable, parallel, pct, percentile, redact, summarize, type Stats } from './bench-kit.js';

const URL_GIVEN = arg('database-url') ?? process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL;

const CONFIG = {
  /** Charges per scenario (each one event, each one webhook with events on). */
  events: intArg('events', 2_000),
  /** Accounts charged side by side; charge i goes to account i mod accounts, one in flight per account. */
  accounts: intArg('accounts', 20),
  /** Charges before measuring (JIT, caches, the first relay rounds); not counted. */
  warmup: intArg('warmup', 200),
  /** The host's PostgreSQL pool (its default is 10). */
  pool: intArg('pool', 10),
  /** How long to wait for the last webhook before failing. */
  timeoutSeconds: intArg('timeout-seconds', 120),
  /** PGlite always; PostgreSQL when a database URL is given. */
  engines: listArg('engines') ?? (URL_GIVEN ? ['pglite', 'postgres'] : ['pglite']),
  logLevel: arg('log-level') ?? 'info',
  url: URL_GIVEN ?? 'postgres://postgres@127.0.0.1:5432/postgres',
};

const CHANNEL = 'bench-sms';
const PRICE = Money.of('0.18');

interface Result {
  engine: string;
  bare: Stats;
  withEvents: Stats;
  /** First charge to the last webhook received. */
  endToEndSeconds: number;
  /** Received − occurredAt, ms, sorted. */
  lag: Float64Array;
  /** Medians from the delivery rows: relay (recorded − occurred), queue (first attempt − recorded), POST. */
  parts: { relayMs: number; queueMs: number; postMs: number };
  pollMs: number;
  /** After the last charge returned: webhooks still to come, their rate, and this process's CPU meanwhile (share of one core). */
  tail: { webhooks: number; perSecond: number; cpu: number };
}

function ms(iso: string): number {
  return Date.parse(iso);
}

/** K accounts, each funded for `chargesEach` charges (with a margin) so no charge is refused. */
async function makeAccounts(host: TollgateHost, label: string, k: number, chargesEach: number): Promise<string[]> {
  const prefix = `${label}-${Date.now().toString(36)}-`;
  const accounts: string[] = [];
  await parallel(k, 8, async (w) => {
    const created = await host.accounts.createAccount({ name: `${prefix}${w}`, owner: { email: `owner-${prefix}${w}@bench.test`, name: 'Bench' } });
    accounts[w] = created.account.id;
    await host.wallet.grant({
      accountId: created.account.id,
      kind: 'purchased',
      amount: PRICE.times(chargesEach + 10).roundToCents(),
      idempotencyKey: `bench-topup-${created.account.id}`,
    });
  });
  return accounts;
}

function charges(host: TollgateHost, accounts: string[], n: number, label: string) {
  return drive(n, accounts.length, async (i) => {
    await host.wallet.charge({ accountId: accounts[i % accounts.length]!, channel: CHANNEL, units: '1', idempotencyKey: `${label}-${i}` });
  });
}

/** Rounds until the relay and the deliveries have nothing left (so the next scenario starts clean). */
async function drain(host: TollgateHost): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const r = await host.events.jobs.runOnce();
    if (!r.relayedWallet && !r.relayedOutbox && !r.delivered && !r.retried) return;
  }
}

/** Every charge's event exactly once, valid signature, 200, in sequence order per account; throws otherwise. */
function verify(received: ReceivedWebhook[], accounts: string[], n: number): void {
  const problems: string[] = [];
  const ids = new Set<string>();
  const lastSeq = new Map<string, number>();
  const perAccount = new Map<string, number>();
  for (const r of received) {
    const event = r.json as { id?: string; type?: string; accountId?: string; sequence?: number } | null;
    const w = Number(r.path.replace('/acct-', ''));
    const account = accounts[w];
    if (!event?.id || r.eventId !== event.id) problems.push(`#${r.seq}: no event id`);
    else if (ids.has(event.id)) problems.push(`#${r.seq}: ${event.id} received twice`);
    else ids.add(event.id);
    if (event?.type !== 'wallet.charged') problems.push(`#${r.seq}: type ${event?.type}`);
    if (event?.accountId !== account) problems.push(`#${r.seq}: account ${event?.accountId} at ${r.path}`);
    if (r.signature !== 'valid') problems.push(`#${r.seq}: signature ${r.signature}`);
    if (r.answeredWith !== 200) problems.push(`#${r.seq}: answered ${r.answeredWith}`);
    const seq = Number(event?.sequence);
    if (!(seq > (lastSeq.get(r.path) ?? 0))) problems.push(`#${r.seq}: sequence ${seq} after ${lastSeq.get(r.path)} at ${r.path}`);
    lastSeq.set(r.path, seq);
    perAccount.set(r.path, (perAccount.get(r.path) ?? 0) + 1);
  }
  if (ids.size !== n) problems.push(`${ids.size} distinct events received, ${n} charges made`);
  accounts.forEach((_, w) => {
    const want = Math.floor(n / accounts.length) + (w < n % accounts.length ? 1 : 0);
    if ((perAccount.get(`/acct-${w}`) ?? 0) !== want) problems.push(`/acct-${w}: ${perAccount.get(`/acct-${w}`) ?? 0} received, ${want} charged`);
  });
  if (problems.length) throw new Error(`events out is wrong (${problems.length} problems):\n  ${problems.slice(0, 20).join('\n  ')}`);
}

async function waitFor(receiver: WebhookSandbox, n: number): Promise<ReceivedWebhook[]> {
  const deadline = performance.now() + CONFIG.timeoutSeconds * 1000;
  for (;;) {
    const got = receiver.received();
    if (got.length >= n) return got;
    if (performance.now() > deadline) throw new Error(`only ${got.length} of ${n} webhooks arrived within ${CONFIG.timeoutSeconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function medianParts(db: Database, accounts: string[]): Promise<Result['parts']> {
  const { rows } = await db.query<{ relay: string; queue: string; post: string }>(
    `select percentile_cont(0.5) within group (order by extract(epoch from e.recorded_at - e.occurred_at) * 1000) as relay,
            percentile_cont(0.5) within group (order by extract(epoch from d.first_attempt_at - e.recorded_at) * 1000) as queue,
            percentile_cont(0.5) within group (order by d.last_duration_ms) as post
       from event_deliveries d join events e on e.id = d.event_id
      where d.kind = 'webhook' and d.account_id = any($1::text[])`,
    [pgArray(accounts)],
  );
  const r = rows[0]!;
  return { relayMs: Number(r.relay), queueMs: Number(r.queue), postMs: Number(r.post) };
}

async function benchEngine(engine: string): Promise<Result> {
  const n = CONFIG.events;
  const k = CONFIG.accounts;
  const schema = `bench_events_${process.pid}`;
  const db: Database = engine === 'postgres' ? await openDatabase({ url: CONFIG.url, schema, poolSize: CONFIG.pool }) : await openDatabase({});
  const empty = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  // No config file, no plugins: everything at its production default (sandbox mode lets webhooks go to loopback).
  const config = loadConfig({ env: {}, cwd: empty, overrides: { port: 0, host: '127.0.0.1', logLevel: CONFIG.logLevel as 'info', plugins: [] } });
  const host = await createHost({ config, db }); // the SystemClock, workers on
  const receiver = await startWebhookSandbox(); // receivedAt on the real clock
  try {
    await host.catalog.setPrice({ channel: CHANNEL, unit: 'message', unitPrice: PRICE, effectiveFrom: new Date('2025-01-01T00:00:00Z') });
    const perAccount = Math.ceil(n / k);

    const warm = await makeAccounts(host, 'warm', k, CONFIG.warmup);
    await charges(host, warm, CONFIG.warmup, `warm-${process.pid}`);
    await drain(host);

    // Baseline: accounts without an endpoint (their events are still relayed into the log).
    const plain = await makeAccounts(host, 'bare', k, perAccount);
    await drain(host);
    const bare = summarize([await charges(host, plain, n, `bare-${process.pid}`)]);
    await drain(host);
    console.error(`[${engine}] bare: ${fmt(bare.perSecond, 0)} charges/s`);

    // Events on: one endpoint per account, wanting wallet.charged.
    const hooked = await makeAccounts(host, 'hooked', k, perAccount);
    const secrets: string[] = [];
    for (const [w, accountId] of hooked.entries()) {
      const { secret } = await host.events.endpoints.create({ accountId, url: `${receiver.url}/acct-${w}`, eventTypes: ['wallet.charged'] });
      secrets.push(secret);
    }
    receiver.setSecrets(secrets);
    await drain(host);
    receiver.clear();
    const startedAt = Date.now();
    const run = await charges(host, hooked, n, `hooked-${process.pid}`);
    const chargedAt = Date.now();
    const beforeTail = receiver.received().length;
    const cpu0 = process.cpuUsage();
    const received = await waitFor(receiver, n);
    const cpu = process.cpuUsage(cpu0);
    const lastAt = Math.max(...received.map((r) => ms(r.receivedAt)));
    const tailSeconds = Math.max(0.001, (lastAt - chargedAt) / 1000);
    const tail = { webhooks: n - beforeTail, perSecond: (n - beforeTail) / tailSeconds, cpu: (cpu.user + cpu.system) / 1e6 / tailSeconds };
    // Anything still in flight (a duplicate would arrive now) is counted before checking.
    await drain(host);
    const all = receiver.received();
    verify(all, hooked, n);
    const lag = Float64Array.from(all.map((r) => ms(r.receivedAt) - ms((r.json as { occurredAt: string }).occurredAt))).sort();
    const parts = await medianParts(db, hooked);
    const withEvents = summarize([run]);
    console.error(`[${engine}] events on: ${fmt(withEvents.perSecond, 0)} charges/s, ${n} webhooks in ${fmt((lastAt - startedAt) / 1000, 2)} s`);
    return { engine, bare, withEvents, endToEndSeconds: (lastAt - startedAt) / 1000, lag, parts, pollMs: config.events.pollMs, tail };
  } finally {
    await receiver.close();
    await host.close();
    if (db.engine === 'postgres') {
      const { rows } = await db.query<{ name: string }>('select nspname as name from pg_namespace where nspname = $1 or nspname like $2', [
        schema,
        `${schema}\\_%`,
      ]);
      for (const { name } of rows) await db.query(`drop schema if exists ${name} cascade`).catch(() => undefined);
    }
    await db.close().catch(() => undefined);
    rmSync(empty, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(
    `# Events out: ${CONFIG.events} charges over ${CONFIG.accounts} accounts (one in flight each), in-process WalletService.charge; engines ${CONFIG.engines.join(', ')}${
      CONFIG.engines.includes('postgres') ? ` (${redact(CONFIG.url)})` : ''
    }; load ${loadAverage()}`,
  );
  const results: Result[] = [];
  for (const engine of CONFIG.engines) results.push(await benchEngine(engine));
  console.log(
    markdownTable(
      [
        'engine',
        'bare charges/s',
        'charges/s, events on',
        'ratio',
        'charge p99 bare / on (ms)',
        'webhooks/s (end to end)',
        'lag p50 (ms)',
        'p95',
        'p99',
        'max',
      ],
      results.map((r) => [
        r.engine,
        fmt(r.bare.perSecond, 0),
        fmt(r.withEvents.perSecond, 0),
        `${fmt(r.withEvents.perSecond / r.bare.perSecond, 2)}×`,
        `${fmt(r.bare.p99, 1)} / ${fmt(r.withEvents.p99, 1)}`,
        fmt(CONFIG.events / r.endToEndSeconds, 0),
        fmt(percentile(r.lag, 0.5), 0),
        fmt(percentile(r.lag, 0.95), 0),
        fmt(percentile(r.lag, 0.99), 0),
        fmt(r.lag[r.lag.length - 1]!, 0),
      ]),
      1,
    ),
  );
  console.log('\nWhere the lag goes (medians from the delivery rows): relay = recorded − occurred, queue = first attempt − recorded, POST = the request.');
  console.log(
    markdownTable(
      ['engine', 'relay (ms)', 'queue (ms)', 'POST (ms)', 'pollMs', 'webhooks after the last charge', 'their rate (/s)', 'node cpu meanwhile'],
      results.map((r) => [
        r.engine,
        fmt(r.parts.relayMs, 0),
        fmt(r.parts.queueMs, 0),
        fmt(r.parts.postMs, 0),
        String(r.pollMs),
        String(r.tail.webhooks),
        fmt(r.tail.perSecond, 0),
        pct(r.tail.cpu),
      ]),
      1,
    ),
  );
  console.log(
    `\nChecked: ${CONFIG.events} distinct events received per engine, none twice, signatures valid, sequences ascending per account. ${fmt((performance.now() - started) / 1000, 0)} s.`,
  );
}

await main();
