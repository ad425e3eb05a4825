import type { Locale } from '../../api/session.js';
import { formatDate } from '../../i18n/format.js';

/** A plain `YYYY-MM-DD` (issue and due dates) in the user's language; read as UTC so it never shifts a day. */
export function formatDay(locale: Locale, day: string | null): string {
  return day ? formatDate(locale, `${day}T00:00:00.000Z`, 'UTC') : '—';
}
