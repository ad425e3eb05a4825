import { checkVatNumber as checkDigits } from '@tollgate/expense-fields';

/**
 * EU VAT numbers: BE, NL, DE, FR and LU with their check digits (expense-fields' python-stdnum rules),
 * the other member states by the VIES format pattern only. Greece's prefix is EL (country GR).
 */
const PATTERNS: Readonly<Record<string, RegExp>> = {
  AT: /^U\d{8}$/,
  BG: /^\d{9,10}$/,
  CY: /^\d{8}[A-Z]$/,
  CZ: /^\d{8,10}$/,
  DK: /^\d{8}$/,
  EE: /^\d{9}$/,
  EL: /^\d{9}$/,
  ES: /^[A-Z0-9]\d{7}[A-Z0-9]$/,
  FI: /^\d{8}$/,
  HR: /^\d{11}$/,
  HU: /^\d{8}$/,
  IE: /^(\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W])$/,
  IT: /^\d{11}$/,
  LT: /^(\d{9}|\d{12})$/,
  LV: /^\d{11}$/,
  MT: /^\d{8}$/,
  PL: /^\d{10}$/,
  PT: /^\d{9}$/,
  RO: /^\d{2,10}$/,
  SE: /^\d{10}01$/,
  SI: /^\d{8}$/,
  SK: /^\d{10}$/,
};

const WITH_CHECK_DIGITS = new Set(['BE', 'NL', 'DE', 'FR', 'LU']);

export type VatNumberResult = { valid: true; normalised: string; country: string } | { valid: false; reason: string };

/** The VAT number's country as ISO 3166 (EL → GR). */
export const vatNumberCountry = (normalised: string): string => (normalised.startsWith('EL') ? 'GR' : normalised.slice(0, 2));

/** Checks an EU VAT number ("BE 0123.456.749" → "BE0123456749"). */
export function validateVatNumber(input: { value: string }): VatNumberResult {
  const compact = input.value.replace(/[\s.\-/]/g, '').toUpperCase();
  const prefix = compact.slice(0, 2);
  if (WITH_CHECK_DIGITS.has(prefix)) {
    const check = checkDigits({ value: compact });
    return check.valid
      ? { valid: true, normalised: check.normalised!, country: prefix }
      : { valid: false, reason: `not a valid ${prefix} VAT number (format or check digits)` };
  }
  const pattern = PATTERNS[prefix];
  if (!pattern) return { valid: false, reason: 'must start with the prefix of an EU member state (BE, NL, DE, FR, EL, …)' };
  return pattern.test(compact.slice(2))
    ? { valid: true, normalised: compact, country: vatNumberCountry(compact) }
    : { valid: false, reason: `not in the format of a ${prefix} VAT number` };
}
