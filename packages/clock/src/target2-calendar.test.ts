import { describe, expect, it } from 'vitest';
import {
  addTarget2BusinessDays,
  easterSunday,
  isTarget2BusinessDay,
  nextTarget2BusinessDay,
  target2BusinessDaysBetween,
  target2ClosingDays,
} from './target2-calendar.js';

describe('TARGET2 calendar', () => {
  it('finds Easter Sunday in early, late and far years', () => {
    // Published dates, including the extremes of the range (22 March, 25 April).
    expect(easterSunday(2024)).toBe('2024-03-31');
    expect(easterSunday(2025)).toBe('2025-04-20');
    expect(easterSunday(2026)).toBe('2026-04-05');
    expect(easterSunday(2027)).toBe('2027-03-28');
    expect(easterSunday(2038)).toBe('2038-04-25');
    expect(easterSunday(2285)).toBe('2285-03-22');
  });

  it('lists the six closing days the ECB publishes', () => {
    expect(target2ClosingDays(2027)).toEqual(['2027-01-01', '2027-03-26', '2027-03-29', '2027-05-01', '2027-12-25', '2027-12-26']);
    expect(target2ClosingDays(2026)).toEqual(['2026-01-01', '2026-04-03', '2026-04-06', '2026-05-01', '2026-12-25', '2026-12-26']);
  });

  it('is closed on weekends and holidays, open on other days (national holidays do not count)', () => {
    expect(isTarget2BusinessDay('2026-12-25')).toBe(false); // Friday, Christmas
    expect(isTarget2BusinessDay('2027-01-01')).toBe(false);
    expect(isTarget2BusinessDay('2027-03-29')).toBe(false); // Easter Monday
    expect(isTarget2BusinessDay('2026-05-01')).toBe(false);
    expect(isTarget2BusinessDay('2026-12-05')).toBe(false); // Saturday
    expect(isTarget2BusinessDay('2026-12-24')).toBe(true);
    expect(isTarget2BusinessDay('2026-12-31')).toBe(true);
    expect(isTarget2BusinessDay('2027-05-13')).toBe(true); // Ascension: a holiday in BE/DE, not in TARGET2
    expect(isTarget2BusinessDay('2026-11-11')).toBe(true);
  });

  it('moves a collection date off closing days', () => {
    expect(nextTarget2BusinessDay('2026-12-25')).toBe('2026-12-28');
    expect(nextTarget2BusinessDay('2027-01-01')).toBe('2027-01-04');
    expect(nextTarget2BusinessDay('2027-03-26')).toBe('2027-03-30');
    expect(nextTarget2BusinessDay('2026-12-30')).toBe('2026-12-30');
  });

  it('counts business days forward and back', () => {
    // Wednesday 30 December + 5: 31 Dec, 4, 5, 6, 7 January (1 January closed).
    expect(addTarget2BusinessDays({ day: '2026-12-30', count: 5 })).toBe('2027-01-07');
    expect(addTarget2BusinessDays({ day: '2026-12-23', count: 1 })).toBe('2026-12-24');
    expect(addTarget2BusinessDays({ day: '2026-12-24', count: 1 })).toBe('2026-12-28');
    expect(addTarget2BusinessDays({ day: '2027-03-25', count: 1 })).toBe('2027-03-30');
    expect(addTarget2BusinessDays({ day: '2027-03-30', count: -1 })).toBe('2027-03-25');
    expect(addTarget2BusinessDays({ day: '2026-12-26', count: 0 })).toBe('2026-12-28');
    expect(() => addTarget2BusinessDays({ day: '2026-12-26', count: 1.5 })).toThrow(RangeError);
    expect(() => addTarget2BusinessDays({ day: '2026-02-30', count: 1 })).toThrow(RangeError);
  });

  it('counts the business days between two dates', () => {
    expect(target2BusinessDaysBetween({ from: '2026-12-30', to: '2027-01-04' })).toBe(2);
    expect(target2BusinessDaysBetween({ from: '2026-12-30', to: '2027-01-07' })).toBe(5);
    expect(target2BusinessDaysBetween({ from: '2027-01-07', to: '2026-12-30' })).toBe(0);
  });

  it('has 255 to 256 business days in a year with a weekday Christmas', () => {
    let open = 0;
    for (let day = '2026-01-01'; day <= '2026-12-31'; day = addTarget2BusinessDays({ day, count: 1 })) if (isTarget2BusinessDay(day)) open += 1;
    // 2026: 261 weekdays minus New Year (Thu), Good Friday, Easter Monday, 1 May (Fri), 25 Dec (Fri) = 256; 26 Dec is a Saturday.
    expect(open).toBe(256);
  });
});
