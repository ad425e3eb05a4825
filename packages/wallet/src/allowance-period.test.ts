import { Money } from '@tollgate/money';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addMonths,
  expiresAfter,
  leftParts,
  monthFor,
  remainingUnits,
  rollOver,
  type AllowanceMonth,
  type AllowanceRule,
  type CarriedUnits,
} from './allowance-period.js';

const m = (v: string | number) => Money.of(String(v));
const rule = (units: number, max: number | null, months: number | null = null): AllowanceRule => ({
  units: m(units),
  rolloverMax: max === null ? null : m(max),
  rolloverMonths: months,
});
const month = (period: string, granted: number, used: number, carried: Array<[string, number]> = []): AllowanceMonth => ({
  period,
  granted: m(granted),
  used: m(used),
  carried: carried.map(([from, units]) => ({ from, units: m(units) })),
});
const plain = (parts: CarriedUnits[]) => parts.map((p) => [p.from, p.units.toString()]);

describe('addMonths', () => {
  it('crosses year ends both ways', () => {
    expect(addMonths('2026-12-01', 1)).toBe('2027-01-01');
    expect(addMonths('2026-11-01', 14)).toBe('2028-01-01');
    expect(addMonths('2027-01-01', -1)).toBe('2026-12-01');
    expect(addMonths('2027-03-01', -15)).toBe('2025-12-01');
  });
});

describe('leftParts', () => {
  it('spends carried units oldest first, then the month’s grant', () => {
    const jan = month('2027-03-01', 20, 7, [
      ['2027-01-01', 5],
      ['2027-02-01', 4],
    ]);
    expect(plain(leftParts(jan))).toEqual([
      ['2027-02-01', '2.00'],
      ['2027-03-01', '20.00'],
    ]);
    expect(remainingUnits(jan).toString()).toBe('22.00');
  });
});

describe('rollOver', () => {
  it('carries nothing without a rollover rule', () => {
    expect(rollOver({ month: month('2027-01-01', 20, 3), rule: rule(20, null) })).toEqual([]);
  });

  it('caps the total, keeping the oldest units first', () => {
    const feb = month('2027-02-01', 20, 12, [['2027-01-01', 6]]);
    // left: Jan 0 (6 used first), Feb 14 → capped to 10
    expect(plain(rollOver({ month: feb, rule: rule(20, 10) }))).toEqual([['2027-02-01', '10.00']]);
    const feb2 = month('2027-02-01', 20, 15, [['2027-01-01', 6]]);
    // left: Jan 0, Feb 11 → 10
    expect(plain(rollOver({ month: feb2, rule: rule(20, 10) }))).toEqual([['2027-02-01', '10.00']]);
    const mar = month('2027-03-01', 20, 18, [
      ['2027-01-01', 3],
      ['2027-02-01', 7],
    ]);
    // left: Jan 0, Feb 0, Mar 12 → 10 of March
    expect(plain(rollOver({ month: mar, rule: rule(20, 10) }))).toEqual([['2027-03-01', '10.00']]);
    const apr = month('2027-04-01', 4, 0, [['2027-03-01', 8]]);
    // left: Mar 8, Apr 4 → oldest first: Mar 8, Apr 2
    expect(plain(rollOver({ month: apr, rule: rule(4, 10) }))).toEqual([
      ['2027-03-01', '8.00'],
      ['2027-04-01', '2.00'],
    ]);
  });

  it('drops units past their expiry: granted in January with 2 months, usable through March', () => {
    expect(expiresAfter({ from: '2027-01-01', rule: rule(20, 10, 2) })).toBe('2027-03-01');
    const mar = month('2027-03-01', 2, 0, [
      ['2027-01-01', 3],
      ['2027-02-01', 4],
    ]);
    expect(plain(rollOver({ month: mar, rule: rule(2, 10, 2) }))).toEqual([
      ['2027-02-01', '4.00'],
      ['2027-03-01', '2.00'],
    ]);
  });
});

describe('monthFor', () => {
  it('returns a stored month of the period as it is, even without a rule (plan moved mid-month)', () => {
    const stored = month('2027-01-01', 20, 3);
    expect(monthFor({ last: stored, rule: null, period: '2027-01-01' })).toBe(stored);
    expect(monthFor({ last: stored, rule: null, period: '2027-02-01' })).toBeNull();
  });

  it('starts a fresh month from the rule when nothing is stored', () => {
    expect(monthFor({ last: null, rule: rule(20, 10), period: '2027-01-01' })).toEqual(month('2027-01-01', 20, 0));
  });

  it('rolls idle months over one by one', () => {
    // Jan used 15 (5 left), Feb idle (Jan 5 + 5 of Feb's 20 under the cap), Mar idle (the same; nothing expires)
    const jan = month('2027-01-01', 20, 15);
    const apr = monthFor({ last: jan, rule: rule(20, 10), period: '2027-04-01' })!;
    expect(apr.period).toBe('2027-04-01');
    expect(plain(apr.carried)).toEqual([
      ['2027-01-01', '5.00'],
      ['2027-02-01', '5.00'],
    ]);
    // With a 2-month expiry January's units are gone in April; February's and March's fill the cap.
    const aprExpiring = monthFor({ last: jan, rule: rule(20, 10, 2), period: '2027-04-01' })!;
    expect(plain(aprExpiring.carried)).toEqual([
      ['2027-02-01', '5.00'],
      ['2027-03-01', '5.00'],
    ]);
    expect(apr.granted.toString()).toBe('20.00');
    expect(apr.used.isZero()).toBe(true);
  });

  it('lets idle units expire on time', () => {
    // 1 unit a month, cap 10, usable 2 months after their month: April holds Feb and March units.
    const jan = month('2027-01-01', 1, 0);
    const apr = monthFor({ last: jan, rule: rule(1, 10, 2), period: '2027-04-01' })!;
    expect(plain(apr.carried)).toEqual([
      ['2027-02-01', '1.00'],
      ['2027-03-01', '1.00'],
    ]);
  });

  it('a new plan’s units apply from the next month', () => {
    const jan = month('2027-01-01', 20, 20);
    const feb = monthFor({ last: jan, rule: rule(50, null), period: '2027-02-01' })!;
    expect(feb.granted.toString()).toBe('50.00');
    expect(feb.carried).toEqual([]);
  });

  it('never carries more than the cap nor anything past its expiry (property)', () => {
    const arb = fc.record({
      units: fc.integer({ min: 0, max: 30 }),
      max: fc.integer({ min: 0, max: 40 }),
      expiry: fc.option(fc.integer({ min: 1, max: 6 }), { nil: null }),
      uses: fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 24 }),
      gaps: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 24, maxLength: 24 }),
    });
    fc.assert(
      fc.property(arb, ({ units, max, expiry, uses, gaps }) => {
        const r = rule(units, max, expiry);
        let last: AllowanceMonth | null = null;
        let period = '2027-01-01';
        uses.forEach((use, i) => {
          const current = monthFor({ last, rule: r, period })!;
          const carriedTotal = Money.sum(current.carried.map((c) => c.units));
          expect(carriedTotal.lessThanOrEqual(m(max))).toBe(true);
          for (const c of current.carried) {
            expect(c.from < period).toBe(true);
            if (expiry !== null) expect(addMonths(c.from, expiry) >= period).toBe(true);
          }
          // Uses what it can: never more than the month holds.
          const take = Money.min(m(use), remainingUnits(current));
          last = { ...current, used: current.used.plus(take) };
          expect(remainingUnits(last).isNegative()).toBe(false);
          period = addMonths(period, gaps[i]!);
        });
      }),
    );
  });
});
