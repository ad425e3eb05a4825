import { describe, expect, it } from 'vitest';
import { extractExpenseFields, type ExpenseFields } from '../src/index.js';
import { readDrawing } from './read-result-builder.js';

/** The threshold the README suggests: at or above it a field is filled, below it a suggestion. */
const THRESHOLD = 0.7;

// An OCR'd invoice whose own arithmetic holds: items per rate = the VAT table's bases,
// Σ bases = Summe netto, Σ VAT = MwSt. gesamt, netto + MwSt. = the amount paid.
const INVOICE = `
Beratung Weber GmbH                                   RECHNUNG
USt-IdNr. DE136695976                                 Rechnungsnummer: R-2026-17
                                                      Rechnungsdatum: 30.03.2026
Beschreibung                 Menge    Preis    MwSt.     Betrag
Tagungsraum halbtags             1   220,50    19%       220,50
Abendessen                       1    32,24     7%        32,24
Fruehstueck                      2    23,08    19%        46,16
Uebernachtung                    2   113,98     7%       227,96

Summe netto                                           526,86 €
MwSt. gesamt                                           68,88 €
MwSt.-Satz     Netto      MwSt.
7%            260,20      18,21
19%           266,66      50,67
Bezahlt mit Karte                                     595,74 €
`;

function scan(text: string, doubtful: string[] = []): ExpenseFields {
  return extractExpenseFields({ read: readDrawing({ pages: [text], method: 'ocr', ocrConfidence: 0.9, doubtful }) }).fields;
}

const withoutLine = (text: string, line: RegExp): string => text.replace(line, '');
const LOST_7_LINE = /^7% {12}260,20 {6}18,21\n/m;
const ITEMS_AT_7 = /^(?:Abendessen|Uebernachtung) .*\n/gm;

describe('extractExpenseFields: the invoice arithmetic', () => {
  it('fills a total read in doubt when the excl. total and the VAT total read add up to it', () => {
    const fields = scan(INVOICE, ['595,74']);
    expect(fields.totalInclVat).toMatchObject({ value: '595.74', source: { text: '595,74 €' } });
    expect(fields.totalInclVat!.confidence).toBeGreaterThanOrEqual(0.8);
    // The same doubtful read, but the VAT total and the VAT table misread: nothing confirms it, a suggestion.
    const misread = scan(INVOICE.replace('68,88 €', '68,98 €').replace('50,67', '50,77'), ['595,74']);
    expect(misread.totalInclVat!.confidence).toBeLessThan(THRESHOLD);
  });

  it('fills an excl. total read in doubt when the item lines and the VAT table bases add up to it', () => {
    const fields = scan(INVOICE, ['526,86']);
    expect(fields.totalExclVat).toMatchObject({ value: '526.86', source: { text: '526,86 €' } });
    expect(fields.totalExclVat!.confidence).toBeGreaterThanOrEqual(0.8);
    // Without items and VAT table nothing but the total paid confirms it: as before, a suggestion.
    const bare = scan(withoutLine(withoutLine(INVOICE, /^(?:7|19)% .*\n/gm), /^(?:Tagungsraum|Abendessen|Fruehstueck|Uebernachtung) .*\n/gm), ['526,86']);
    expect(bare.totalExclVat?.value).toBe('526.86');
    expect(bare.totalExclVat!.confidence).toBeLessThan(THRESHOLD);
  });

  it('fills a VAT line OCR lost when the item lines at its rate confirm the base derived from the totals', () => {
    const fields = scan(withoutLine(INVOICE, LOST_7_LINE));
    expect(fields.vatAmounts?.value).toEqual([
      { rate: '7', base: '260.20', amount: '18.21' },
      { rate: '19', base: '266.66', amount: '50.67' },
    ]);
    expect(fields.vatAmounts!.confidence).toBeGreaterThanOrEqual(THRESHOLD);
    // A derived line stays below the same breakdown read in full.
    expect(fields.vatAmounts!.confidence).toBeLessThan(scan(INVOICE).vatAmounts!.confidence);
    // Without the item lines at 7 % nothing read confirms the derived line: a suggestion.
    const noItems = scan(withoutLine(withoutLine(INVOICE, LOST_7_LINE), ITEMS_AT_7));
    expect(noItems.vatAmounts!.confidence).toBeLessThan(THRESHOLD);
  });

  it('derives the total paid when OCR lost it, filled only while everything it comes from was read and agrees', () => {
    const lost = withoutLine(INVOICE, /^Bezahlt.*\n/m);
    const fields = scan(lost);
    expect(fields.totalInclVat).toMatchObject({ value: '595.74', source: null });
    expect(fields.totalInclVat!.confidence).toBeGreaterThanOrEqual(THRESHOLD);
    expect(fields.totalInclVat!.confidence).toBeLessThan(fields.totalExclVat!.confidence);
    const misread = scan(lost.replace('68,88 €', '68,98 €'));
    expect(misread.totalInclVat!.confidence).toBeLessThan(THRESHOLD);
  });

  it('keeps a breakdown that lacks a rate the item lines show as a suggestion', () => {
    // The 7 % line and the VAT total are lost: the 19 % line alone is not the breakdown.
    const fields = scan(withoutLine(withoutLine(INVOICE, LOST_7_LINE), /^MwSt\. gesamt.*\n/m));
    expect(fields.vatAmounts?.value).toEqual([{ rate: '19', base: '266.66', amount: '50.67' }]);
    expect(fields.vatAmounts!.confidence).toBeLessThan(THRESHOLD);
  });
});
