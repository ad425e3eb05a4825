import { Decimal } from 'decimal.js';

/** How a language writes amounts, dates and VAT numbers on a document. */
export type CorpusLanguage = 'nl' | 'fr' | 'de' | 'en';

const MONTHS: Record<CorpusLanguage, readonly string[]> = {
  nl: ['januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli', 'augustus', 'september', 'oktober', 'november', 'december'],
  fr: ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'],
  de: ['Januar', 'Februar', 'März', 'April', 'Mai', 'Juni', 'Juli', 'August', 'September', 'Oktober', 'November', 'Dezember'],
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
};

/** "1.234,56" (nl, de), "1 234,56" (fr), "1,234.56" (en); `grouping` false leaves out the thousands separator. */
export function formatAmount(input: { value: string; language: CorpusLanguage; grouping?: boolean }): string {
  const fixed = new Decimal(input.value).toFixed(2);
  const [whole, cents] = fixed.split('.') as [string, string];
  const negative = whole.startsWith('-');
  const digits = negative ? whole.slice(1) : whole;
  const group = input.language === 'en' ? ',' : input.language === 'fr' ? '\u00a0' : '.';
  const grouped = input.grouping === false ? digits : digits.replace(/\B(?=(\d{3})+(?!\d))/g, group);
  return `${negative ? '-' : ''}${grouped}${input.language === 'en' ? '.' : ','}${cents}`;
}

/** A VAT rate as printed: "21", "5,5" (comma languages) or "5.5". */
export function formatRate(input: { rate: string; language: CorpusLanguage }): string {
  return input.language === 'en' ? input.rate : input.rate.replace('.', ',');
}

const SYMBOL: Record<string, string> = { EUR: '€', USD: '$', GBP: '£' };

/** An amount with its currency the way the language puts it: "€ 12,50" (nl), "12,50 €" (fr, de), "€12.50" (en). */
export function formatMoney(input: { value: string; currency: string; language: CorpusLanguage; grouping?: boolean }): string {
  const amount = formatAmount(input);
  const symbol = SYMBOL[input.currency] ?? input.currency;
  switch (input.language) {
    case 'nl':
      return `${symbol}\u00a0${amount}`;
    case 'en':
      return `${symbol}${amount}`;
    default:
      return `${amount}\u00a0${symbol}`;
  }
}

export type DateStyle = 'numeric' | 'long' | 'short-month';

/** An ISO date as printed locally: numeric (12-03-2026, 12/03/2026, 12.03.2026) or with the month's name. */
export function formatDate(input: { iso: string; language: CorpusLanguage; style: DateStyle; separator?: string }): string {
  const [y, m, d] = input.iso.split('-') as [string, string, string];
  const month = MONTHS[input.language][Number(m) - 1] as string;
  const day = String(Number(d));
  if (input.style === 'numeric') {
    const sep = input.separator ?? { nl: '-', fr: '/', de: '.', en: '/' }[input.language];
    return `${d}${sep}${m}${sep}${y}`;
  }
  if (input.style === 'short-month') {
    const short = month.length > 4 ? `${month.slice(0, 3)}${input.language === 'en' ? '' : '.'}` : month;
    return input.language === 'de' ? `${day}. ${short} ${y}` : `${day} ${short} ${y}`;
  }
  if (input.language === 'de') return `${day}. ${month} ${y}`;
  if (input.language === 'fr' && day === '1') return `1er ${month} ${y}`;
  return `${day} ${month} ${y}`;
}

/** A VAT number as suppliers print it ("BE 0123.456.749", "FR 23 334175221"); the truth keeps it normalised. */
export function printVatNumber(input: { value: string; spaced: boolean }): string {
  const { value, spaced } = input;
  if (!spaced) return value;
  const c = value.slice(0, 2);
  const rest = value.slice(2);
  switch (c) {
    case 'BE':
      return `BE ${rest.slice(0, 4)}.${rest.slice(4, 7)}.${rest.slice(7)}`;
    case 'FR':
      return `FR ${rest.slice(0, 2)} ${rest.slice(2)}`;
    case 'DE':
      return `DE ${rest.slice(0, 3)} ${rest.slice(3, 6)} ${rest.slice(6)}`;
    default:
      return `${c} ${rest}`;
  }
}

/** An IBAN in groups of four, as printed. */
export function printIban(iban: string): string {
  return iban.replace(/(.{4})(?=.)/g, '$1 ');
}
