import { checkVatNumber, type ExpenseFields, type ExtractedField, type VatBreakdown } from '@tollgate/expense-fields';
import { electronicFormatIBAN, isValidIBAN } from 'ibantools';
import { EXPENSE_FIELDS, type ExpenseField } from './options.js';

/** A field's value as the API shows and takes it: strings, and VAT per rate as rows of strings. */
export type FieldValue = string | VatBreakdown[];
export type Corrections = Partial<Record<ExpenseField, FieldValue>>;

/**
 * How a field stands on an expense:
 * - `filled`: the scan read it with a confidence at or above the threshold (and it is valid);
 * - `suggestion`: the scan read something below the threshold (or invalid): shown, never used;
 * - `corrected`: the user's correction, whatever the scan read;
 * - `missing`: nothing read, nothing corrected.
 */
export type FieldState = 'filled' | 'suggestion' | 'corrected' | 'missing';

export interface FieldView {
  state: FieldState;
  /** The value to book: the correction, else a filled scan value, else null (a suggestion is never used). */
  value: FieldValue | null;
  /** What the scan read, kept apart from the correction. */
  scanned: { value: FieldValue; confidence: number; filled: boolean; valid: boolean; source: ExtractedField<unknown>['source'] } | null;
  corrected: FieldValue | null;
}

const AMOUNT = /^-?(0|[1-9]\d{0,11})(\.\d{1,2})?$/;
const RATE = /^(0|[1-9]\d?)(\.\d{1,2})?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const CURRENCY = /^[A-Z]{3}$/;

/** "12.5" → "12.50": amounts carry two decimals, as strings (never a float). */
export function normaliseAmount(value: string): string {
  const [whole, decimals = ''] = value.split('.');
  return `${whole}.${decimals.padEnd(2, '0')}`;
}

/** A calendar date that exists (2026-02-30 does not), compared field by field, not through a float. */
export function isIsoDate(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1) return false;
  const days = [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= days;
}

export function isAmount(value: unknown): value is string {
  return typeof value === 'string' && AMOUNT.test(value);
}

/**
 * Checks and normalises a value for a field, the same rules for a correction and a scanned value:
 * amounts as decimal strings with at most 2 decimals, ISO dates, ISO 4217 currencies, VAT numbers
 * with their check digits (BE/NL/DE/FR/LU), IBANs with theirs. Answers the problem in words or the value.
 */
export function checkFieldValue(field: ExpenseField, value: unknown): { ok: true; value: FieldValue } | { ok: false; problem: string } {
  const bad = (problem: string) => ({ ok: false as const, problem });
  switch (field) {
    case 'supplierName':
    case 'invoiceNumber': {
      if (typeof value !== 'string') return bad('must be a string');
      const text = value.trim().replace(/\s+/g, ' ');
      if (text.length < 1 || text.length > 200) return bad('must be 1 to 200 characters');
      return { ok: true, value: text };
    }
    case 'supplierVatNumber': {
      if (typeof value !== 'string') return bad('must be a string');
      const check = checkVatNumber({ value });
      return check.valid && check.normalised ? { ok: true, value: check.normalised } : bad('is not a valid BE, NL, DE, FR or LU VAT number (check digits)');
    }
    case 'date':
      return typeof value === 'string' && isIsoDate(value) ? { ok: true, value } : bad('must be a date as yyyy-mm-dd');
    case 'currency': {
      const code = typeof value === 'string' ? value.trim().toUpperCase() : '';
      return CURRENCY.test(code) ? { ok: true, value: code } : bad('must be an ISO 4217 currency code such as "EUR"');
    }
    case 'totalInclVat':
    case 'totalExclVat':
      return isAmount(value)
        ? { ok: true, value: normaliseAmount(value) }
        : bad('must be an amount as a decimal string with at most 2 decimals, e.g. "106.00"');
    case 'iban': {
      const electronic = typeof value === 'string' ? electronicFormatIBAN(value) : null;
      return electronic && isValidIBAN(electronic) ? { ok: true, value: electronic } : bad('is not a valid IBAN (check digits)');
    }
    case 'vatAmounts': {
      if (!Array.isArray(value) || value.length < 1 || value.length > 10) return bad('must be 1 to 10 rows of { rate, base, amount }');
      const rows: VatBreakdown[] = [];
      for (const row of value as Array<Record<string, unknown>>) {
        if (typeof row !== 'object' || row === null) return bad('each row must be { rate, base, amount }');
        if (typeof row.rate !== 'string' || !RATE.test(row.rate)) return bad('rate must be a percentage as a decimal string, e.g. "21" or "5.5"');
        if (!isAmount(row.amount)) return bad('amount must be a decimal string with at most 2 decimals');
        if (row.base !== null && row.base !== undefined && !isAmount(row.base)) return bad('base must be a decimal string with at most 2 decimals, or null');
        rows.push({ rate: row.rate, base: isAmount(row.base) ? normaliseAmount(row.base) : null, amount: normaliseAmount(row.amount) });
      }
      return { ok: true, value: rows };
    }
  }
}

/** Each field as the API shows it, from what the scan read and the corrections, with the threshold. */
export function fieldViews(input: { fields: ExpenseFields | null; corrections: Corrections; threshold: number }): Record<ExpenseField, FieldView> {
  const views = {} as Record<ExpenseField, FieldView>;
  for (const field of EXPENSE_FIELDS) {
    const read = input.fields?.[field] ?? null;
    const corrected = input.corrections[field] ?? null;
    let scanned: FieldView['scanned'] = null;
    if (read) {
      const checked = checkFieldValue(field, read.value);
      const valid = checked.ok;
      scanned = {
        value: checked.ok ? checked.value : (read.value as FieldValue),
        confidence: read.confidence,
        filled: valid && read.confidence >= input.threshold,
        valid,
        source: read.source,
      };
    }
    const state: FieldState = corrected !== null ? 'corrected' : scanned?.filled ? 'filled' : scanned ? 'suggestion' : 'missing';
    views[field] = { state, value: corrected ?? (scanned?.filled ? scanned.value : null), scanned, corrected };
  }
  return views;
}

/**
 * needs_review: a scanned expense with a required field that has no value to book (not filled by a
 * confident, valid read and not corrected). Expenses never scanned are "not scanned", not this.
 */
export function reviewOf(input: { views: Record<ExpenseField, FieldView>; required: readonly ExpenseField[] }): {
  needsReview: boolean;
  missing: ExpenseField[];
} {
  const missing = input.required.filter((field) => input.views[field].value === null);
  return { needsReview: missing.length > 0, missing };
}
