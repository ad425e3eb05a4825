import { InvalidEnterpriseNumberError } from './trendstop.errors.js';

/**
 * A Belgian enterprise (KBO/BCE) number as 10 digits: `BE0123456749`, `BE 0123.456.749`, `0123.456.749`
 * and `0123456749` all give `'0123456749'`; a 9-digit legacy number gets its leading 0. The first digit is
 * 0 or 1 and the last two are 97 − (first eight mod 97); anything else throws InvalidEnterpriseNumberError.
 * (The rule is three lines; a VAT library would add a dependency for the same check.)
 */
export function normaliseEnterpriseNumber(input: string): string {
  if (typeof input !== 'string') throw new InvalidEnterpriseNumberError({ value: input, reason: 'not a string' });
  const compact = input.trim().replace(/^BE/i, '').replace(/[\s.]/g, '');
  if (compact === '') throw new InvalidEnterpriseNumberError({ value: input, reason: 'empty' });
  if (!/^\d+$/.test(compact)) throw new InvalidEnterpriseNumberError({ value: input, reason: 'only digits, dots, spaces and a leading BE are allowed' });
  const digits = compact.length === 9 ? `0${compact}` : compact;
  if (digits.length !== 10) throw new InvalidEnterpriseNumberError({ value: input, reason: `${compact.length} digits, 10 expected` });
  if (digits[0] !== '0' && digits[0] !== '1') throw new InvalidEnterpriseNumberError({ value: input, reason: 'the first digit must be 0 or 1' });
  if (97 - (Number(digits.slice(0, 8)) % 97) !== Number(digits.slice(8)))
    throw new InvalidEnterpriseNumberError({ value: input, reason: 'wrong check digits' });
  return digits;
}

/** `0123.456.749`, as KBO prints it (input normalised first). */
export function formatEnterpriseNumber(input: string): string {
  const digits = normaliseEnterpriseNumber(input);
  return `${digits.slice(0, 4)}.${digits.slice(4, 7)}.${digits.slice(7)}`;
}
