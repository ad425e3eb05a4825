import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/**
 * Normalises what a user typed ('0470 12 34 56', '+32470123456') to E.164, with the full metadata
 * so a number of the wrong length for its country is refused. Returns null when it is not a valid number.
 */
export function normalisePhoneNumber(input: { number: string; defaultCountry: string }): { e164: string; country: string | null; display: string } | null {
  const parsed = parsePhoneNumberFromString(input.number, { defaultCountry: input.defaultCountry as CountryCode, extract: false });
  if (!parsed || !parsed.isValid()) return null;
  return { e164: parsed.number, country: parsed.country ?? null, display: parsed.formatInternational() };
}

/** '+32 470 12 34 56' for an E.164 number, for people (the wallet history); the input when it cannot be parsed. */
export function displayPhoneNumber(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}
