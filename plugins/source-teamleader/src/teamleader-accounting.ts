import { Decimal } from 'decimal.js';
import {
  ValidationError,
  type AccountingAddress,
  type AccountingDelivery,
  type AccountingDetails,
  type AccountingLine,
  type AccountingParty,
  type AccountingPayment,
  type AccountingVatSubtotal,
  type PaymentMeansCode,
  type VatCategory,
} from '@tollgate/plugin-sdk';
import type { Address, Company, Contact, CreditNote, DepartmentInfo, Invoice, LineItem, PaymentTerm, TaxRate, TeamleaderMoney } from '@tollgate/teamleader';

/*
 * P-6: a Teamleader invoice or credit note (its `.info`) → the AccountingDetails an accounting
 * export needs (EN 16931 terms). Every amount is computed with decimal.js on the decimal strings the
 * client keeps from Teamleader's JSON numbers; nothing goes through a float.
 */

/** Decimal.js with half-up rounding to the cent, like Teamleader and EN 16931. */
const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });
type Dec = InstanceType<typeof D>;

const cents = (value: Dec): string => value.toDecimalPlaces(2, D.ROUND_HALF_UP).toFixed(2);
const amountOf = (money: TeamleaderMoney | undefined | null): Dec => new D(money ? String(money.amount) : '0');

/** A plain decimal string with at least two decimals and no trailing zeros beyond them ('12.5' → '12.50', '0.12345' stays). */
function price(value: Dec): string {
  return value.toFixed(Math.max(2, value.decimalPlaces()));
}

/** '2' → '2', '1.50' → '1.5': quantities as written, without padding. */
function quantity(value: Dec): string {
  return value.toFixed(value.decimalPlaces());
}

/** What a tax rate means for EN 16931: the category (UNCL5305) and, for 0 % ones, why no VAT is charged. */
export interface TaxRateMeaning {
  category: VatCategory;
  /** Percent: '21', '12', '6', '0'. */
  rate: string;
  exemptionReason: string | null;
}

/*
 * Teamleader's tax rates carry only a rate and the description the user gave them, so a 0 % rate's
 * kind is read from its description, in the languages Belgian and Dutch accounts write them in.
 * A 0 % rate that says none of these is a zero-rated supply ('Z').
 */
