import { ValidationError } from '@tollgate/plugin-sdk';
import { describe, expect, it } from 'vitest';
import { ExportDocumentChannel } from '@tollgate/plugin-sdk';
import { channelPrices, exportWinbooksOptions } from '../src/index.js';

describe('the export-winbooks spend channel', () => {
  const channel = new ExportDocumentChannel({ id: 'export-winbooks', label: 'Winbooks export', prices: channelPrices(exportWinbooksOptions.parse({})) });

  it('prices one unit per exported document, 0.10 from 2026-01-01 unless the options say otherwise', () => {
    expect(channel).toMatchObject({ unit: 'document', settlement: 'immediate', prices: [{ unitPrice: '0.10', effectiveFrom: '2026-01-01' }] });
    expect(channel.quote({ accountId: 'acc_1', request: { documentIds: ['a', 'b', 'c'], runId: 'run_1' } })).toEqual({
      units: '3',
      description: 'Winbooks export: 3 documents (run run_1)',
      metadata: { runId: 'run_1' },
    });
    expect(channel.quote({ accountId: 'acc_1', request: { documents: 1 } })).toMatchObject({ units: '1', description: 'Winbooks export: 1 document' });
    expect(channelPrices(exportWinbooksOptions.parse({ unitPrice: '0.12', planPrices: { classic: '0.08' }, priceEffectiveFrom: '2026-07-01' }))).toEqual([
      { unitPrice: '0.12', effectiveFrom: '2026-07-01' },
      { unitPrice: '0.08', effectiveFrom: '2026-07-01', plan: 'classic' },
    ]);
    expect(exportWinbooksOptions.safeParse({ unitPrice: '0,10' }).success).toBe(false);
  });

  it('refuses to price an export of no document', () => {
    expect(() => channel.quote({ accountId: 'acc_1', request: { documentIds: [] } })).toThrow(ValidationError);
    expect(() => channel.quote({ accountId: 'acc_1', request: {} })).toThrow(ValidationError);
    expect(() => channel.quote({ accountId: 'acc_1', request: { documents: 1.5 } })).toThrow(ValidationError);
  });
});
