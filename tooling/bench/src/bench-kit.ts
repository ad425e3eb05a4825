// What the benchmarks share: knobs, the closed-loop driver, statistics, CPU accounting, formatting.
// Benchmarks are scripts, never timed tests (see docs/performance.md).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';

// ---- knobs: --name=value or BENCH_NAME=value -------------------------------------------------------

export function arg(name: string): string | undefined {
  const flag = `--${name}=`;
  const hit = process.argv.find((a) => a.startsWith(flag));
  if (hit) return hit.slice(flag.length);
  return process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
}

export function intArg(name: string, fallback: number): number {
  const raw = arg(name);
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${raw}`);
  return n;
}

export function listArg(name: string): string[] | undefined {
  return arg(name)
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

// ---- measuring ------------------------------------------------------------------------------------

/** CPU ticks of the whole machine, from /proc/stat (null where there is none). */
export interface MachineTicks {
  busy: number;
  total: number;
}

/** One timed stretch of operations. */
export interface Run {
  latencies: Float64Array;
  seconds: number;
  /** CPU of the process that drove the operations (user + system), microseconds. */
  cpuMicros: number;
  /** Whole machine, from /proc/stat (null where there is none). */
  machine: MachineTicks | null;
}

export interface Stats {
  operations: number;
  seconds: number;
  perSecond: number;
  /** Operations/s of each round (the spread shows how steady the machine was). */
  rounds: number[];
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  /** CPU of the driving process as a share of one core. */
  nodeCpu: number;
  /** Whole machine busy share (all cores, other processes included); null where unknown. */
  machineCpu: number | null;
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export function machineTicks(): MachineTicks | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** Runs `op(0..total-1)` with `concurrency` in flight (closed loop); every op must succeed. */
export async function drive(total: number, concurrency: number, op: (i: number) => Promise<void>): Promise<Run> {
  const latencies = new Float64Array(total);
  const errors: unknown[] = [];
  let next = 0;
  const cpu0 = process.cpuUsage();
  const m0 = machineTicks();
  const start = performance.now();
  const worker = async () => {
    for (let i = next++; i < total; i = next++) {
      const t0 = performance.now();
      try {
        await op(i);
      } catch (error) {
        errors.push(error);
      }
      latencies[i] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const m1 = machineTicks();
  if (errors.length) throw new Error(`${errors.length} of ${total} operations failed; first: ${String((errors[0] as Error)?.stack ?? errors[0])}`);
  return { latencies, seconds, cpuMicros: cpu.user + cpu.system, machine: m0 && m1 ? { busy: m1.busy - m0.busy, total: m1.total - m0.total } : null };
}

export function summarize(runs: Run[]): Stats {
  const operations = runs.reduce((n, r) => n + r.latencies.length, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  const all = new Float64Array(operations);
  let at = 0;
  for (const r of runs) {
    all.set(r.latencies, at);
    at += r.latencies.length;
  }
  const sorted = all.slice().sort();
  const machine = runs.every((r) => r.machine)
    ? runs.reduce((m, r) => ({ busy: m.busy + r.machine!.busy, total: m.total + r.machine!.total }), { busy: 0, total: 0 })
    : null;
  return {
    operations,
    seconds,
    perSecond: operations / seconds,
    rounds: runs.map((r) => r.latencies.length / r.seconds),
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1]!,
    mean: all.reduce((a, b) => a + b, 0) / operations,
    nodeCpu: runs.reduce((n, r) => n + r.cpuMicros, 0) / 1e6 / seconds,
    machineCpu: machine && machine.total > 0 ? machine.busy / machine.total : null,
  };
}

/** How many of `total` operations go to each of `n` wallets (operation i goes to wallet i mod n). */
export function perWallet(total: number, n: number): number[] {
  return Array.from({ length: n }, (_, w) => Math.floor(total / n) + (w < total % n ? 1 : 0));
}

/** Runs fn(0..n-1) with `concurrency` in flight (set-up work, not measured). */
export async function parallel(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      for (let i = next++; i < n; i = next++) await fn(i);
    }),
  );
}

// ---- the machine and the code measured ------------------------------------------------------------

export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** The commit measured, and whether the code under test (`paths`, relative to cwd) had uncommitted changes. */
export function revision(cwd: string, paths: string[]): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git('status', '--porcelain', '--', ...paths);
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted changes' : ''}`;
  } catch {
    return 'unknown';
  }
}

// ---- formatting -----------------------------------------------------------------------------------

export function fmt(n: number, digits: number): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function pct(n: number): string {
  return `${Math.round(n * 100)} %`;
}

/** A Markdown table; the first `textColumns` columns align left, the rest right. */
export function markdownTable(head: string[], rows: string[][], textColumns = 2): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (i < textColumns ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Writes a run's JSON (the configuration with its database URL redacted, results, targets) and prints where it went. */
export function writeResults(input: {
  file: string;
  started: number;
  commit: string;
  cores: number;
  config: { url: string } & Record<string, unknown>;
  engines: unknown;
  results: unknown;
  targets: string[];
}): void {
  const { file, started, commit, cores, config, engines, results, targets } = input;
  const seconds = (performance.now() - started) / 1000;
  const body = {
    at: new Date().toISOString(),
    commit,
    node: process.version,
    cores,
    seconds,
    config: { ...config, url: redact(config.url) },
    engines,
    results,
    targets,
  };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  console.log(`\n${fmt(seconds, 0)} s; results: ${file}`);
}
