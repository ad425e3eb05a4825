import { Decimal } from 'decimal.js';
import { UblDocumentInconsistentError } from './ubl.errors.js';

/** A decimal string parsed exactly; a value that is not a number breaks the document. */
export const dec = (value: string, field: string): Decimal => {
  try {
    const parsed = new Decimal(value);
    if (!parsed.isFinite()) throw new Error('not finite');
    return parsed;
  } catch {
    throw new UblDocumentInconsistentError({ rule: 'ubl-number', message: `${field} is not a decimal number: ${JSON.stringify(value)}.`, details: { field } });
  }
};

/**
 * An amount as UBL wants it (BR-DEC-*: at most 2 decimals), written with exactly 2. An amount with
 * more decimals is not silently rounded: the source's totals would no longer match its lines.
 */
export const amount = (value: Decimal, field: string): string => {
  if (!value.equals(value.toDecimalPlaces(2))) {
    throw new UblDocumentInconsistentError({
      rule: 'ubl-amount-decimals',
      message: `${field} has more than 2 decimals: ${value.toFixed()}.`,
      details: { field },
    });
  }
  // Decimal keeps the sign of zero: never write "-0.00".
  return value.isZero() ? '0.00' : value.toFixed(2);
};

/** A quantity, price or rate in plain notation (never "1e-7"), trailing zeros dropped. */
export const plain = (value: Decimal): string => (value.isZero() ? '0' : value.toFixed());

/** Half-up to the cent, as EN 16931 rounds line and VAT amounts. */
export const cents = (value: Decimal): Decimal => value.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);

export { Decimal };
