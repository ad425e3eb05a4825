import { describe, expect, it } from 'vitest';
import examples from '../test/stdnum-vat-examples.json' with { type: 'json' };
import { checkVatNumber } from './vat-number.js';

// python-stdnum's tests/test_eu_vat.doctest, the BE/NL/DE/FR/LU lines of each list.
describe('checkVatNumber with python-stdnum examples', () => {
  it.each(examples.valid)('accepts %s', (value) => {
    const check = checkVatNumber({ value });
    expect(check.valid).toBe(true);
    expect(check.normalised).toMatch(/^(BE\d{10}|NL\d{9}B\d\d|DE\d{9}|FR[0-9A-Z]{2}\d{9}|LU\d{8})$/);
  });

  it.each([...examples.invalidChecksum, ...examples.invalidFormat, ...examples.invalidLength, ...examples.duplicatedPrefix])('refuses %s', (value) => {
    expect(checkVatNumber({ value })).toEqual({ valid: false, normalised: null, country: null });
  });
});

describe('checkVatNumber', () => {
  it.each([
    ['BE0200.065.765', 'BE0200065765', 'BE'],
    ['NL002455799B11', 'NL002455799B11', 'NL'],
    ['DE136695976', 'DE136695976', 'DE'],
    ['FR23334175221', 'FR23334175221', 'FR'],
    ['LU15027442', 'LU15027442', 'LU'],
    ['BE 444.503.092', 'BE0444503092', 'BE'],
    ['NL4495445B01', 'NL004495445B01', 'NL'],
    ['be 0200 065 765', 'BE0200065765', 'BE'],
  ])('normalises %s to %s', (value, normalised, country) => {
    expect(checkVatNumber({ value })).toEqual({ valid: true, normalised, country });
  });

  it.each(['BE0200065766', 'NL002455799B00', 'DE036695976', 'FR24334175221', 'LU15027443', 'ES12345678Z', '', 'BE'])('refuses %s', (value) => {
    expect(checkVatNumber({ value }).valid).toBe(false);
  });
});
