import { Decimal } from 'decimal.js';
import type { VatCategory } from '@tollgate/plugin-sdk';

/** '21.00' → '21', '5.5' → '5.5': the rate as a mapping key writes it. */
export function rateKey(rate: string): string {
  return new Decimal(rate).toString();
}

/**
 * The mapping a target gives for a VAT subtotal: first 'category:rate' ('S:21', 'AE:0'), then the
 * category alone ('AE'), then the rate alone ('21'). Undefined when none matches.
 */
export function lookupByVat<T>(map: Readonly<Record<string, T>>, input: { vatCategory: VatCategory; vatRate: string }): T | undefined {
  const rate = rateKey(input.vatRate);
  return map[`${input.vatCategory}:${rate}`] ?? map[input.vatCategory] ?? map[rate];
}

/** The keys a mapping accepts: 'S:21', 'AE', '21'. */
export const VAT_KEY = /^((S|Z|E|AE|K|G|O|L|M)(:\d{1,2}(\.\d{1,2})?)?|\d{1,2}(\.\d{1,2})?)$/;
