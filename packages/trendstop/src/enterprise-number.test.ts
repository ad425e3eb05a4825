import { describe, expect, it } from 'vitest';
import { formatEnterpriseNumber, normaliseEnterpriseNumber } from './enterprise-number.js';
import { InvalidEnterpriseNumberError } from './trendstop.errors.js';

describe('normaliseEnterpriseNumber', () => {
  it.each([
    ['0200.065.765', '0200065765'],
    ['0314595348', '0314595348'],
    ['BE0465399763', '0465399763'],
    ['BE 0465.399.763', '0465399763'],
    ['be 0465 399 763', '0465399763'],
    ['  0123.456.749 ', '0123456749'],
    ['BE0123456749', '0123456749'],
    // A 9-digit number from before 2003 gets its leading 0.
    ['465399763', '0465399763'],
    ['465.399.763', '0465399763'],
    // Numbers from 2023 on start with 1.
    ['1000.000.021', '1000000021'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseEnterpriseNumber(input)).toBe(expected);
  });

  it.each([
    ['0200.065.766', 'wrong check digits'],
    ['0123456748', 'wrong check digits'],
    ['0123456750', 'wrong check digits'],
    ['0123A56749', 'only digits'],
    ['BE-0123456749', 'only digits'],
    ['NL0123456749', 'only digits'],
    ['01234567490', '11 digits'],
    ['12345678', '8 digits'],
    ['', 'empty'],
    [' BE ', 'empty'],
    ['2123456791', 'first digit'],
    ['9999999917', 'first digit'],
    ['BE 2123.456.791', 'first digit'],
  ])('refuses %s (%s)', (input, reason) => {
    let caught: unknown;
    try {
      normaliseEnterpriseNumber(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidEnterpriseNumberError);
    expect((caught as InvalidEnterpriseNumberError).code).toBe('invalid_enterprise_number');
    expect((caught as InvalidEnterpriseNumberError).status).toBe(400);
    expect((caught as InvalidEnterpriseNumberError).message).toContain(reason);
  });

  it('refuses what is not a string', () => {
    expect(() => normaliseEnterpriseNumber(465399763 as unknown as string)).toThrow(InvalidEnterpriseNumberError);
  });

  it('formats as KBO prints it', () => {
    expect(formatEnterpriseNumber('BE0465399763')).toBe('0465.399.763');
  });
});
