import { describe, expect, it } from 'vitest';
import { maskPersonalData } from './personal-data.js';

describe('maskPersonalData', () => {
  it('keeps the country code and the last two digits of a phone number, and its spacing', () => {
    expect(maskPersonalData('SMS reminder to +32 471 23 45 67')).toBe('SMS reminder to +32 ••• •• •• 67');
    expect(maskPersonalData('Call to +32471234567 (3 min)')).toBe('Call to +32•••••••67 (3 min)');
    expect(maskPersonalData('Call to +1 (212) 555-0199')).toBe('Call to +1 (•••) •••-••99');
    expect(maskPersonalData('SMS to +351 912 345 678')).toBe('SMS to +351 ••• ••• •78');
    expect(maskPersonalData('Call to 0471 23 45 67 and 02/123.45.67')).toBe('Call to •••• •• •• 67 and ••/•••.••.67');
  });

  it('keeps the first character and the domain of an e-mail address', () => {
    expect(maskPersonalData('Invoice mailed to ann.peeters@acme.test')).toBe('Invoice mailed to a•••@acme.test');
    expect(maskPersonalData('to x@mail.example.co.uk, cc +44 20 7946 0958')).toBe('to x•••@mail.example.co.uk, cc +44 •• •••• ••58');
  });

  it('leaves amounts, ids, dates and short numbers alone', () => {
    for (const text of [
      'Purchase of €10.00 pack',
      'Invoice 2026-00012345',
      'Voice call, 3 minutes',
      'Top-up 2026-12-05 (order 123456)',
      'Refund: SMS reminder',
    ])
      expect(maskPersonalData(text)).toBe(text);
  });
});
