import { describe, expect, it } from 'vitest';
import { CompanyDataChannel, formatEnterpriseNumber, purchaseSpendKey, vendorExportKey } from './company-data.channel.js';
import { isEmptyExport, sourcedFields } from './company-data.service.js';
import type { TrendsTopExport } from './trendstop-api.js';

const exported: TrendsTopExport = {
  exportId: 'exp_1',
  enterpriseNumber: '0200065765',
  vatNumber: 'BE0200065765',
  name: 'Intercommunale NV',
  legalForm: { code: '014', label: 'NV' },
  nace: { code: '35130', version: '2025', label: 'Distributie van elektriciteit' },
  address: { street: 'Brouwerijstraat', houseNumber: '1', box: null, postalCode: '9031', municipality: 'Gent', country: 'BE' },
  phone: '+3292631111',
  contactPerson: null,
  foundedOn: '1923-06-12',
  employeesClass: null,
  retrievedAt: '2026-03-02T09:00:00.000Z',
};

describe('company-data channel', () => {
  it('one unit per company, named by the company, the purchase and number in the metadata', async () => {
    const channel = new CompanyDataChannel({
      prices: [{ unitPrice: '1.50', effectiveFrom: '2026-01-01' }],
      fetch: async () => ({ status: 'done', result: {} }),
    });
    expect(channel).toMatchObject({ id: 'company-data', unit: 'company', settlement: 'immediate' });
    expect(
      channel.quote({ accountId: 'acc', request: { purchaseId: 'dpu_1', generation: 1, enterpriseNumber: '0200065765', name: 'Intercommunale NV' } }),
    ).toEqual({
      units: '1',
      description: 'Company data: Intercommunale NV',
      metadata: { purchaseId: 'dpu_1', enterpriseNumber: '0200065765' },
    });
  });

  it("hands the request to the export, not the spend step's key: the vendor key is the purchase's, the same for every attempt", async () => {
    const seen: unknown[] = [];
    const channel = new CompanyDataChannel({
      prices: [],
      fetch: async (input) => {
        seen.push(input);
        return { status: 'failed', reason: 'company_data_no_data' };
      },
    });
    const request = { purchaseId: 'dpu_1', generation: 2, enterpriseNumber: '0200065765', name: 'x' };
    for (const attempt of [1, 2]) {
      const key = purchaseSpendKey({ enterpriseNumber: '0200065765', generation: 2, attempt });
      expect(key).toBe(`company-data:0200065765:g2:a${attempt}`);
      const outcome = await channel.execute({ accountId: 'acc', request, idempotencyKey: key, holdId: 'h' });
      expect(outcome).toEqual({ status: 'failed', reason: 'company_data_no_data' });
    }
    expect(seen).toEqual([{ request }, { request }]);
    expect(vendorExportKey({ purchaseId: 'dpu_1', generation: 2 })).toBe('tollgate-cd:dpu_1:g2');
    expect(vendorExportKey({ purchaseId: 'dpu_1', generation: 3 })).not.toBe(vendorExportKey({ purchaseId: 'dpu_1', generation: 2 }));
    expect(formatEnterpriseNumber('0465399763')).toBe('0465.399.763');
  });
});

describe('export → sourced fields', () => {
  it('keeps the fields Trends Top filled, each with source and time; drops the empty ones', () => {
    const fields = sourcedFields({ data: exported, retrieved_at: '2026-03-02T09:00:00.000Z' });
    expect(Object.keys(fields).sort()).toEqual(['address', 'foundedOn', 'legalForm', 'naceCode', 'phone']);
    expect(fields.phone).toEqual({ value: '+3292631111', source: 'trendstop', retrievedAt: '2026-03-02T09:00:00.000Z' });
    expect(fields.naceCode?.value).toMatchObject({ code: '35130', version: '2025' });
    expect(sourcedFields({ data: null, retrieved_at: null })).toEqual({});
  });

  it('an export without any sold field is empty (released, not charged)', () => {
    expect(isEmptyExport(exported)).toBe(false);
    expect(
      isEmptyExport({ ...exported, legalForm: null, nace: null, address: null, phone: null, contactPerson: null, foundedOn: null, employeesClass: null }),
    ).toBe(true);
  });
});
