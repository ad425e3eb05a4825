import { fromCents, toCents } from './cents.js';

export interface SpendLine {
  type: string;
  channel: string | null;
  amount: string;
  createdAt: string;
}

export interface MonthlySpending {
  /** Months in order, "YYYY-MM" in the account's time zone. */
  months: string[];
  /** Channels in order of total spending, largest first. */
  channels: string[];
  /** cents[month][channel]: what was spent (a positive number of cents). */
  cents: Record<string, Record<string, bigint>>;
  /** The largest month-and-channel figure, for the chart's scale. */
  max: bigint;
}

/** The month of an instant in a time zone, "2026-12". */
export function monthOf(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' }).formatToParts(new Date(iso));
  const year = parts.find((part) => part.type === 'year')?.value ?? '0000';
  const month = parts.find((part) => part.type === 'month')?.value ?? '01';
  return `${year}-${month}`;
}

/**
 * Spending per channel per month from history lines: only `spend` lines count (their amount is the
 * use's final cost, negative), summed in cents so the figures are exact. A line without a channel
 * counts under "other".
 */
export function spendingByMonth(input: { lines: readonly SpendLine[]; timeZone: string; period?: { from: string; to: string } }): MonthlySpending {
  const cents: Record<string, Record<string, bigint>> = {};
  const perChannel: Record<string, bigint> = {};
  for (const line of input.lines) {
    if (line.type !== 'spend') continue;
    const spent = -toCents(line.amount);
    if (spent === 0n) continue;
    const month = monthOf(line.createdAt, input.timeZone);
    const channel = line.channel ?? 'other';
    const row = (cents[month] ??= {});
    row[channel] = (row[channel] ?? 0n) + spent;
    perChannel[channel] = (perChannel[channel] ?? 0n) + spent;
  }
  // The whole period shows, months without spending as empty bars, so a quiet month is visible as such.
  const months = [...new Set([...Object.keys(cents), ...(input.period ? monthsBetween(input.period.from, input.period.to) : [])])].sort();
  const channels = Object.keys(perChannel).sort((a, b) => (perChannel[b]! > perChannel[a]! ? 1 : perChannel[b]! < perChannel[a]! ? -1 : a.localeCompare(b)));
  let max = 0n;
  for (const month of months) for (const value of Object.values(cents[month] ?? {})) if (value > max) max = value;
  return { months, channels, cents, max };
}

export function monthTotal(spending: MonthlySpending, month: string): string {
  return fromCents(Object.values(spending.cents[month] ?? {}).reduce((total, value) => total + value, 0n));
}

/** Every month from one "YYYY-MM" to another, both included (at most 120). */
export function monthsBetween(from: string, to: string): string[] {
  const index = (month: string) => {
    const [year, number] = month.split('-').map(Number) as [number, number];
    return year * 12 + number - 1;
  };
  const months: string[] = [];
  for (let at = index(from); at <= index(to) && months.length < 120; at += 1) months.push(`${Math.floor(at / 12)}-${String((at % 12) + 1).padStart(2, '0')}`);
  return months;
}
