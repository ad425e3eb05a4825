import { describe, expect, it } from 'vitest';
import { fromCents } from './cents.js';
import { monthOf, monthsBetween, monthTotal, spendingByMonth } from './spending-by-month.js';

describe('spendingByMonth', () => {
  it('sums spend lines per channel per month in the account time zone, exactly', () => {
    const lines = [
      { type: 'spend', channel: 'sms-reminder', amount: '-0.10', createdAt: '2026-11-30T23:30:00.000Z' }, // December in Brussels
      { type: 'spend', channel: 'sms-reminder', amount: '-0.20', createdAt: '2026-12-05T09:00:00.000Z' },
      { type: 'spend', channel: 'voice', amount: '-0.05', createdAt: '2026-11-10T09:00:00.000Z' },
      { type: 'spend', channel: 'voice', amount: '0.00', createdAt: '2026-11-11T09:00:00.000Z' },
      { type: 'top_up', channel: null, amount: '25.00', createdAt: '2026-11-12T09:00:00.000Z' },
    ];
    const spending = spendingByMonth({ lines, timeZone: 'Europe/Brussels' });
    expect(spending.months).toEqual(['2026-11', '2026-12']);
    expect(spending.channels).toEqual(['sms-reminder', 'voice']);
    expect(fromCents(spending.cents['2026-12']!['sms-reminder']!)).toBe('0.30');
    expect(fromCents(spending.cents['2026-11']!.voice!)).toBe('0.05');
    expect(spending.cents['2026-11']!['sms-reminder']).toBeUndefined();
    expect(spending.max).toBe(30n);
    expect(monthTotal(spending, '2026-11')).toBe('0.05');
  });

  it('reads months in the given zone', () => {
    expect(monthOf('2026-11-30T23:30:00.000Z', 'UTC')).toBe('2026-11');
    expect(monthOf('2026-11-30T23:30:00.000Z', 'Europe/Brussels')).toBe('2026-12');
  });

  it('lists every month of the period, quiet ones too', () => {
    expect(monthsBetween('2026-11', '2027-02')).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
    const spending = spendingByMonth({ lines: [], timeZone: 'UTC', period: { from: '2026-11', to: '2026-12' } });
    expect(spending.months).toEqual(['2026-11', '2026-12']);
    expect(monthTotal(spending, '2026-11')).toBe('0.00');
  });
});
