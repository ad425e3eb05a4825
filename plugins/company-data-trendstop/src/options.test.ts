import { describe, expect, it } from 'vitest';
import { channelPrices, companyDataOptions, resolveSettings, SANDBOX_BASE_URL, SANDBOX_PARTNER_KEY } from './options.js';

describe('options', () => {
  it('defaults: €1.50 a company from 2026-01-01, a free refresh for 365 days', () => {
    const options = companyDataOptions.parse({});
    expect(options).toMatchObject({ unitPrice: '1.50', freeRefreshDays: 365, planPrices: {}, retries: 2 });
    expect(channelPrices(options)).toEqual([{ unitPrice: '1.50', effectiveFrom: '2026-01-01T00:00:00.000Z' }]);
  });

  it('a price per plan adds a catalog row for that plan', () => {
    const options = companyDataOptions.parse({ unitPrice: '1.50', planPrices: { classic: '1.25' } });
    expect(channelPrices(options)).toContainEqual({ unitPrice: '1.25', effectiveFrom: '2026-01-01T00:00:00.000Z', plan: 'classic' });
  });

  it('refuses typos, float prices and bad plan ids', () => {
    expect(companyDataOptions.safeParse({ partnerKey: 'x' }).success).toBe(false);
    expect(companyDataOptions.safeParse({ unitPrice: 1.5 }).success).toBe(false);
    expect(companyDataOptions.safeParse({ planPrices: { Classic: '1.00' } }).success).toBe(false);
    expect(companyDataOptions.safeParse({ freeRefreshDays: -1 }).success).toBe(false);
  });

  it('sandbox defaults only on a sandbox host', () => {
    const options = companyDataOptions.parse({});
    expect(resolveSettings({ options, sandbox: true })).toMatchObject({
      baseUrl: SANDBOX_BASE_URL,
      partnerApiKey: SANDBOX_PARTNER_KEY,
      usesSandboxDefaults: { partnerApiKey: true, sealingKey: true },
    });
    expect(() => resolveSettings({ options, sandbox: false })).toThrow(/partnerApiKey/);
    expect(() => resolveSettings({ options: { ...options, baseUrl: 'https://api.example.test', partnerApiKey: 'p' }, sandbox: false })).toThrow(/sealingKey/);
  });
});
