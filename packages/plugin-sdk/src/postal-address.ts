import { ValidationError } from '@tollgate/errors';
import type { PostalAddress } from './postal-carrier.js';

/*
 * Postal address rules shared by the letter channel and the carriers (since API 2.5): one place that
 * knows the postcode formats and how an address is laid out in the envelope window.
 * Sources: bpost addressing (BE, KB 24-04-2014 art. 34), PostNL addressing tips (NL), DIN 5008 (DE).
 */

/** Postcode patterns per country; a country without one is checked for a non-empty postcode only. */
export const POSTAL_CODE_PATTERNS: Readonly<Record<string, { pattern: RegExp; example: string }>> = {
  BE: { pattern: /^\d{4}$/, example: '1000' },
  NL: { pattern: /^\d{4} [A-Z]{2}$/, example: '1234 AB' },
  DE: { pattern: /^\d{5}$/, example: '10115' },
  LU: { pattern: /^\d{4}$/, example: '1611' },
  FR: { pattern: /^\d{5}$/, example: '75001' },
};

const COUNTRY_NAMES: Readonly<Record<string, Record<'nl' | 'fr' | 'en' | 'de', string>>> = {
  BE: { nl: 'BELGIË', fr: 'BELGIQUE', en: 'BELGIUM', de: 'BELGIEN' },
  NL: { nl: 'NEDERLAND', fr: 'PAYS-BAS', en: 'NETHERLANDS', de: 'NIEDERLANDE' },
  DE: { nl: 'DUITSLAND', fr: 'ALLEMAGNE', en: 'GERMANY', de: 'DEUTSCHLAND' },
  LU: { nl: 'LUXEMBURG', fr: 'LUXEMBOURG', en: 'LUXEMBOURG', de: 'LUXEMBURG' },
  FR: { nl: 'FRANKRIJK', fr: 'FRANCE', en: 'FRANCE', de: 'FRANKREICH' },
};

export interface PostalAddressProblem {
  /** The field at fault: 'postalCode', 'street', 'name', 'city', 'country', 'attention'. */
  field: keyof PostalAddress;
  message: string;
}

/** At most this many characters per printed line: what fits 85 mm at 10 pt. */
export const MAX_ADDRESS_LINE = 50;

/**
 * Normalises what people type: trims, collapses spaces, upper-cases the country and Dutch postcode
 * letters, and writes "1234ab" as "1234 AB". The result still has to pass `postalAddressProblems`.
 */
export function normalisePostalAddress(address: PostalAddress): PostalAddress {
  const clean = (v: string | undefined) => (v === undefined ? undefined : v.replace(/\s+/g, ' ').trim());
  const country = (clean(address.country) ?? '').toUpperCase();
  let postalCode = clean(address.postalCode) ?? '';
  if (country === 'NL') {
    const m = /^(\d{4})\s*([a-zA-Z]{2})$/.exec(postalCode);
    if (m) postalCode = `${m[1]} ${m[2]!.toUpperCase()}`;
  }
  if (country === 'BE' || country === 'LU') postalCode = postalCode.replace(/^(B|L|BE|LU)-/i, '');
  if (country === 'DE') postalCode = postalCode.replace(/^D-/i, '');
  const attention = clean(address.attention);
  return {
    name: clean(address.name) ?? '',
    ...(attention ? { attention } : {}),
    street: clean(address.street) ?? '',
    postalCode,
    city: clean(address.city) ?? '',
    country,
  };
}

/** What is wrong with an address (empty when it can be printed and posted). */
export function postalAddressProblems(address: PostalAddress): PostalAddressProblem[] {
  const problems: PostalAddressProblem[] = [];
  if (!/^[A-Z]{2}$/.test(address.country)) problems.push({ field: 'country', message: 'country must be an ISO 3166 alpha-2 code, e.g. BE' });
  for (const field of ['name', 'street', 'city'] as const) {
    if (!address[field]) problems.push({ field, message: `${field} is required` });
    else if (address[field].length > MAX_ADDRESS_LINE) problems.push({ field, message: `${field} is longer than ${MAX_ADDRESS_LINE} characters` });
  }
  if (address.attention && address.attention.length > MAX_ADDRESS_LINE)
    problems.push({ field: 'attention', message: `attention is longer than ${MAX_ADDRESS_LINE} characters` });
  const rule = POSTAL_CODE_PATTERNS[address.country];
  if (!address.postalCode) problems.push({ field: 'postalCode', message: 'postalCode is required' });
  else if (rule && !rule.pattern.test(address.postalCode))
    problems.push({ field: 'postalCode', message: `postalCode "${address.postalCode}" is not a ${address.country} postcode (e.g. "${rule.example}")` });
  return problems;
}

/** Throws a ValidationError (400 `invalid_address`, details per field) when the address cannot be posted. */
export function assertPostalAddress(input: { address: PostalAddress; role?: 'recipient' | 'sender' }): void {
  const problems = postalAddressProblems(input.address);
  if (problems.length === 0) return;
  const who = input.role ?? 'recipient';
  throw new ValidationError({
    code: 'invalid_address',
    message: `The ${who} address cannot be posted: ${problems.map((p) => p.message).join('; ')}`,
    details: { [who]: problems },
  });
}

/**
 * The lines printed in the window, top to bottom, without blank lines: name, attention, street,
 * postcode + city, and the country in capitals when the letter goes abroad (posted from `fromCountry`).
 * NL: "1234 AB  AMSTERDAM" (two spaces, city in capitals) as PostNL asks.
 */
export function postalAddressLines(input: { address: PostalAddress; fromCountry: string; locale?: 'nl' | 'fr' | 'en' | 'de' }): string[] {
  const a = input.address;
  const lines = [a.name];
  if (a.attention) lines.push(a.attention);
  lines.push(a.street);
  lines.push(a.country === 'NL' ? `${a.postalCode}  ${a.city.toUpperCase()}` : `${a.postalCode} ${a.city}`);
  if (a.country !== input.fromCountry) lines.push(COUNTRY_NAMES[a.country]?.[input.locale ?? 'en'] ?? a.country);
  return lines;
}
