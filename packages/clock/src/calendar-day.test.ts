import { describe, expect, it } from 'vitest';
import { isCalendarDay, startOfDay } from './calendar-day.js';

describe('calendar days in a time zone', () => {
  it('starts a day at local midnight, summer and winter', () => {
    expect(startOfDay({ day: '2026-12-05', timeZone: 'Europe/Brussels' }).toISOString()).toBe('2026-12-04T23:00:00.000Z');
    expect(startOfDay({ day: '2026-07-01', timeZone: 'Europe/Brussels' }).toISOString()).toBe('2026-06-30T22:00:00.000Z');
    expect(startOfDay({ day: '2026-12-05', timeZone: 'UTC' }).toISOString()).toBe('2026-12-05T00:00:00.000Z');
    expect(startOfDay({ day: '2026-12-05', timeZone: 'America/New_York' }).toISOString()).toBe('2026-12-05T05:00:00.000Z');
  });

  it('the next day across a DST change, and a zone where DST skips midnight', () => {
    // Brussels moves to summer time on 2026-03-29 at 02:00: that day has 23 hours.
    expect(startOfDay({ day: '2026-03-29', timeZone: 'Europe/Brussels', offsetDays: 1 }).toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(startOfDay({ day: '2026-12-31', timeZone: 'Europe/Brussels', offsetDays: 1 }).toISOString()).toBe('2026-12-31T23:00:00.000Z');
    // Santiago skips 00:00–01:00 on 2026-09-06: the day starts at 01:00 local (04:00Z).
    expect(startOfDay({ day: '2026-09-06', timeZone: 'America/Santiago' }).toISOString()).toBe('2026-09-06T04:00:00.000Z');
  });

  it('knows real calendar days', () => {
    expect(['2026-02-28', '2028-02-29'].map(isCalendarDay)).toEqual([true, true]);
    expect(['2026-02-29', '2026-13-01', '2026-1-01', '2026-12-05T00:00:00Z'].map(isCalendarDay)).toEqual([false, false, false, false]);
    expect(() => startOfDay({ day: '2026-02-30', timeZone: 'UTC' })).toThrow(RangeError);
  });
});