const ZERO_RATE_KINDS: Array<{ pattern: RegExp; category: VatCategory; reason: string }> = [
  {
    pattern: /medecontract|m[ée]d[ée]contract|cocontract|reverse|verlegd|autoliquidation|art(?:icle|ikel|\.)?\s*51\b/i,
    category: 'AE',
    reason: 'Reverse charge',
  },
  {
    pattern: /intra[\s-]?(?:com|eu|ue|gemeensch)|intracom|innergemeenschap|\bICL\b|livraison intracom/i,
    category: 'K',
    reason: 'Intra-community supply',
  },
  { pattern: /export|uitvoer|buiten (?:de )?eu|hors (?:de l')?ue|outside (?:the )?eu/i, category: 'G', reason: 'Export outside the EU' },
  { pattern: /vrijgesteld|vrijstelling|exempt|exon[ée]r|art(?:icle|ikel|\.)?\s*44\b/i, category: 'E', reason: 'Exempt from VAT' },
];

export function taxRateMeaning(taxRate: Pick<TaxRate, 'rate' | 'description'>): TaxRateMeaning {
  const percent = new D(String(taxRate.rate)).times(100);
  const rate = quantity(percent);
  if (!percent.isZero()) return { category: 'S', rate, exemptionReason: null };
  const kind = ZERO_RATE_KINDS.find((k) => k.pattern.test(taxRate.description ?? ''));
  return kind ? { category: kind.category, rate, exemptionReason: kind.reason } : { category: 'Z', rate, exemptionReason: null };
}

/** 'be 0899.623.035' → 'BE0899623035'; Greece's 'EL' stays; null for nothing. */
export function normaliseVatNumber(vat: string | null | undefined): string | null {
  if (!vat) return null;
  const compact = vat.replace(/[\s.\-/]/g, '').toUpperCase();
  return compact === '' ? null : compact;
}

/**
 * The Belgian enterprise number (KBO/BCE, Peppol scheme 0208): ten digits, read from a BE VAT number
 * ('BE0899623035' → '0899623035'; an old nine-digit one gets its leading 0) or from an enterprise
 * number as written ('0899.623.035'). Null for anything else (a foreign VAT number, a person's
 * national register number).
 */
export function enterpriseNumber(input: { vatNumber?: string | null; registration?: string | null }): string | null {
  const vat = normaliseVatNumber(input.vatNumber);
  const fromVat = vat && /^BE[01]?\d{9}$/.test(vat) ? vat.slice(2).padStart(10, '0') : null;
  if (fromVat) return fromVat;
  const registration = input.registration?.replace(/[\s.\-/]/g, '') ?? '';
  const digits = /^(?:BE)?([01]?\d{9})$/i.exec(registration)?.[1];
  return digits ? digits.padStart(10, '0') : null;
}

function country(code: string | null | undefined): string | null {
  if (!code) return null;
  const upper = code.trim().toUpperCase();
  return upper === 'EL' ? 'GR' : /^[A-Z]{2}$/.test(upper) ? upper : null;
}

function address(found: Address['address'] | null | undefined, vatNumber: string | null): AccountingAddress {
  // EN 16931 needs a country for both parties (BR-09, BR-11): the address's, else the VAT number's prefix.
  const fallback = country(vatNumber?.slice(0, 2)) ?? '';
  if (!found) return { country: fallback };
  return {
    line1: found.line_1 ?? null,
    postalCode: found.postal_code ?? null,
    city: found.city ?? null,
    country: country(found.country) ?? fallback,
  };
}

/** The invoicing address, else the primary one, else the first. */
function partyAddress(addresses: readonly Address[] | undefined): Address['address'] | null {
  return (addresses?.find((a) => a.type === 'invoicing') ?? addresses?.find((a) => a.type === 'primary') ?? addresses?.[0])?.address ?? null;
}

function pickEmail(emails: ReadonlyArray<{ type: string; email: string }> | undefined): string | null {
  return (emails?.find((e) => e.type === 'invoicing') ?? emails?.find((e) => e.type === 'primary') ?? emails?.[0])?.email ?? null;
}

export function sellerOf(department: DepartmentInfo): AccountingParty {
  const vatNumber = normaliseVatNumber(department.vat_number);
  return {
    name: department.name,
    vatNumber,
    enterpriseNumber: enterpriseNumber({ vatNumber }),
    address: address(department.address, vatNumber),
    email: pickEmail(department.emails),
    sourceId: department.id,
  };
}

export function buyerOf(input: {
  invoicee: Invoice['invoicee'];
  customer: { type: 'company'; party: Company } | { type: 'contact'; party: Contact } | null;
}): AccountingParty {
  const { invoicee, customer } = input;
  const party = customer?.party;
  const vatNumber = normaliseVatNumber(invoicee.vat_number ?? party?.vat_number);
  const partyName = customer
    ? customer.type === 'company'
      ? customer.party.name
      : [customer.party.first_name, customer.party.last_name].filter(Boolean).join(' ')
    : '';
  return {
    name: invoicee.name || partyName,
    vatNumber,
    // A contact's national_identification_number is a person's register number, never an enterprise number.
    enterpriseNumber: enterpriseNumber({
      vatNumber,
      registration: customer?.type === 'company' ? (customer.party.national_identification_number ?? null) : null,
    }),
    address: address(partyAddress(party?.addresses), vatNumber),
    email: invoicee.email ?? pickEmail(party?.emails) ?? null,
    sourceId: invoicee.customer.id,
  };
}

/**
 * The lines, each with its VAT category from its tax rate. The line total is Teamleader's
 * `total.tax_exclusive` (what was booked); the discount is what makes quantity × unit price − discount
 * equal it exactly, so the EN 16931 line sum holds (BR-CO-10, PEPPOL-EN16931-R120).
 */
export function linesOf(input: { groups: Invoice['grouped_lines']; taxRates: ReadonlyMap<string, TaxRate> }): AccountingLine[] {
  const lines: AccountingLine[] = [];
  for (const group of input.groups ?? []) {
    const section = group.section?.title ? group.section.title : null;
    for (const item of group.line_items) lines.push(lineOf({ item, section, id: String(lines.length + 1), taxRates: input.taxRates }));
  }
  return lines;
}

function lineOf(input: { item: LineItem; section: string | null; id: string; taxRates: ReadonlyMap<string, TaxRate> }): AccountingLine {
  const { item } = input;
  const taxRate = input.taxRates.get(item.tax.id);
  if (!taxRate)
    throw new ValidationError({ code: 'teamleader_unknown_tax_rate', message: `Line ${input.id}: tax rate ${item.tax.id} is not in taxRates.list.` });
  if (item.unit_price.tax !== 'excluding') {
    throw new ValidationError({ code: 'teamleader_price_incl_vat', message: `Line ${input.id}: unit prices including VAT are not supported.` });
  }
  const meaning = taxRateMeaning(taxRate);
  const qty = new D(String(item.quantity));
  const unitPrice = new D(String(item.unit_price.amount));
  const gross = qty.times(unitPrice).toDecimalPlaces(2, D.ROUND_HALF_UP);
  const total = amountOf(item.total.tax_exclusive);
  return {
    id: input.id,
    section: input.section,
    description: item.description || item.extended_description || input.section || '—',
    quantity: quantity(qty),
    unitCode: 'C62',
    unitPrice: price(unitPrice),
    discount: cents(gross.minus(total)),
    lineTotal: cents(total),
    vatCategory: meaning.category,
    vatRate: meaning.rate,
    vatExemptionReason: meaning.exemptionReason,
  };
}

/** How the VAT breakdown was settled against Teamleader's `total.taxes` (tests and docs name these). */
export interface BreakdownCheck {
  /** Rates whose tax Teamleader gave and we took (within a cent of taxable × rate). */
  tookTeamleaderTax: string[];
  /** Rates where Teamleader's figures differ by more than a cent from the lines': the lines' are used. */
  disagreed: Array<{ rate: string; teamleaderTaxable: string; linesTaxable: string; teamleaderTax: string; computedTax: string }>;
}

/**
 * The VAT breakdown per (category, rate) from the lines: taxable = the sum of the line totals (so
 * BR-S-08 / BR-CO sums hold exactly). The tax amount is Teamleader's `total.taxes[].tax` when its
 * rate's taxable and tax agree with ours within a cent, else taxable × rate rounded to the cent (and
 * the disagreement is reported). Teamleader groups `taxes` by rate only, so two 0 % kinds share one
 * entry; their tax is 0 either way.
 */
export function vatBreakdownOf(input: {
  lines: readonly AccountingLine[];
  taxes: ReadonlyArray<{ rate: string; taxable: TeamleaderMoney; tax: TeamleaderMoney }>;
}): {
  breakdown: AccountingVatSubtotal[];
  check: BreakdownCheck;
} {
  const groups = new Map<string, { category: VatCategory; rate: string; reason: string | null; taxable: Dec }>();
  for (const line of input.lines) {
    const key = `${line.vatCategory}|${line.vatRate}`;
    const group = groups.get(key) ?? { category: line.vatCategory, rate: line.vatRate, reason: line.vatExemptionReason ?? null, taxable: new D(0) };
    group.taxable = group.taxable.plus(line.lineTotal);
    groups.set(key, group);
  }
  const teamleader = new Map<string, { taxable: Dec; tax: Dec }>();
  for (const tax of input.taxes) {
    const rate = quantity(new D(String(tax.rate)).times(100));
    const sum = teamleader.get(rate) ?? { taxable: new D(0), tax: new D(0) };
    teamleader.set(rate, { taxable: sum.taxable.plus(amountOf(tax.taxable)), tax: sum.tax.plus(amountOf(tax.tax)) });
  }
  const check: BreakdownCheck = { tookTeamleaderTax: [], disagreed: [] };
  const byRate = new Map<string, Dec>();
  for (const group of groups.values()) byRate.set(group.rate, (byRate.get(group.rate) ?? new D(0)).plus(group.taxable));
  const taxOfRate = new Map<string, Dec>();
  for (const [rate, linesTaxable] of byRate) {
    const computed = linesTaxable.times(rate).dividedBy(100).toDecimalPlaces(2, D.ROUND_HALF_UP);
    const given = teamleader.get(rate);
    const oneCent = new D('0.01');
    if (given && given.taxable.minus(linesTaxable).abs().lte(oneCent) && given.tax.minus(computed).abs().lte(oneCent)) {
      taxOfRate.set(rate, given.tax);
      check.tookTeamleaderTax.push(rate);
    } else {
      taxOfRate.set(rate, computed);
      check.disagreed.push({
        rate,
        teamleaderTaxable: cents(given?.taxable ?? new D(0)),
        linesTaxable: cents(linesTaxable),
        teamleaderTax: cents(given?.tax ?? new D(0)),
        computedTax: cents(computed),
      });
    }
  }
  for (const [rate, given] of teamleader) {
    if (!byRate.has(rate) && !given.taxable.isZero())
      check.disagreed.push({ rate, teamleaderTaxable: cents(given.taxable), linesTaxable: '0.00', teamleaderTax: cents(given.tax), computedTax: '0.00' });
  }
  const breakdown = [...groups.values()]
    .sort((a, b) => new D(b.rate).comparedTo(a.rate) || a.category.localeCompare(b.category))
    .map((group) => {
      // A rate shared by several categories is only ever 0 %: its tax is 0 whatever Teamleader groups.
      const sharedRate = [...groups.values()].filter((g) => g.rate === group.rate).length > 1;
      const tax = sharedRate ? group.taxable.times(group.rate).dividedBy(100) : (taxOfRate.get(group.rate) ?? new D(0));
      return {
        vatCategory: group.category,
        vatRate: group.rate,
        taxableAmount: cents(group.taxable),
        taxAmount: cents(tax),
        vatExemptionReason: group.reason,
      };
    });
  return { breakdown, check };
}

/** UNCL4461: 59 (SEPA direct debit) when Teamleader expects a direct debit, else 58 (SEPA credit transfer). */
export function paymentMeansOf(expected: Invoice['expected_payment_method']): PaymentMeansCode {
  return expected && /direct_debit/.test(expected.method) ? '59' : '58';
}

export function paymentTermsText(term: PaymentTerm | null | undefined): string | null {
  if (!term) return null;
  if (term.type === 'cash') return 'Payment on receipt';
  if (typeof term.days !== 'number') return null;
  return term.type === 'end_of_month' ? `Payment within ${term.days} days after the end of the month` : `Payment within ${term.days} days`;
}

function termDays(term: PaymentTerm | null | undefined): number | null {
  if (!term) return null;
  if (term.type === 'cash') return 0;
  return typeof term.days === 'number' ? term.days : null;
}

/**
 * BG-13: when the goods or services were delivered (Teamleader's `delivery_date`, when given) and, for
 * an intra-community supply (K), where to: the buyer's country (BR-IC-11, BR-IC-12). Null when neither
 * is known, so documents without one carry no delivery at all.
 */
export function deliveryOf(input: {
  date: string | null | undefined;
  vatBreakdown: readonly AccountingVatSubtotal[];
  buyer: AccountingParty;
}): AccountingDelivery | null {
  const date = input.date && /^\d{4}-\d{2}-\d{2}$/.test(input.date) ? input.date : null;
  const intraCommunity = input.vatBreakdown.some((s) => s.vatCategory === 'K');
  const country = intraCommunity ? (input.buyer.address?.country ?? null) : null;
  return date || country ? { date, country } : null;
}

/** Both kinds: the shared part (parties, lines, breakdown, totals). */
function details(input: {
  invoicee: Invoice['invoicee'];
  groups: Invoice['grouped_lines'];
  taxes: Invoice['total']['taxes'];
  department: DepartmentInfo;
  customer: Parameters<typeof buyerOf>[0]['customer'];
  taxRates: ReadonlyMap<string, TaxRate>;
}): Omit<AccountingDetails, 'payment' | 'references' | 'note'> & { check: BreakdownCheck } {
  const lines = linesOf({ groups: input.groups, taxRates: input.taxRates });
  const { breakdown, check } = vatBreakdownOf({ lines, taxes: input.taxes });
  const lineExtension = lines.reduce((sum, line) => sum.plus(line.lineTotal), new D(0));
  const tax = breakdown.reduce((sum, subtotal) => sum.plus(subtotal.taxAmount), new D(0));
  const inclusive = lineExtension.plus(tax);
  return {
    seller: sellerOf(input.department),
    buyer: buyerOf({ invoicee: input.invoicee, customer: input.customer }),
    lines,
    vatBreakdown: breakdown,
    totals: {
      lineExtension: cents(lineExtension),
      allowances: '0.00',
      taxExclusive: cents(lineExtension),
      tax: cents(tax),
      taxInclusive: cents(inclusive),
      prepaid: '0.00',
      payable: cents(inclusive),
    },
    check,
  };
}

/** The shared lookups one mapping needs: the department (seller), the customer (buyer), the tax rates. */
export interface AccountingLookups {
  department: DepartmentInfo;
  customer: Parameters<typeof buyerOf>[0]['customer'];
  taxRates: ReadonlyMap<string, TaxRate>;
}

export function invoiceAccounting(input: { info: Invoice } & AccountingLookups): { details: AccountingDetails; check: BreakdownCheck } {
  const { info } = input;
  const { check, ...base } = details({ invoicee: info.invoicee, groups: info.grouped_lines, taxes: info.total.taxes, ...input });
  const payment: AccountingPayment = {
    meansCode: paymentMeansOf(info.expected_payment_method),
    reference: info.payment_reference ?? null,
    iban: input.department.iban?.replace(/\s/g, '').toUpperCase() || null,
    bic: input.department.bic?.replace(/\s/g, '').toUpperCase() || null,
    termDays: termDays(info.payment_term),
    termsText: paymentTermsText(info.payment_term),
  };
  const order = info.purchase_order_number || null;
  const delivery = deliveryOf({ date: info.delivery_date, vatBreakdown: base.vatBreakdown, buyer: base.buyer });
  return {
    details: {
      ...base,
      payment,
      references: { buyerReference: order ?? info.invoicee.customer.id, orderReference: order },
      ...(delivery ? { delivery } : {}),
      note: info.note ?? null,
    },
    check,
  };
}

export function creditNoteAccounting(
  input: { note: CreditNote; credited: { number: string | null; date: string | null; deliveryDate?: string | null } | null } & AccountingLookups,
): {
  details: AccountingDetails;
  check: BreakdownCheck;
} {
  const { note } = input;
  const { check, ...base } = details({
    invoicee: note.invoicee,
    groups: note.grouped_lines as Invoice['grouped_lines'],
    taxes: note.total.taxes,
    ...input,
  });
  // A credit note takes back (part of) the credited invoice's supply: its delivery date is that one's.
  const delivery = deliveryOf({ date: input.credited?.deliveryDate, vatBreakdown: base.vatBreakdown, buyer: base.buyer });
  return {
    details: {
      ...base,
      ...(delivery ? { delivery } : {}),
      payment: {
        meansCode: '58',
        reference: null,
        iban: input.department.iban?.replace(/\s/g, '').toUpperCase() || null,
        bic: input.department.bic?.replace(/\s/g, '').toUpperCase() || null,
        termDays: null,
        termsText: null,
      },
      references: {
        buyerReference: note.invoicee.customer.id,
        orderReference: null,
        invoiceNumber: input.credited?.number ?? null,
        invoiceIssuedOn: input.credited?.date ?? null,
      },
      note: null,
    },
    check,
  };
}
