import type { Product } from './letter-input.js';

/**
 * What the print service bills us (its own list, excl. VAT, in euro cents): postage by country and
 * product, printing per sheet, and handling (envelope, folding, inserting) per letter. Our catalog
 * prices (what an account pays) are the carrier plugins' business, not this table.
 */
export const VENDOR_PRICE_CENTS = {
  postage: {
    BE: { standard: 112, priority: 168, registered: 640 },
    NL: { standard: 118, priority: 205, registered: 865 },
  } satisfies Record<string, Record<Product, number>>,
  printPerSheet: { bw: 6, color: 19 },
  handlingPerLetter: 28,
} as const;

export interface VendorQuote {
  currency: 'EUR';
  sheets: number;
  /** Decimal string, e.g. "1.64". */
  amount: string;
  lines: Array<{ kind: 'postage' | 'print' | 'handling'; description: string; quantity: number; unit_amount: string; amount: string }>;
}

export function vendorQuote(input: { country: 'BE' | 'NL'; sheets: number; color: boolean; product: Product }): VendorQuote {
  const postage = VENDOR_PRICE_CENTS.postage[input.country][input.product];
  const perSheet = input.color ? VENDOR_PRICE_CENTS.printPerSheet.color : VENDOR_PRICE_CENTS.printPerSheet.bw;
  const lines = [
    { kind: 'postage' as const, description: `Postage ${input.country}, ${input.product}`, quantity: 1, cents: postage },
    { kind: 'print' as const, description: `Printing, ${input.color ? 'colour' : 'black and white'}`, quantity: input.sheets, cents: perSheet },
    { kind: 'handling' as const, description: 'Envelope and handling', quantity: 1, cents: VENDOR_PRICE_CENTS.handlingPerLetter },
  ];
  const total = lines.reduce((sum, l) => sum + l.quantity * l.cents, 0);
  return {
    currency: 'EUR',
    sheets: input.sheets,
    amount: euros(total),
    lines: lines.map((l) => ({
      kind: l.kind,
      description: l.description,
      quantity: l.quantity,
      unit_amount: euros(l.cents),
      amount: euros(l.quantity * l.cents),
    })),
  };
}

/** Whole cents as a decimal string: integer arithmetic, never a float. */
function euros(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}
