import { Decimal } from 'decimal.js';
import type { AccountingDocument, AccountingVatSubtotal, ExportRefusal } from '@tollgate/plugin-sdk';
import type { create } from 'xmlbuilder2';
import type { TwinfieldTargetOptions } from './target-options.js';
import { lookupByVat, rateKey } from './vat-keys.js';

type Side = 'debit' | 'credit';
type XMLBuilder = ReturnType<typeof create>;

/** A Twinfield transaction line before it is written: amounts positive, the side says which way. */
export interface TwinfieldLine {
  type: 'total' | 'detail';
  dim1: string;
  dim2?: string;
  debitcredit: Side;
  value: string;
  vattotal?: string;
  vatvalue?: string;
  description: string;
  vatcode?: string;
  performance?: { type: 'services' | 'goods'; country: string; vatNumber: string | null; date: string };
}

export interface TwinfieldTransaction {
  documentId: string;
  destiny: 'temporary' | 'final';
  header: {
    office: string;
    code: string;
    period: string;
    currency: string;
    date: string;
    duedate: string | null;
    invoicenumber: string;
    paymentreference: string | null;
  };
  lines: TwinfieldLine[];
}

/** Twinfield dates are yyyymmdd (developers.twinfield.com; php-twinfield's request examples). */
export const twinfieldDate = (isoDate: string): string => isoDate.replaceAll('-', '');
const money = (value: Decimal): string => value.abs().toFixed(2);
const opposite = (side: Side): Side => (side === 'debit' ? 'credit' : 'debit');
/** Categories Twinfield reports on the ICP declaration (its ICT VAT codes): intra-community reverse charge and supplies. */
const INTRA_COMMUNITY = new Set(['AE', 'K']);

function refuse(document: AccountingDocument, rule: string, message: string): ExportRefusal {
  return { documentId: document.id, rule, message: `${document.number}: ${message}` };
}

/** 'YYYY/PP': the financial year (by its start) and the period's number in it. */
export function twinfieldPeriod(isoDate: string, startMonth: number): string {
  const year = Number(isoDate.slice(0, 4));
  const month = Number(isoDate.slice(5, 7));
  const startYear = month >= startMonth ? year : year - 1;
  return `${startYear}/${String(((month - startMonth + 12) % 12) + 1).padStart(2, '0')}`;
}

function subtotalDescription(document: AccountingDocument, subtotal: AccountingVatSubtotal): string {
  const lines = document.lines.filter((l) => l.vatCategory === subtotal.vatCategory && new Decimal(l.vatRate).eq(subtotal.vatRate)).map((l) => l.description);
  return (lines.length > 0 ? lines.join(', ') : `${rateKey(subtotal.vatRate)}% ${subtotal.vatCategory}`).slice(0, 40);
}

/**
 * One document as a sales transaction, or the rule it breaks. The total line books the amount due on
 * the debtors account for the customer (dim2), debit for an invoice and credit for a credit note,
 * with the VAT total; one detail line per VAT subtotal books the base on a revenue account on the
 * other side, with its VAT code and VAT amount (Twinfield derives the VAT lines from them). Debit =
 * credit: total = Σ detail values + Σ their VAT.
 */
