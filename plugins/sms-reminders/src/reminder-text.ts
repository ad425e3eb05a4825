import type { AccountLocale } from '@tollgate/plugin-sdk';
import { calendarDaysBetween, localDate, localTimeOf } from './meeting-time.js';
import { countSegments, type SegmentCount } from './sms-segments.js';

/** The product's wording (P-1), kept exactly: the English text of a meeting on the day after the text. */
export const REMINDER_TEMPLATE = 'Dear [FIRST NAME], this is a reminder for your meeting tomorrow at %s. The location is %s.';

export const REMINDER_LOCALES = ['nl', 'fr', 'en', 'de'] as const satisfies readonly AccountLocale[];

interface Wording {
  /** `{day}` is the meeting's day relative to the moment of sending; `%s` the local time, then the location. */
  template: string;
  today: string;
  tomorrow: string;
  /** A meeting two days or more ahead: its weekday and date. */
  on: (d: { weekday: string; day: number; month: string }) => string;
  weekdays: readonly string[];
  months: readonly string[];
}

// Names spelled out here (not Intl) so the text, and its segment count, do not change with the runtime's ICU data.
const WORDING: Record<AccountLocale, Wording> = {
  en: {
    template: 'Dear [FIRST NAME], this is a reminder for your meeting {day} at %s. The location is %s.',
    today: 'today',
    tomorrow: 'tomorrow',
    on: (d) => `on ${d.weekday} ${d.day} ${d.month}`,
    weekdays: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
    months: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
  },
  nl: {
    template: 'Beste [FIRST NAME], dit is een herinnering aan je afspraak {day} om %s. De locatie is %s.',
    today: 'vandaag',
    tomorrow: 'morgen',
    on: (d) => `op ${d.weekday} ${d.day} ${d.month}`,
    weekdays: ['zondag', 'maandag', 'dinsdag', 'woensdag', 'donderdag', 'vrijdag', 'zaterdag'],
    months: ['januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli', 'augustus', 'september', 'oktober', 'november', 'december'],
  },
  fr: {
    template: 'Bonjour [FIRST NAME], ceci est un rappel de votre rendez-vous {day} à %s. Le lieu est %s.',
    today: "aujourd'hui",
    tomorrow: 'demain',
    on: (d) => `le ${d.weekday} ${d.day} ${d.month}`,
    weekdays: ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi'],
    months: ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'],
  },
  de: {
    template: 'Hallo [FIRST NAME], dies ist eine Erinnerung an Ihren Termin {day} um %s. Der Ort ist %s.',
    today: 'heute',
    tomorrow: 'morgen',
    on: (d) => `am ${d.weekday}, ${d.day}. ${d.month}`,
    weekdays: ['Sonntag', 'Montag', 'Dienstag', 'Mittwoch', 'Donnerstag', 'Freitag', 'Samstag'],
    months: ['Januar', 'Februar', 'März', 'April', 'Mai', 'Juni', 'Juli', 'August', 'September', 'Oktober', 'November', 'Dezember'],
  },
};

export interface ReminderTextInput {
  firstName: string;
  startsAt: Date;
  timeZone: string;
  location: string;
  /** The account's language; default English. */
  locale?: AccountLocale;
  /** When the text goes out: "today"/"tomorrow" are true as seen in the meeting's zone at this moment. Default: the day before. */
  sentAt?: Date;
}

/** "tomorrow", "today" or "on Friday 12 June": the meeting's day as seen from the moment of sending, in the meeting's zone. */
export function meetingDay(input: { startsAt: Date; timeZone: string; sentAt: Date; locale: AccountLocale }): string {
  const w = WORDING[input.locale];
  const days = calendarDaysBetween({ from: input.sentAt, to: input.startsAt, timeZone: input.timeZone });
  if (days <= 0) return w.today;
  if (days === 1) return w.tomorrow;
  const d = localDate(input.startsAt, input.timeZone);
  return w.on({ weekday: w.weekdays[d.weekday]!, day: d.day, month: w.months[d.month - 1]! });
}

export function renderReminder(input: ReminderTextInput): string {
  const locale = input.locale ?? 'en';
  const sentAt = input.sentAt ?? new Date(input.startsAt.getTime() - 86_400_000);
  const day = meetingDay({ startsAt: input.startsAt, timeZone: input.timeZone, sentAt, locale });
  const time = localTimeOf(input.startsAt, input.timeZone);
  // Replace the placeholders in one pass, so a name containing "%s" or "{day}" is never substituted.
  let slot = 0;
  const values = [time, input.location];
  return WORDING[locale].template.replace(/\[FIRST NAME\]|\{day\}|%s/g, (token) =>
    token === '[FIRST NAME]' ? input.firstName : token === '{day}' ? day : values[slot++]!,
  );
}

/** Segments the rendered text needs (GSM-7 or UCS-2 as its characters require); the caller refuses it above its `maxSegments`. */
export function reminderSegments(input: ReminderTextInput): SegmentCount {
  return countSegments(renderReminder(input));
}
