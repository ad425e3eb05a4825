/*
 * Exact arithmetic on the API's decimal strings: amounts become whole cents as BigInt, so sums and
 * comparisons never pass through a float (0.1 + 0.2 is 0.30 here).
 */

const DECIMAL = /^(-)?(\d+)(?:\.(\d{1,2}))?$/;

/** What a person may type as an amount: euros with at most two decimals ("25", "25.5", "25.50"). */
export const AMOUNT_INPUT = /^\d+(\.\d{1,2})?$/;

export function toCents(amount: string): bigint {
  const match = DECIMAL.exec(amount.trim());
  if (!match) throw new Error(`not a money amount: ${JSON.stringify(amount)}`);
  const [, sign, whole, fraction = ''] = match;
  const cents = BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, '0'));
  return sign ? -cents : cents;
}

export function fromCents(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const text = `${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
  return negative ? `-${text}` : text;
}

export function sumAmounts(amounts: readonly string[]): string {
  return fromCents(amounts.reduce((total, amount) => total + toCents(amount), 0n));
}

/** Negative, zero or positive as a is below, equal to or above b. */
export function compareAmounts(a: string, b: string): number {
  const difference = toCents(a) - toCents(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

/** "25" → "25.00": what a typed amount is sent as. */
export function normaliseAmount(input: string): string {
  return fromCents(toCents(input));
}
