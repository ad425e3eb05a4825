import type { AccountingDocument, AccountingLine, VatCategory } from '@tollgate/plugin-sdk';
import { amount, cents, dec, plain, type Decimal } from './amounts.js';
import { UblDocumentInconsistentError } from './ubl.errors.js';

/** The letters EN 16931 uses in its rule ids per VAT category (BR-IC-08 is K's, BR-AF-08 is L's). */
const RULE_LETTERS: Record<VatCategory, string> = { S: 'S', Z: 'Z', E: 'E', AE: 'AE', K: 'IC', G: 'G', O: 'O', L: 'AF', M: 'AG' };

/**
 * VATEX codes for the categories that have exactly one meaning (CEF VATEX list): written next to the
 * reason text so BR-AE-10, BR-IC-10, BR-G-10 and BR-O-10 hold even when the source gives no text. E
 * has no single code: its reason text must come from the source (BR-E-10 refuses otherwise).
 */
export const EXEMPTION_CODES: Partial<Record<VatCategory, string>> = { AE: 'VATEX-EU-AE', K: 'VATEX-EU-IC', G: 'VATEX-EU-G', O: 'VATEX-EU-O' };

/** Categories whose breakdown carries no exemption reason (BR-S-10, BR-Z-10, BR-AF-10, BR-AG-10). */
const NO_REASON = new Set<VatCategory>(['S', 'Z', 'L', 'M']);

export interface TaxCategoryModel {
  category: VatCategory;
  /** Null for O: "not subject to VAT" carries no rate (BR-O-05). */
  percent: string | null;
  exemptionCode: string | null;
  exemptionReason: string | null;
}

export interface LineModel {
  id: string;
  note: string | null;
  quantity: string;
  unitCode: string;
  lineTotal: string;
  discount: string | null;
  name: string;
  price: string;
  tax: TaxCategoryModel;
}

export interface SubtotalModel {
  taxable: string;
  tax: string;
  category: TaxCategoryModel;
  /** The document-level allowance that falls on this category and rate (lines − taxable), null when none. */
  allowance: string | null;
}

/** The document checked and its numbers formatted: what the XML writer needs, nothing to compute. */
export interface DocumentModel {
  lines: LineModel[];
  subtotals: SubtotalModel[];
  totals: {
    lineExtension: string;
    taxExclusive: string;
    taxInclusive: string;
    allowances: string | null;
    prepaid: string | null;
    payable: string;
    tax: string;
  };
}

/** Text fit for XML 1.0 (no control characters), trimmed; null when nothing is left (PEPPOL-EN16931-R008: no empty elements). */
export const text = (value: string | null | undefined): string | null => {
  if (value === null || value === undefined) return null;
  // eslint-disable-next-line no-control-regex -- removing the characters XML 1.0 cannot carry is the point
  const cleaned = value.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '').trim();
  return cleaned === '' ? null : cleaned;
};

const inconsistent = (document: AccountingDocument, rule: string, message: string, details?: Record<string, unknown>): UblDocumentInconsistentError =>
  new UblDocumentInconsistentError({ rule, message, documentId: document.id, ...(details === undefined ? {} : { details }) });

const groupKey = (category: VatCategory, rate: Decimal): string => `${category}|${plain(rate)}`;

/**
 * Checks that the document adds up the way EN 16931 requires (each line, the lines to the totals, the
 * VAT breakdown to the lines and the totals) and formats every number. Throws
 * UblDocumentInconsistentError naming the rule; the Schematron still checks everything it writes.
 */
