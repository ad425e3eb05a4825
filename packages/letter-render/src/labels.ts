export type LetterLocale = 'nl' | 'fr' | 'en' | 'de';

/** The words printed on a letter, per language. */
export const LETTER_LABELS: Readonly<Record<LetterLocale, { date: string; reference: string; subject: string; page: string }>> = {
  nl: { date: 'Datum', reference: 'Referentie', subject: 'Betreft', page: 'Pagina' },
  fr: { date: 'Date', reference: 'Référence', subject: 'Objet', page: 'Page' },
  en: { date: 'Date', reference: 'Reference', subject: 'Subject', page: 'Page' },
  de: { date: 'Datum', reference: 'Referenz', subject: 'Betreff', page: 'Seite' },
};

const DATE_LOCALES: Readonly<Record<LetterLocale, string>> = { nl: 'nl-BE', fr: 'fr-BE', en: 'en-GB', de: 'de-DE' };

/** Formatters by locale and zone: making one costs more than a letter's barcode. */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** "7 december 2026" in the letter's language, on the calendar of `timeZone` (the account's). */
export function formatLetterDate(date: Date, locale: LetterLocale, timeZone = 'Europe/Brussels'): string {
  const key = `${locale} ${timeZone}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(DATE_LOCALES[locale], { dateStyle: 'long', timeZone });
    if (formatters.size < 1000) formatters.set(key, formatter);
  }
  return formatter.format(date);
}
