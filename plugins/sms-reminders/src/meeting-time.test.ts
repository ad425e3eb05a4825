import { describe, expect, it } from 'vitest';
import { isTimeZone, localTimeOf, reminderSendTime, zonedToInstant } from './meeting-time.js';

const at = (iso: string) => new Date(iso);

describe('localTimeOf', () => {
  it("gives the meeting's start in its own zone, 24h", () => {
    expect(localTimeOf(at('2026-06-10T12:30:00Z'), 'Europe/Brussels')).toBe('14:30');
    expect(localTimeOf(at('2026-01-10T13:30:00Z'), 'Europe/Brussels')).toBe('14:30');
    expect(localTimeOf(at('2026-06-10T12:30:00Z'), 'America/New_York')).toBe('08:30');
    expect(localTimeOf(at('2026-06-10T23:05:00Z'), 'UTC')).toBe('23:05');
  });

  it('follows the DST switch (Brussels, 29 March 2026 at 01:00 UTC)', () => {
    expect(localTimeOf(at('2026-03-29T00:30:00Z'), 'Europe/Brussels')).toBe('01:30');
    expect(localTimeOf(at('2026-03-29T01:30:00Z'), 'Europe/Brussels')).toBe('03:30');
    expect(localTimeOf(at('2026-10-25T00:30:00Z'), 'Europe/Brussels')).toBe('02:30');
    expect(localTimeOf(at('2026-10-25T01:30:00Z'), 'Europe/Brussels')).toBe('02:30');
  });
});

describe('reminderSendTime', () => {
  it('is the day before at the local send time, in the meeting zone', () => {
    expect(reminderSendTime({ startsAt: at('2026-06-10T12:30:00Z'), timeZone: 'Europe/Brussels', at: '18:00' }).toISOString()).toBe('2026-06-09T16:00:00.000Z');
    expect(reminderSendTime({ startsAt: at('2026-01-10T08:00:00Z'), timeZone: 'Europe/Brussels', at: '18:00' }).toISOString()).toBe('2026-01-09T17:00:00.000Z');
    expect(reminderSendTime({ startsAt: at('2026-06-10T12:30:00Z'), timeZone: 'Asia/Tokyo', at: '09:15' }).toISOString()).toBe('2026-06-09T00:15:00.000Z');
  });

  it("takes the meeting's local calendar day, not the UTC one", () => {
    // 00:30 on 11 June in Brussels is still 10 June in UTC: the text goes out on 10 June.
    expect(reminderSendTime({ startsAt: at('2026-06-10T22:30:00Z'), timeZone: 'Europe/Brussels', at: '18:00' }).toISOString()).toBe('2026-06-10T16:00:00.000Z');
  });

  it('uses the offset of the send day when DST changes between the send and the meeting', () => {
    // Meeting Monday 30 March (CEST), reminder Sunday 29 March 18:00 — after the switch that night.
    expect(reminderSendTime({ startsAt: at('2026-03-30T08:00:00Z'), timeZone: 'Europe/Brussels', at: '18:00' }).toISOString()).toBe('2026-03-29T16:00:00.000Z');
    // Meeting Sunday 29 March 10:00 CEST, reminder Saturday 28 March 18:00 CET.
    expect(reminderSendTime({ startsAt: at('2026-03-29T08:00:00Z'), timeZone: 'Europe/Brussels', at: '18:00' }).toISOString()).toBe('2026-03-28T17:00:00.000Z');
    // Autumn: meeting Monday 26 October, reminder Sunday 25 October 18:00 CET.
    expect(reminderSendTime({ startsAt: at('2026-10-26T08:00:00Z'), timeZone: 'Europe/Brussels', at: '18:00' }).toISOString()).toBe('2026-10-25T17:00:00.000Z');
  });
});

describe('zonedToInstant', () => {
  it('moves a wall time skipped by DST forward by the gap', () => {
    expect(zonedToInstant({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Brussels').toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });
});

describe('isTimeZone', () => {
  it('accepts IANA names and refuses anything else', () => {
    expect(isTimeZone('Europe/Brussels')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('CEST+2')).toBe(false);
  });
});

describe('reminderSendTime with a send rule', () => {
  it('goes `daysBefore` calendar days earlier at the local time, across DST', () => {
    // Meeting Tuesday 31 March 2026 09:00 CEST; two days before is Sunday 29 March (the switch day), 18:00 CEST.
    expect(reminderSendTime({ startsAt: at('2026-03-31T07:00:00Z'), timeZone: 'Europe/Brussels', daysBefore: 2, at: '18:00' }).toISOString()).toBe(
      '2026-03-29T16:00:00.000Z',
    );
    expect(reminderSendTime({ startsAt: at('2026-03-31T07:00:00Z'), timeZone: 'Europe/Brussels', daysBefore: 3, at: '18:00' }).toISOString()).toBe(
      '2026-03-28T17:00:00.000Z',
    );
  });

  it('the same day (daysBefore 0) before the meeting; a time at or after the start moves a day earlier', () => {
    expect(reminderSendTime({ startsAt: at('2026-06-10T12:30:00Z'), timeZone: 'Europe/Brussels', daysBefore: 0, at: '08:00' }).toISOString()).toBe(
      '2026-06-10T06:00:00.000Z',
    );
    expect(reminderSendTime({ startsAt: at('2026-06-10T05:00:00Z'), timeZone: 'Europe/Brussels', daysBefore: 0, at: '08:00' }).toISOString()).toBe(
      '2026-06-09T06:00:00.000Z',
    );
  });
});
