import { createHash } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { AccountingDocument, AccountingVatSubtotal, ExportRefusal } from '@tollgate/plugin-sdk';
import { CUSTOMER_NUMBER, CUSTOMER_NUMBER_LENGTH, type WinbooksTargetOptions } from './target-options.js';
import { lookupByVat, rateKey } from './vat-keys.js';

/**
 * The ACT (accounting entries) columns in file order, as the WinBooks API's reference client writes
 * them (Valuya/winbooks-java, Winbooks.generateEntriesCsv) and Tryton's account_export_winbooks reads
 * its ACT.txt back: no header line, every field quoted, comma separated.
 */
export const ACT_COLUMNS = [
  'DOCTYPE',
  'DBKCODE',
  'DBKTYPE',
  'DOCNUMBER',
  'DOCORDER',
  'OPCODE',
  'ACCOUNTGL',
  'ACCOUNTRP',
  'BOOKYEAR',
  'PERIOD',
  'DATE',
  'DATEDOC',
  'DUEDATE',
  'COMMENT',
  'COMMENTEXT',
  'AMOUNT',
  'AMOUNTEUR',
  'VATBASE',
  'VATCODE',
  'CURRAMOUNT',
  'CURRCODE',
  'CUREURBASE',
  'VATTAX',
  'VATIMPUT',
  'CURRATE',
  'REMINDLEV',
  'MATCHNO',
  'OLDDATE',
  'ISMATCHED',
  'ISLOCKED',
  'ISIMPORTED',
  'ISPOSITIVE',
  'ISTEMP',
  'MEMOTYPE',
  'ISDOC',
  'DOCSTATUS',
  'DICFROM',
  'CODAKEY',
] as const;

export type ActColumn = (typeof ACT_COLUMNS)[number];
export type ActRow = Record<ActColumn, string>;

/** DOCTYPE: 1 the customer's account, 3 a general account (revenue, VAT), 4 the base of a 0 % VAT code. */
const DOCTYPE = { customer: '1', general: '3', vatZero: '4' } as const;
/** DBKTYPE: 2 sales, 3 credit note on sales. */
const DBKTYPE = { invoice: '2', credit_note: '3' } as const;
/** COMMENT holds 40 characters (Tryton truncates it there). */
const COMMENT_LENGTH = 40;

export interface ActDocument {
  documentId: string;
  journalCode: string;
  docNumber: string;
  customerNumber: string;
  rows: ActRow[];
}

/** yyyymmdd, as both public writers format WinBooks dates. */
export function winbooksDate(isoDate: string): string {
  return isoDate.replaceAll('-', '');
}

/** Two decimals with a point; never '-0.00'. */
const money = (value: Decimal): string => (value.isZero() ? '0.00' : value.toFixed(2));

function emptyRow(): ActRow {
  return Object.fromEntries(ACT_COLUMNS.map((column) => [column, ''])) as ActRow;
}

/** How a customer number was chosen: `derived` numbers are codes of a source id, checked for collisions within a render. */
export interface CustomerNumber {
  number: string;
  derived: boolean;
}

/** A Belgian enterprise number: 10 digits. */
const ENTERPRISE_NUMBER = /^\d{10}$/;
const BASE36_9 = 36n ** 9n;

/**
 * 'C' + 9 uppercase base-36 characters of the source id's SHA-256: 10 characters, letters and digits,
 * the same for the same customer in every export (so WinBooks finds the customer again), never an
 * enterprise number (it starts with a letter).
 */
export function derivedCustomerNumber(sourceId: string): string {
  const head = createHash('sha256').update(sourceId, 'utf8').digest().readBigUInt64BE(0);
  return `C${(head % BASE36_9).toString(36).toUpperCase().padStart(9, '0')}`;
}

/** The customer number the target books the buyer under (ACCOUNTRP and CSF NUMBER), or null. */
export function customerOf(document: AccountingDocument, options: WinbooksTargetOptions): CustomerNumber | null {
  const sourceId = document.buyer.sourceId || null;
  if (sourceId !== null && options.customerNumbers[sourceId] !== undefined) return { number: options.customerNumbers[sourceId], derived: false };
  const enterprise = document.buyer.enterpriseNumber?.replace(/\D/g, '') || null;
  if (options.customerNumber === 'enterpriseNumber') return enterprise ? { number: enterprise, derived: false } : null;
  if (options.customerNumber === 'sourceId') return sourceId ? { number: sourceId, derived: false } : null;
  if (enterprise && ENTERPRISE_NUMBER.test(enterprise)) return { number: enterprise, derived: false };
  if (sourceId === null) return null;
  if (CUSTOMER_NUMBER.test(sourceId) && sourceId.length <= CUSTOMER_NUMBER_LENGTH) return { number: sourceId, derived: false };
  return { number: derivedCustomerNumber(sourceId), derived: true };
}

