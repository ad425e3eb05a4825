import { isValidIBAN } from 'ibantools';
import { describe, expect, it } from 'vitest';
import { isValidVatNumber, makeIban, makeVatNumber, type VatCountry } from './check-digits.js';
import { SeededRandom } from './seeded-random.js';

describe('VAT number check digits', () => {
  it('accepts the published examples (python-stdnum, VIES)', () => {
    for (const value of ['BE0123456749', 'BE0403170701', 'NL004495445B01', 'NL002455799B11', 'DE136695976', 'FR23334175221', 'LU15027442']) {
      expect(isValidVatNumber(value), value).toBe(true);
    }
  });

  it('refuses a changed digit, a wrong country and a B00 suffix', () => {
    for (const value of ['BE0123456748', 'NL004495446B01', 'NL004495445B00', 'DE136695977', 'FR24334175221', 'LU15027443', 'XX123456789']) {
      expect(isValidVatNumber(value), value).toBe(false);
    }
  });

  it('makes only numbers it accepts, and the same ones for the same seed', () => {
    const countries: VatCountry[] = ['BE', 'NL', 'DE', 'FR', 'LU'];
    const a = new SeededRandom(7);
    const b = new SeededRandom(7);
    for (let i = 0; i < 200; i += 1) {
      const country = countries[i % 5] as VatCountry;
      const value = makeVatNumber({ country, random: a });
      expect(value.startsWith(country)).toBe(true);
      expect(isValidVatNumber(value), value).toBe(true);
      expect(makeVatNumber({ country, random: b })).toBe(value);
    }
  });
});

describe('IBANs', () => {
  it('are valid for every country the corpus uses', () => {
    const random = new SeededRandom(3);
    for (const country of ['BE', 'NL', 'DE', 'FR', 'LU', 'GB'] as const) {
      for (let i = 0; i < 20; i += 1) {
        const iban = makeIban({ country, random });
        expect(iban).toMatch(new RegExp(`^${country}\\d{2}[0-9A-Z]+$`));
        expect(isValidIBAN(iban)).toBe(true);
      }
    }
  });
});
