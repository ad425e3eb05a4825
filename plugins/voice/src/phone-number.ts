import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { ValidationError } from '@tollgate/plugin-sdk';

export interface PhoneNumber {
  /** '+32470123456' */
  e164: string;
  /** ISO country of the number; undefined for non-geographic numbers (+800…). */
  country: string | undefined;
  /** '+32 470 12 34 56', for the history. */
  display: string;
}

/**
 * Parses a number as a person types it ('0470 12 34 56', '+32 470 12 34 56') into E.164, with the
 * full metadata so numbers of a wrong length or an unallocated range are refused before dialling.
 */
export function normalisePhoneNumber(input: { value: string; defaultCountry: string; field?: string }): PhoneNumber {
  const field = input.field ?? 'to';
  const parsed = parsePhoneNumberFromString(input.value, input.defaultCountry as CountryCode);
  if (!parsed?.isValid()) {
    throw new ValidationError({
      code: 'invalid_phone_number',
      message: `${field} is not a valid phone number: ${JSON.stringify(input.value)} (give it in international form, e.g. "+32 470 12 34 56")`,
      details: [{ part: 'body', path: [field], message: 'not a valid phone number' }],
    });
  }
  return { e164: parsed.number, country: parsed.country, display: parsed.formatInternational() };
}
