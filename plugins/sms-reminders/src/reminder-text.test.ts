import { describe, expect, it } from 'vitest';
import { renderReminder, reminderSegments } from './reminder-text.js';

describe('renderReminder', () => {
  it('fills in the first name, the local time and the location', () => {
    expect(
      renderReminder({ firstName: 'Ann', startsAt: new Date('2026-06-10T12:30:00Z'), timeZone: 'Europe/Brussels', location: 'Grote Markt 1, Leuven' }),
    ).toBe('Dear Ann, this is a reminder for your meeting tomorrow at 14:30. The location is Grote Markt 1, Leuven.');
  });

  it('says the time of the meeting zone, across a DST change', () => {
    const text = (iso: string, timeZone: string) => renderReminder({ firstName: 'Bo', startsAt: new Date(iso), timeZone, location: 'HQ' });
    expect(text('2026-03-30T07:00:00Z', 'Europe/Brussels')).toContain('tomorrow at 09:00.');
    expect(text('2026-03-27T08:00:00Z', 'Europe/Brussels')).toContain('tomorrow at 09:00.');
    expect(text('2026-03-10T13:00:00Z', 'America/New_York')).toContain('tomorrow at 09:00.');
    expect(text('2026-03-07T14:00:00Z', 'America/New_York')).toContain('tomorrow at 09:00.');
  });

  it('does not substitute placeholders that appear in the values', () => {
    expect(renderReminder({ firstName: '%s', startsAt: new Date('2026-06-10T12:30:00Z'), timeZone: 'UTC', location: '[FIRST NAME] %s' })).toBe(
      'Dear %s, this is a reminder for your meeting tomorrow at 12:30. The location is [FIRST NAME] %s.',
    );
  });

  it('counts the segments of the rendered text', () => {
    const base = { firstName: 'Ann', startsAt: new Date('2026-06-10T12:30:00Z'), timeZone: 'UTC' };
    expect(reminderSegments({ ...base, location: 'HQ' })).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    // Whatever the fixed words leave of one GSM-7 segment, the location may use; one more character makes two.
    const room = 160 - renderReminder({ ...base, location: '' }).length;
    expect(room).toBe(160 - 'Dear Ann, this is a reminder for your meeting tomorrow at 12:30. The location is .'.length);
    expect(reminderSegments({ ...base, location: 'x'.repeat(room) }).segments).toBe(1);
    expect(reminderSegments({ ...base, location: 'x'.repeat(room + 1) }).segments).toBe(2);
    expect(reminderSegments({ ...base, firstName: 'Łukasz', location: 'HQ' })).toMatchObject({ encoding: 'UCS-2', segments: 2 });
  });
});
