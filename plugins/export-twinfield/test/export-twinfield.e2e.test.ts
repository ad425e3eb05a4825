import type { AccountingExporter } from '@tollgate/plugin-sdk';
import { createTestHost, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportTwinfieldPlugin } from '../src/index.js';
import { accountingFixtures } from './accounting-fixtures.js';

/** export-twinfield in a real host: the exporter and its channel are registered, the catalog priced, a hold for 23 documents costs 23 × 0.10. */
for (const engine of testEngines()) {
  describe(`export-twinfield plugin in a host [${engine.name}]`, () => {
    let t: TestHost;
    let exporter: AccountingExporter;

    beforeAll(async () => {
      t = await createTestHost({ engine, plugins: [{ plugin: exportTwinfieldPlugin, options: { planPrices: { classic: '0.08' } } }] });
      exporter = t.host.pluginHost.accountingExporters.get('twinfield')!;
    });
    afterAll(async () => {
      await t?.close();
    });

    it('lists the exporter and its per-document channel on GET /plugins', async () => {
      const entry = (await t.request({ path: '/plugins' })).body.data.find((p: { id: string }) => p.id === 'export-twinfield');
      expect(entry.compatibility).toBe('^2.6.0');
      expect(entry.accountingExporters).toEqual([
        { id: 'twinfield', label: 'Twinfield', format: 'Twinfield sales transactions (XML)', channel: 'export-twinfield', layout: 'batch' },
      ]);
      expect(entry.spendChannels).toEqual([{ id: 'export-twinfield', label: 'Twinfield export', unit: 'document', settlement: 'immediate' }]);
    });

    it('seeds the catalog (0.10 from 2026-01-01, classic 0.08) and a hold for 23 documents costs 2.30', async () => {
      const account = await t.createAccount();
      const prices = await t.request({ path: '/v1/catalog/prices', key: account.ownerKey });
      const rows = (prices.body.data as Array<{ channel: string; plan: string; unit: string; unitPrice: string; effectiveFrom: string }>)
        .filter((r) => r.channel === 'export-twinfield')
        .map((r) => [r.plan, r.unit, r.unitPrice, r.effectiveFrom])
        .sort();
      expect(rows).toEqual([
        ['*', 'document', '0.10', '2026-01-01T00:00:00.000Z'],
        ['classic', 'document', '0.08', '2026-01-01T00:00:00.000Z'],
      ]);
      const documents = accountingFixtures();
      const grant = await t.request({
        method: 'POST',
        path: `/admin/accounts/${account.accountId}/wallet/grants`,
        key: t.adminKey,
        headers: { 'idempotency-key': 'grant-1' },
        body: { kind: 'promo', amount: '10.00', currency: 'EUR' },
      });
      expect(grant.status, JSON.stringify(grant.body)).toBe(201);
      const hold = await t.request({
        method: 'POST',
        path: '/v1/wallet/holds',
        key: account.ownerKey,
        headers: { 'idempotency-key': 'export-run-1' },
        body: { channel: 'export-twinfield', units: String(documents.length), currency: 'EUR' },
      });
      expect(hold.status, JSON.stringify(hold.body)).toBe(201);
      expect(hold.body.amount).toBe('2.30');
    });

    it('renders through the registered exporter with the options a target saved', async () => {
      const options = exporter.targetOptions!['~standard'].validate({
        office: 'NLA000001',
        defaultRevenueAccount: '8020',
        vatCodes: { 'S:21': 'VH', 'S:6': 'VL', Z: 'VN', AE: 'IC', E: 'VV' },
      });
      if (options instanceof Promise || options.issues) throw new Error('target options refused');
      const result = await exporter.render({ accountId: 'acc_1', documents: accountingFixtures(), options: options.value });
      expect(result.refused).toEqual([]);
      expect(result.files.map((f) => [f.name, f.documentIds.length])).toEqual([['twinfield-sales-transactions.xml', 23]]);
    });
  });
}
