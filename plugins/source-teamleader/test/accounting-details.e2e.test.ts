import type { AccountingDocument } from '@tollgate/plugin-sdk';
import { ACCOUNTING_EXAMPLE_IDS, startTeamleaderSandbox, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { connectThroughSandbox, sandboxPluginOptions } from './teamleader-test-kit.js';

/**
 * P-6 end to end: a real host with the source-teamleader plugin and the Teamleader sandbox over HTTP.
 * The import stores each document's accounting details (read from invoices.info / creditNotes.info,
 * departments.info, taxRates.list and the customers); documents imported without them are filled by
 * POST /v1/invoice-sync/accounting-backfill (and by the sweep), through a Teamleader outage.
 */
const API = '/v1/invoice-sync';

for (const engine of testEngines()) {
  describe(`accounting details from Teamleader, end to end [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let sandbox: TeamleaderSandbox;
    let t: TestHost;
    let owner: { accountId: string; ownerKey: string };
    let imported: AccountingDocument[];

    const api = (input: { method?: string; path: string; body?: unknown; key?: string }) =>
      t.request({ ...input, path: `${API}${input.path}`, key: input.key ?? owner.ownerKey });
    const backfill = (body: unknown, key?: string) => api({ method: 'POST', path: '/accounting-backfill', body, ...(key ? { key } : {}) });
    const list = () => t.host.invoiceSync.accounting.list({ accountId: owner.accountId });
    const calls = (action: string) => sandbox.control.requests().filter((r) => r.path === `/${action}`).length;
    const forgetDetails = async (sourceIds?: string[]) => {
      await t.db.query(
        `delete from invoice_accounting where invoice_id in (select id from sync_invoices where account_id = $1 and ($2::text[] is null or source_id = any($2::text[])))`,
        [owner.accountId, sourceIds ? `{${sourceIds.join(',')}}` : null],
      );
    };

    beforeAll(async () => {
      sandbox = await startTeamleaderSandbox({ now: () => clock.now(), rateLimitPerMinute: 100_000 });
      t = await createTestHost({ engine, clock, plugins: [{ plugin, options: sandboxPluginOptions({ sandbox, maxAttempts: 2 }) }] });
      owner = await t.createAccount({ name: 'Books BV', locale: 'en', ownerEmail: 'books@books.test' });
      sandbox.control.seedAccountingExamples({ on: '2026-03-02' });
      const connected = await connectThroughSandbox({ t, key: owner.ownerKey });
      expect(connected.status).toBe(200);
      const profile = await api({ method: 'POST', path: '/profiles', body: { name: 'Transfer', directDebit: false, paymentLink: false, transfer: true } });
      expect(profile.status).toBe(201);
      const run = await api({ method: 'POST', path: `/connections/${connected.body.connection.syncConnectionId}/imports`, body: { days: 30 } });
      expect(run.status).toBe(202);
      await t.host.invoiceSync.jobs.idle();
    });
    afterAll(async () => {
      await t?.close();
      await sandbox?.close();
    });

    it('the import stores every document’s accounting details; tax rates and the department are read once for the whole import', async () => {
      const page = await list();
      expect(page.missing).toEqual([]);
      expect(page.documents).toHaveLength(7);
      imported = page.documents;
      // One listing: page 1 and the empty page 2 that ends it.
      expect(
        sandbox.control
          .requests()
          .filter((r) => r.path === '/taxRates.list')
          .map((r) => (r.body?.page as { number: number }).number),
      ).toEqual([1, 2]);
      expect(calls('departments.info')).toBe(1);

      const byId = new Map(imported.map((d) => [d.source.documentId, d]));
      const mixed = byId.get(ACCOUNTING_EXAMPLE_IDS.mixedRates)!;
      expect(mixed).toMatchObject({
        kind: 'invoice',
        currency: 'EUR',
        issuedOn: '2026-03-02',
        source: { id: 'teamleader' },
        seller: { name: 'Sandbox BV', vatNumber: 'BE0899623035', enterpriseNumber: '0899623035', address: { country: 'BE', city: 'Gent' } },
        buyer: { name: 'Brouwerij Aalst NV', enterpriseNumber: '0417497106', address: { city: 'Aalst', country: 'BE' } },
        totals: { taxExclusive: '1645.94', tax: '283.94', taxInclusive: '1929.88', payable: '1929.88' },
        references: { buyerReference: 'PO-2026-017', orderReference: 'PO-2026-017' },
        payment: { meansCode: '58', reference: expect.stringMatching(/^\+\+\+/), iban: 'BE68539007547034', termDays: 30 },
      });
      expect(mixed.vatBreakdown.map((v) => `${v.vatCategory}${v.vatRate}`)).toEqual(['S21', 'S12', 'S6', 'Z0']);
      // The stored collection totals and the accounting totals are the same Teamleader figures.
      const { rows } = await t.db.query<{ source_id: string; total_excl_vat: string; total_incl_vat: string; number: string }>(
        'select source_id, total_excl_vat, total_incl_vat, number from sync_invoices where account_id = $1',
        [owner.accountId],
      );
      for (const row of rows) {
        const doc = byId.get(row.source_id)!;
        expect(doc.totals.taxExclusive, row.source_id).toBe(row.total_excl_vat);
        expect(doc.totals.taxInclusive, row.source_id).toBe(row.total_incl_vat);
        expect(doc.number).toBe(row.number);
      }
      expect(byId.get(ACCOUNTING_EXAMPLE_IDS.reverseCharge)!.vatBreakdown).toEqual([
        { vatCategory: 'AE', vatRate: '0', taxableAmount: '12959.72', taxAmount: '0.00', vatExemptionReason: 'Reverse charge' },
      ]);
      // Teamleader expects a direct debit (59), but the customer has no mandate here: listed as a credit transfer (58).
      expect(byId.get(ACCOUNTING_EXAMPLE_IDS.directDebit)!.payment).toMatchObject({ meansCode: '58', mandateReference: null, iban: 'BE68539007547034' });
      const stored = await t.db.query<{ details: { payment: { meansCode: string } } | string }>(
        'select a.details from invoice_accounting a join sync_invoices i on i.id = a.invoice_id where i.source_id = $1',
        [ACCOUNTING_EXAMPLE_IDS.directDebit],
      );
      const raw = stored.rows[0]!.details;
      expect((typeof raw === 'string' ? JSON.parse(raw) : raw).payment.meansCode).toBe('59');
      const credit = byId.get(ACCOUNTING_EXAMPLE_IDS.creditNote)!;
      expect(credit).toMatchObject({
        kind: 'credit_note',
        number: expect.stringMatching(/^CN/),
        totals: { taxExclusive: '60.33', payable: '69.76' },
        references: { invoiceNumber: mixed.number, invoiceIssuedOn: '2026-03-02' },
      });
    });

    it('POST /accounting-backfill fills documents imported without details, through an outage, in bounded calls; then nothing is left to read', async () => {
      await forgetDetails();
      expect((await list()).missing).toHaveLength(7);
      expect(await backfill({ limit: 1001 })).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
      expect(await backfill({ limit: 3, extra: true })).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
      const member = (await t.request({ method: 'POST', path: '/v1/api-keys', key: owner.ownerKey, body: { name: 'reader', role: 'member' } })).body
        .key as string;
      expect((await backfill({}, member)).status).toBe(403);

      // Teamleader fails invoices.info twice (the client's two tries): one document of the three is not read this time.
      sandbox.control.failNextRequests({ count: 2, status: 500, path: '/invoices.info' });
      const first = await backfill({ limit: 3 });
      expect(first).toMatchObject({ status: 200, body: { filled: 2, failed: 1, remaining: 5 } });
      const second = await backfill({});
      expect(second).toMatchObject({ status: 200, body: { filled: 5, failed: 0, remaining: 0 } });
      const reads = sandbox.control.requests().length;
      expect(await backfill({})).toMatchObject({ status: 200, body: { filled: 0, failed: 0, remaining: 0 } });
      expect(sandbox.control.requests().length).toBe(reads);

      const page = await list();
      expect(page.missing).toEqual([]);
      const key = (d: AccountingDocument) => d.id;
      expect([...page.documents].sort((a, b) => key(a).localeCompare(key(b)))).toEqual([...imported].sort((a, b) => key(a).localeCompare(key(b))));
    });

    it('the periodic sweep backfills too', async () => {
      await forgetDetails([ACCOUNTING_EXAMPLE_IDS.intraCommunity, ACCOUNTING_EXAMPLE_IDS.creditNote]);
      expect((await list()).missing).toHaveLength(2);
      await t.host.invoiceSync.jobs.runOnce();
      const page = await list();
      expect(page.missing).toEqual([]);
      expect(page.documents.find((d) => d.source.documentId === ACCOUNTING_EXAMPLE_IDS.intraCommunity)!.vatBreakdown[0]).toMatchObject({ vatCategory: 'K' });
    });
  });
}
