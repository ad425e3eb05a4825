import { describe, expect, it } from 'vitest';
import { ExportDocumentChannel } from '@tollgate/plugin-sdk';
import { EXPORT_PEPPOL_PRICES, exportPeppolPlugin } from './index.js';
import { defaultValidationThreads } from './options.js';

describe('export-peppol descriptor', () => {
  it('is a plugin for API ^2.6.0 with strict options, validation on by default', () => {
    expect(exportPeppolPlugin).toMatchObject({ id: 'export-peppol', compatibility: '^2.6.0', $$type: '@tollgate/Plugin' });
    const options = exportPeppolPlugin.options!;
    expect(options.safeParse({})).toMatchObject({
      success: true,
      data: { validate: true, validationThreads: defaultValidationThreads(), validationWarnings: false },
    });
    expect(options.safeParse({ validationWarnings: true })).toMatchObject({ success: true, data: { validationWarnings: true } });
    expect(options.safeParse({ validationThreads: 0 }).success).toBe(false);
    expect(options.safeParse({ validate: false })).toMatchObject({ success: true, data: { validate: false } });
    expect(options.safeParse({ validate: 'no' }).success).toBe(false);
    expect(options.safeParse({ validat: false }).success).toBe(false);
  });

  it('defaults validator threads to min(2, cores − 1), at least 1', () => {
    expect([1, 2, 3, 4, 64].map((cores) => defaultValidationThreads(cores))).toEqual([1, 1, 2, 2, 2]);
  });

  it('prices a document at 0.15 from 2026-01-01', () => {
    expect(EXPORT_PEPPOL_PRICES).toEqual([{ unitPrice: '0.15', effectiveFrom: '2026-01-01' }]);
  });

  it('quotes one unit per document and refuses an empty export', () => {
    const channel = new ExportDocumentChannel({ id: 'export-peppol-ubl', label: 'Accounting export: Peppol UBL', prices: EXPORT_PEPPOL_PRICES });
    expect(channel).toMatchObject({ unit: 'document', settlement: 'immediate' });
    expect(channel.quote({ accountId: 'a', request: { documentIds: ['x', 'y'], runId: 'run-1' } })).toEqual({
      units: '2',
      description: 'Accounting export: Peppol UBL: 2 documents (run run-1)',
      metadata: { runId: 'run-1' },
    });
    expect(channel.quote({ accountId: 'a', request: { documents: 1 } }).units).toBe('1');
    expect(() => channel.quote({ accountId: 'a', request: { documentIds: [] } })).toThrow(/at least one/);
  });
});
