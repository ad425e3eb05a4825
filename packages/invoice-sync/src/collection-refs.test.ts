import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase } from '@tollgate/db';
import { eventMigrations } from '@tollgate/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionRefService } from './collection-refs.js';
import { ConnectionService } from './connection.service.js';
import { CustomerService } from './customer.service.js';
import { InvoiceImporter } from './invoice-importer.js';
import { invoiceSyncMigrations } from './invoice-sync.migrations.js';
import { ProfileService } from './profile.service.js';
import { ScriptedSource, sourceCustomer, sourceDoc } from './scripted-source.fixture.js';
import { parseStructuredCommunication } from './structured-communication.js';

for (const engine of testEngines()) {
  describe(`collection references [${engine.name}]`, () => {
    let db: TestDatabase;
    const clock = new ManualClock('2026-03-20T10:00:00.000Z');
    const source = new ScriptedSource('scripted-refs');
    const directory = { get: (id: string) => (id === source.id ? source : undefined) };

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [eventMigrations, invoiceSyncMigrations] });
    });
    afterAll(() => db?.dispose());

    async function importedInvoices(accountId: string, count: number): Promise<string[]> {
      const connections = new ConnectionService(db, clock, directory);
      const profile = await new ProfileService(db, clock).create({ accountId, name: 'Transfer', directDebit: false, paymentLink: false, transfer: true });
      source.customers.set('cus-1', sourceCustomer({ sourceId: 'cus-1' }));
      source.documents = Array.from({ length: count }, (_, i) => sourceDoc({ sourceId: `${accountId}-doc-${i}`, number: `2026 / ${i + 1}` }));
      const connection = await connections.create({ accountId, sourceId: source.id, sourceAccountId: `tl-${accountId}`, defaultProfileId: profile.id });
      await new InvoiceImporter(db, clock, directory, connections, new CustomerService(db, clock), { pageSize: 50 }).importRecent({
        connectionId: connection.id,
        days: 30,
      });
      const { rows } = await db.query<{ id: string }>('select id from sync_invoices where account_id = $1 order by id', [accountId]);
      return rows.map((r) => r.id);
    }

    it('gives each invoice one valid, account-unique reference and token, the same on every later call and under a race', async () => {
      const refs = new CollectionRefService(db);
      const ids = await importedInvoices('acc_refs_1', 5);
      expect(ids).toHaveLength(5);
      const first = await Promise.all(
        ids.flatMap((invoiceId) => [refs.ensure({ accountId: 'acc_refs_1', invoiceId }), refs.ensure({ accountId: 'acc_refs_1', invoiceId })]),
      );
      for (let i = 0; i < ids.length; i++) expect(first[2 * i]).toEqual(first[2 * i + 1]);
      const references = new Set(first.map((r) => r.structuredReference));
      expect(references.size).toBe(5);
      for (const r of first) expect(parseStructuredCommunication(r.structuredReference)).not.toBeNull();
      expect(new Set(first.map((r) => r.payToken)).size).toBe(5);
      const again = await refs.ensure({ accountId: 'acc_refs_1', invoiceId: ids[0]! });
      expect(again).toEqual(first[0]);
      const digits = again.structuredReference.replace(/\D/g, '');
      expect(await refs.invoiceByReference({ accountId: 'acc_refs_1', digits })).toBe(ids[0]);
      expect(await refs.invoiceByReference({ accountId: 'acc_other', digits })).toBeNull();
      expect(await refs.invoiceByPayToken({ token: again.payToken })).toEqual({ accountId: 'acc_refs_1', invoiceId: ids[0] });
      expect(await refs.invoiceByPayToken({ token: 'pay_nope' })).toBeNull();
    });

    it('refuses an invoice of another account', async () => {
      const [id] = await importedInvoices('acc_refs_2', 1);
      await expect(new CollectionRefService(db).ensure({ accountId: 'acc_refs_3', invoiceId: id! })).rejects.toMatchObject({ code: 'invoice_not_found' });
    });
  });
}
