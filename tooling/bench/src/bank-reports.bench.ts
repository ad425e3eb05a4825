// Bank reports benchmark (not a test): how long a real host with the payments-sepa plugin takes to
// read what the bank sends back for N collections — the pain.002 ACSC and camt.054 credit on the
// collection date, then a camt.054 with N returns (each one a clawback through the wallet), then the
// same camt.054 uploaded again (a replay must change nothing). The baseline, in the same run, is
// parsing the same documents with the plugin's own parsers: what is left is the database work.
// See docs/performance.md.
//
//   pnpm bench:bank                                  both engines, 1000 collections
//   pnpm bench:bank --collections=3000 --engines=postgres
//
// tsyringe (inside the host) needs the Reflect metadata API before it is imported.
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Money } from '@tollgate/money';
import sepaPlugin, { parseCamt, parsePain002 } from '@tollgate/plugin-payments-sepa';
import { SETTLING_IBANS, startBankSandbox } from '@tollgate/sandbox-bank';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { fmt, intArg, listArg, loadAverage, markdownTable } from './bench-kit.js';

const CONFIG = {
  collections: intArg('collections', 1000),
  /** Accounts seeded at once (mandate + purchase over HTTP). */
  seedConcurrency: intArg('seed-concurrency', 8),
  /** Parses of each document for the baseline (the median is kept). */
  parses: intArg('parses', 5),
  engines: listArg('engines') ?? ['pglite', 'postgres'],
  url: process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
};

const SEPA = '/v1/plugins/payments-sepa';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function parseMs(parse: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < CONFIG.parses; i++) {
    const start = performance.now();
    parse();
    times.push(performance.now() - start);
  }
  return median(times);
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

interface Row {
  engine: string;
  step: string;
  lines: number;
  ms: number;
  parseMs: number;
}

async function seed(t: TestHost, n: number): Promise<string[]> {
  const keys: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const a = await t.createAccount();
      const m = await t.request<{ id: string }>({
        method: 'POST',
        path: '/v1/funding/payment-methods',
        key: a.ownerKey,
        headers: { 'idempotency-key': `m-${i}` },
        body: { provider: 'payments-sepa', kind: 'sepa_direct_debit', details: { holder: `Debtor ${i}`, iban: SETTLING_IBANS[i % SETTLING_IBANS.length] } },
      });
      if (m.status !== 201) throw new Error(`mandate: ${m.status} ${JSON.stringify(m.body)}`);
      const p = await t.request({
        method: 'POST',
        path: '/v1/funding/purchases',
        key: a.ownerKey,
        headers: { 'idempotency-key': `p-${i}` },
        body: { amount: '10', paymentMethodId: m.body.id },
      });
      if (p.status !== 201) throw new Error(`purchase: ${p.status} ${JSON.stringify(p.body)}`);
      keys.push(a.ownerKey);
    }
  };
  await Promise.all(Array.from({ length: CONFIG.seedConcurrency }, worker));
  return keys;
}

/** Sum of every seeded account's available balance (exact). */
async function totalAvailable(t: TestHost, keys: string[]): Promise<string> {
  let total = Money.of('0');
  for (const key of keys) total = total.plus(Money.of((await t.request<{ available: string }>({ path: '/v1/wallet', key })).body.available));
  return total.toString();
}

