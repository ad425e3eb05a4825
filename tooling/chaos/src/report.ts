/** Percentile of sorted-in-place values (nearest rank); null when there are none. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const rank = Math.min(values.length - 1, Math.max(0, Math.ceil((p / 100) * values.length) - 1));
  return values[rank]!;
}

export function median(values: readonly number[]): number | null {
  return percentile([...values], 50);
}

/** A plain-text table: right-aligned numbers, left-aligned text. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[], numeric: boolean) =>
    r.map((c, i) => (numeric && /^[-\d.,%]+$/.test(c) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(header, false), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map((r) => line(r, true))].join('\n');
}

export const fixed = (n: number | null, digits = 1): string => (n === null ? '-' : n.toFixed(digits));

export function stamp(date = new Date()): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '')
    .replace('T', '-');
}
