import type { ReadResult } from '@tollgate/document-reader';
import { findDate } from './date-finder.js';
import { layoutOf } from './document-layout.js';
import type { ExpenseFields, ExtractedExpense, ExtractedField } from './expense-fields.types.js';
import { findInvoiceNumber } from './invoice-number-finder.js';
import { guessLanguage } from './language-guess.js';
import { findBuyerRegions, findIban, findSupplierName, findSupplierVatNumber } from './party-finder.js';
import { findTotals } from './totals-finder.js';

/** Confidences are scores (0–1) rounded to two decimals; see the README for what they mean. */
function rounded<T>(field: ExtractedField<T> | null): ExtractedField<T> | null {
  if (!field) return null;
  return { ...field, confidence: Math.round(Math.min(1, Math.max(0, field.confidence)) * 100) / 100 };
}

/**
 * The fields of an expense (supplier, VAT number, date, currency, totals, VAT per rate, invoice
 * number, IBAN) in what a document reader read, each with a confidence and where it was read.
 */
export function extractExpenseFields({ read }: { read: ReadResult }): ExtractedExpense {
  const layout = layoutOf(read);
  const regions = findBuyerRegions({ layout });
  const vat = findSupplierVatNumber({ layout, regions });
  const totals = findTotals({ layout });
  const fields: ExpenseFields = {
    supplierName: rounded(findSupplierName({ layout, regions, vat: vat.row && vat.field?.source ? { row: vat.row, box: vat.field.source.box } : null })),
    supplierVatNumber: rounded(vat.field),
    date: rounded(findDate({ layout })),
    currency: rounded(totals.currency),
    totalInclVat: rounded(totals.totalInclVat),
    vatAmounts: rounded(totals.vatAmounts),
    totalExclVat: rounded(totals.totalExclVat),
    invoiceNumber: rounded(findInvoiceNumber({ layout })),
    iban: rounded(findIban({ layout, regions })),
  };
  return { fields, language: guessLanguage({ layout }) };
}