export function customerNumberOf(document: AccountingDocument, options: WinbooksTargetOptions): string | null {
  return customerOf(document, options)?.number ?? null;
}

/** BOOKYEAR and PERIOD for a date: the book year starts in `bookYearStartMonth`; periods count months from it. */
export function bookYearAndPeriod(isoDate: string, options: WinbooksTargetOptions): { startYear: number; bookYear: string | undefined; period: string } {
  const year = Number(isoDate.slice(0, 4));
  const month = Number(isoDate.slice(5, 7));
  const startYear = month >= options.bookYearStartMonth ? year : year - 1;
  const period = ((month - options.bookYearStartMonth + 12) % 12) + 1;
  return { startYear, bookYear: options.bookYears[String(startYear)], period: String(period).padStart(2, '0') };
}

function refuse(document: AccountingDocument, rule: string, message: string): ExportRefusal {
  return { documentId: document.id, rule, message: `${document.number}: ${message}` };
}

function vatLabel(subtotal: AccountingVatSubtotal): string {
  return `${subtotal.vatCategory}:${rateKey(subtotal.vatRate)}`;
}

/**
 * One document as ACT rows, or the rule it breaks. A sales invoice is one customer row (DOCTYPE 1,
 * the amount due, debit), one revenue row per VAT subtotal (DOCTYPE 3, credit) and one VAT row per
 * subtotal: DOCTYPE 3 on the VAT account with the tax, or DOCTYPE 4 (no account, amount 0) carrying
 * the base of a 0 % VAT code. A credit note is booked in DBKTYPE 3 with the signs reversed; VATBASE
 * stays positive. AMOUNTEUR is debit − credit, so a document's rows sum to zero.
 */
