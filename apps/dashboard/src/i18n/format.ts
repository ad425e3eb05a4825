import type { Locale } from '../api/session.js';

const TAGS: Record<Locale, string> = { nl: 'nl-BE', fr: 'fr-BE', en: 'en-IE', de: 'de-DE' };

/**
 * Money arrives as a decimal string and is formatted as that string: Intl reads a numeric string
 * exactly, so no float ever touches an amount. Up to 4 decimals (unit prices such as 0.0125).
 */
export function formatMoney(locale: Locale, amount: string, currency = 'EUR'): string {
  const decimals = (amount.split('.')[1] ?? '').replace(/0+$/, '').length;
  const format = new Intl.NumberFormat(TAGS[locale], {
    style: 'currency',
    currency,
    minimumFractionDigits: 2,
    maximumFractionDigits: Math.max(2, Math.min(decimals, 4)),
  });
  return format.format(amount as `${number}`);
}

export function formatNumber(locale: Locale, value: string | number): string {
  return new Intl.NumberFormat(TAGS[locale], { maximumFractionDigits: 4 }).format(value as `${number}`);
}

export function formatDateTime(locale: Locale, iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(TAGS[locale], { dateStyle: 'medium', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) }).format(new Date(iso));
}

export function formatDate(locale: Locale, iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(TAGS[locale], { dateStyle: 'medium', ...(timeZone ? { timeZone } : {}) }).format(new Date(iso));
}
