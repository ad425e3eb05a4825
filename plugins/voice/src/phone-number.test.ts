import { TollgateError } from '@tollgate/plugin-sdk';
import { describe, expect, it } from 'vitest';
import { normalisePhoneNumber } from './phone-number.js';

describe('normalisePhoneNumber', () => {
  it('turns national and spaced international forms into E.164 with the country', () => {
    expect(normalisePhoneNumber({ value: '0470 12 34 56', defaultCountry: 'BE' })).toEqual({
      e164: '+32470123456',
      country: 'BE',
      display: '+32 470 12 34 56',
    });
    expect(normalisePhoneNumber({ value: '+32 (0)470 12.34.56', defaultCountry: 'NL' }).e164).toBe('+32470123456');
    expect(normalisePhoneNumber({ value: '06 12345678', defaultCountry: 'NL' })).toMatchObject({ e164: '+31612345678', country: 'NL' });
    expect(normalisePhoneNumber({ value: '+1 415 555 1212', defaultCountry: 'BE' })).toMatchObject({ e164: '+14155551212', country: 'US' });
  });

  it('keeps non-geographic numbers without a country', () => {
    expect(normalisePhoneNumber({ value: '+800 1234 5678', defaultCountry: 'BE' })).toMatchObject({ e164: '+80012345678', country: undefined });
  });

  it('refuses what cannot be dialled with a 400 naming the field', () => {
    for (const value of ['12', 'abc', '+3247012345', '0470 12 34 56 78 9']) {
      let caught: unknown;
      try {
        normalisePhoneNumber({ value, defaultCountry: 'BE', field: 'to' });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(TollgateError);
      expect(caught).toMatchObject({ status: 400, code: 'invalid_phone_number' });
      expect((caught as Error).message).toContain('to is not a valid phone number');
    }
  });
});
