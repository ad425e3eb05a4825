import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import type { ExtractedField, FieldSource, VatBreakdown } from './expense-fields.types.js';
import { crossCheckTotals, type ChosenTotals, type ItemTotals, type ReadAmount, type ReadVatLine } from './totals-cross-check.js';
import { lineAddsUp, vatOf } from './vat-arithmetic.js';

const THRESHOLD = 0.7;
const at = (text: string): FieldSource => ({ page: 1, box: { x0: 0, y0: 0, x1: 10, y1: 10 }, text });
const read = (value: string, ocr = 0.9): ReadAmount => ({ value: new Decimal(value), ocr, source: at(value) });
const field = <T>(value: T, confidence: number, source: FieldSource | null = at(String(value))): ExtractedField<T> => ({ value, confidence, source });
const items = (entries: [string, string][], ocr = 0.9): ItemTotals => new Map(entries.map(([rate, sum]) => [rate, { sum: new Decimal(sum), ocr }]));
const line = (rate: string, base: string, amount: string, ocr = 0.9): ReadVatLine => ({ rate, base: new Decimal(base), amount: new Decimal(amount), ocr });

// Items 7 %: 260.20, 19 %: 266.66; VAT 18.21 + 50.67 = 68.88; excl. 526.86; incl. 595.74.
const BREAKDOWN: VatBreakdown[] = [
  { rate: '7', base: '260.20', amount: '18.21' },
  { rate: '19', base: '266.66', amount: '50.67' },
];
const chosen = (overrides: Partial<ChosenTotals> = {}): ChosenTotals => ({
  incl: field('595.74', 0.5),
  inclOcr: 0.9,
  excl: field('526.86', 0.5),
  exclOcr: 0.9,
  vat: field(BREAKDOWN, 0.5),
  ...overrides,
});
const base = {
  exclReads: [read('526.86')],
  vatTotal: read('68.88'),
  readLines: [line('7', '260.20', '18.21'), line('19', '266.66', '50.67')],
  items: items([
    ['7', '260.20'],
    ['19', '266.66'],
  ]),
  amounts: [read('526.86'), read('68.88'), read('595.74')],
};

describe('vat-arithmetic', () => {
  it('rounds a line VAT half-up to the cent and allows one cent either way', () => {
    expect(vatOf(new Decimal('0.50'), '21').toFixed(2)).toBe('0.11'); // 0.105: half-up, not half-even
    expect(lineAddsUp({ rate: '21', base: new Decimal('0.50'), amount: new Decimal('0.10') })).toBe(true);
    expect(lineAddsUp({ rate: '21', base: new Decimal('0.50'), amount: new Decimal('0.12') })).toBe(true);
    expect(lineAddsUp({ rate: '21', base: new Decimal('0.50'), amount: new Decimal('0.13') })).toBe(false);
    expect(lineAddsUp({ rate: '5.5', base: new Decimal('868.53'), amount: new Decimal('47.77') })).toBe(true);
  });
});

