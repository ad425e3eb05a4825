import type { Locale } from '../api/session.js';

const TAGS: Record<Locale, string> = { nl: 'nl-BE', fr: 'fr-BE', en: 'en-IE', de: 'de-DE' };

/**
 * A calendar day the API sends as `YYYY-MM-DD` (a settlement date, a quota's reset day): it is
 * already the right day, so it is formatted without moving it through a time zone.
 */
export function formatDay(locale: Locale, day: string): string {
  return new Intl.DateTimeFormat(TAGS[locale], { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${day.slice(0, 10)}T12:00:00Z`));
}

/** A month `YYYY-MM` as "December 2026". */
export function formatMonth(locale: Locale, month: string): string {
  return new Intl.DateTimeFormat(TAGS[locale], { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${month}-15T12:00:00Z`));
}

/** A month `YYYY-MM` as "Dec 26", for a chart axis with many months. */
export function formatMonthShort(locale: Locale, month: string): string {
  return new Intl.DateTimeFormat(TAGS[locale], { month: 'short', year: '2-digit', timeZone: 'UTC' }).format(new Date(`${month}-15T12:00:00Z`));
}
