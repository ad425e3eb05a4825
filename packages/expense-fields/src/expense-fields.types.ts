import type { Box } from '@tollgate/document-reader';

/** Where a value was read: the page and box of the words it came from, and their text. */
export interface FieldSource {
  page: number;
  box: Box;
  text: string;
}

/**
 * A value found in the text with how sure the finder is (0–1). The confidence is a score, not a
 * calibrated probability: a consumer compares it with a threshold and shows a low one as a suggestion.
 */
export interface ExtractedField<T> {
  value: T;
  confidence: number;
  source: FieldSource | null;
}

/** One VAT rate of the document: the rate in percent ("21", "5.5"), its base and its VAT, as decimal strings. */
export interface VatBreakdown {
  rate: string;
  base: string | null;
  amount: string;
}

export type ExpenseLanguage = 'nl' | 'fr' | 'en' | 'de';

/** Every field an expense scan fills; null when not found. Amounts are decimal strings ("1234.56"). */
export interface ExpenseFields {
  supplierName: ExtractedField<string> | null;
  /** Normalised, country prefix and digits only ("BE0123456749"), and only when its check digits are right. */
  supplierVatNumber: ExtractedField<string> | null;
  /** ISO date (yyyy-mm-dd) of the invoice or receipt. */
  date: ExtractedField<string> | null;
  /** ISO 4217 ("EUR"). */
  currency: ExtractedField<string> | null;
  totalInclVat: ExtractedField<string> | null;
  /** VAT per rate. */
  vatAmounts: ExtractedField<VatBreakdown[]> | null;
  totalExclVat: ExtractedField<string> | null;
  invoiceNumber: ExtractedField<string> | null;
  /** Electronic format, no spaces ("BE68539007547034"), only when its check digits are right. */
  iban: ExtractedField<string> | null;
}

export const EXPENSE_FIELD_NAMES = [
  'supplierName',
  'supplierVatNumber',
  'date',
  'currency',
  'totalInclVat',
  'vatAmounts',
  'totalExclVat',
  'invoiceNumber',
  'iban',
] as const satisfies readonly (keyof ExpenseFields)[];
export type ExpenseFieldName = (typeof EXPENSE_FIELD_NAMES)[number];

export interface ExtractedExpense {
  fields: ExpenseFields;
  /** The document's language as guessed from its words; null when unclear. */
  language: ExpenseLanguage | null;
}
