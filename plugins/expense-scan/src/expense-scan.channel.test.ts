import { describe, expect, it } from 'vitest';
import { ExpenseScanChannel, scanSpendKey, type ScanRequest } from './expense-scan.channel.js';
import type { ScanReading } from './scan-reading.js';

const SHA = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
const reading: ScanReading = {
  method: 'pdf-text',
  language: 'nl',
  pages: 1,
  durationMs: 12,
  fields: {
    supplierName: null,
    supplierVatNumber: null,
    date: null,
    currency: null,
    totalInclVat: { value: '12.10', confidence: 0.95, source: null },
    vatAmounts: null,
    totalExclVat: null,
    invoiceNumber: null,
    iban: null,
  },
};

describe('scanSpendKey', () => {
  it('is the same for every scan of the same content in the same account, whatever the expense', () => {
    expect(scanSpendKey({ accountId: 'acc_1', sha256: SHA, failures: 0 })).toBe(scanSpendKey({ accountId: 'acc_1', sha256: SHA, failures: 0 }));
    expect(scanSpendKey({ accountId: 'acc_1', sha256: SHA, failures: 0 })).toBe(`expense-scan:acc_1:${SHA}:f0`);
  });

  it('differs by content, by account, and after each failed attempt', () => {
    const keys = new Set([
      scanSpendKey({ accountId: 'acc_1', sha256: SHA, failures: 0 }),
      scanSpendKey({ accountId: 'acc_1', sha256: OTHER, failures: 0 }),
      scanSpendKey({ accountId: 'acc_2', sha256: SHA, failures: 0 }),
      scanSpendKey({ accountId: 'acc_1', sha256: SHA, failures: 1 }),
      scanSpendKey({ accountId: 'acc_1', sha256: SHA, failures: 2 }),
    ]);
    expect(keys.size).toBe(5);
  });

  it('fits the wallet (255 characters with its ":capture" suffix) and refuses what is not a SHA-256 or a count', () => {
    expect(`${scanSpendKey({ accountId: 'acc_' + 'x'.repeat(40), sha256: SHA, failures: 99 })}:capture`.length).toBeLessThan(255);
    expect(() => scanSpendKey({ accountId: 'acc_1', sha256: SHA.toUpperCase(), failures: 0 })).toThrow(/sha256/);
    expect(() => scanSpendKey({ accountId: 'acc_1', sha256: 'abc', failures: 0 })).toThrow(/sha256/);
    expect(() => scanSpendKey({ accountId: 'acc_1', sha256: SHA, failures: -1 })).toThrow(/failures/);
    expect(() => scanSpendKey({ accountId: 'acc_1', sha256: SHA, failures: 0.5 })).toThrow(/failures/);
  });
});

describe('ExpenseScanChannel', () => {
  const request: ScanRequest = { sha256: SHA, fileKey: 'acc_1/exp_1.pdf', contentType: 'application/pdf' };
  const make = (read: () => Promise<ScanReading>) => {
    const paid: string[] = [];
    const channel = new ExpenseScanChannel({
      prices: [{ unitPrice: '0.10', effectiveFrom: '2026-01-01' }],
      freeMonthlyQuota: 100,
      read,
      markPaid: async ({ sha256, spendKey }) => void paid.push(`${sha256}:${spendKey}`),
      unmarkPaid: async ({ spendKey }) => void paid.splice(paid.indexOf(`${SHA}:${spendKey}`), 1),
      readFailure: (error) => ((error as { code?: string }).code === 'unreadable_file' ? { code: 'unreadable_file', message: 'broken' } : null),
    });
    return { channel, paid };
  };

  it('declares one scan, 100 free a month, €0.10, immediate; the quote holds only the content (two expenses of the same bytes converge)', () => {
    const { channel } = make(async () => reading);
    expect(channel).toMatchObject({ id: 'expense-scan', unit: 'scan', settlement: 'immediate', freeMonthlyQuota: 100 });
    expect(channel.prices).toEqual([{ unitPrice: '0.10', effectiveFrom: '2026-01-01' }]);
    const a = channel.quote({ accountId: 'acc_1', request });
    const b = channel.quote({ accountId: 'acc_1', request: { ...request, fileKey: 'acc_1/exp_2.pdf' } });
    expect(a).toEqual(b);
    expect(a).toEqual({ units: '1', description: 'Expense scan', metadata: { sha256: SHA } });
  });

  it('a read marks the content paid in the same step; compensate takes it back', async () => {
    const { channel, paid } = make(async () => reading);
    const step = { accountId: 'acc_1', request, idempotencyKey: 'k1', holdId: 'h1' };
    expect(await channel.execute(step)).toEqual({ status: 'done', result: reading });
    expect(paid).toEqual([`${SHA}:k1`]);
    await channel.compensate({ ...step, reason: 'capture refused' });
    expect(paid).toEqual([]);
  });

  it('an unreadable file is failed (released, not charged) and nothing is marked paid; a fault is thrown', async () => {
    const broken = make(async () => {
      throw Object.assign(new Error('broken'), { code: 'unreadable_file' });
    });
    const step = { accountId: 'acc_1', request, idempotencyKey: 'k1', holdId: 'h1' };
    expect(await broken.channel.execute(step)).toEqual({
      status: 'failed',
      reason: 'unreadable_file',
      result: { error: { code: 'unreadable_file', message: 'broken' } },
    });
    expect(broken.paid).toEqual([]);
    const fault = make(async () => {
      throw new Error('disk on fire');
    });
    await expect(fault.channel.execute(step)).rejects.toThrow('disk on fire');
    expect(fault.paid).toEqual([]);
  });
});
