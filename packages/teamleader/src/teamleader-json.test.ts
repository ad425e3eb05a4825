import { describe, expect, it } from 'vitest';
import { jsonDecimal, parseTeamleaderJson, plainDecimal } from './teamleader-json.js';

describe('Teamleader JSON', () => {
  it('reads amounts and rates as the exact decimal text, other numbers as numbers', () => {
    const text =
      '{"total":{"payable":{"amount":121.10,"currency":"EUR"},"taxes":[{"rate":0.21,"tax":{"amount":0.30000000000000004}}]},"page":{"size":20},"big":{"amount":12345678901234567.89}}';
    const value = parseTeamleaderJson(text) as any;
    expect(value.total.payable.amount).toBe('121.10');
    expect(value.total.taxes[0].rate).toBe('0.21');
    expect(value.total.taxes[0].tax.amount).toBe('0.30000000000000004');
    expect(value.big.amount).toBe('12345678901234567.89');
    expect(value.page.size).toBe(20);
  });

  it('writes decimal strings as exact JSON numbers', () => {
    expect(JSON.stringify({ amount: jsonDecimal('121.10') })).toBe('{"amount":121.10}');
    expect(JSON.stringify({ amount: jsonDecimal('12345678901234567.89') })).toBe('{"amount":12345678901234567.89}');
    expect(() => jsonDecimal('1e3')).toThrow(RangeError);
    expect(() => jsonDecimal('12,5')).toThrow(RangeError);
  });

  it('expands exponents without going through a double', () => {
    expect(plainDecimal('1.5e2')).toBe('150');
    expect(plainDecimal('-2E-3')).toBe('-0.002');
    expect(plainDecimal('1.25E+1')).toBe('12.5');
    expect(plainDecimal('121.0')).toBe('121.0');
    expect(parseTeamleaderJson('{"amount":1.21e2}')).toEqual({ amount: '121' });
  });
});
