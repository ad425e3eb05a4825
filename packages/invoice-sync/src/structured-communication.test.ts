import { describe, expect, it } from 'vitest';
import {
  findStructuredCommunications,
  formatStructuredCommunication,
  parseStructuredCommunication,
  structuredCommunication,
} from './structured-communication.js';

describe('structured communication (OGM/VCS)', () => {
  it('computes the mod-97 check, 97 for a multiple of 97', () => {
    expect(structuredCommunication(1234567890)).toBe('+++123/4567/89002+++');
    expect(structuredCommunication(97)).toBe('+++000/0000/09797+++');
    expect(structuredCommunication(1)).toBe('+++000/0000/00101+++');
  });

  it('refuses what does not fit in 10 digits', () => {
    expect(() => structuredCommunication(0)).toThrow(RangeError);
    expect(() => structuredCommunication(10_000_000_000n)).toThrow(RangeError);
  });

  it('parses the usual written forms and refuses a wrong check digit', () => {
    expect(parseStructuredCommunication('+++123/4567/89002+++')).toBe('123456789002');
    expect(parseStructuredCommunication('***123/4567/89002***')).toBe('123456789002');
    expect(parseStructuredCommunication('123456789002')).toBe('123456789002');
    expect(parseStructuredCommunication('+++123/4567/89003+++')).toBeNull();
    expect(parseStructuredCommunication('+++123/4567/89002')).toBeNull();
    expect(parseStructuredCommunication('+++000/0000/00000+++')).toBeNull();
  });

  it('finds the valid ones in a remittance text', () => {
    expect(findStructuredCommunications('Betaling factuur +++123/4567/89002+++ en 123456789003')).toEqual(['123456789002']);
    expect(formatStructuredCommunication('123456789002')).toBe('+++123/4567/89002+++');
    // A number just before it must not hide it; digits inside a longer number are not one.
    expect(findStructuredCommunications('Invoice 2026/102 123456789002')).toEqual(['123456789002']);
    expect(findStructuredCommunications('IBAN 91234567890021')).toEqual([]);
  });
});