export function actDocument(document: AccountingDocument, options: WinbooksTargetOptions): ActDocument | ExportRefusal {
  if (document.currency !== 'EUR')
    return refuse(
      document,
      'winbooks-currency-not-eur',
      `the document is in ${document.currency}; WinBooks books AMOUNTEUR in euro and the export has no exchange rate`,
    );

  const customerNumber = customerNumberOf(document, options);
  if (customerNumber === null || customerNumber === '')
    return refuse(
      document,
      'winbooks-customer-number-missing',
      options.customerNumber === 'enterpriseNumber'
        ? `the buyer "${document.buyer.name}" has no enterprise number; set customerNumbers { "${document.buyer.sourceId ?? '<source customer id>'}": "<WinBooks number>" } or customerNumber "auto"`
        : `the buyer "${document.buyer.name}" has no customer id or enterprise number to use as WinBooks customer number`,
    );
  if (!CUSTOMER_NUMBER.test(customerNumber) || customerNumber.length > CUSTOMER_NUMBER_LENGTH)
    return refuse(
      document,
      'winbooks-customer-number-invalid',
      `the customer number "${customerNumber}" is not 1–${CUSTOMER_NUMBER_LENGTH} letters and digits; set customerNumbers { "${document.buyer.sourceId ?? customerNumber}": "<WinBooks number>" } or customerNumber "auto"`,
    );

  const docNumber = document.number.replace(/\D/g, '');
  if (docNumber === '')
    return refuse(document, 'winbooks-document-number-invalid', 'the document number has no digits; WinBooks numbers documents with digits');

  const { startYear, bookYear, period } = bookYearAndPeriod(document.issuedOn, options);
  if (bookYear === undefined)
    return refuse(document, 'winbooks-book-year-missing', `no WinBooks book year is mapped for the book year starting in ${startYear} (bookYears)`);

  if (document.vatBreakdown.length === 0) return refuse(document, 'winbooks-vat-breakdown-missing', 'the document has no VAT breakdown');
  const codes: string[] = [];
  for (const subtotal of document.vatBreakdown) {
    const code = lookupByVat(options.vatCodes, subtotal);
    if (code === undefined)
      return refuse(document, 'winbooks-vat-code-missing', `no WinBooks VAT code is mapped for VAT ${vatLabel(subtotal)} (vatCodes "${vatLabel(subtotal)}")`);
    codes.push(code);
  }

  const base = document.vatBreakdown.reduce((sum, s) => sum.plus(s.taxableAmount), new Decimal(0));
  const tax = document.vatBreakdown.reduce((sum, s) => sum.plus(s.taxAmount), new Decimal(0));
  const total = new Decimal(document.totals.taxInclusive);
  if (!base.eq(document.totals.taxExclusive) || !tax.eq(document.totals.tax) || !base.plus(tax).eq(total))
    return refuse(
      document,
      'winbooks-totals-inconsistent',
      `the VAT breakdown (${money(base)} + ${money(tax)}) does not add up to the totals (${document.totals.taxExclusive} + ${document.totals.tax} = ${document.totals.taxInclusive}); the entry would not balance`,
    );

  const taxedAtZero = document.vatBreakdown.find((s) => new Decimal(s.vatRate).isZero() && !new Decimal(s.taxAmount).isZero());
  if (taxedAtZero)
    return refuse(document, 'winbooks-totals-inconsistent', `VAT ${vatLabel(taxedAtZero)} has a rate of 0 % but a tax of ${taxedAtZero.taxAmount}`);

  const credit = document.kind === 'credit_note';
  // Debit − credit: an invoice debits the customer, a credit note credits it.
  const sign = credit ? -1 : 1;
  const journalCode = credit ? (options.creditNoteJournalCode ?? options.journalCode) : options.journalCode;
  const common = (): ActRow => ({
    ...emptyRow(),
    DBKCODE: journalCode,
    DBKTYPE: DBKTYPE[document.kind],
    DOCNUMBER: docNumber,
    BOOKYEAR: bookYear,
    PERIOD: period,
    DATE: winbooksDate(document.issuedOn),
    DATEDOC: winbooksDate(document.issuedOn),
  });

  const rows: ActRow[] = [
    {
      ...common(),
      DOCTYPE: DOCTYPE.customer,
      DOCORDER: '001',
      ACCOUNTGL: options.customerAccount,
      ACCOUNTRP: customerNumber,
      DUEDATE: winbooksDate(document.dueOn ?? document.issuedOn),
      COMMENT: `${document.number} ${document.buyer.name}`.slice(0, COMMENT_LENGTH),
      COMMENTEXT: document.payment.reference ?? '',
      AMOUNTEUR: money(total.times(sign)),
      VATBASE: money(credit ? base.abs() : base),
      VATTAX: money(credit ? tax.abs() : tax),
    },
  ];
  document.vatBreakdown.forEach((subtotal, i) => {
    rows.push({
      ...common(),
      DOCTYPE: DOCTYPE.general,
      DOCORDER: String(i + 2).padStart(3, '0'),
      ACCOUNTGL: lookupByVat(options.revenueAccounts, subtotal) ?? options.defaultRevenueAccount,
      COMMENT: `${document.number} ${rateKey(subtotal.vatRate)}% ${subtotal.vatCategory}`.slice(0, COMMENT_LENGTH),
      AMOUNTEUR: money(new Decimal(subtotal.taxableAmount).times(-sign)),
      VATBASE: money(new Decimal(0)),
      VATTAX: money(new Decimal(0)),
      VATIMPUT: codes[i]!,
    });
  });
  document.vatBreakdown.forEach((subtotal, i) => {
    const taxAmount = new Decimal(subtotal.taxAmount);
    const vatBase = new Decimal(subtotal.taxableAmount);
    // DOCTYPE 4 is the base of a 0 % VAT code (Tryton: a tax without rate), not any subtotal whose tax rounds to 0.
    const zero = new Decimal(subtotal.vatRate).isZero();
    rows.push({
      ...common(),
      DOCTYPE: zero ? DOCTYPE.vatZero : DOCTYPE.general,
      DOCORDER: 'VAT',
      ACCOUNTGL: zero ? '' : options.vatAccount,
      COMMENT: `${document.number} VAT ${rateKey(subtotal.vatRate)}% ${subtotal.vatCategory}`.slice(0, COMMENT_LENGTH),
      AMOUNTEUR: money(taxAmount.times(-sign)),
      VATBASE: money(credit ? vatBase.abs() : vatBase),
      VATCODE: codes[i]!,
      VATTAX: money(new Decimal(0)),
    });
  });
  return { documentId: document.id, journalCode, docNumber, customerNumber, rows };
}