async function benchEngine(engineName: string): Promise<Row[]> {
  if (engineName === 'postgres' && !process.env.TEST_DATABASE_URL) process.env.TEST_DATABASE_URL = CONFIG.url;
  const engine = testEngines().find((e) => e.name === engineName);
  if (!engine) throw new Error(`unknown engine ${engineName}`);
  const n = CONFIG.collections;
  const clock = new ManualClock('2026-11-02T09:00:00.000Z'); // a Monday
  const bank = await startBankSandbox({ now: () => clock.now() });
  const t = await createTestHost({
    engine,
    clock,
    plugins: [
      {
        plugin: sepaPlugin,
        options: {
          creditor: { name: 'Tollgate SRL', iban: 'BE68539007547034', bic: 'GEBABEBB', id: 'BE68ZZZ0123456789' },
          bank: { baseUrl: bank.url, token: bank.token },
          tickIntervalMinutes: 0,
        },
      },
    ],
  });
  const run = async () => {
    const res = await t.request<{ errors: string[] }>({ method: 'POST', path: `${SEPA}/run`, key: t.adminKey, body: {} });
    if (res.status !== 200 || res.body.errors.length > 0) throw new Error(`run: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const rows: Row[] = [];
  try {
    const seeded = await timed(() => seed(t, n));
    console.error(`[${engineName}] seeded ${n} accounts with a mandate and a €10 purchase in ${fmt(seeded.ms / 1000, 1)} s`);
    const keys = seeded.value;
    const opening = await totalAvailable(t, keys); // any welcome credit the accounts start with
    const expect = (label: string, actual: string, extra: string) => {
      const wanted = Money.of(opening).plus(Money.of(extra));
      if (!Money.of(actual).equals(wanted)) throw new Error(`${label}: the wallets hold ${actual}, expected ${wanted.toString()}`);
    };
    await run(); // one file per collection date, uploaded
    if (bank.control.transactions().length !== n) throw new Error(`the bank holds ${bank.control.transactions().length} collections, not ${n}`);

    // Collection date (Wed 4 Nov): the bank settles, a pain.002 ACSC and a camt.054 credit are due.
    // (The sandbox issues what is due when asked, so count before the clock moves.)
    const before = { reports: bank.control.reports().length, notes: bank.control.notifications().length };
    clock.set('2026-11-04T06:00:00.000Z');
    const credit = await timed(run);
    const acsc = bank.control.reports().slice(before.reports);
    const crdt = bank.control.notifications().slice(before.notes);
    rows.push({
      engine: engineName,
      step: 'collection date: pain.002 ACSC + camt.054 CRDT read and applied',
      lines: 2 * n,
      ms: credit.ms,
      parseMs: parseMs(() => {
        for (const r of acsc) parsePain002(r.xml);
        for (const c of crdt) parseCamt(c.xml);
      }),
    });

    // Past the return window: the collections are paid, the wallets credited.
    clock.set('2026-11-12T06:00:00.000Z');
    const matured = await timed(run);
    rows.push({ engine: engineName, step: 'return window passed: N collections paid, N credits (no document)', lines: n, ms: matured.ms, parseMs: NaN });
    expect('after the return window', await totalAvailable(t, keys), String(10 * n));

    // N returns (MD06) in one camt.054: each claws the €10 back.
    const notesBefore = bank.control.notifications().length;
    for (const tx of bank.control.transactions()) bank.control.returnTransaction({ endToEndId: tx.endToEndId, code: 'MD06' });
    const returned = await timed(run);
    const dbit = bank.control.notifications().slice(notesBefore);
    if (acsc.length === 0 || crdt.length === 0 || dbit.length === 0) throw new Error('the bank sent no report, credit or return notification');
    const dbitParse = parseMs(() => {
      for (const c of dbit) parseCamt(c.xml);
    });
    rows.push({ engine: engineName, step: 'camt.054 with N returns (MD06): N clawbacks', lines: n, ms: returned.ms, parseMs: dbitParse });
    expect('after the returns', await totalAvailable(t, keys), '0');

    // The same camt.054 uploaded by an operator: read, matched, nothing changes.
    const replay = await timed(async () => {
      for (const c of dbit) {
        const res = await t.request({ method: 'POST', path: `${SEPA}/statements`, key: t.adminKey, body: { xml: c.xml } });
        if (res.status !== 200) throw new Error(`replay: ${res.status} ${JSON.stringify(res.body)}`);
      }
    });
    rows.push({ engine: engineName, step: 'the same camt.054 uploaded again (a replay)', lines: n, ms: replay.ms, parseMs: dbitParse });
    expect('after the replay', await totalAvailable(t, keys), '0');
  } finally {
    await t.close();
    await bank.close();
  }
  return rows;
}

async function main(): Promise<void> {
  console.log(`# Bank reports: ${CONFIG.collections} collections, load ${loadAverage()}`);
  const rows: Row[] = [];
  for (const engine of CONFIG.engines) rows.push(...(await benchEngine(engine)));
  console.log(
    markdownTable(
      ['engine', 'step', 'lines', 'applied (ms)', 'lines/s', 'parse only (ms)', 'applied ÷ parse'],
      rows.map((r) => [
        r.engine,
        r.step,
        String(r.lines),
        fmt(r.ms, 0),
        fmt((r.lines / r.ms) * 1000, 0),
        Number.isNaN(r.parseMs) ? '—' : fmt(r.parseMs, 1),
        Number.isNaN(r.parseMs) ? '—' : `${fmt(r.ms / r.parseMs, 1)}×`,
      ]),
    ),
  );
  console.log('Every step is checked: the wallets gain N × €10 after the return window, lose it with the returns and stay there after the replay.');
}

await main();
