import { sampleDocuments } from '@tollgate/ubl';
import { createTestHost, ManualClock, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPeppolPlugin } from '../src/index.js';

/**
 * export-peppol loaded by a real host: the exporter and the spend channel reach the host through the
 * real extension points, the catalog gets the price, and the registered exporter renders.
 */
describe('export-peppol plugin in a host', () => {
  const clock = new ManualClock('2026-03-02T09:00:00.000Z');
  let t: TestHost;

  beforeAll(async () => {
    t = await createTestHost({ clock, plugins: [{ plugin: exportPeppolPlugin, options: {} }] });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('registers the exporter peppol-ubl and the channel export-peppol-ubl', async () => {
    const entry = (await t.request({ path: '/plugins' })).body.data.find((p: { id: string }) => p.id === 'export-peppol');
    expect(entry.compatibility).toBe('^2.6.0');
    expect(entry.accountingExporters).toEqual([
      expect.objectContaining({ id: 'peppol-ubl', format: 'UBL 2.1 (Peppol BIS Billing 3.0)', channel: 'export-peppol-ubl', layout: 'document' }),
    ]);
    expect(entry.spendChannels.map((c: { id: string; unit: string; settlement: string }) => [c.id, c.unit, c.settlement])).toEqual([
      ['export-peppol-ubl', 'document', 'immediate'],
    ]);
  });

  it('seeds the catalog: 0.15 per document from 2026-01-01', async () => {
    const account = await t.createAccount();
    const res = await t.request({ path: '/v1/catalog/prices', key: account.ownerKey });
    expect(res.status).toBe(200);
    const rows = (res.body.data as Array<{ channel: string; unit: string; plan: string; unitPrice: string; effectiveFrom: string }>)
      .filter((row) => row.channel === 'export-peppol-ubl')
      .map((row) => [row.plan, row.unit, row.unitPrice, row.effectiveFrom]);
    expect(rows).toEqual([['*', 'document', '0.15', '2026-01-01T00:00:00.000Z']]);
  });

  it('the registered exporter writes valid UBL, one file per document', async () => {
    const exporter = t.host.pluginHost.accountingExporters.get('peppol-ubl')!;
    const documents = sampleDocuments({ count: 3, seed: 7 });
    const result = await exporter.render({ accountId: 'acc', documents, options: {} });
    expect(result.refused).toEqual([]);
    expect(result.files.map((f) => f.documentIds)).toEqual(documents.map((d) => [d.id]));
    expect(new TextDecoder().decode(result.files[0]!.body)).toContain('<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>');
    // The first render makes the validator (loads or compiles the rule sets): slow, so a long timeout.
  }, 300_000);
});
