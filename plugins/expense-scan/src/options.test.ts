import { describe, expect, it } from 'vitest';
import { channelPrices, expenseScanOptions } from './options.js';

describe('options', () => {
  it('defaults: threshold 0.7, one worker, auto-scan off, 20 MiB, €0.10 after 100 free scans', () => {
    const options = expenseScanOptions.parse({});
    expect(options).toEqual({
      confidenceThreshold: 0.7,
      workers: 1,
      autoScanDefault: false,
      maxBytes: 20 * 1024 * 1024,
      maxPages: 5,
      readTimeoutMs: 60_000,
      requiredFields: ['supplierName', 'date', 'totalInclVat'],
      unitPrice: '0.10',
      priceEffectiveFrom: '2026-01-01T00:00:00.000Z',
      freeMonthlyQuota: 100,
    });
    expect(channelPrices(options)).toEqual([{ unitPrice: '0.10', effectiveFrom: '2026-01-01T00:00:00.000Z' }]);
  });

  it('refuses typos, out-of-range values, float prices and unknown fields', () => {
    for (const bad of [
      { threshold: 0.5 },
      { confidenceThreshold: 1.5 },
      { confidenceThreshold: -0.1 },
      { workers: 0 },
      { workers: 1.5 },
      { maxBytes: 64 * 1024 * 1024 },
      { autoScanDefault: 'yes' },
      { unitPrice: 0.1 },
      { unitPrice: '0,10' },
      { requiredFields: [] },
      { requiredFields: ['total'] },
    ])
      expect(expenseScanOptions.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });

  it('takes a stricter threshold, more workers and other required fields', () => {
    expect(expenseScanOptions.parse({ confidenceThreshold: 0.9, workers: 2, requiredFields: ['totalInclVat', 'supplierVatNumber'] })).toMatchObject({
      confidenceThreshold: 0.9,
      workers: 2,
      requiredFields: ['totalInclVat', 'supplierVatNumber'],
    });
  });
});
