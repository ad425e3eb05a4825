import { digitsFromLookalikes } from './ocr-noise.js';

/** A date found in a line of text; `start`/`end` are offsets into that text. */
export interface DateMatch {
  start: number;
  end: number;
  /** yyyy-mm-dd */
  iso: string;
}

// Month names and their usual abbreviations in nl/fr/de/en; keys are lower case without accents.
const MONTHS: Record<string, number> = {};
const MONTH_NAMES: [number, string[]][] = [
  [1, ['januari', 'janvier', 'januar', 'january', 'jan', 'janv', 'jänner', 'janner']],
  [2, ['februari', 'fevrier', 'februar', 'february', 'feb', 'febr', 'fev', 'fevr']],
  [3, ['maart', 'mars', 'marz', 'maerz', 'march', 'mrt', 'mar', 'maa']],
  [4, ['april', 'avril', 'apr', 'avr']],
  [5, ['mei', 'mai', 'may']],
  [6, ['juni', 'juin', 'june', 'jun']],
  [7, ['juli', 'juillet', 'july', 'jul', 'juil']],
  [8, ['augustus', 'aout', 'august', 'aug']],
  [9, ['september', 'septembre', 'sep', 'sept']],
  [10, ['oktober', 'octobre', 'october', 'okt', 'oct']],
  [11, ['november', 'novembre', 'nov']],
  [12, ['december', 'decembre', 'dezember', 'dec', 'dez']],
];
for (const [month, names] of MONTH_NAMES) for (const name of names) MONTHS[name] = month;

const MONTH_WORD = '([A-Za-zÀ-ÿ]{3,10})\\.?';
const NUMERIC = /(?<!\d)(\d{1,2})\s?([./-])\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})(?!\d)/g;
const ISO = /(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)/g;
const DAY_MONTH_YEAR = new RegExp(`(?<![\\dA-Za-z])(\\d{1,2})(?:er|st|nd|rd|th)?\\.?[\\s-]{1,2}${MONTH_WORD}[\\s-]{1,2}(\\d{4})(?!\\d)`, 'g');
const MONTH_DAY_YEAR = new RegExp(`(?<![A-Za-z])${MONTH_WORD}\\s(\\d{1,2})(?:st|nd|rd|th)?,?\\s(\\d{4})(?!\\d)`, 'g');

function stripAccents(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

function monthNumber(word: string): number | undefined {
  return MONTHS[stripAccents(word).toLowerCase()];
}

/** A real calendar date as ISO, else null. Two-digit years are 20yy. */
function isoDate(year: number, month: number, day: number): string | null {
  const fullYear = year < 100 ? 2000 + year : year;
  if (fullYear < 1990 || fullYear > 2099 || month < 1 || month > 12 || day < 1) return null;
  const daysInMonth = new Date(Date.UTC(fullYear, month, 0)).getUTCDate();
  if (day > daysInMonth) return null;
  return `${fullYear}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * Every date in a line: dd/mm/yyyy, dd.mm.yyyy, dd-mm-yy, yyyy-mm-dd, "12 maart 2026", "12 mars
 * 2026", "12. März 2026", "March 12, 2026". Numeric dates are day first (European); a first
 * number above 12 with a second at most 12 is still read day first, and one "03/25/2026" whose
 * second number cannot be a month is read month first.
 */
export function findDates({ text }: { text: string }): DateMatch[] {
  const clean = digitsFromLookalikes(text);
  const found: DateMatch[] = [];
  const add = (start: number, end: number, iso: string | null): void => {
    if (iso && !found.some((date) => start < date.end && end > date.start)) found.push({ start, end, iso });
  };
  for (const match of clean.matchAll(ISO)) {
    add(match.index, match.index + match[0].length, isoDate(Number(match[1]), Number(match[2]), Number(match[3])));
  }
  for (const match of clean.matchAll(NUMERIC)) {
    const first = Number(match[1]);
    const second = Number(match[3]);
    const year = Number(match[4]);
    const iso = isoDate(year, second, first) ?? (second > 12 ? isoDate(year, first, second) : null);
    add(match.index, match.index + match[0].length, iso);
  }
  for (const match of clean.matchAll(DAY_MONTH_YEAR)) {
    const month = monthNumber(match[2]!);
    if (month) add(match.index, match.index + match[0].length, isoDate(Number(match[3]), month, Number(match[1])));
  }
  for (const match of clean.matchAll(MONTH_DAY_YEAR)) {
    const month = monthNumber(match[1]!);
    if (month) add(match.index, match.index + match[0].length, isoDate(Number(match[3]), month, Number(match[2])));
  }
  return found.sort((a, b) => a.start - b.start);
}
