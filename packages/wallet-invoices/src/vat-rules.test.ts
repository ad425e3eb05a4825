import { Money } from '@tollgate/money';
import { describe, expect, it } from 'vitest';
import { validateVatNumber } from './vat-number.js';
import { EU_STANDARD_RATES, REVERSE_CHARGE_NOTE, splitGross, vatTreatment } from './vat-rules.js';

describe('vatTreatment (seller in BE)', () => {
  it.each([
    // buyer country, valid VAT number?, category, rate, rule
    ['BE', 'BE0123456749', 'S', '21', 'domestic'],
    ['BE', null, 'S', '21', 'domestic'],
    ['NL', 'NL002455799B11', 'AE', '0', 'reverse_charge'],
    ['DE', null, 'S', '19', 'oss'],
    ['FR', null, 'S', '20', 'oss'],
    ['LU', null, 'S', '17', 'oss'],
    ['FI', null, 'S', '25.5', 'oss'],
    ['HU', null, 'S', '27', 'oss'],
    ['US', null, 'O', '0', 'outside_eu'],
    ['CH', 'CHE123456789', 'O', '0', 'outside_eu'],
    ['GB', null, 'O', '0', 'outside_eu'],
  ])('a buyer in %s with VAT number %s → %s %s %% (%s)', (buyerCountry, buyerVatNumber, category, rate, rule) => {
    const t = vatTreatment({ sellerCountry: 'BE', buyerCountry, buyerVatNumber });
    expect([t.category, t.rate, t.rule]).toEqual([category, rate, rule]);
  });

  it('reverse charge says why, with the article', () => {
    expect(vatTreatment({ sellerCountry: 'BE', buyerCountry: 'DE', buyerVatNumber: 'DE136695976' }).exemptionReason).toBe(REVERSE_CHARGE_NOTE);
    expect(REVERSE_CHARGE_NOTE).toContain('Article 196 Directive 2006/112/EC');
  });

  it('keeps the standard rate of all 27 member states', () => {
    expect(Object.keys(EU_STANDARD_RATES)).toHaveLength(27);
  });
});

describe('splitGross: VAT inside the price', () => {
  it.each([
    ['25.00', '21', '20.66', '4.34'],
    ['10.00', '21', '8.26', '1.74'],
    ['100.00', '19', '84.03', '15.97'],
    ['25.00', '25.5', '19.92', '5.08'],
    ['0.01', '21', '0.01', '0.00'],
    ['50.00', '0', '50.00', '0.00'],
    ['1234.56', '17', '1055.18', '179.38'],
  ])('%s at %s %% = %s net + %s VAT', (gross, rate, net, vat) => {
    const split = splitGross({ gross: Money.of(gross), rate });
    expect([split.net.toString(), split.vat.toString()]).toEqual([net, vat]);
    expect(split.net.plus(split.vat).toString()).toBe(Money.of(gross).toString());
  });
});

describe('validateVatNumber', () => {
  it.each([
    ['BE 0123.456.749', 'BE0123456749'],
    ['NL002455799B11', 'NL002455799B11'],
    ['DE136695976', 'DE136695976'],
    ['FR40303265045', 'FR40303265045'],
    ['LU15027442', 'LU15027442'],
    ['ATU13585627', 'ATU13585627'],
    ['EL094259216', 'EL094259216'],
  ])('accepts %s', (value, normalised) => {
    expect(validateVatNumber({ value })).toMatchObject({ valid: true, normalised });
  });

  it.each(['BE0123456748', 'NL002455799B12', 'DE136695978', 'FR41303265045', 'LU15027443', 'ATU1358562', 'XX123', 'US123456789'])('refuses %s', (value) => {
    expect(validateVatNumber({ value }).valid).toBe(false);
  });

  it('reads Greece from EL', () => {
    expect(validateVatNumber({ value: 'EL094259216' })).toMatchObject({ country: 'GR' });
  });
});
