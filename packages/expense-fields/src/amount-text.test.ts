import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findAmounts, parseAmount } from './amount-text.js';

/** A decimal written in one convention: thousands separator, decimal separator, currency placement. */
function write(value: Decimal, thousands: string, decimal: string): string {
  const [integer, fraction] = value.abs().toFixed(2).split('.') as [string, string];
  const grouped = integer.replace(/\B(?=(\d{3})+(?!\d))/g, thousands);
  return `${value.isNegative() ? '-' : ''}${grouped}${decimal}${fraction}`;
}

const CONVENTIONS: [string, string][] = [
  ['.', ','], // 1.234,56 (BE, NL, DE)
  [',', '.'], // 1,234.56 (EN)
  [' ', ','], // 1 234,56 (FR)
  ['\u202f', ','], // 1 234,56 with a narrow no-break space (FR typography)
  ["'", '.'], // 1'234.56 (CH, LU)
  ['', ','], // 1234,56
  ['', '.'], // 1234.56
];

const cents = fc.bigInt({ min: -99_999_999_99n, max: 99_999_999_99n }).map((value) => new Decimal(value.toString()).dividedBy(100));

describe('parseAmount', () => {
  it('reads back exactly any amount written in any convention', () => {
    fc.assert(
      fc.property(cents, fc.constantFrom(...CONVENTIONS), (value, [thousands, decimal]) => {
        const parsed = parseAmount({ text: write(value, thousands, decimal) });
        expect(parsed?.value.eq(value)).toBe(true);
        expect(parsed?.hasCents).toBe(true);
      }),
    );
  });

  it('finds the amount with its currency in a line, whichever side the sign is on', () => {
    fc.assert(
      fc.property(
        cents,
        fc.constantFrom(...CONVENTIONS),
        fc.constantFrom(['€ ', ''], ['', ' EUR'], ['€', ''], ['', ' €'], ['USD ', '']),
        (value, [thousands, decimal], [before, after]) => {
          const text = `Totaal  ${before}${write(value, thousands, decimal)}${after}`;
          const amounts = findAmounts({ text }).filter((amount) => amount.hasCents);
          expect(amounts).toHaveLength(1);
          expect(amounts[0]!.value.eq(value)).toBe(true);
          expect(amounts[0]!.currency).toBe(before.startsWith('USD') ? 'USD' : 'EUR');
        },
      ),
    );
  });

  it.each([
    ['12,50', '12.5'],
    ['1.234,56', '1234.56'],
    ['1,234.56', '1234.56'],
    ['1 234,56', '1234.56'],
    ["1'234.56", '1234.56'],
    ['(3.00)', '-3'],
    ['-3,00', '-3'],
    ['3,00-', '-3'],
    ['12, 50', '12.5'],
    ['12,,50', '12.5'],
    ['12', '12'],
  ])('parses %s as %s', (text, value) => {
    expect(parseAmount({ text })?.value.toString()).toBe(value);
  });

  it.each(['1.23.4,56', '12,5,0', '1,234,56.7', 'abc', '', '1.234.567,8', '12/03/2026', '12.03.2026'])('refuses %s', (text) => {
    expect(parseAmount({ text })).toBeNull();
  });
});

describe('findAmounts', () => {
  const values = (text: string): string[] => findAmounts({ text }).map((amount) => amount.value.toFixed(2));

  it.each([
    ['Totaal € 12,50', ['12.50']],
    ['2 x 3,50  7,00', ['2.00', '3.50', '7.00']],
    ['Total TTC  1 234,56 €', ['1234.56']],
    ['Gesamt EUR 1.234,56', ['1234.56']],
    ['Credit  -45,00', ['-45.00']],
    ['Rechnung Nr. 12-34', ['12.00', '34.00']],
    ['TOTAAL  1O6,OO', ['106.00']],
    ['Totaal  S,50', ['5.50']],
    ['Totaal  12, 50', ['12.50']],
    ['Datum 12.03.2026', []],
  ])('finds the amounts of %s', (text, expected) => {
    expect(values(text)).toEqual(expected);
  });
});
