import type { ExpenseFields } from '@tollgate/expense-fields';
import { describe, expect, it } from 'vitest';
import { correctionPatch } from './expense-corrections.js';
import { checkFieldValue, fieldViews, isIsoDate, normaliseAmount, reviewOf } from './field-rules.js';

const source = { page: 1, box: { x0: 0, y0: 0, x1: 10, y1: 10 }, text: 'x' };
const scanned = (patch: Partial<ExpenseFields>): ExpenseFields => ({
  supplierName: { value: 'Bakkerij Janssens BV', confidence: 0.95, source },
  supplierVatNumber: { value: 'BE0734874473', confidence: 0.9, source },
  date: { value: '2025-07-27', confidence: 0.85, source },
  currency: { value: 'EUR', confidence: 0.6, source: null },
  totalInclVat: { value: '12.93', confidence: 0.97, source },
  vatAmounts: { value: [{ rate: '6', base: '6.38', amount: '0.38' }], confidence: 0.9, source },
  totalExclVat: { value: '11.48', confidence: 0.9, source },
  invoiceNumber: null,
  iban: null,
  ...patch,
});
const REQUIRED = ['supplierName', 'date', 'totalInclVat'] as const;

describe('field views and review', () => {
  it('at or above the threshold a field is filled and booked; below it only a suggestion, never booked', () => {
    const views = fieldViews({ fields: scanned({}), corrections: {}, threshold: 0.7 });
    expect(views.totalInclVat).toMatchObject({ state: 'filled', value: '12.93', scanned: { value: '12.93', confidence: 0.97, filled: true }, corrected: null });
    expect(views.currency).toMatchObject({ state: 'suggestion', value: null, scanned: { value: 'EUR', confidence: 0.6, filled: false } });
    expect(views.invoiceNumber).toEqual({ state: 'missing', value: null, scanned: null, corrected: null });
    // The threshold is inclusive, and an option: 0.9 turns the 0.85 date into a suggestion.
    expect(fieldViews({ fields: scanned({ date: { value: '2025-07-27', confidence: 0.7, source } }), corrections: {}, threshold: 0.7 }).date.state).toBe(
      'filled',
    );
    expect(fieldViews({ fields: scanned({}), corrections: {}, threshold: 0.9 }).date.state).toBe('suggestion');
  });

  it('a correction is kept apart from what the scan read and is the value booked', () => {
    const views = fieldViews({ fields: scanned({}), corrections: { totalInclVat: '13.93', currency: 'EUR' }, threshold: 0.7 });
    expect(views.totalInclVat).toMatchObject({ state: 'corrected', value: '13.93', scanned: { value: '12.93' }, corrected: '13.93' });
    expect(views.currency).toMatchObject({ state: 'corrected', value: 'EUR', scanned: { value: 'EUR', filled: false } });
  });

  it('a confident but invalid scanned value is a suggestion, not filled', () => {
    const views = fieldViews({ fields: scanned({ date: { value: '2025-02-30', confidence: 0.99, source } }), corrections: {}, threshold: 0.7 });
    expect(views.date).toMatchObject({ state: 'suggestion', value: null, scanned: { valid: false, filled: false } });
  });

  it('needs review: a required field neither filled nor corrected; a correction settles it', () => {
    const ok = fieldViews({ fields: scanned({}), corrections: {}, threshold: 0.7 });
    expect(reviewOf({ views: ok, required: REQUIRED })).toEqual({ needsReview: false, missing: [] });
    const lowTotal = scanned({ totalInclVat: { value: '12.93', confidence: 0.5, source }, supplierName: null });
    const views = fieldViews({ fields: lowTotal, corrections: {}, threshold: 0.7 });
    expect(reviewOf({ views, required: REQUIRED })).toEqual({ needsReview: true, missing: ['supplierName', 'totalInclVat'] });
    const corrected = fieldViews({ fields: lowTotal, corrections: { supplierName: 'Bakkerij Janssens BV', totalInclVat: '12.93' }, threshold: 0.7 });
    expect(reviewOf({ views: corrected, required: REQUIRED })).toEqual({ needsReview: false, missing: [] });
    // Not a required field: a missing IBAN never needs review.
    expect(reviewOf({ views: corrected, required: ['iban'] })).toEqual({ needsReview: true, missing: ['iban'] });
  });
});

describe('field values', () => {
  it('amounts are decimal strings with at most 2 decimals, normalised to 2 (no floats)', () => {
    expect(checkFieldValue('totalInclVat', '106')).toEqual({ ok: true, value: '106.00' });
    expect(checkFieldValue('totalInclVat', '0.1')).toEqual({ ok: true, value: '0.10' });
    expect(checkFieldValue('totalExclVat', '-5.25')).toEqual({ ok: true, value: '-5.25' });
    for (const bad of ['106,00', '1.234', '1e3', '', ' 1.00', '01.00', 106]) expect(checkFieldValue('totalInclVat', bad).ok, String(bad)).toBe(false);
    expect(normaliseAmount('12')).toBe('12.00');
  });

  it('dates are ISO days that exist', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2025-02-29')).toBe(false);
    expect(isIsoDate('2100-02-29')).toBe(false);
    expect(isIsoDate('2000-02-29')).toBe(true);
    for (const bad of ['27/07/2025', '2025-7-27', '2025-13-01', '2025-04-31', '2025-07-27T00:00:00Z']) expect(isIsoDate(bad), bad).toBe(false);
  });

  it('VAT numbers and IBANs need their check digits, and are normalised', () => {
    expect(checkFieldValue('supplierVatNumber', 'BE 0200.065.765')).toEqual({ ok: true, value: 'BE0200065765' });
    expect(checkFieldValue('supplierVatNumber', 'BE0200065766').ok).toBe(false);
    expect(checkFieldValue('supplierVatNumber', 'GB123456789').ok).toBe(false);
    expect(checkFieldValue('iban', 'BE68 5390 0754 7034')).toEqual({ ok: true, value: 'BE68539007547034' });
    expect(checkFieldValue('iban', 'BE68539007547035').ok).toBe(false);
    expect(checkFieldValue('currency', 'eur')).toEqual({ ok: true, value: 'EUR' });
    expect(checkFieldValue('currency', 'EURO').ok).toBe(false);
  });
});

describe('correction patch (PATCH /expenses/:id)', () => {
  it('normalises each value, and null drops a correction', () => {
    const parsed = correctionPatch.parse({
      fields: { totalInclVat: '106', supplierVatNumber: 'be0200.065.765', iban: null, vatAmounts: [{ rate: '21', base: '87.6', amount: '18.40' }] },
    });
    expect(parsed).toEqual({
      totalInclVat: '106.00',
      supplierVatNumber: 'BE0200065765',
      iban: null,
      vatAmounts: [{ rate: '21', base: '87.60', amount: '18.40' }],
    });
  });

  it('refuses every bad field at once, with its path; and an empty or unknown patch', () => {
    const result = correctionPatch.safeParse({ fields: { totalInclVat: '1,00', date: '31/12/2025', supplierVatNumber: 'BE0200065766', iban: 'BE00' } });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((issue) => issue.path.join('.'));
    expect(paths.sort()).toEqual(['fields.date', 'fields.iban', 'fields.supplierVatNumber', 'fields.totalInclVat']);
    expect(correctionPatch.safeParse({ fields: {} }).success).toBe(false);
    expect(correctionPatch.safeParse({ fields: { total: '1.00' } }).success).toBe(false);
    expect(correctionPatch.safeParse({ fields: { vatAmounts: [{ rate: 'abc', base: null, amount: '1.00' }] } }).success).toBe(false);
  });
});