export const documentModel = (document: AccountingDocument): DocumentModel => {
  if (document.lines.length === 0) throw inconsistent(document, 'BR-16', 'The document has no lines.');
  const lineIds = new Set<string>();
  const lineSums = new Map<string, { sum: Decimal; lines: AccountingLine[] }>();
  let lineExtension = dec('0', 'zero');

  const lines = document.lines.map((line): LineModel => {
    const field = `line ${line.id}`;
    if (text(line.id) === null || lineIds.has(line.id))
      throw inconsistent(document, 'BR-21', `Line ids must be present and unique (${JSON.stringify(line.id)}).`);
    lineIds.add(line.id);
    const name = text(line.description);
    if (name === null) throw inconsistent(document, 'BR-25', `${field} has no description (the item name).`);
    const quantity = dec(line.quantity, `${field} quantity`);
    const price = dec(line.unitPrice, `${field} unitPrice`);
    const discount = dec(line.discount, `${field} discount`);
    const total = dec(line.lineTotal, `${field} lineTotal`);
    const rate = dec(line.vatRate, `${field} vatRate`);
    if (price.isNegative()) throw inconsistent(document, 'BR-27', `${field} has a negative unit price.`);
    if (discount.isNegative()) throw inconsistent(document, 'ubl-line-discount', `${field} has a negative discount.`);
    const expected = cents(quantity.times(price).minus(discount));
    if (!expected.equals(total)) {
      throw inconsistent(
        document,
        'PEPPOL-EN16931-R120',
        `${field}: ${plain(quantity)} × ${plain(price)} − ${plain(discount)} = ${expected.toFixed(2)}, not ${plain(total)}.`,
        {
          line: line.id,
        },
      );
    }
    const key = groupKey(line.vatCategory, rate);
    const group = lineSums.get(key) ?? { sum: dec('0', 'zero'), lines: [] };
    group.sum = group.sum.plus(total);
    group.lines.push(line);
    lineSums.set(key, group);
    lineExtension = lineExtension.plus(total);
    return {
      id: line.id,
      note: text(line.section),
      quantity: plain(quantity),
      unitCode: text(line.unitCode) ?? 'C62',
      lineTotal: amount(total, `${field} lineTotal`),
      discount: discount.isZero() ? null : amount(discount, `${field} discount`),
      name,
      price: plain(price),
      tax: {
        category: line.vatCategory,
        percent: line.vatCategory === 'O' ? null : plain(rate),
        exemptionCode: null,
        exemptionReason: null,
      },
    };
  });

  const totals = document.totals;
  const totalLines = dec(totals.lineExtension, 'totals.lineExtension');
  if (!totalLines.equals(lineExtension)) {
    throw inconsistent(document, 'BR-CO-10', `The lines add up to ${lineExtension.toFixed(2)}, the document says ${totals.lineExtension}.`);
  }
  const allowances = dec(totals.allowances, 'totals.allowances');
  const taxExclusive = dec(totals.taxExclusive, 'totals.taxExclusive');
  if (!taxExclusive.equals(totalLines.minus(allowances))) {
    throw inconsistent(document, 'BR-CO-13', `Total without VAT ${totals.taxExclusive} ≠ lines ${totals.lineExtension} − allowances ${totals.allowances}.`);
  }

  const seen = new Set<string>();
  let taxSum = dec('0', 'zero');
  let allowanceSum = dec('0', 'zero');
  const subtotals = document.vatBreakdown.map((row): SubtotalModel => {
    const rate = dec(row.vatRate, `VAT breakdown ${row.vatCategory} rate`);
    const key = groupKey(row.vatCategory, rate);
    const letters = RULE_LETTERS[row.vatCategory];
    if (seen.has(key)) throw inconsistent(document, `BR-${letters}-08`, `The VAT breakdown lists ${row.vatCategory} ${plain(rate)}% twice.`);
    seen.add(key);
    const group = lineSums.get(key);
    if (group === undefined) throw inconsistent(document, `BR-${letters}-08`, `The VAT breakdown has ${row.vatCategory} ${plain(rate)}% but no line does.`);
    const taxable = dec(row.taxableAmount, `VAT breakdown ${key} taxableAmount`);
    const tax = dec(row.taxAmount, `VAT breakdown ${key} taxAmount`);
    const allowance = group.sum.minus(taxable);
    if (allowance.isNegative()) {
      throw inconsistent(
        document,
        `BR-${letters}-08`,
        `${row.vatCategory} ${plain(rate)}%: taxable ${row.taxableAmount} is more than its lines (${group.sum.toFixed(2)}).`,
      );
    }
    taxSum = taxSum.plus(tax);
    allowanceSum = allowanceSum.plus(allowance);
    const reason = NO_REASON.has(row.vatCategory)
      ? null
      : (text(row.vatExemptionReason) ?? text(group.lines.find((l) => text(l.vatExemptionReason) !== null)?.vatExemptionReason));
    return {
      taxable: amount(taxable, `VAT breakdown ${key} taxableAmount`),
      tax: amount(tax, `VAT breakdown ${key} taxAmount`),
      allowance: allowance.isZero() ? null : amount(allowance, `VAT breakdown ${key} allowance`),
      category: {
        category: row.vatCategory,
        percent: row.vatCategory === 'O' ? null : plain(rate),
        exemptionCode: EXEMPTION_CODES[row.vatCategory] ?? null,
        exemptionReason: reason,
      },
    };
  });
  for (const [key, group] of lineSums) {
    if (!seen.has(key)) {
      const category = group.lines[0]!.vatCategory;
      throw inconsistent(document, `BR-${RULE_LETTERS[category]}-01`, `Lines have ${category} ${key.split('|')[1]}% but the VAT breakdown does not.`);
    }
  }
  if (!allowanceSum.equals(allowances)) {
    throw inconsistent(document, 'BR-CO-11', `The VAT breakdown implies ${allowanceSum.toFixed(2)} of allowances, the document says ${totals.allowances}.`);
  }
  const taxTotal = dec(totals.tax, 'totals.tax');
  if (!taxTotal.equals(taxSum)) throw inconsistent(document, 'BR-CO-14', `The VAT breakdown adds up to ${taxSum.toFixed(2)}, the document says ${totals.tax}.`);
  const taxInclusive = dec(totals.taxInclusive, 'totals.taxInclusive');
  if (!taxInclusive.equals(taxExclusive.plus(taxTotal))) {
    throw inconsistent(document, 'BR-CO-15', `Total with VAT ${totals.taxInclusive} ≠ ${totals.taxExclusive} + ${totals.tax}.`);
  }
  const prepaid = dec(totals.prepaid, 'totals.prepaid');
  const payable = dec(totals.payable, 'totals.payable');
  if (!payable.equals(taxInclusive.minus(prepaid))) {
    throw inconsistent(document, 'BR-CO-16', `Amount due ${totals.payable} ≠ ${totals.taxInclusive} − prepaid ${totals.prepaid}.`);
  }

  return {
    lines,
    subtotals,
    totals: {
      lineExtension: amount(totalLines, 'totals.lineExtension'),
      taxExclusive: amount(taxExclusive, 'totals.taxExclusive'),
      taxInclusive: amount(taxInclusive, 'totals.taxInclusive'),
      allowances: allowances.isZero() ? null : amount(allowances, 'totals.allowances'),
      prepaid: prepaid.isZero() ? null : amount(prepaid, 'totals.prepaid'),
      payable: amount(payable, 'totals.payable'),
      tax: amount(taxTotal, 'totals.tax'),
    },
  };
};
