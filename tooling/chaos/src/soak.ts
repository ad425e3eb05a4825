// Soak (a script, not a test): steady load at a fixed rate against two host processes on one
// PostgreSQL, no faults, for --minutes; every minute it samples each host's memory (RSS from /proc,
// heap from a probe loaded into the host) and that minute's p50/p99 latency, throughput and errors.
// Pass: memory flat over the last 10 minutes, p99 without an upward drift, the rate held, and the
// same end-of-run proof as the chaos run (invariants, every acknowledged operation exactly once).
//
//   pnpm soak                                    30 minutes at 200 operations/s
//   pnpm soak --minutes=10 --rate=100 --clients=32 --wallets=16
//
// tsyringe (inside @tollgate/wallet) needs the Reflect metadata API before it is imported.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { settle, type Operation, type Settler } from './operations.js';
import { commonOptions, intArg, rateArg } from './options.js';
import { fixed, median, percentile, table } from './report.js';
import { judgeSoak, type Minute } from './soak-judge.js';
import { runClient, seeded, setUpRun, tearDownRun } from './workload.js';
import { verifyRun } from './verify.js';

const options = {
  ...commonOptions({ clients: 32, wallets: 16 }),
  minutes: intArg('minutes', 30),
  rate: rateArg('rate', 200),
  seed: intArg('seed', Math.floor(Math.random() * 1_000_000)),
};

const log = (line: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function main(): Promise<number> {
  if (options.rate <= 0) throw new Error('--rate must be above 0 for a soak');
  log(
    `soak: ${JSON.stringify(options)}; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const run = await setUpRun({ mode: 'soak', options, log });
  const random = seeded(options.seed);
  const ops: Operation[] = [];
  let latencies: number[] = [];
  let errors = 0;
  let late = 0;
  const settler: Settler = {
    endpoints: run.endpoints,
    adminToken: run.adminKey,
    ownerToken: (accountId) => run.wallets.find((w) => w.accountId === accountId)!.ownerKey,
    random,
    onAttempt: ({ ms, failure }) => {
      if (failure) errors++;
      else latencies.push(ms);
    },
  };
  const started = Date.now();
  const stopAt = started + options.minutes * 60_000;
  const minutes: Minute[] = [];
  const sample = () => {
    const done = latencies;
    latencies = [];
    const memory = run.hosts.map((h) => h.memory());
    const minute: Minute = {
      minute: minutes.length + 1,
      ops: done.length,
      perSecond: done.length / 60,
      errors,
      late,
      p50: percentile(done, 50),
      p99: percentile(done, 99),
      max: done.length ? done[done.length - 1]! : null,
      rssMb: memory.map((m) => m.rssMb),
      heapUsedMb: memory.map((m) => m.heapUsedMb),
      load1: loadavg()[0]!,
    };
    errors = 0;
    late = 0;
    minutes.push(minute);
    log(
      `minute ${minute.minute}: ${fixed(minute.perSecond)}/s, p50 ${fixed(minute.p50)} ms, p99 ${fixed(minute.p99)} ms, errors ${minute.errors}, ` +
        `RSS ${minute.rssMb.map((m) => fixed(m)).join('/')} MB, heap ${minute.heapUsedMb.map((m) => fixed(m)).join('/')} MB, load ${minute.load1.toFixed(2)}`,
    );
  };
  const sampler = setInterval(sample, 60_000);
  const intervalMs = (options.clients * 1000) / options.rate;
  await Promise.all(
    Array.from({ length: options.clients }, (_, i) =>
      runClient({
        index: i,
        wallet: run.wallets[i % run.wallets.length]!,
        run,
        settler,
        random,
        ops,
        stopAt,
        settleBy: stopAt + 30_000,
        intervalMs,
        onLate: () => late++,
      }),
    ),
  );
  clearInterval(sampler);
  // The last minute's tick can lose the race with the end of the load: sample it here instead.
  if (minutes.length < options.minutes) sample();
  for (const op of ops.filter((o) => o.state !== 'acked' && o.state !== 'refused'))
    await settle(op, settler, { deadline: Date.now() + 60_000, by: 'reconciliation' });
  await Promise.all(run.hosts.map((h) => h.stop()));
  const result = await verifyRun({ databaseUrl: run.databaseUrl, keyPrefix: run.keyPrefix, ops, initial: run.initial });
  const violations = [...result.invariants.problems.map((p) => ({ check: `invariant:${p.check}`, detail: p.detail })), ...result.violations];
  const verdict = judgeSoak({ minutes, rate: options.rate });

  process.stdout.write(
    `\n${table(
      ['min', 'ops/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'late', 'RSS A MB', 'RSS B MB', 'heap A MB', 'heap B MB', 'load 1m'],
      minutes.map((m) => [
        m.minute,
        fixed(m.perSecond),
        fixed(m.p50),
        fixed(m.p99),
        fixed(m.max, 0),
        m.errors,
        m.late,
        fixed(m.rssMb[0] ?? null),
        fixed(m.rssMb[1] ?? null),
        fixed(m.heapUsedMb[0] ?? null),
        fixed(m.heapUsedMb[1] ?? null),
        m.load1.toFixed(2),
      ]),
    )}\n\n` +
      verdict.findings.map((f) => `${f.ok ? 'ok  ' : 'FAIL'} ${f.what}\n`).join('') +
      `operations ${ops.length}, acknowledged ${ops.filter((o) => o.state === 'acked').length}, refused ${ops.filter((o) => o.state === 'refused').length}; ` +
      `median p99 ${fixed(median(minutes.map((m) => m.p99 ?? 0)))} ms\n` +
      `invariant check: ${result.invariants.ok ? 'ok' : 'FAILED'} (${JSON.stringify(result.invariants.counts)}); violations: ${violations.length}\n` +
      violations
        .slice(0, 30)
        .map((v) => `  ${v.check}: ${v.detail}\n`)
        .join(''),
  );
  const file = join(run.dir, 'soak.json');
  writeFileSync(file, JSON.stringify({ options, minutes, verdict, invariants: result.invariants, violations, operations: ops.length }, null, 2));
  log(`results in ${file}`);
  await tearDownRun(run, { keepDatabase: options.keep || violations.length > 0, adminUrl: options.adminUrl });
  return violations.length === 0 && verdict.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
