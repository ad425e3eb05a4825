/*
 * Teamleader sends money as JSON numbers (121.0). Going through a double would be lossy for some
 * values, so amounts are taken from the raw JSON text instead (JSON.parse source access, Node ≥ 21),
 * and written back with JSON.rawJSON. Where the runtime lacks source access, String(number) is used:
 * it gives back the written decimal for anything up to 15 significant digits, i.e. every euro amount.
 */

/** Keys whose numeric values become decimal strings: money amounts and tax / exchange rates. */
const DECIMAL_KEYS = new Set(['amount', 'rate']);
const DECIMAL = /^-?\d+(\.\d+)?$/;

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;
const parseWithSource = JSON.parse as (text: string, reviver: Reviver) => unknown;
const rawJson = (JSON as unknown as { rawJSON?: (text: string) => unknown }).rawJSON;

export function parseTeamleaderJson(text: string): unknown {
  return parseWithSource(text, (key, value, context) => {
    if (typeof value !== 'number' || !DECIMAL_KEYS.has(key)) return value;
    return plainDecimal(context?.source ?? String(value));
  });
}

/** A decimal string as it is to appear in JSON: a number literal, not a string. */
export function jsonDecimal(value: string): unknown {
  if (!DECIMAL.test(value)) throw new RangeError(`Not a plain decimal: "${value}"`);
  return rawJson ? rawJson(value) : Number(value);
}

/** '1.5e2' → '150', '-2E-3' → '-0.002'; anything without an exponent is returned as is. */
export function plainDecimal(literal: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?[eE]([+-]?\d+)$/.exec(literal);
  if (!match) return literal;
  const [, sign, int = '', frac = '', exp = '0'] = match;
  const digits = int + frac;
  const point = int.length + Number(exp);
  let text: string;
  if (point <= 0) text = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) text = digits + '0'.repeat(point - digits.length);
  else text = `${digits.slice(0, point)}.${digits.slice(point)}`;
  text = text.replace(/^0+(?=\d)/, '');
  if (text.includes('.')) text = text.replace(/0+$/, '').replace(/\.$/, '');
  return sign + text;
}
