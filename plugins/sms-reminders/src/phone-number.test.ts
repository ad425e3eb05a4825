import { describe, expect, it } from 'vitest';
import { displayPhoneNumber, normalisePhoneNumber } from './phone-number.js';

describe('normalisePhoneNumber', () => {
  it('normalises national and international spellings to E.164', () => {
    expect(normalisePhoneNumber({ number: '0470 12 34 56', defaultCountry: 'BE' })).toEqual({
      e164: '+32470123456',
      country: 'BE',
      display: '+32 470 12 34 56',
    });
    expect(normalisePhoneNumber({ number: '+32 (0)470/12.34.56', defaultCountry: 'NL' })?.e164).toBe('+32470123456');
    expect(normalisePhoneNumber({ number: '06 12345678', defaultCountry: 'NL' })?.e164).toBe('+31612345678');
    expect(normalisePhoneNumber({ number: '+33 6 12 34 56 78', defaultCountry: 'BE' })?.e164).toBe('+33612345678');
  });

  it('uses the default country only for numbers without a country code', () => {
    expect(normalisePhoneNumber({ number: '0612345678', defaultCountry: 'FR' })?.e164).toBe('+33612345678');
    expect(normalisePhoneNumber({ number: '0612345678', defaultCountry: 'BE' })).toBeNull();
  });

  it('refuses numbers of the wrong length, letters and empty input', () => {
    expect(normalisePhoneNumber({ number: '+3247012345', defaultCountry: 'BE' })).toBeNull();
    expect(normalisePhoneNumber({ number: '12', defaultCountry: 'BE' })).toBeNull();
    expect(normalisePhoneNumber({ number: 'call me', defaultCountry: 'BE' })).toBeNull();
    expect(normalisePhoneNumber({ number: '', defaultCountry: 'BE' })).toBeNull();
  });
});

describe('displayPhoneNumber', () => {
  it('spaces an E.164 number the international way', () => {
    expect(displayPhoneNumber('+32470123456')).toBe('+32 470 12 34 56');
    expect(displayPhoneNumber('not a number')).toBe('not a number');
  });
});
