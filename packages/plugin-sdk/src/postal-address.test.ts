import { ValidationError } from '@tollgate/errors';
import { describe, expect, it } from 'vitest';
import { assertPostalAddress, normalisePostalAddress, postalAddressLines, postalAddressProblems } from './postal-address.js';

const be = { name: 'Bakkerij Peeters', street: 'Kerkstraat 12 bus 3', postalCode: '9000', city: 'Gent', country: 'BE' };

describe('postal address rules', () => {
  it('accepts the postcode formats of BE, NL and DE and refuses the others with an example', () => {
    expect(postalAddressProblems(be)).toEqual([]);
    expect(postalAddressProblems({ ...be, country: 'NL', postalCode: '1012 AB' })).toEqual([]);
    expect(postalAddressProblems({ ...be, country: 'DE', postalCode: '10115' })).toEqual([]);
    expect(postalAddressProblems({ ...be, postalCode: '900' })).toEqual([
      { field: 'postalCode', message: 'postalCode "900" is not a BE postcode (e.g. "1000")' },
    ]);
    expect(postalAddressProblems({ ...be, country: 'NL', postalCode: '1012AB' })[0]?.field).toBe('postalCode');
    expect(postalAddressProblems({ ...be, country: 'DE', postalCode: '1011' })[0]?.field).toBe('postalCode');
    expect(postalAddressProblems({ ...be, name: '', country: 'be' }).map((p) => p.field)).toEqual(['country', 'name']);
  });

  it('normalises what people type before checking', () => {
    const nl = normalisePostalAddress({ name: ' Jansen  BV ', street: 'Dam 1', postalCode: '1012ab', city: 'Amsterdam', country: 'nl' });
    expect(nl).toEqual({ name: 'Jansen BV', street: 'Dam 1', postalCode: '1012 AB', city: 'Amsterdam', country: 'NL' });
    expect(normalisePostalAddress({ ...be, postalCode: 'B-9000' }).postalCode).toBe('9000');
    expect(normalisePostalAddress({ ...be, country: 'DE', postalCode: 'D-10115' }).postalCode).toBe('10115');
  });

  it('lays out the window lines: NL city in capitals after two spaces, the country only abroad', () => {
    expect(postalAddressLines({ address: be, fromCountry: 'BE' })).toEqual(['Bakkerij Peeters', 'Kerkstraat 12 bus 3', '9000 Gent']);
    const nl = { ...be, attention: 'Afdeling boekhouding', postalCode: '1012 AB', city: 'Amsterdam', country: 'NL' };
    expect(postalAddressLines({ address: nl, fromCountry: 'BE', locale: 'nl' })).toEqual([
      'Bakkerij Peeters',
      'Afdeling boekhouding',
      'Kerkstraat 12 bus 3',
      '1012 AB  AMSTERDAM',
      'NEDERLAND',
    ]);
  });

  it('throws a 400 invalid_address naming the party and the fields', () => {
    let error: unknown;
    try {
      assertPostalAddress({ address: { ...be, postalCode: 'ABCD' }, role: 'sender' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('invalid_address');
    expect((error as ValidationError).details).toEqual({ sender: [{ field: 'postalCode', message: expect.stringContaining('BE postcode') }] });
    expect(() => assertPostalAddress({ address: be })).not.toThrow();
  });
});
