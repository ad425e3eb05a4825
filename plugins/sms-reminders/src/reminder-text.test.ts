import { describe, expect, it } from 'vitest';
import { REMINDER_TEMPLATE, renderReminder, reminderSegments } from './reminder-text.js';

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

  it('keeps the seed English text exactly for a meeting the next day', () => {
    const text = renderReminder({ firstName: '[FIRST NAME]', startsAt: new Date('2026-06-10T12:30:00Z'), timeZone: 'UTC', location: '%s' });
    expect(REMINDER_TEMPLATE.replace('%s', '12:30')).toBe(text);
  });
});

describe('the meeting day, as seen in its zone when the text goes out (Europe/Brussels)', () => {
  const say = (startsAt: string, sentAt: string, locale?: 'nl' | 'fr' | 'en' | 'de') =>
    renderReminder({
      firstName: 'Ann',
      startsAt: new Date(startsAt),
      timeZone: 'Europe/Brussels',
      location: 'HQ',
      sentAt: new Date(sentAt),
      ...(locale ? { locale } : {}),
    });

  it('a meeting later the same day is "today", never "tomorrow"', () => {
    expect(say('2026-06-10T11:00:00Z', '2026-06-10T07:00:00Z')).toBe('Dear Ann, this is a reminder for your meeting today at 13:00. The location is HQ.');
  });

  it('turns at local midnight, not at UTC midnight', () => {
    // 23:59 and 00:01 in Brussels are both on 9 June in UTC.
    expect(say('2026-06-10T06:00:00Z', '2026-06-09T21:59:00Z')).toContain('meeting tomorrow at 08:00.');
    expect(say('2026-06-10T06:00:00Z', '2026-06-09T22:01:00Z')).toContain('meeting today at 08:00.');
  });

  it('across the spring DST change (29 March 2026, 02:00 → 03:00)', () => {
    expect(say('2026-03-29T07:00:00Z', '2026-03-28T17:00:00Z')).toContain('meeting tomorrow at 09:00.');
    expect(say('2026-03-29T07:00:00Z', '2026-03-28T23:30:00Z')).toContain('meeting today at 09:00.');
    expect(say('2026-03-29T07:00:00Z', '2026-03-28T22:30:00Z')).toContain('meeting tomorrow at 09:00.');
  });

  it('across the autumn DST change (25 October 2026, 03:00 → 02:00), and a date when further', () => {
    expect(say('2026-10-25T23:30:00Z', '2026-10-25T17:00:00Z')).toContain('meeting tomorrow at 00:30.');
    expect(say('2026-10-25T23:30:00Z', '2026-10-24T16:00:00Z')).toContain('meeting on Monday 26 October at 00:30.');
    expect(say('2026-10-25T23:30:00Z', '2026-10-25T23:10:00Z')).toContain('meeting today at 00:30.');
  });

  it('speaks the account locale: nl, fr, de, en', () => {
    const wed = '2026-06-10T07:00:00Z';
    expect(say('2026-06-10T11:00:00Z', wed, 'nl')).toBe('Beste Ann, dit is een herinnering aan je afspraak vandaag om 13:00. De locatie is HQ.');
    expect(say('2026-06-11T11:00:00Z', wed, 'nl')).toBe('Beste Ann, dit is een herinnering aan je afspraak morgen om 13:00. De locatie is HQ.');
    expect(say('2026-06-12T11:00:00Z', wed, 'nl')).toBe('Beste Ann, dit is een herinnering aan je afspraak op vrijdag 12 juni om 13:00. De locatie is HQ.');
    expect(say('2026-06-10T11:00:00Z', wed, 'fr')).toBe("Bonjour Ann, ceci est un rappel de votre rendez-vous aujourd'hui à 13:00. Le lieu est HQ.");
    expect(say('2026-06-11T11:00:00Z', wed, 'fr')).toBe('Bonjour Ann, ceci est un rappel de votre rendez-vous demain à 13:00. Le lieu est HQ.');
    expect(say('2026-06-12T11:00:00Z', wed, 'fr')).toBe('Bonjour Ann, ceci est un rappel de votre rendez-vous le vendredi 12 juin à 13:00. Le lieu est HQ.');
    expect(say('2026-06-10T11:00:00Z', wed, 'de')).toBe('Hallo Ann, dies ist eine Erinnerung an Ihren Termin heute um 13:00. Der Ort ist HQ.');
    expect(say('2026-06-11T11:00:00Z', wed, 'de')).toBe('Hallo Ann, dies ist eine Erinnerung an Ihren Termin morgen um 13:00. Der Ort ist HQ.');
    expect(say('2026-06-12T11:00:00Z', wed, 'de')).toBe('Hallo Ann, dies ist eine Erinnerung an Ihren Termin am Freitag, 12. Juni um 13:00. Der Ort ist HQ.');
    expect(say('2026-06-11T11:00:00Z', wed, 'en')).toBe('Dear Ann, this is a reminder for your meeting tomorrow at 13:00. The location is HQ.');
    expect(say('2026-06-12T11:00:00Z', wed, 'en')).toBe('Dear Ann, this is a reminder for your meeting on Friday 12 June at 13:00. The location is HQ.');
  });

  it('counts segments on the localized text: French and German accents in GSM-7 stay GSM-7, the rest is UCS-2', () => {
    const seg = (startsAt: string, sentAt: string, locale: 'fr' | 'de', location = 'HQ') =>
      reminderSegments({ firstName: 'Ann', startsAt: new Date(startsAt), timeZone: 'Europe/Brussels', location, locale, sentAt: new Date(sentAt) });
    // "à", "ä" and "é" are in the GSM-7 alphabet.
    expect(seg('2026-06-11T11:00:00Z', '2026-06-10T16:00:00Z', 'fr')).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(seg('2026-03-13T11:00:00Z', '2026-03-10T16:00:00Z', 'de')).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(seg('2026-02-13T11:00:00Z', '2026-02-10T16:00:00Z', 'fr')).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    // "û" (août) and "ç" are not: the same text becomes UCS-2 and needs two segments.
    expect(seg('2026-08-14T11:00:00Z', '2026-08-10T16:00:00Z', 'fr')).toMatchObject({ encoding: 'UCS-2', segments: 2 });
    expect(seg('2026-06-11T11:00:00Z', '2026-06-10T16:00:00Z', 'fr', 'Façade')).toMatchObject({ encoding: 'UCS-2', segments: 2 });
  });
});
