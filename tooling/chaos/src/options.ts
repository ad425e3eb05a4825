/*
 * Command-line knobs of `pnpm chaos` and `pnpm soak`: `--name=value` or `--name value`, or the
 * environment as CHAOS_NAME. Durations take a unit: "90s", "5m", "1h" (a bare number is seconds).
 */

function arg(name: string): string | undefined {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
    if (a === `--${name}` && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) return argv[i + 1];
    if (a === `--${name}`) return 'true';
  }
  return process.env[`CHAOS_${name.toUpperCase().replace(/-/g, '_')}`];
}

export function intArg(name: string, fallback: number): number {
  const raw = arg(name);
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number, got ${raw}`);
  return n;
}

/** A number of zero or more (a rate; 0 = no limit). */
export function rateArg(name: string, fallback: number): number {
  const raw = arg(name);
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be zero or more, got ${raw}`);
  return n;
}

export function seconds(raw: string, name: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(raw.trim());
  if (!m) throw new Error(`--${name}: not a duration such as 90s, 5m or 1h: ${raw}`);
  const n = Number(m[1]);
  return m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : n;
}

export function durationArg(name: string, fallback: string): number {
  return seconds(arg(name) ?? fallback, name);
}

/** "5-20" or "5s-1m": a range of seconds. */
export function rangeArg(name: string, fallback: string): [number, number] {
  const raw = arg(name) ?? fallback;
  const [lo, hi] = raw.split('-');
  const min = seconds(lo ?? '', name);
  const max = hi === undefined ? min : seconds(hi, name);
  if (max < min) throw new Error(`--${name}: the range ${raw} runs backwards`);
  return [min, max];
}

export function stringArg(name: string, fallback: string): string {
  return arg(name) ?? fallback;
}

export function flag(name: string): boolean {
  const raw = arg(name);
  return raw === 'true' || raw === '1';
}

/** Options both modes share. */
export interface CommonOptions {
  /** A maintenance database on the server; the run creates (and afterwards drops) its own. */
  adminUrl: string;
  /** First host's port; the second is port + 1. */
  port: number;
  clients: number;
  wallets: number;
  /** Keep the run's database afterwards (to look at it). */
  keep: boolean;
  /** Host log level (the host logs each request at info). */
  logLevel: string;
}

export function commonOptions(defaults: { clients: number; wallets: number }): CommonOptions {
  return {
    adminUrl: stringArg('database-url', 'postgres://postgres@127.0.0.1:5432/postgres'),
    port: intArg('port', 4700),
    clients: intArg('clients', defaults.clients),
    wallets: intArg('wallets', defaults.wallets),
    keep: flag('keep'),
    logLevel: stringArg('log-level', 'warn'),
  };
}
