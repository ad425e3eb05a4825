import { describe, expect, it } from 'vitest';
import { AMOUNT_INPUT, compareAmounts, fromCents, normaliseAmount, sumAmounts, toCents } from './cents.js';

describe('cents', () => {
  it('reads and writes decimal strings exactly', () => {
    expect(toCents('1.82')).toBe(182n);
    expect(toCents('-0.05')).toBe(-5n);
    expect(toCents('25')).toBe(2500n);
    expect(toCents('25.5')).toBe(2550n);
    expect(fromCents(-5n)).toBe('-0.05');
    expect(fromCents(123456789012345n)).toBe('1234567890123.45');
    expect(normaliseAmount('7')).toBe('7.00');
  });

  it('sums without float drift', () => {
    expect(sumAmounts(['0.10', '0.20'])).toBe('0.30');
    expect(sumAmounts(Array.from({ length: 1000 }, () => '0.01'))).toBe('10.00');
    expect(sumAmounts([])).toBe('0.00');
  });

  it('compares', () => {
    expect(compareAmounts('50.00', '50')).toBe(0);
    expect(compareAmounts('49.99', '50.00')).toBe(-1);
    expect(compareAmounts('100.01', '100')).toBe(1);
  });

  it('refuses what is not money', () => {
    expect(() => toCents('1.234')).toThrow();
    expect(() => toCents('1e3')).toThrow();
    expect(AMOUNT_INPUT.test('25.5')).toBe(true);
    expect(AMOUNT_INPUT.test('25,50')).toBe(false);
    expect(AMOUNT_INPUT.test('-5')).toBe(false);
  });
});
