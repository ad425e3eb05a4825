import type { Locale } from '../../api/session.js';
import { formatDateTime, formatMoney } from '../../i18n/format.js';
import type { PanelColumnFormat } from './panel-types.js';

/* How a panel table's cell shows: pure, so every format is unit-tested without a browser. */

/** `scan.amount` reaches into objects; anything missing on the way is undefined. */
export function valueAt(row: unknown, key: string): unknown {
  let current: unknown = row;
  for (const part of key.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

export type Cell =
  | { kind: 'empty' }
  | { kind: 'text'; text: string }
  | { kind: 'money'; amount: string; text: string }
  | { kind: 'datetime'; iso: string; text: string }
  /** A status code: `label` is its translation when the dashboard has one, else the code itself. */
  | { kind: 'status'; code: string; text: string }
  | { kind: 'boolean'; value: boolean };

const DECIMAL = /^-?\d+(\.\d+)?$/;

export function formatCell(input: {
  value: unknown;
  format: PanelColumnFormat | undefined;
  locale: Locale;
  timeZone?: string;
  /** The dashboard's own text for a status code, if it has one. */
  statusLabel?: (code: string) => string | null;
}): Cell {
  const { value, format = 'text', locale } = input;
  if (value === null || value === undefined || value === '') return { kind: 'empty' };
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  if (format === 'money') {
    // A decimal string stays a string: Intl formats the exact text, no float on the way.
    const amount = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
    if (!DECIMAL.test(amount)) return { kind: 'text', text: String(value) };
    return { kind: 'money', amount, text: formatMoney(locale, amount) };
  }
  if (format === 'datetime') {
    const iso = String(value);
    if (Number.isNaN(Date.parse(iso))) return { kind: 'text', text: iso };
    return { kind: 'datetime', iso, text: formatDateTime(locale, iso, input.timeZone) };
  }
  if (format === 'status') {
    const code = String(value);
    return { kind: 'status', code, text: input.statusLabel?.(code) ?? code.replace(/_/g, ' ') };
  }
  return { kind: 'text', text: typeof value === 'object' ? JSON.stringify(value) : String(value) };
}
