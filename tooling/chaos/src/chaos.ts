// Chaos run (a script, not a test): N clients charge, hold, capture or release, and reverse over
// HTTP against two host processes on one PostgreSQL while a killer `kill -9`s one host at random
// moments and starts it again. Afterwards the wallet's invariant check must pass and every
// acknowledged operation must be in the ledger exactly once. Exit 1 on any violation.
//
//   pnpm chaos                                   defaults below
//   pnpm chaos --duration=5m --clients=16 --wallets=8 --kill-every=5-20 --rate=200 --seed=7
//
// tsyringe (inside @tollgate/wallet) needs the Reflect metadata API before it is imported.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { OP_KINDS, settle, type Operation, type Settler } from './operations.js';
import { commonOptions, durationArg, intArg, rangeArg, rateArg } from './options.js';
import { table } from './report.js';
import { runClient, seeded, setUpRun, tearDownRun } from './workload.js';
import { verifyRun } from './verify.js';

const options = {
  ...commonOptions({ clients: 16, wallets: 8 }),
  durationSeconds: durationArg('duration', '2m'),
  killEvery: rangeArg('kill-every', '5-20'),
  /** How long a killed host stays down before it is started again. */
  downFor: rangeArg('down-for', '0-2'),
  /** Operations per second over all clients; 0 = every client flat out. */
  rate: rateArg('rate', 200),
  seed: intArg('seed', Math.floor(Math.random() * 1_000_000)),
};

const log = (line: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Kill {
  at: string;
  host: string;
  /** Requests the host had in flight when it died. */
  inFlight: number;
  downMs: number;
  restartMs: number;
}

async function main(): Promise<number> {
  log(
    `chaos: ${JSON.stringify(options)}; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const run = await setUpRun({ mode: 'chaos', options, log });
  const random = seeded(options.seed);
  const ops: Operation[] = [];
  /** Attempts that got no answer or a 5xx, by what happened (ECONNREFUSED, "500 internal_error", ...). */
  const failures: Record<string, number> = {};
  const settler: Settler = {
    endpoints: run.endpoints,
    adminToken: run.adminKey,
    ownerToken: (accountId) => run.wallets.find((w) => w.accountId === accountId)!.ownerKey,
    random,
    onAttempt: ({ failure }) => {
      if (failure) failures[failure] = (failures[failure] ?? 0) + 1;
    },
  };
  const started = Date.now();
  const stopAt = started + options.durationSeconds * 1000;
  const settleBy = stopAt + 30_000;
  const intervalMs = options.rate > 0 ? (options.clients * 1000) / options.rate : undefined;

  const kills: Kill[] = [];
  let restarts = 0;
  const killer = (async () => {
    for (;;) {
      const [lo, hi] = options.killEvery;
      await sleep((lo + random() * (hi - lo)) * 1000);
      if (Date.now() >= stopAt) return;
      const victim = run.hosts[Math.floor(random() * run.hosts.length)]!;
      const endpoint = run.endpoints.find((e) => e.name === victim.name)!;
      const inFlight = endpoint.inFlight;
      const at = new Date().toISOString();
      await victim.kill9();
      const downMs = (options.downFor[0] + random() * (options.downFor[1] - options.downFor[0])) * 1000;
      await sleep(downMs);
      const restartMs = await victim.start();
      restarts++;
      kills.push({ at, host: victim.name, inFlight, downMs: Math.round(downMs), restartMs: Math.round(restartMs) });
      log(`kill -9 ${victim.name} with ${inFlight} requests in flight; down ${Math.round(downMs)} ms, healthy again ${Math.round(restartMs)} ms after start`);
    }
  })();
  const progress = setInterval(() => {
    const acked = ops.filter((o) => o.state === 'acked').length;
    const failed = ops.reduce((n, o) => n + o.failures, 0);
    log(`${ops.length} operations, ${acked} acknowledged, ${failed} failed attempts, ${kills.length} kills`);
  }, 15_000);

  await Promise.all(
    run.wallets.length === 0
      ? []
      : Array.from({ length: options.clients }, (_, i) =>
          runClient({
            index: i,
            wallet: run.wallets[i % run.wallets.length]!,
            run,
            settler,
            random,
            ops,
            stopAt,
            settleBy,
            ...(intervalMs ? { intervalMs } : {}),
          }),
        ),
  );
  clearInterval(progress);
  await killer;
  const loadSeconds = (Date.now() - started) / 1000;

  // Reconciliation: an operation no host answered is sent again with its key until one does, so
  // its outcome is known (a retry replays the first outcome, or does it now if it never happened).
  const unsettled = ops.filter((o) => o.state !== 'acked' && o.state !== 'refused');
  log(`load stopped after ${loadSeconds.toFixed(0)} s; ${unsettled.length} operations without a final answer go to reconciliation`);
  for (const op of unsettled) await settle(op, settler, { deadline: Date.now() + 60_000, by: 'reconciliation' });

  await Promise.all(run.hosts.map((h) => h.stop()));
  const result = await verifyRun({ databaseUrl: run.databaseUrl, keyPrefix: run.keyPrefix, ops, initial: run.initial });

  const rows = [...OP_KINDS, 'total' as const].map((kind) => {
    const of = kind === 'total' ? ops : ops.filter((o) => o.kind === kind);
    return [
      kind,
      of.length,
      of.filter((o) => o.state === 'acked').length,
      of.filter((o) => o.state === 'refused').length,
      of.filter((o) => o.failures > 0).length,
      of.filter((o) => o.settledBy === 'reconciliation').length,
      of.filter((o) => o.state === 'unknown' || o.state === 'pending').length,
    ];
  });
  const violations = [...result.invariants.problems.map((p) => ({ check: `invariant:${p.check}`, detail: p.detail })), ...result.violations];
  process.stdout.write(
    `\n${table(['operation', 'sent', 'acknowledged', 'refused', 'retried', 'settled later', 'unknown'], rows)}\n\n` +
      `kills ${kills.length}, restarts ${restarts}, requests in flight at the kills ${kills.reduce((n, k) => n + k.inFlight, 0)}, ` +
      `failed attempts ${ops.reduce((n, o) => n + o.failures, 0)}, ledger transactions of the run ${result.ledgerRows}\n` +
      `failed attempts by reason: ${JSON.stringify(failures)}\n` +
      `refusals: ${JSON.stringify(countBy(ops.filter((o) => o.state === 'refused').map((o) => o.code ?? '?')))}\n` +
      `invariant check: ${result.invariants.ok ? 'ok' : 'FAILED'} (${JSON.stringify(result.invariants.counts)})\n` +
      `violations: ${violations.length}\n` +
      violations
        .slice(0, 30)
        .map((v) => `  ${v.check}: ${v.detail}\n`)
        .join('') +
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
  );
  const file = join(run.dir, 'chaos.json');
  writeFileSync(
    file,
    JSON.stringify(
      {
        options,
        loadSeconds,
        operations: Object.fromEntries(rows.map((r) => [r[0], r.slice(1)])),
        kills,
        restarts,
        failures,
        invariants: result.invariants,
        violations,
        loadavg: loadavg(),
      },
      null,
      2,
    ),
  );
  log(`results in ${file}`);
  await tearDownRun(run, { keepDatabase: options.keep || violations.length > 0, adminUrl: options.adminUrl });
  if (violations.length > 0) log(`database ${run.databaseName} kept for inspection`);
  return violations.length === 0 ? 0 : 1;
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
