import { describe, expect, it } from 'vitest';
import { findDates } from './date-text.js';

describe('findDates', () => {
  it.each([
    ['Factuurdatum: 12/03/2026', '2026-03-12'],
    ['Datum 12.03.2026', '2026-03-12'],
    ['12-03-26 14:32', '2026-03-12'],
    ['Date: 2026-03-12', '2026-03-12'],
    ['Gent, 12 maart 2026', '2026-03-12'],
    ['Bruxelles, le 12 mars 2026', '2026-03-12'],
    ['le 1er avril 2026', '2026-04-01'],
    ['Berlin, 12. März 2026', '2026-03-12'],
    ['March 12, 2026', '2026-03-12'],
    ['12 March 2026', '2026-03-12'],
    ['12 févr. 2026', '2026-02-12'],
    ['12-Mar-2026', '2026-03-12'],
    ['03/25/2026', '2026-03-25'],
    ['Datum l2/O3/2O26', '2026-03-12'],
  ])('reads %s', (text, iso) => {
    expect(findDates({ text }).map((date) => date.iso)).toEqual([iso]);
  });

  it.each(['31/02/2026', '13/13/2026', '1234,56', 'Tel 02 123 45 67', '12 mois 2026'])('finds no date in %s', (text) => {
    expect(findDates({ text })).toEqual([]);
  });
});
