/** KBO enterprise numbers: 10 digits, first 0 or 1, last two = 97 − (first eight mod 97). */
export const ENTERPRISE_NUMBER = /^[01]\d{9}$/;

export function checkDigits(firstEight: number): number {
  return 97 - (firstEight % 97);
}

export function isValidEnterpriseNumber(value: string): boolean {
  if (!ENTERPRISE_NUMBER.test(value)) return false;
  return checkDigits(Number(value.slice(0, 8))) === Number(value.slice(8));
}

/** The number for the first eight digits (0 ≤ base < 20 000 000), check digits added. */
export function enterpriseNumberFor(base: number): string {
  if (!Number.isInteger(base) || base < 0 || base >= 20_000_000) throw new RangeError(`enterprise number base must be 0..19999999, got ${base}`);
  return `${String(base).padStart(8, '0')}${String(checkDigits(base)).padStart(2, '0')}`;
}

/** `0123.456.749`, as KBO prints it. */
export function formatEnterpriseNumber(value: string): string {
  return `${value.slice(0, 4)}.${value.slice(4, 7)}.${value.slice(7)}`;
}
