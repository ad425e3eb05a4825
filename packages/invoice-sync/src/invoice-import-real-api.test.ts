import { eventMigrations } from '@tollgate/events';
import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase } from '@tollgate/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionService } from './connection.service.js';
import { CustomerService } from './customer.service.js';
import { assertCollectable } from './invoice-collectability.js';
import { displayNumberCandidates, InvoiceImporter } from './invoice-importer.js';
import { InvoiceQueries } from './invoice-query.service.js';
import { invoiceSyncMigrations } from './invoice-sync.migrations.js';
import type { Connection, Profile } from './invoice-sync.types.js';
import { ProfileService } from './profile.service.js';
import { ScriptedSource, sourceCustomer, sourceDoc } from './scripted-source.fixture.js';

/** Issue 14 A: the import as the real Teamleader API behaves (profile fields per context, currency, CN numbers, batched customers). */
for (const engine of testEngines()) {
  describe(`invoice import against the real API's behaviour [${engine.name}]`, () => {
    let db: TestDatabase;
    const clock = new ManualClock('2026-03-20T10:00:00.000Z');
    const sources = new Map<string, ScriptedSource>();
    const directory = { get: (id: string) => sources.get(id) };
    let connections: ConnectionService;
    let profiles: ProfileService;
    let customers: CustomerService;
    let queries: InvoiceQueries;
    let n = 0;

    async function setup(): Promise<{ accountId: string; source: ScriptedSource; connection: Connection; standard: Profile; sync: InvoiceImporter }> {
      n++;
      const accountId = `acc_api_${engine.name}_${n}`;
      const source = new ScriptedSource(`scripted-api-${n}`);
      sources.set(source.id, source);
      source.customers.set('cus-1', sourceCustomer({ sourceId: 'cus-1' }));
      const standard = await profiles.create({ accountId, name: 'Transfer', directDebit: false, paymentLink: false, transfer: true });
      const connection = await connections.create({ accountId, sourceId: source.id, sourceAccountId: `tl-api-${n}`, defaultProfileId: standard.id });
      return { accountId, source, connection, standard, sync: new InvoiceImporter(db, clock, directory, connections, customers, { pageSize: 2 }) };
    }
    const invoices = async (accountId: string) => (await queries.listInvoices({ accountId, limit: 200 })).data;

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [eventMigrations, invoiceSyncMigrations] });
      connections = new ConnectionService(db, clock, directory);
      profiles = new ProfileService(db, clock);
      customers = new CustomerService(db, clock);
      queries = new InvoiceQueries(db);
    });
    afterAll(async () => {
      await db?.dispose();
    });

    it('A1/A2: a field per context, each matched on its own definition’s options (id or text); invoice → subscription → customer default', async () => {
      const { accountId, source, connection, standard, sync } = await setup();
      source.withFieldDefinitions([
        { id: 'inv-fld', label: 'Twikey invoices', type: 'single_select', context: 'invoice', options: [{ id: 'inv-opt-1', label: '1001' }] },
        { id: 'sub-fld', label: 'Twikey subscriptions', type: 'single_select', context: 'subscription', options: [{ id: 'sub-opt-2', label: '1002' }] },
      ]);
      const updated = await connections.updateSettings({
        accountId,
        id: connection.id,
        invoiceProfileFieldId: 'inv-fld',
        subscriptionProfileFieldId: 'sub-fld',
      });
      expect(updated).toMatchObject({ profileFieldId: 'inv-fld', invoiceProfileFieldId: 'inv-fld', subscriptionProfileFieldId: 'sub-fld' });
      const dd = await profiles.create({ accountId, name: 'Direct debit', directDebit: true, paymentLink: false, transfer: false, sourceOptionValue: '1001' });
      const link = await profiles.create({ accountId, name: 'Link', directDebit: false, paymentLink: true, transfer: false, sourceOptionValue: '1002' });
      source.subscriptions.set('sub-1', {
        sourceId: 'sub-1',
        title: 'Hosting',
        status: 'active',
        paymentTermDays: 14,
        customer: { sourceId: 'cus-1', type: 'company' },
        profileField: 'sub-opt-2',
      });
      const ownField = sourceDoc({ profileField: 'inv-opt-1', subscriptionId: 'sub-1' });
      const fromSubscription = sourceDoc({ subscriptionId: 'sub-1' });
      const plain = sourceDoc();
      source.put(ownField, fromSubscription, plain);
      const run = await sync.importRecent({ connectionId: connection.id });
      expect(run.counts).toMatchObject({ new: 3, failed: 0 });
      const list = await invoices(accountId);
      const profileOf = (doc: { sourceId: string }) => list.find((i) => i.sourceId === doc.sourceId)!.profileId;
      expect([profileOf(ownField), profileOf(fromSubscription), profileOf(plain)]).toEqual([dd.id, link.id, standard.id]);
      // Each field's definition is read once per run, by id (whatever its context).
      expect(source.getCustomFieldCalls.sort()).toEqual(['inv-fld', 'sub-fld']);
      const viaSub = await queries.getInvoice({ accountId, id: list.find((i) => i.sourceId === fromSubscription.sourceId)!.id });
      expect(viaSub.events[0]!.detail).toMatchObject({ profileFrom: 'subscription' });
    });

    it('A2: profileFieldId keeps working as the invoice field; invoiceProfileFieldId wins when both are given', async () => {
      const { accountId, connection } = await setup();
      expect(await connections.updateSettings({ accountId, id: connection.id, profileFieldId: 'old' })).toMatchObject({
        profileFieldId: 'old',
        invoiceProfileFieldId: 'old',
        subscriptionProfileFieldId: null,
      });
      expect(await connections.updateSettings({ accountId, id: connection.id, profileFieldId: 'x', invoiceProfileFieldId: 'new' })).toMatchObject({
        invoiceProfileFieldId: 'new',
      });
      expect(await connections.updateSettings({ accountId, id: connection.id, subscriptionProfileFieldId: 'sub' })).toMatchObject({
        invoiceProfileFieldId: 'new',
        subscriptionProfileFieldId: 'sub',
      });
    });

    it('A5: a USD invoice keeps its currency and is imported as not collectable; assertCollectable refuses it with 409', async () => {
      const { accountId, source, connection, sync } = await setup();
      const usd = sourceDoc({ currency: 'USD' });
      const eur = sourceDoc();
      source.put(usd, eur);
      expect((await sync.importRecent({ connectionId: connection.id })).counts.new).toBe(2);
      const list = await invoices(accountId);
      const dollar = list.find((i) => i.sourceId === usd.sourceId)!;
      const euro = list.find((i) => i.sourceId === eur.sourceId)!;
      expect(dollar).toMatchObject({ currency: 'USD', collectable: false, collectionBlockedReason: 'currency_not_eur', totalInclVat: '121.00' });
      expect(euro).toMatchObject({ currency: 'EUR', collectable: true, collectionBlockedReason: null });
      expect(() => assertCollectable(dollar)).toThrow(expect.objectContaining({ code: 'currency_not_collectable', status: 409 }));
      expect(() => assertCollectable(euro)).not.toThrow();
      const detail = await queries.getInvoice({ accountId, id: dollar.id });
      expect(detail.events.map((e) => e.type)).toContain('collection_blocked');
    });

    it('A6: a credit note whose number another department holds still starts with CN and stays unique', async () => {
      const { accountId, source, connection, sync } = await setup();
      const first = sourceDoc({ kind: 'credit_note', number: '2026 / 2', departmentId: 'aaaa1111-dep' });
      const clash = sourceDoc({ kind: 'credit_note', number: '2026 / 2', departmentId: '9e1be4b2-dep' });
      const clash2 = sourceDoc({ kind: 'credit_note', number: '2026 / 2', departmentId: '9e1be4b2-other' });
      const alreadyCn = sourceDoc({ kind: 'credit_note', number: 'CN 2026 / 2', departmentId: '9e1be4b2-dep' });
      source.put(first, clash, clash2, alreadyCn);
      expect((await sync.importRecent({ connectionId: connection.id })).counts.new).toBe(4);
      const numbers = Object.fromEntries((await invoices(accountId)).map((i) => [i.sourceId, i.number]));
      expect(numbers[first.sourceId]).toBe('CN2026 / 2');
      expect(numbers[clash.sourceId]).toBe('CN9e1be4b2-2026 / 2');
      expect(numbers[clash2.sourceId]).toBe('CN9e1be4b2-other-2026 / 2');
      expect(numbers[alreadyCn.sourceId]).toBe('CN 2026 / 2');
      for (const number of Object.values(numbers)) expect(number.startsWith('CN')).toBe(true);
      // Invoices keep the rule they had.
      expect(displayNumberCandidates({ kind: 'invoice', number: '2026 / 2', departmentId: '9e1be4b2-dep', sourceId: 's' })[1]).toBe('9e1be4b2-2026 / 2');
    });

    it('A8: customers handed over with the page are used, and each customer is read at most once per run', async () => {
      const { source, connection, sync } = await setup();
      source.customers.set('cus-2', sourceCustomer({ sourceId: 'cus-2' }));
      source.put(sourceDoc(), sourceDoc(), sourceDoc({ customer: { sourceId: 'cus-2', type: 'company' } }), sourceDoc());
      expect((await sync.importRecent({ connectionId: connection.id })).counts.new).toBe(4);
      expect(source.getCustomerCalls).toBe(2); // cus-1 and cus-2, once each

      const batched = await setup();
      batched.source.batchCustomers = true;
      batched.source.put(sourceDoc(), sourceDoc(), sourceDoc());
      expect((await batched.sync.importRecent({ connectionId: batched.connection.id })).counts.new).toBe(3);
      expect(batched.source.getCustomerCalls).toBe(0);
    });
  });
}