export function twinfieldTransaction(document: AccountingDocument, options: TwinfieldTargetOptions): TwinfieldTransaction | ExportRefusal {
  const sourceId = document.buyer.sourceId ?? null;
  const customer = sourceId === null ? null : (options.customerCodes[sourceId] ?? (/^[0-9A-Za-z._-]{1,16}$/.test(sourceId) ? sourceId : null));
  if (customer === null)
    return refuse(
      document,
      'twinfield-customer-code-missing',
      // Twinfield does not create customers (debtors): say exactly which entry the target needs.
      sourceId === null
        ? `the buyer "${document.buyer.name}" has no customer id at the source, so no customerCodes entry can name it; give the customer an id at the source and map it`
        : `the buyer "${document.buyer.name}" has no Twinfield customer code: its id "${sourceId}" is not one (letters, digits, . _ -, at most 16) and customerCodes has no entry for it; create the debtor in Twinfield and set customerCodes { "${sourceId}": "<its Twinfield debtor code>" } on the export target`,
    );
  if (document.vatBreakdown.length === 0) return refuse(document, 'twinfield-vat-breakdown-missing', 'the document has no VAT breakdown');
  const codes: string[] = [];
  for (const subtotal of document.vatBreakdown) {
    const code = lookupByVat(options.vatCodes, subtotal);
    const label = `${subtotal.vatCategory}:${rateKey(subtotal.vatRate)}`;
    if (code === undefined) return refuse(document, 'twinfield-vat-code-missing', `no Twinfield VAT code is mapped for VAT ${label} (vatCodes "${label}")`);
    codes.push(code);
  }
  const base = document.vatBreakdown.reduce((sum, s) => sum.plus(s.taxableAmount), new Decimal(0));
  const tax = document.vatBreakdown.reduce((sum, s) => sum.plus(s.taxAmount), new Decimal(0));
  const total = new Decimal(document.totals.taxInclusive);
  if (!base.eq(document.totals.taxExclusive) || !tax.eq(document.totals.tax) || !base.plus(tax).eq(total))
    return refuse(
      document,
      'twinfield-totals-inconsistent',
      `the VAT breakdown (${base.toFixed(2)} + ${tax.toFixed(2)}) does not add up to the totals (${document.totals.taxExclusive} + ${document.totals.tax} = ${document.totals.taxInclusive}); the transaction would not balance`,
    );

  const customerSide: Side = document.kind === 'invoice' ? 'debit' : 'credit';
  const sideOf = (amount: Decimal, normal: Side): Side => (amount.isNegative() ? opposite(normal) : normal);
  const lines: TwinfieldLine[] = [
    {
      type: 'total',
      dim1: options.debtorsAccount,
      dim2: customer,
      debitcredit: sideOf(total, customerSide),
      value: money(total),
      vattotal: money(tax),
      description: `${document.number} ${document.buyer.name}`.slice(0, 40),
    },
  ];
  document.vatBreakdown.forEach((subtotal, i) => {
    const amount = new Decimal(subtotal.taxableAmount);
    const intra = INTRA_COMMUNITY.has(subtotal.vatCategory);
    lines.push({
      type: 'detail',
      dim1: lookupByVat(options.revenueAccounts, subtotal) ?? options.defaultRevenueAccount,
      debitcredit: sideOf(amount, opposite(customerSide)),
      value: money(amount),
      vatvalue: money(new Decimal(subtotal.taxAmount)),
      description: subtotalDescription(document, subtotal),
      vatcode: codes[i]!,
      ...(intra
        ? {
            performance: {
              type: options.performanceType,
              country: document.buyer.address.country,
              vatNumber: document.buyer.vatNumber ?? null,
              date: twinfieldDate(document.issuedOn),
            },
          }
        : {}),
    });
  });
  return {
    documentId: document.id,
    destiny: options.destiny,
    header: {
      office: options.office,
      code: options.dayBook,
      period: twinfieldPeriod(document.issuedOn, options.financialYearStartMonth),
      currency: document.currency,
      date: twinfieldDate(document.issuedOn),
      duedate: document.dueOn ? twinfieldDate(document.dueOn) : null,
      invoicenumber: document.number,
      paymentreference: document.payment.reference ?? null,
    },
    lines,
  };
}

/** Appends one transaction, elements in the order Twinfield's documented request examples use. */
export function appendTransaction(parent: XMLBuilder, tx: TwinfieldTransaction): void {
  const transaction = parent.ele('transaction', { destiny: tx.destiny });
  const header = transaction.ele('header');
  header.ele('office').txt(tx.header.office);
  header.ele('code').txt(tx.header.code);
  header.ele('period').txt(tx.header.period);
  header.ele('currency').txt(tx.header.currency);
  header.ele('date').txt(tx.header.date);
  if (tx.header.duedate) header.ele('duedate').txt(tx.header.duedate);
  header.ele('invoicenumber').txt(tx.header.invoicenumber);
  if (tx.header.paymentreference) header.ele('paymentreference').txt(tx.header.paymentreference);
  const lines = transaction.ele('lines');
  tx.lines.forEach((line, i) => {
    const el = lines.ele('line', { type: line.type, id: String(i + 1) });
    el.ele('dim1').txt(line.dim1);
    if (line.dim2) el.ele('dim2').txt(line.dim2);
    el.ele('debitcredit').txt(line.debitcredit);
    el.ele('value').txt(line.value);
    if (line.performance) {
      el.ele('performancetype').txt(line.performance.type);
      el.ele('performancecountry').txt(line.performance.country);
      if (line.performance.vatNumber) el.ele('performancevatnumber').txt(line.performance.vatNumber);
      // Twinfield needs the date of a service on an ICT VAT code (php-twinfield PerformanceFields); the invoice date stands for it.
      if (line.performance.type === 'services') el.ele('performancedate').txt(line.performance.date);
    }
    if (line.vattotal !== undefined) el.ele('vattotal').txt(line.vattotal);
    if (line.vatvalue !== undefined) el.ele('vatvalue').txt(line.vatvalue);
    el.ele('description').txt(line.description);
    if (line.vatcode) el.ele('vatcode').txt(line.vatcode);
  });
}
