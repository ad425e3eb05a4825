import { describe, expect, it } from 'vitest';
import { MUNICIPALITIES } from './belgian-reference.js';
import { DATA_FIELDS, TEST_ENTERPRISE_NUMBERS, availabilityOf, hasNoData, seedCompanies } from './company-seed.js';
import { isValidEnterpriseNumber } from './enterprise-number.js';

const companies = seedCompanies();
const byNumber = new Map(companies.map((company) => [company.enterpriseNumber, company]));
const missing = (number: string): string[] => DATA_FIELDS.filter((field) => byNumber.get(number)![field] === null);

describe('the seed', () => {
  it('is the same on every call, and a fresh copy', () => {
    const again = seedCompanies();
    expect(again).toEqual(companies);
    again[0]!.name = 'changed';
    expect(seedCompanies()[0]!.name).not.toBe('changed');
  });

  it('holds at least 300 companies with unique, valid enterprise numbers and unique names', () => {
    expect(companies.length).toBeGreaterThanOrEqual(300);
    expect(new Set(companies.map((c) => c.enterpriseNumber)).size).toBe(companies.length);
    expect(new Set(companies.map((c) => c.name)).size).toBe(companies.length);
    for (const { enterpriseNumber } of companies) {
      expect(enterpriseNumber).toMatch(/^[01]\d{9}$/);
      expect(97 - (Number(enterpriseNumber.slice(0, 8)) % 97)).toBe(Number(enterpriseNumber.slice(8)));
    }
  });

  it('includes the well-known valid numbers with full data', () => {
    for (const number of ['0200065765', '0314595348', '0465399763']) {
      expect(byNumber.has(number)).toBe(true);
      expect(missing(number)).toEqual([]);
    }
  });

  it('has realistic fields: KBO forms, NACE-BEL 2025, real postcodes, +32 phones, dates, employee classes', () => {
    const postcodes = new Map(MUNICIPALITIES.map((m) => [m.postalCode, [m.nl, m.fr]]));
    postcodes.set('2800', ['Mechelen', 'Mechelen']); // the well-known ones use towns of the list too
    for (const c of companies) {
      if (c.legalForm) expect(['610', '014', '017', '612', '000']).toContain(c.legalForm.code);
      if (c.nace) {
        expect(c.nace.code).toMatch(/^\d{2}\.\d{3}$/);
        expect(c.nace.version).toBe('2025');
        expect(c.nace.label.length).toBeGreaterThan(3);
      }
      if (c.address) {
        expect(postcodes.get(c.address.postalCode)).toContain(c.address.municipality);
        expect(c.address.country).toBe('BE');
      }
      if (c.phone) expect(c.phone).toMatch(/^\+32(4\d{8}|[1-9]\d{7})$/);
      if (c.foundedOn) {
        expect(c.foundedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(new Date(`${c.foundedOn}T00:00:00Z`).toISOString().slice(0, 10)).toBe(c.foundedOn);
      }
      // Numbers from 1… were handed out from 2023 on.
      if (c.enterpriseNumber.startsWith('1') && c.foundedOn) expect(c.foundedOn >= '2023').toBe(true);
    }
    const forms = new Set(companies.map((c) => c.legalForm?.code));
    expect([...forms].filter(Boolean).sort()).toEqual(['000', '014', '017', '610', '612']);
    expect(new Set(companies.map((c) => c.language))).toEqual(new Set(['nl', 'fr']));
  });

  it('about 15 % have partial data and a few have none', () => {
    const partial = companies.filter((c) => !hasNoData(c) && DATA_FIELDS.some((field) => c[field] === null));
    const none = companies.filter(hasNoData);
    expect(partial.length / companies.length).toBeGreaterThan(0.12);
    expect(partial.length / companies.length).toBeLessThan(0.18);
    expect(none.length).toBeGreaterThanOrEqual(3);
    for (const c of none) expect(Object.values(availabilityOf(c))).toEqual(Array(7).fill(false));
  });
});

describe('TEST_ENTERPRISE_NUMBERS (as listed in README.md)', () => {
  it('are the documented numbers', () => {
    expect(TEST_ENTERPRISE_NUMBERS).toEqual({
      wellKnown: ['0200065765', '0314595348', '0465399763'],
      full: ['0200065765', '0314595348', '0465399763', '0428937166', '0420779169'],
      partial: { noPhone: '0897578909', noContactPerson: '0418321309', noNace: '0574174573', noPhoneNoContact: '0424653726', noLegalForm: '0450706738' },
      noData: ['0877196734', '0737346092', '1008772185', '0428796913', '0748950064'],
      notInSeed: ['0123456749', '0990000014', '1100000091'],
      invalid: ['0123456748', '2123456749', '012345674', '01234567490', '0123.456.749', 'BE0123456749'],
    });
  });

  it('each number is of its kind', () => {
    for (const number of TEST_ENTERPRISE_NUMBERS.full) expect(missing(number)).toEqual([]);
    const p = TEST_ENTERPRISE_NUMBERS.partial;
    expect(missing(p.noPhone)).toEqual(['phone']);
    expect(missing(p.noContactPerson)).toEqual(['contactPerson']);
    expect(missing(p.noNace)).toEqual(['nace']);
    expect(missing(p.noPhoneNoContact)).toEqual(['phone', 'contactPerson']);
    expect(missing(p.noLegalForm)).toEqual(['legalForm']);
    for (const number of TEST_ENTERPRISE_NUMBERS.noData) expect(hasNoData(byNumber.get(number)!)).toBe(true);
    for (const number of TEST_ENTERPRISE_NUMBERS.notInSeed) {
      expect(isValidEnterpriseNumber(number)).toBe(true);
      expect(byNumber.has(number)).toBe(false);
    }
    for (const number of TEST_ENTERPRISE_NUMBERS.invalid) expect(isValidEnterpriseNumber(number)).toBe(false);
  });
});
