/**
 * Masks personal data in texts the history shows (descriptions, CSV): phone numbers keep their
 * country code and last two digits ("+32 ••• •• •• 67"), e-mail addresses their first character and
 * domain ("a•••@acme.test"). Applied when the history is read, so the ledger keeps what it recorded.
 */
const DOT = '•';

// One-digit (NANP, Russia/Kazakhstan) and two-digit ITU country codes; every other code has three digits.
const TWO_DIGIT_CODES = new Set(
  '20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98'.split(' '),
);

/** Digits of the country code at the start of an international number's digits. */
function countryCodeLength(digits: string): number {
  if (digits.startsWith('1') || digits.startsWith('7')) return 1;
  return TWO_DIGIT_CODES.has(digits.slice(0, 2)) ? 2 : 3;
}

/** Replaces every digit after the first `keepStart` and before the last `keepEnd` by a dot; separators stay. */
function maskDigits(text: string, keepStart: number, keepEnd: number): string {
  const total = text.replace(/\D/g, '').length;
  let seen = 0;
  return text.replace(/\d/g, (d) => {
    seen += 1;
    return seen <= keepStart || seen > total - keepEnd ? d : DOT;
  });
}

// +CC then more digits with single spaces, dots, dashes or slashes between them, or a bracketed group ("(212)");
// a lone bracket ("… (3 min)") ends the number.
const INTERNATIONAL = /\+\d(?:(?:[ .\-/]?\(\d{1,4}\)[ .\-/]?|[ .\-/]?)\d){5,14}/g;
// A national number: 0 then 8–10 more digits (0471 23 45 67, 02/123.45.67), not part of a longer token.
const NATIONAL = /(?<![\w+•])0\d(?:[ .\-/]?\d){7,9}(?![\w•])/g;
const EMAIL = /([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})/g;

export function maskPersonalData(text: string): string {
  return text
    .replace(EMAIL, (_m, first: string, domain: string) => `${first}${DOT.repeat(3)}@${domain}`)
    .replace(INTERNATIONAL, (m) => maskDigits(m, countryCodeLength(m.replace(/\D/g, '')), 2))
    .replace(NATIONAL, (m) => maskDigits(m, 0, 2));
}
