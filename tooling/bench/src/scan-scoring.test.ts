import type { ExpenseFields, ExtractedField } from '@tollgate/expense-fields';
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  addScores,
  emptyAccuracy,
  fieldsUnderTarget,
  normaliseField,
  parseTruth,
  scoreDocument,
  UnknownDocumentKindError,
  verdict,
  type TruthDocument,
} from './scan-scoring.js';

const truth: TruthDocument = {
  file: 'be-nl-receipt-01.pdf',
  kind: 'text-pdf',
  contentType: 'application/pdf',
  fields: {
    supplierName: 'Bakkerij Janssens BV',
    supplierVatNumber: 'BE0734874473',
    date: '2025-07-27',
    currency: 'EUR',
    totalInclVat: '12.93',
    vatAmounts: [
      { rate: '21', base: '5.10', amount: '1.07' },
      { rate: '6', base: '6.38', amount: '0.38' },
    ],
    totalExclVat: '11.48',
    invoiceNumber: null,
    iban: null,
  },
};

const field = <T>(value: T, confidence = 0.95): ExtractedField<T> => ({ value, confidence, source: null });

/** Every field as the truth has it, at a confidence of 0.95. */
function perfect(): ExpenseFields {
  return {
    supplierName: field('Bakkerij  janssens BV'),
    supplierVatNumber: field('BE0734874473'),
    date: field('2025-07-27'),
    currency: field('EUR'),
    totalInclVat: field('12.93'),
    vatAmounts: field([
      { rate: '6', base: '6.38', amount: '0.38' },
      { rate: '21', base: '5.10', amount: '1.07' },
    ]),
    totalExclVat: field('11.48'),
    invoiceNumber: null,
    iban: null,
  };
}

describe('scan scoring', () => {
  it('counts every field right when the scan matches the truth (names by case and spaces, VAT lines in any order)', () => {
    const scores = scoreDocument({ truth, fields: perfect() });
    expect(scores.filter((s) => !s.right)).toEqual([]);
    expect(scores.filter((s) => s.present).map((s) => s.name)).toEqual([
      'supplierName',
      'supplierVatNumber',
      'date',
      'currency',
      'totalInclVat',
      'vatAmounts',
      'totalExclVat',
    ]);
  });

  it('counts a right value under the threshold as not filled: wrong where the truth has a value', () => {
    const fields = { ...perfect(), totalInclVat: field('12.93', 0.69) };
    const score = scoreDocument({ truth, fields }).find((s) => s.name === 'totalInclVat')!;
    expect(score).toMatchObject({ filled: 'null', found: '12.93', right: false, confidence: 0.69 });
    expect(scoreDocument({ truth, fields: { ...perfect(), totalInclVat: field('12.93', 0.7) } }).find((s) => s.name === 'totalInclVat')!.right).toBe(true);
  });

  it('counts a wrong value under the threshold as right where the truth has none (it stays a suggestion)', () => {
    const score = scoreDocument({ truth, fields: { ...perfect(), iban: field('BE68539007547034', 0.4) } }).find((s) => s.name === 'iban')!;
    expect(score).toMatchObject({ right: true, present: false });
    expect(scoreDocument({ truth, fields: { ...perfect(), iban: field('BE68539007547034', 0.9) } }).find((s) => s.name === 'iban')!.right).toBe(false);
  });

  it('scores a failed read as nothing filled', () => {
    const scores = scoreDocument({ truth, fields: null });
    expect(scores.filter((s) => s.right).map((s) => s.name)).toEqual(['invoiceNumber', 'iban']);
  });

  it('a VAT line with another base is wrong', () => {
    expect(normaliseField({ name: 'vatAmounts', value: [{ rate: '21', base: null, amount: '1.07' }] })).toBe('21:-:1.07');
    const fields = { ...perfect(), vatAmounts: field([{ rate: '21', base: '5.11', amount: '1.07' }]) };
    expect(scoreDocument({ truth, fields }).find((s) => s.name === 'vatAmounts')!.right).toBe(false);
  });

  it('tallies per kind and field, all fields and present fields apart, and the precision of filled fields', () => {
    const table = emptyAccuracy();
    addScores({ table, kind: 'text-pdf', scores: scoreDocument({ truth, fields: perfect() }) });
    addScores({ table, kind: 'text-pdf', scores: scoreDocument({ truth, fields: { ...perfect(), date: field('2025-07-28'), currency: field('EUR', 0.5) } }) });
    expect(accuracy(table.all.get('text-pdf|*'))).toBe(16 / 18);
    expect(accuracy(table.present.get('text-pdf|*'))).toBe(12 / 14);
    expect(table.all.get('text-pdf|date')).toEqual({ right: 1, total: 2 });
    expect(table.all.get('*|*')).toEqual({ right: 16, total: 18 });
    expect(table.filled).toEqual({ right: 12, total: 13 });
    expect(table.suggested).toEqual({ right: 1, total: 1 });
    expect(accuracy(table.all.get('clean-image|*'))).toBeNull();
    expect(fieldsUnderTarget({ table, kind: 'text-pdf' })).toEqual([
      { name: 'date', accuracy: 0.5 },
      { name: 'currency', accuracy: 0.5 },
    ]);
  });

  it('passes at the target, fails under it, and has no verdict without a target', () => {
    expect(verdict({ accuracy: 0.98, target: 0.98 })).toBe('PASS');
    expect(verdict({ accuracy: 0.979, target: 0.98 })).toBe('FAIL');
    expect(verdict({ accuracy: 0.5, target: null })).toBe('—');
    expect(verdict({ accuracy: null, target: 0.7 })).toBe('—');
  });

  it('refuses a truth file with a kind it has no target for', () => {
    expect(() => parseTruth({ json: { documents: [{ ...truth, kind: 'fax' }] } })).toThrow(UnknownDocumentKindError);
    expect(parseTruth({ json: { documents: [truth] } })).toHaveLength(1);
  });
});
