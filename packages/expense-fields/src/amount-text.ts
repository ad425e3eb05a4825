import { Decimal } from 'decimal.js';
import { digitsFromLookalikes } from './ocr-noise.js';

/** An amount found in a line of text. `start`/`end` are offsets into that text. */
export interface AmountMatch {
  start: number;
  end: number;
  value: Decimal;
  /** Written with two decimals ("12,50"); a bare integer ("12") is a weak amount. */
  hasCents: boolean;
  /** ISO code shown next to it ("€" → EUR), else null. */
  currency: string | null;
}

const CURRENCY_SIGNS: [RegExp, string][] = [
  [/€|EUR\b|EURO\b/iy, 'EUR'],
  [/\$|USD\b|US\$/iy, 'USD'],
  [/£|GBP\b/iy, 'GBP'],
  [/CHF\b|SFr\.?/iy, 'CHF'],
];

const THOUSANDS = /^[.,'’\u00a0\u202f ]$/;

/**
 * Parses one amount as written ("1.234,56", "1,234.56", "1 234,56", "1'234.56", "12,50", "-3,00",
 * "(3.00)"), exactly, with decimal.js. Returns null when the text is not one amount.
 */
export function parseAmount({ text }: { text: string }): { value: Decimal; hasCents: boolean } | null {
  let core = text.trim();
  let negative = false;
  if (/^\(.*\)$/.test(core)) {
    negative = true;
    core = core.slice(1, -1).trim();
  }
  if (/^[-−–]/.test(core)) {
    negative = true;
    core = core.slice(1).trim();
  } else if (/[-−–]$/.test(core)) {
    negative = true;
    core = core.slice(0, -1).trim();
  }
  const parsed = parseUnsigned(core);
  if (!parsed) return null;
  return { value: negative ? parsed.value.negated() : parsed.value, hasCents: parsed.hasCents };
}

function parseUnsigned(raw: string): { value: Decimal; hasCents: boolean } | null {
  // OCR: a space beside the decimal separator ("12, 50") or between the cents ("16,7 3"), and a doubled separator ("12,,50").
  const text = raw
    .replace(/\s*([.,])\s*(?=\d{2}$)/, '$1')
    .replace(/([.,]\d) (\d)$/, '$1$2')
    .replace(/([.,])\1+/g, '$1');
  if (!/^\d/.test(text) || !/\d$/.test(text)) return null;
  const decimal = /^(.*\d)([.,])(\d{2})$/.exec(text);
  const integerPart = decimal ? decimal[1]! : text;
  const separator = decimal ? decimal[2]! : null;
  const integer = integerDigits(integerPart, separator);
  if (integer === null) return null;
  return { value: new Decimal(decimal ? `${integer}.${decimal[3]}` : integer), hasCents: decimal !== null };
}

/** The digits of an integer part, plain ("1234") or grouped by threes with one thousands separator. */
function integerDigits(text: string, decimalSeparator: string | null): string | null {
  if (/^\d+$/.test(text)) return text;
  const grouped = /^\d{1,3}(?:(\D)\d{3})+$/.exec(text);
  if (!grouped) return null;
  const separator = grouped[1]!;
  if (!THOUSANDS.test(separator) || separator === decimalSeparator) return null;
  // One thousands separator throughout.
  if (
    text
      .replace(/\d/g, '')
      .split('')
      .some((char) => char !== separator)
  )
    return null;
  return text.replace(/\D/g, '');
}

// Single spaces only: the layout writes a wide gap between columns as two spaces.
const NUMBER_RUN = /\d(?:(?:[\d.,'’\u00a0\u202f]| (?! ))*\d)?/g;

/** Every amount in a line of (possibly noisy OCR) text, left to right. */
export function findAmounts({ text }: { text: string }): AmountMatch[] {
  const clean = digitsFromLookalikes(text);
  const found: AmountMatch[] = [];
  for (const run of clean.matchAll(NUMBER_RUN)) {
    const runStart = run.index;
    // The run's space-separated pieces; join the longest valid stretch from the left.
    const pieces = [...run[0].matchAll(/\S+/g)].map((piece) => ({
      start: runStart + piece.index,
      end: runStart + piece.index + piece[0].length,
    }));
    let i = 0;
    while (i < pieces.length) {
      let matched = false;
      for (let j = pieces.length - 1; j >= i; j--) {
        const start = pieces[i]!.start;
        const end = pieces[j]!.end;
        const parsed = parseUnsigned(clean.slice(start, end));
        if (!parsed) continue;
        found.push(withContext(clean, start, end, parsed));
        i = j + 1;
        matched = true;
        break;
      }
      if (!matched) i++;
    }
  }
  return found;
}

function withContext(text: string, start: number, end: number, parsed: { value: Decimal; hasCents: boolean }): AmountMatch {
  let value = parsed.value;
  let currency: string | null = null;
  let from = start;
  let to = end;
  const before = text.slice(Math.max(0, start - 6), start);
  const after = text.slice(end, end + 6);
  for (const [pattern, code] of CURRENCY_SIGNS) {
    const beforeMatch = new RegExp(`(?:${pattern.source})\\s?[-−]?\\s?$`, 'i').exec(before);
    if (beforeMatch) {
      currency = code;
      from = start - beforeMatch[0].length;
      break;
    }
    const afterMatch = new RegExp(`^\\s?(?:${pattern.source})`, 'i').exec(after);
    if (afterMatch) {
      currency = code;
      to = end + afterMatch[0].length;
      break;
    }
  }
  const sign = /[-−–]\s?$/.test(text.slice(0, from)) || /[-−]/.test(text.slice(from, start));
  const trailingMinus = /^[-−]/.test(text.slice(to)) && !/^[-−]\s?\d/.test(text.slice(to));
  const parenthesised = text[from - 1] === '(' && text[to] === ')';
  // "Rechnung Nr. 12-34" is no negative amount: a minus counts when it does not join two numbers.
  const joinsNumbers = /\d\s?[-−–]\s?$/.test(text.slice(0, from));
  if ((sign && !joinsNumbers) || trailingMinus || parenthesised) value = value.negated();
  return { start: from, end: to, value, hasCents: parsed.hasCents, currency };
}
