import { Money } from '@tollgate/money';
import { Decimal } from 'decimal.js';

/**
 * VAT on a wallet top-up sold by a Belgian seller (electronically supplied services). Pure: no I/O.
 *
 * Pack prices are VAT-inclusive: what the buyer pays is what the wallet credits, and the invoice
 * shows the VAT inside that amount. So a treatment only splits a gross amount, it never adds to it.
 */

/** The day the standard rates below were last checked against the EU's "VAT rates in the Member States". */
export const EU_STANDARD_RATES_AS_OF = '2026-01-01';

/** Standard VAT rate per EU member state (ISO 3166 alpha-2; Greece is GR here, EL in VAT numbers), in percent. */
export const EU_STANDARD_RATES: Readonly<Record<string, string>> = Object.freeze({
  AT: '20',
  BE: '21',
  BG: '20',
  CY: '19',
  CZ: '21',
  DE: '19',
  DK: '25',
  EE: '24',
  ES: '21',
  FI: '25.5',
  FR: '20',
  GR: '24',
  HR: '25',
  HU: '27',
  IE: '23',
  IT: '22',
  LT: '21',
  LU: '17',
  LV: '21',
  MT: '18',
  NL: '21',
  PL: '23',
  PT: '23',
  RO: '21',
  SE: '25',
  SI: '22',
  SK: '23',
});

export const isEuCountry = (country: string): boolean => Object.hasOwn(EU_STANDARD_RATES, country.toUpperCase());

export const REVERSE_CHARGE_NOTE = 'Reverse charge — Article 196 Directive 2006/112/EC';
export const OUTSIDE_SCOPE_NOTE = 'Not subject to EU VAT — services supplied to a customer outside the EU';

/** EN 16931 categories the wallet's documents use: S standard, AE reverse charge, O outside the scope of VAT. */
export type InvoiceVatCategory = 'S' | 'AE' | 'O';

export interface VatTreatment {
  category: InvoiceVatCategory;
  /** Percent as a decimal string: '21', '25.5', '0'. */
  rate: string;
  /** Why no VAT is charged (AE, O), printed on the document and written as the UBL exemption reason. */
  exemptionReason: string | null;
  /** Which rule chose it: 'domestic', 'reverse_charge', 'oss' (EU consumer), 'outside_eu'. */
  rule: 'domestic' | 'reverse_charge' | 'oss' | 'outside_eu';
}

/**
 * The treatment of one sale. `buyerVatNumber` must already be validated (null when the buyer has none
 * or it is not valid): only a valid EU VAT number of another member state turns a sale into reverse charge.
 */
export function vatTreatment(input: { sellerCountry: string; buyerCountry: string; buyerVatNumber: string | null }): VatTreatment {
  const seller = input.sellerCountry.toUpperCase();
  const buyer = input.buyerCountry.toUpperCase();
  if (buyer === seller) return { category: 'S', rate: EU_STANDARD_RATES[seller] ?? '0', exemptionReason: null, rule: 'domestic' };
  if (!isEuCountry(buyer)) return { category: 'O', rate: '0', exemptionReason: OUTSIDE_SCOPE_NOTE, rule: 'outside_eu' };
  if (input.buyerVatNumber) return { category: 'AE', rate: '0', exemptionReason: REVERSE_CHARGE_NOTE, rule: 'reverse_charge' };
  return { category: 'S', rate: EU_STANDARD_RATES[buyer]!, exemptionReason: null, rule: 'oss' };
}

/**
 * Splits a VAT-inclusive amount: net = round(gross / (1 + rate)) to the cent, half away from zero;
 * vat = gross − net, so net + vat is always exactly what was paid.
 */
export function splitGross(input: { gross: Money; rate: string }): { net: Money; vat: Money } {
  const gross = new Decimal(input.gross.toString());
  const divisor = new Decimal(1).plus(new Decimal(input.rate).div(100));
  const net = Money.of(gross.div(divisor).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2));
  return { net, vat: input.gross.minus(net) };
}
