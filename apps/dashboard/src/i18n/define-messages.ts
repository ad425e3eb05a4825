import type { Locale } from '../api/session.js';

/**
 * One area's texts in the four languages. The type makes a key missing in one language a compile
 * error, so no screen ever falls back to English by accident.
 */
export function defineMessages<K extends string>(messages: { en: Record<K, string> } & Record<Exclude<Locale, 'en'>, Record<K, string>>) {
  return messages;
}
