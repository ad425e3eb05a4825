import { Decimal } from 'decimal.js';

/** VAT rates in force in BE, NL, DE, FR and LU (percent). */
export const KNOWN_RATES = ['0', '2.1', '3', '5.5', '6', '7', '8', '9', '10', '12', '13', '14', '16', '17', '19', '20', '21'];

/** The tolerance of one VAT line: its VAT is the base × rate rounded half-up to the cent, ± 1 cent. */
export const LINE_TOLERANCE = new Decimal('0.01');

export const cents = (value: Decimal): Decimal => value.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
export const vatOf = (base: Decimal, rate: string): Decimal => cents(base.times(rate).dividedBy(100));

/** True when a VAT line's amount is its base × rate (rounded half-up to the cent, ± 0.01). */
export function lineAddsUp({ rate, base, amount }: { rate: string; base: Decimal; amount: Decimal }): boolean {
  return vatOf(base, rate).minus(amount).abs().lte(LINE_TOLERANCE);
}

/** A rate written in the text ("21%", "5,5 %", "19,00%") when it is a known VAT rate. */
export function rateIn(text: string): string | null {
  for (const match of text.matchAll(/(?<![\d.,])(\d{1,2}(?:[.,]\d{1,2})?)\s?%/g)) {
    const rate = new Decimal(match[1]!.replace(',', '.')).toString();
    if (KNOWN_RATES.includes(rate)) return rate;
  }
  return null;
}

/** The known rate that a base and its VAT imply (VAT = base × rate, rounded half-up to the cent). */
export function impliedRate(base: Decimal, vat: Decimal): string | null {
  if (base.isZero()) return null;
  return KNOWN_RATES.filter((rate) => rate !== '0').find((rate) => lineAddsUp({ rate, base, amount: vat })) ?? null;
}