describe('crossCheckTotals', () => {
  it('raises every total when lines, bases, VAT total and incl. all agree (two reads confirm each)', () => {
    const out = crossCheckTotals({ chosen: chosen(), ...base });
    expect(out.incl!.confidence).toBeCloseTo(0.81);
    expect(out.excl!.confidence).toBeCloseTo(0.81);
    expect(out.vat!.confidence).toBeCloseTo(0.81);
  });

  it('raises a total read in doubt that the excl. total (confirmed by the item lines) + the VAT total add up to', () => {
    const input = { ...base, readLines: [], amounts: [] };
    const out = crossCheckTotals({ chosen: chosen({ incl: field('595.74', 0.4), inclOcr: 0.45, vat: null }), ...input });
    expect(out.incl).toMatchObject({ value: '595.74', confidence: expect.closeTo(0.81) });
    // Excl. + VAT total is another number: the read stays in doubt.
    const other = crossCheckTotals({ chosen: chosen({ incl: field('595.74', 0.4), inclOcr: 0.45, vat: null }), ...input, vatTotal: read('68.98') });
    expect(other.incl!.confidence).toBe(0.4);
  });

  it('does not confirm a VAT line off by more than a cent', () => {
    const off: VatBreakdown[] = [BREAKDOWN[0]!, { rate: '19', base: '266.66', amount: '50.69' }];
    const out = crossCheckTotals({
      chosen: chosen({ vat: field(off, 0.5) }),
      ...base,
      vatTotal: read('68.90'),
      readLines: [line('7', '260.20', '18.21'), line('19', '266.66', '50.69')],
    });
    expect(out.vat!.confidence).toBe(0.5);
    // One cent off is the tolerance of a line: confirmed.
    const oneCent: VatBreakdown[] = [BREAKDOWN[0]!, { rate: '19', base: '266.66', amount: '50.68' }];
    const ok = crossCheckTotals({
      chosen: chosen({ vat: field(oneCent, 0.5) }),
      ...base,
      vatTotal: read('68.89'),
      readLines: [line('7', '260.20', '18.21'), line('19', '266.66', '50.68')],
    });
    expect(ok.vat!.confidence).toBeGreaterThanOrEqual(THRESHOLD);
  });

  it('lowers a breakdown that lacks a rate the item lines show', () => {
    const only19: VatBreakdown[] = [BREAKDOWN[1]!];
    const out = crossCheckTotals({ chosen: chosen({ vat: field(only19, 0.8) }), ...base, vatTotal: null, readLines: [base.readLines[1]!] });
    expect(out.vat!.value).toEqual(only19);
    expect(out.vat!.confidence).toBeLessThan(THRESHOLD);
  });

  it("completes a breakdown with the lost rate's line: the items' base and the VAT total's rest, when that adds up", () => {
    const only19: VatBreakdown[] = [BREAKDOWN[1]!];
    const out = crossCheckTotals({ chosen: chosen({ vat: field(only19, 0.8) }), ...base, readLines: [base.readLines[1]!] });
    expect(out.vat!.value).toEqual(BREAKDOWN);
    // Derived from reads that all agree: filled, below the breakdown read in full.
    expect(out.vat!.confidence).toBeGreaterThanOrEqual(THRESHOLD);
    expect(out.vat!.confidence).toBeLessThan(crossCheckTotals({ chosen: chosen(), ...base }).vat!.confidence);
    // A VAT total whose rest is not the items' base × 7 %: no line is made up.
    const wrong = crossCheckTotals({ chosen: chosen({ vat: field(only19, 0.8) }), ...base, vatTotal: read('70.00'), readLines: [base.readLines[1]!] });
    expect(wrong.vat!.value).toEqual(only19);
    expect(wrong.vat!.confidence).toBeLessThan(THRESHOLD);
  });

  it('takes the excl. total read that the item lines add up to when the chosen one is in doubt', () => {
    const out = crossCheckTotals({
      chosen: chosen({ excl: field('-928.70', 0.3, null), exclOcr: null }),
      ...base,
      exclReads: [read('19.25', 0.6), read('526.86', 0.6)],
    });
    expect(out.excl).toMatchObject({ value: '526.86', source: { text: '526.86' } });
    expect(out.excl!.confidence).toBeGreaterThanOrEqual(THRESHOLD);
  });

  it("finds a single rate's VAT printed under another label: the excl. total × that rate", () => {
    const out = crossCheckTotals({
      chosen: chosen({ incl: field('489.36', 0.6), excl: field('404.43', 0.5), vat: field([{ rate: '21', base: null, amount: '54.83' }], 0.5) }),
      exclReads: [read('404.43')],
      vatTotal: null,
      readLines: [],
      items: items([['21', '404.43']]),
      amounts: [read('404.43'), read('54.83'), read('84.93'), read('489.36')],
    });
    expect(out.vat!.value).toEqual([{ rate: '21', base: '404.43', amount: '84.93' }]);
    expect(out.incl!.confidence).toBeGreaterThanOrEqual(THRESHOLD);
  });

  it('fills the incl. total printed without its label, and else derives it only from confirmed reads', () => {
    const lost = chosen({ incl: field('526.86', 0.36), inclOcr: 0.9 });
    const printed = crossCheckTotals({ chosen: lost, ...base });
    expect(printed.incl).toMatchObject({ value: '595.74', source: { text: '595.74' } });
    expect(printed.incl!.confidence).toBeGreaterThanOrEqual(0.8);
    const derived = crossCheckTotals({ chosen: lost, ...base, amounts: [] });
    expect(derived.incl).toMatchObject({ value: '595.74', source: null });
    expect(derived.incl!.confidence).toBeGreaterThanOrEqual(THRESHOLD);
    expect(derived.incl!.confidence).toBeLessThan(printed.incl!.confidence);
    // The VAT total disagrees with its lines: not confirmed, the read stays as it was.
    const unconfirmed = crossCheckTotals({ chosen: lost, ...base, vatTotal: read('70.00'), amounts: [] });
    expect(unconfirmed.incl).toMatchObject({ value: '526.86', confidence: 0.36 });
  });

  it('does not take the excl. total for the incl. total when the VAT is nothing', () => {
    const out = crossCheckTotals({
      chosen: chosen({ incl: null, inclOcr: null, excl: field('100.00', 0.5), vat: field([{ rate: '0', base: '100.00', amount: '0.00' }], 0.5) }),
      exclReads: [read('100.00')],
      vatTotal: read('0.00'),
      readLines: [line('0', '100.00', '0.00')],
      items: items([['0', '100.00']]),
      amounts: [read('100.00'), read('0.00')],
    });
    expect(out.incl).toBeNull();
  });

  it("fills a receipt's total read in doubt that its VAT table adds up to, whatever was read as a VAT total", () => {
    const receipt = (incl: ExtractedField<string>): ChosenTotals =>
      chosen({ incl, excl: field('526.86', 0.85, null), exclOcr: null, vat: field(BREAKDOWN, 0.85) });
    // A VAT "total" that is an ID number misread as an amount; no item lines on a till receipt.
    const input = { ...base, exclReads: [], vatTotal: read('7348744.73'), items: items([]), amounts: [] };
    expect(crossCheckTotals({ chosen: receipt(field('595.74', 0.41)), ...input }).incl!.confidence).toBeCloseTo(0.81);
    // Already filled: it keeps its score.
    expect(crossCheckTotals({ chosen: receipt(field('595.74', 0.77)), ...input }).incl!.confidence).toBe(0.77);
    // A total the table does not add up to stays in doubt.
    expect(crossCheckTotals({ chosen: receipt(field('595.75', 0.41)), ...input }).incl!.confidence).toBe(0.41);
  });

  it('never overrides a total printed and filled that the arithmetic disagrees with', () => {
    const out = crossCheckTotals({ chosen: chosen({ incl: field('600.00', 0.9) }), ...base });
    expect(out.incl).toMatchObject({ value: '600.00', confidence: 0.9 });
  });
});
