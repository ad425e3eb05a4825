import { Money } from '@tollgate/money';
import { describe, expect, it } from 'vitest';
import { readAlert, type AlertFacts } from './alert-reading.js';

const facts = (f: { available: string; lastTopUp?: string; spent?: Record<number, string> }): AlertFacts => ({
  available: Money.of(f.available),
  lastTopUp: f.lastTopUp ? Money.of(f.lastTopUp) : null,
  spentOver: new Map(Object.entries(f.spent ?? {}).map(([days, amount]) => [Number(days), Money.of(amount)])),
});
const read = (condition: Parameters<typeof readAlert>[0]['condition'], f: Parameters<typeof facts>[0]) => {
  const r = readAlert({ condition, facts: facts(f) });
  return { ...r, balance: r.balance.toString(), threshold: r.threshold?.toString() ?? null, burnPerDay: r.burnPerDay?.toString() ?? null };
};

describe('readAlert', () => {
  it('balance_below: fires strictly below the amount', () => {
    const below = { kind: 'balance_below' as const, amount: Money.of('5.00') };
    expect(read(below, { available: '4.99' })).toEqual({ balance: '4.99', threshold: '5.00', daysLeft: null, burnPerDay: null, met: true });
    expect(read(below, { available: '5.00' }).met).toBe(false);
  });

  it('percent_of_last_top_up: a share of the last purchase, exact in cents; nothing without a purchase', () => {
    const share = { kind: 'percent_of_last_top_up' as const, percent: 33 };
    // 33% of 25.55 is 8.4315: 8.43 is under it, 8.44 is not; the threshold shown is rounded up.
    expect(read(share, { available: '8.43', lastTopUp: '25.55' })).toMatchObject({ threshold: '8.44', met: true });
    expect(read(share, { available: '8.44', lastTopUp: '25.55' })).toMatchObject({ threshold: '8.44', met: false });
    expect(read(share, { available: '0.00' })).toEqual({ balance: '0.00', threshold: null, daysLeft: null, burnPerDay: null, met: false });
  });

  it('days_left: available / (spent over the window / window days) < days; no spending is for ever', () => {
    const days = { kind: 'days_left' as const, days: 5, burnWindowDays: 7 };
    expect(read(days, { available: '9.00', spent: { 7: '14.00' } })).toEqual({
      balance: '9.00',
      threshold: '10.00',
      daysLeft: '4.5',
      burnPerDay: '2.00',
      met: true,
    });
    // Exactly five days left is not fewer than five.
    expect(read(days, { available: '10.00', spent: { 7: '14.00' } })).toMatchObject({ daysLeft: '5.0', met: false });
    expect(read(days, { available: '0.00', spent: { 7: '14.00' } })).toMatchObject({ daysLeft: '0.0', met: true });
    expect(read(days, { available: '9.00' })).toEqual({ balance: '9.00', threshold: null, daysLeft: null, burnPerDay: '0.00', met: false });
    // More given back than spent (reversals) is no burn either.
    expect(read(days, { available: '9.00', spent: { 7: '-1.00' } }).met).toBe(false);
    // The window's own length: 3.00 over 3 days is 1.00 a day, 9.00 lasts 9 days.
    expect(read({ ...days, days: 10, burnWindowDays: 3 }, { available: '9.00', spent: { 3: '3.00', 7: '70.00' } })).toMatchObject({
      daysLeft: '9.0',
      burnPerDay: '1.00',
      threshold: '10.00',
      met: true,
    });
  });
});
