import { describe, expect, it } from 'vitest';
import { letterIssues } from './letter-issues.js';

describe('letter issues by field', () => {
  it('reads an invalid_address answer', () => {
    expect(letterIssues({ recipient: [{ field: 'postalCode', message: 'BE postcodes have 4 digits' }] })).toEqual({
      postalCode: ['BE postcodes have 4 digits'],
    });
  });
  it('reads a validation_failed answer, address fields by their own name', () => {
    expect(
      letterIssues([
        { path: ['recipient', 'city'], message: 'Too long' },
        { path: ['bodyText'], message: 'Required' },
        { path: [], message: 'give one of invoiceId, pdf or html' },
      ]),
    ).toEqual({ city: ['Too long'], bodyText: ['Required'], '': ['give one of invoiceId, pdf or html'] });
  });
  it('gives nothing for other details', () => {
    expect(letterIssues(undefined)).toEqual({});
    expect(letterIssues({ offered: ['BE'] })).toEqual({});
  });
});
