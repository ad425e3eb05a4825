import { Money } from '@tollgate/plugin-sdk';
import { describe, expect, it } from 'vitest';
import { affordableMinutes, minutesFor, priceOfMinutes } from './call-minutes.js';

describe('minutesFor', () => {
  it('counts every started minute; 0 s is free', () => {
    expect([0, 1, 59, 60, 61, 119, 120, 121, 3600].map(minutesFor)).toEqual([0, 1, 1, 1, 2, 2, 2, 3, 60]);
  });

  it('refuses negative or fractional durations', () => {
    expect(() => minutesFor(-1)).toThrow(RangeError);
    expect(() => minutesFor(1.5)).toThrow(RangeError);
  });
});

describe('affordableMinutes', () => {
  const at = (available: string, unitPrice: string, max = 10) => affordableMinutes({ available: Money.of(available), unitPrice: Money.of(unitPrice), max });

  it('holds the full count when the wallet covers it, fewer whole minutes when not, none below one minute', () => {
    expect(at('2.00', '0.05')).toBe(10);
    expect(at('0.15', '0.05')).toBe(3);
    expect(at('0.19', '0.05')).toBe(3);
    expect(at('0.05', '0.05')).toBe(1);
    expect(at('0.03', '0.05')).toBe(0);
    expect(at('0.00', '0.05')).toBe(0);
  });

  it('uses the wallet rounding (half-up to the cent after multiplying)', () => {
    // 3 × 0.0125 = 0.0375 → 0.04; 1 × 0.0125 → 0.01
    expect(priceOfMinutes({ unitPrice: Money.of('0.0125', 'EUR'), minutes: 3 }).toString()).toBe('0.04');
    expect(at('0.04', '0.0125')).toBe(3);
    expect(at('0.03', '0.0125')).toBe(2);
    expect(at('0.01', '0.0125')).toBe(1);
  });

  it('costs nothing on a free channel price', () => {
    expect(at('0.00', '0', 7)).toBe(7);
  });
});
