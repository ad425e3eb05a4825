import { eventMigrations } from '@tollgate/events';
import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase } from '@tollgate/db';
import { ConflictError } from '@tollgate/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionService } from './connection.service.js';
import { CustomerService } from './customer.service.js';
import { InvoiceImporter } from './invoice-importer.js';
import { InvoiceQueries } from './invoice-query.service.js';
import { invoiceSyncMigrations } from './invoice-sync.migrations.js';
import type { Connection, ImportRun, InvoiceSyncOptions, Profile } from './invoice-sync.types.js';
import { ProfileService } from './profile.service.js';
import { ScriptedSource, sourceCustomer, sourceDoc } from './scripted-source.fixture.js';

for (const engine of testEngines()) {
  describe(`invoice import [${engine.name}]`, () => {
    let db: TestDatabase;
    const clock = new ManualClock('2026-03-20T10:00:00.000Z');
    const sources = new Map<string, ScriptedSource>();
    const directory = { get: (id: string) => sources.get(id) };
    let connections: ConnectionService;
    let profiles: ProfileService;
    let customers: CustomerService;
    let queries: InvoiceQueries;
    const importer = (options: InvoiceSyncOptions = { pageSize: 2 }) => new InvoiceImporter(db, clock, directory, connections, customers, options);
    let n = 0;

    /** A fresh account with a default profile, a connection to a fresh scripted source and customer cus-1. */
    async function setup(
      settings: { autoImport?: boolean } = {},
    ): Promise<{ accountId: string; source: ScriptedSource; connection: Connection; standard: Profile; sync: InvoiceImporter }> {
      n++;
      const accountId = `acc_${engine.name}_${n}`;
      const source = new ScriptedSource(`scripted-${n}`);
      sources.set(source.id, source);
      source.customers.set('cus-1', sourceCustomer({ sourceId: 'cus-1' }));
      const standard = await profiles.create({
        accountId,
        name: 'Direct debit',
        directDebit: true,
        paymentLink: false,
        transfer: false,
        sourceOptionValue: '1001',
      });
      const connection = await connections.create({ accountId, sourceId: source.id, sourceAccountId: `tl-${n}`, defaultProfileId: standard.id, ...settings });
      return { accountId, source, connection, standard, sync: importer() };
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

    describe('connections', () => {
      it('keeps one live connection per account and source, and revives it on reconnect', async () => {
        const { accountId, source, connection } = await setup();
        expect(connection).toMatchObject({ status: 'connected', autoImport: true, sourceId: source.id });
        await expect(connections.create({ accountId, sourceId: source.id, sourceAccountId: 'another-tl' })).rejects.toMatchObject({
          code: 'already_connected',
          status: 409,
        });
        expect((await connections.create({ accountId, sourceId: source.id, sourceAccountId: connection.sourceAccountId })).id).toBe(connection.id);
        await expect(connections.create({ accountId: 'acc_other', sourceId: source.id, sourceAccountId: connection.sourceAccountId })).rejects.toMatchObject({
          code: 'already_connected',
        });
        await expect(connections.create({ accountId, sourceId: 'nope', sourceAccountId: 'x' })).rejects.toMatchObject({ code: 'unknown_source', status: 400 });

        const updated = await connections.updateSettings({ accountId, id: connection.id, autoImport: false, profileFieldId: 'cf-1' });
        expect(updated).toMatchObject({ autoImport: false, profileFieldId: 'cf-1', defaultProfileId: connection.defaultProfileId });
        await expect(connections.updateSettings({ accountId, id: connection.id, defaultProfileId: 'prof_missing' })).rejects.toMatchObject({
          code: 'profile_not_found',
          status: 404,
        });
        expect((await connections.findBySourceAccount({ sourceAccountId: connection.sourceAccountId }))?.id).toBe(connection.id);

        expect((await connections.disconnect({ accountId, id: connection.id })).status).toBe('disconnected');
        expect(await connections.list({ accountId })).toEqual([]);
        expect(await connections.findBySourceAccount({ sourceAccountId: connection.sourceAccountId })).toBeNull();
        const again = await connections.create({ accountId, sourceId: source.id, sourceAccountId: connection.sourceAccountId });
        expect(again).toMatchObject({ id: connection.id, status: 'connected', profileFieldId: 'cf-1' });
        await expect(connections.get({ accountId: 'acc_other', id: connection.id })).rejects.toMatchObject({ code: 'connection_not_found' });
      });

      it('marks a connection that needs consent again, and imports nothing through it', async () => {
        const { connection, sync } = await setup();
        expect((await connections.markReconsentNeeded({ id: connection.id })).status).toBe('reconsent_needed');
        await expect(sync.importRecent({ connectionId: connection.id })).rejects.toMatchObject({ code: 'connection_not_active', status: 409 });
        expect(await sync.sweep({ connectionId: connection.id })).toEqual({ run: null, skipped: 'not_connected' });
      });
    });

    describe('custom fields', () => {
      const fields = [
        {
          id: 'fld-1',
          label: 'Twikey profile',
          type: 'single_select',
          options: [
            { id: 'opt-dd', label: 'Direct Debit' },
            { id: 'opt-link', label: 'Payment link' },
          ],
        },
        { id: 'fld-2', label: 'Reference', type: 'single_line', options: null },
      ];

      it('lists the source’s fields through the connection; 404, reconsent_needed, connection_not_active, custom_fields_unsupported', async () => {
        const { accountId, source, connection } = await setup();
        await expect(connections.customFields({ accountId, id: connection.id })).rejects.toMatchObject({ code: 'custom_fields_unsupported', status: 422 });
        source.withCustomFields(fields);
        expect(await connections.customFields({ accountId, id: connection.id })).toEqual(fields);
        await expect(connections.customFields({ accountId: 'acc_other', id: connection.id })).rejects.toMatchObject({
          code: 'connection_not_found',
          status: 404,
        });
        // The plugin's own "consent again" refusal gets the core's code.
        source.withCustomFields(() => {
          throw new ConflictError({ code: 'scripted_reconsent_needed', message: 'tokens refused' });
        });
        await expect(connections.customFields({ accountId, id: connection.id })).rejects.toMatchObject({ code: 'reconsent_needed', status: 409 });
        await connections.markReconsentNeeded({ id: connection.id });
        await expect(connections.customFields({ accountId, id: connection.id })).rejects.toMatchObject({ code: 'reconsent_needed', status: 409 });
        await connections.disconnect({ accountId, id: connection.id });
        await expect(connections.customFields({ accountId, id: connection.id })).rejects.toMatchObject({ code: 'connection_not_active', status: 409 });
      });

      it('matches the field’s value to a profile by the option’s id or its label (either way round, any case), reading the options once per run', async () => {
        const { accountId, source, connection, sync } = await setup();
        source.withCustomFields(fields);
        await connections.updateSettings({ accountId, id: connection.id, profileFieldId: 'fld-1' });
        const byLabel = await profiles.create({
          accountId,
          name: 'By label',
          directDebit: true,
          paymentLink: false,
          transfer: false,
          sourceOptionValue: 'direct debit',
        });
        const byId = await profiles.create({ accountId, name: 'By id', directDebit: false, paymentLink: true, transfer: false, sourceOptionValue: 'opt-link' });
        const idToLabel = sourceDoc({ profileField: 'opt-dd' });
        const textToId = sourceDoc({ profileField: 'Payment link' });
        const idToId = sourceDoc({ profileField: 'opt-link' });
        const textToLabel = sourceDoc({ profileField: 'DIRECT DEBIT' });
        const unknown = sourceDoc({ profileField: 'opt-none' });
        source.put(idToLabel, textToId, idToId, textToLabel, unknown);
        const run = await sync.importRecent({ connectionId: connection.id });
        expect(run.counts).toEqual({ new: 4, updated: 0, ignored: 0, failed: 1 });
        expect(run.failures).toEqual([{ sourceId: unknown.sourceId, kind: 'invoice', number: unknown.number, reason: 'unknown_profile:opt-none' }]);
        const imported = await invoices(accountId);
        const profileOf = (doc: { sourceId: string }) => imported.find((i) => i.sourceId === doc.sourceId)?.profileId;
        expect([profileOf(idToLabel), profileOf(textToLabel)]).toEqual([byLabel.id, byLabel.id]);
        expect([profileOf(textToId), profileOf(idToId)]).toEqual([byId.id, byId.id]);
        const detail = await queries.getInvoice({ accountId, id: imported.find((i) => i.sourceId === idToLabel.sourceId)!.id });
        expect(detail.events[0]!.detail).toMatchObject({ profileId: byLabel.id, profileFrom: 'document' });
        expect(source.listCustomFieldsCalls).toBe(1);
      });

      it('without the profile field set, a value matches a profile’s sourceOptionValue only as written', async () => {
        const { accountId, source, connection, sync } = await setup();
        source.withCustomFields(fields);
        await profiles.create({ accountId, name: 'By label', directDebit: true, paymentLink: false, transfer: false, sourceOptionValue: 'Direct Debit' });
        const doc = sourceDoc({ profileField: 'opt-dd' });
        source.put(doc);
        const run = await sync.importRecent({ connectionId: connection.id });
        expect(run.failures).toEqual([{ sourceId: doc.sourceId, kind: 'invoice', number: doc.number, reason: 'unknown_profile:opt-dd' }]);
        expect(source.listCustomFieldsCalls).toBe(0);
      });
    });

    describe('profiles', () => {
      it('validates with clear 400s', async () => {
        const accountId = `acc_prof_${engine.name}`;
        await expect(profiles.create({ accountId, name: 'None', directDebit: false, paymentLink: false, transfer: false })).rejects.toMatchObject({
          code: 'no_payment_option',
          status: 400,
        });
        await expect(profiles.create({ accountId, name: '  ', directDebit: true, paymentLink: false, transfer: false })).rejects.toMatchObject({
          code: 'invalid_profile_name',
          status: 400,
        });
        await expect(
          profiles.create({ accountId, name: 'X', directDebit: 'yes' as unknown as boolean, paymentLink: false, transfer: false }),
        ).rejects.toMatchObject({ code: 'invalid_payment_options', status: 400 });
        expect(await profiles.list({ accountId })).toEqual([]);
      });

      it('has exactly one default per account and refuses to delete what is in use', async () => {
        const accountId = `acc_def_${engine.name}`;
        const first = await profiles.create({ accountId, name: 'First', directDebit: true, paymentLink: false, transfer: false });
        expect(first.isDefault).toBe(true);
        const second = await profiles.create({ accountId, name: 'Second', directDebit: false, paymentLink: true, transfer: true, sourceOptionValue: ' 42 ' });
        expect(second).toMatchObject({ isDefault: false, sourceOptionValue: '42' });
        await expect(
          profiles.create({ accountId, name: 'Dup', directDebit: true, paymentLink: false, transfer: false, sourceOptionValue: '42' }),
        ).rejects.toMatchObject({ code: 'profile_option_taken', status: 409 });
        await profiles.update({ accountId, id: second.id, isDefault: true });
        expect((await profiles.list({ accountId })).map((p) => [p.name, p.isDefault])).toEqual([
          ['First', false],
          ['Second', true],
        ]);
        await expect(profiles.update({ accountId, id: second.id, isDefault: false })).rejects.toMatchObject({ code: 'default_profile_required', status: 400 });
        await expect(profiles.update({ accountId, id: first.id, transfer: false, directDebit: false })).rejects.toMatchObject({ code: 'no_payment_option' });
        await expect(profiles.delete({ accountId, id: second.id })).rejects.toMatchObject({ code: 'profile_in_use', status: 409 });
        expect((await profiles.findByOptionValue({ accountId, value: '42' }))?.id).toBe(second.id);
        await profiles.delete({ accountId, id: first.id });
        await expect(profiles.get({ accountId, id: first.id })).rejects.toMatchObject({ code: 'profile_not_found', status: 404 });
      });
    });

    describe('importing', () => {
      it('imports booked documents of the last 30 days once, with customers 1:1, and stores a summary', async () => {
        const { accountId, source, connection, standard, sync } = await setup();
        const finished: ImportRun[] = [];
        sync.events.on('run_finished', (run) => finished.push(run));
        const a = sourceDoc({ totalInclVat: '121.005' });
        const b = sourceDoc({ customer: { sourceId: 'cus-2', type: 'contact' } });
        const old = sourceDoc({ issuedOn: '2026-01-05' });
        const paid = sourceDoc({ status: 'paid' });
        const zero = sourceDoc({ totalExclVat: '0', totalInclVat: '0', amountDue: '0' });
        source.customers.set('cus-2', sourceCustomer({ sourceId: 'cus-2', type: 'contact', name: 'Jan' }));
        source.put(a, b, old, paid, zero);

        const run = await sync.importRecent({ connectionId: connection.id });
        expect(run).toMatchObject({
          status: 'completed',
          trigger: 'manual',
          issuedSince: '2026-02-18',
          counts: { new: 2, updated: 0, ignored: 2, failed: 0 },
          failures: [],
        });
        expect(source.listCalls[0]).toMatchObject({ issuedSince: '2026-02-18', cursor: null });
        expect(finished.map((r) => r.id)).toEqual([run.id]);
        expect(await sync.getRun({ accountId, id: run.id })).toEqual(run);
        await expect(sync.getRun({ accountId: 'acc_other', id: run.id })).rejects.toMatchObject({ code: 'run_not_found', status: 404 });

        const list = await invoices(accountId);
        expect(list.map((i) => i.sourceId).sort()).toEqual([a.sourceId, b.sourceId].sort());
        const first = list.find((i) => i.sourceId === a.sourceId)!;
        expect(first).toMatchObject({
          number: a.number,
          status: 'booked',
          totalInclVat: '121.01',
          amountDue: '121.00',
          profileId: standard.id,
          issuedOn: '2026-03-10',
          dueOn: '2026-04-09',
        });
        const people = (await customers.list({ accountId })).data;
        expect(people.map((c) => [c.sourceId, c.customerNumber, c.sourceType])).toEqual([
          ['cus-1', 'cus-1', 'company'],
          ['cus-2', 'cus-2', 'contact'],
        ]);
        expect(people[0]).toMatchObject({ address: { city: 'Gent', country: 'BE' }, vatNumber: 'BE0123456789', language: 'nl' });
        const detail = await queries.getInvoice({ accountId, id: first.id });
        expect(detail.events.map((e) => e.type)).toEqual(['imported']);
        expect(detail.events[0]!.detail).toMatchObject({ profileFrom: 'connection_default', runId: run.id });

        // Again: nothing new, nothing duplicated.
        const again = await sync.importRecent({ connectionId: connection.id });
        expect(again.counts).toEqual({ new: 0, updated: 0, ignored: 4, failed: 0 });
        expect(await invoices(accountId)).toHaveLength(2);
        expect((await sync.listRuns({ accountId, connectionId: connection.id })).data.map((r) => r.id)).toEqual([again.id, run.id]);
      });

      it('updates an imported document that got paid, and ignores paid documents never seen', async () => {
        const { accountId, source, connection, sync } = await setup();
        const doc = sourceDoc();
        source.put(doc);
        await sync.importRecent({ connectionId: connection.id });
        source.put({ ...doc, status: 'paid', amountDue: '0.00', updatedAt: '2026-03-15T09:00:00.000Z' });
        source.put(sourceDoc({ status: 'paid' }));
        const run = await sync.importRecent({ connectionId: connection.id });
        expect(run.counts).toEqual({ new: 0, updated: 1, ignored: 1, failed: 0 });
        const [invoice] = await invoices(accountId);
        expect(invoice).toMatchObject({ status: 'paid', amountDue: '0.00' });
        const detail = await queries.getInvoice({ accountId, id: invoice!.id });
        expect(detail.events.map((e) => e.type)).toEqual(['imported', 'updated']);
        expect(detail.events[1]!.detail).toEqual({ changed: { status: { from: 'booked', to: 'paid' }, amountDue: { from: '121.00', to: '0.00' } } });
        expect((await queries.listInvoices({ accountId, status: 'booked' })).data).toEqual([]);
      });

      it('picks the profile: document field, customer field, customer default, connection default; an unknown value is skipped and reported', async () => {
        const { accountId, source, connection, standard, sync } = await setup();
        const link = await profiles.create({ accountId, name: 'Pay link', directDebit: false, paymentLink: true, transfer: false, sourceOptionValue: '2002' });
        const transfer = await profiles.create({ accountId, name: 'Transfer', directDebit: false, paymentLink: false, transfer: true });
        source.customers.set('cus-f', sourceCustomer({ sourceId: 'cus-f', profileField: '2002' }));
        source.customers.set('cus-d', sourceCustomer({ sourceId: 'cus-d' }));
        source.customers.set('cus-x', sourceCustomer({ sourceId: 'cus-x', profileField: '7777' }));
        const byDoc = sourceDoc({ profileField: '2002', customer: { sourceId: 'cus-d', type: 'company' } });
        const byCustomerField = sourceDoc({ customer: { sourceId: 'cus-f', type: 'company' } });
        const unknown = sourceDoc({ profileField: '9999' });
        const unknownOnCustomer = sourceDoc({ customer: { sourceId: 'cus-x', type: 'company' } });
        const noCustomer = sourceDoc({ customer: { sourceId: 'cus-gone', type: 'company' } });
        const fallback = sourceDoc({ profileField: '' });
        source.put(byDoc, byCustomerField, unknown, unknownOnCustomer, noCustomer, fallback);
        const run = await sync.importRecent({ connectionId: connection.id });
        expect(run.counts).toEqual({ new: 3, updated: 0, ignored: 0, failed: 3 });
        expect(run.failures).toEqual(
          expect.arrayContaining([
            { sourceId: unknown.sourceId, kind: 'invoice', number: unknown.number, reason: 'unknown_profile:9999' },
            { sourceId: unknownOnCustomer.sourceId, kind: 'invoice', number: unknownOnCustomer.number, reason: 'unknown_profile:7777' },
            { sourceId: noCustomer.sourceId, kind: 'invoice', number: noCustomer.number, reason: 'customer_not_found' },
          ]),
        );
        const profileOf = async (sourceId: string) => (await invoices(accountId)).find((i) => i.sourceId === sourceId)?.profileId;
        expect(await profileOf(byDoc.sourceId)).toBe(link.id);
        expect(await profileOf(byCustomerField.sourceId)).toBe(link.id);
        expect(await profileOf(fallback.sourceId)).toBe(standard.id);
        expect(await profileOf(unknown.sourceId)).toBeUndefined();

        // The customer's own default profile (set here) comes before the connection's.
        const cusD = (await customers.list({ accountId, search: 'cus-d' })).data[0]!;
        await customers.update({ accountId, id: cusD.id, profileId: transfer.id });
        const later = sourceDoc({ customer: { sourceId: 'cus-d', type: 'company' } });
        source.put(later);
        await sync.importOne({ connectionId: connection.id, kind: 'invoice', sourceId: later.sourceId });
        expect(await profileOf(later.sourceId)).toBe(transfer.id);
      });

      it('prefixes credit notes with CN once and links them to their invoice, whichever arrives first', async () => {
        const { accountId, source, connection, sync } = await setup();
        const invoice = sourceDoc({ number: '2026 / 40' });
        const credit = sourceDoc({ kind: 'credit_note', number: '2026 / 3', creditedInvoiceId: invoice.sourceId });
        const already = sourceDoc({ kind: 'credit_note', number: 'CN-7' });
        // The credit note first: it waits for its invoice.
        source.put(credit, already);
        await sync.importRecent({ connectionId: connection.id });
        let list = await invoices(accountId);
        const cn = list.find((i) => i.sourceId === credit.sourceId)!;
        expect(cn).toMatchObject({ kind: 'credit_note', number: 'CN2026 / 3', creditedInvoiceId: null });
        expect(list.find((i) => i.sourceId === already.sourceId)!.number).toBe('CN-7');

        source.put(invoice);
        await sync.importOne({ connectionId: connection.id, kind: 'invoice', sourceId: invoice.sourceId });
        list = await invoices(accountId);
        const ours = list.find((i) => i.sourceId === invoice.sourceId)!;
        expect(list.find((i) => i.id === cn.id)!.creditedInvoiceId).toBe(ours.id);
        expect((await queries.getInvoice({ accountId, id: cn.id })).events.map((e) => e.type)).toEqual(['imported', 'credit_linked']);

        // The invoice first: linked at import.
        // A settled credit note (Teamleader: paid) is imported too (S-10); only unseen paid invoices are skipped.
        const credit2 = sourceDoc({ kind: 'credit_note', number: '2026 / 4', creditedInvoiceId: invoice.sourceId, status: 'paid', amountDue: '0.00' });
        source.put(credit2);
        await sync.importOne({ connectionId: connection.id, kind: 'credit_note', sourceId: credit2.sourceId });
        const cn2 = (await queries.listInvoices({ accountId, kind: 'credit_note', number: 'CN2026 / 4' })).data[0]!;
        expect(cn2).toMatchObject({ creditedInvoiceId: ours.id, status: 'paid' });
      });

      it('keeps invoice numbers unique per account across departments', async () => {
        const { accountId, source, connection, sync } = await setup();
        const first = sourceDoc({ number: '2026 / 1', departmentId: 'dep11111-aaaa' });
        const clash = sourceDoc({ number: '2026 / 1', departmentId: 'dep22222-bbbb' });
        const clash2 = sourceDoc({ number: '2026 / 1', departmentId: 'dep22222-cccc' });
        source.put(first, clash, clash2);
        const run = await sync.importRecent({ connectionId: connection.id });
        expect(run.counts.new).toBe(3);
        const numbers = (await invoices(accountId)).map((i) => [i.sourceId, i.number, i.sourceNumber]);
        expect(numbers).toEqual(
          expect.arrayContaining([
            [first.sourceId, '2026 / 1', '2026 / 1'],
            [clash.sourceId, 'dep22222-2026 / 1', '2026 / 1'],
            [clash2.sourceId, 'dep22222-cccc-2026 / 1', '2026 / 1'],
          ]),
        );
        const prefixed = (await invoices(accountId)).find((i) => i.sourceId === clash.sourceId)!;
        expect((await queries.getInvoice({ accountId, id: prefixed.id })).events.map((e) => e.type)).toContain('number_prefixed');
      });

      it('resets a customer number changed here at the next import, and logs it', async () => {
        const { accountId, source, connection, sync } = await setup();
        const doc = sourceDoc();
        source.put(doc);
        await sync.importRecent({ connectionId: connection.id });
        const customer = (await customers.list({ accountId })).data[0]!;
        const changed = await customers.update({ accountId, id: customer.id, customerNumber: 'MY-OWN-42' });
        expect(changed).toMatchObject({ customerNumber: 'MY-OWN-42', localNumberChangedAt: clock.now() });
        await expect(customers.update({ accountId, id: customer.id, customerNumber: ' ' })).rejects.toMatchObject({
          code: 'invalid_customer_number',
          status: 400,
        });
        expect((await customers.update({ accountId, id: customer.id, customerNumber: 'cus-1' })).localNumberChangedAt).toBeNull();
        await customers.update({ accountId, id: customer.id, customerNumber: 'MY-OWN-42' });

        source.customers.set('cus-1', sourceCustomer({ sourceId: 'cus-1', name: 'Renamed NV' }));
        const next = sourceDoc();
        source.put(next);
        await sync.importRecent({ connectionId: connection.id });
        expect(await customers.get({ accountId, id: customer.id })).toMatchObject({ customerNumber: 'cus-1', name: 'Renamed NV', localNumberChangedAt: null });
        const imported = (await invoices(accountId)).find((i) => i.sourceId === next.sourceId)!;
        const events = (await queries.getInvoice({ accountId, id: imported.id })).events;
        expect(events.find((e) => e.type === 'customer_reset')?.detail).toEqual({ customerId: customer.id, from: 'MY-OWN-42', to: 'cus-1' });
      });

      it('links subscription invoices and flags a 0-day payment term in the summary', async () => {
        const { accountId, source, connection, sync } = await setup();
        source.subscriptions.set('sub-0', {
          sourceId: 'sub-0',
          title: 'Monthly hosting',
          status: 'active',
          paymentTermDays: 0,
          customer: { sourceId: 'cus-1', type: 'company' },
        });
        source.subscriptions.set('sub-30', {
          sourceId: 'sub-30',
          title: 'Yearly',
          status: 'active',
          paymentTermDays: 30,
          customer: { sourceId: 'cus-1', type: 'company' },
        });
        source.put(
          sourceDoc({ subscriptionId: 'sub-0', paymentTermDays: 0 }),
          sourceDoc({ subscriptionId: 'sub-0', paymentTermDays: 0 }),
          sourceDoc({ subscriptionId: 'sub-30' }),
        );
        const run = await sync.importRecent({ connectionId: connection.id });
        expect(run.flags).toEqual({ zeroDaySubscriptions: [{ subscriptionId: 'sub-0', title: 'Monthly hosting' }] });
        expect((await invoices(accountId)).map((i) => i.subscriptionId).sort()).toEqual(['sub-0', 'sub-0', 'sub-30']);
        expect((await sync.refreshSubscription({ connectionId: connection.id, sourceId: 'sub-0' }))?.zeroDayTerm).toBe(true);
      });

      it('takes the profile a subscription names when the document names none', async () => {
        const { accountId, source, connection, sync } = await setup();
        const link = await profiles.create({ accountId, name: 'Link', directDebit: false, paymentLink: true, transfer: false, sourceOptionValue: 'link' });
        source.subscriptions.set('sub-l', {
          sourceId: 'sub-l',
          title: 'Plan',
          status: 'active',
          paymentTermDays: 14,
          customer: { sourceId: 'cus-1', type: 'company' },
          profileField: 'link',
        });
        source.put(sourceDoc({ subscriptionId: 'sub-l' }));
        await sync.importRecent({ connectionId: connection.id });
        expect((await invoices(accountId))[0]!.profileId).toBe(link.id);
      });
    });

    describe('runs', () => {
      it('refuses an import no profile could apply to before it starts: 422 no_profile_configured, no run, nothing read', async () => {
        n++;
        const accountId = `acc_${engine.name}_${n}_bare`;
        const source = new ScriptedSource(`scripted-bare-${n}`);
        sources.set(source.id, source);
        source.customers.set('cus-1', sourceCustomer({ sourceId: 'cus-1' }));
        source.put(sourceDoc());
        const connection = await connections.create({ accountId, sourceId: source.id, sourceAccountId: `tl-bare-${n}` });
        const sync = importer();
        await expect(sync.importRecent({ connectionId: connection.id })).rejects.toMatchObject({
          code: 'no_profile_configured',
          status: 422,
          message: expect.stringMatching(/default.*profileFieldId/s),
        });
        expect((await sync.listRuns({ connectionId: connection.id })).data).toEqual([]);
        expect(source.listCalls).toEqual([]);
        // The sweep skips it too (no failed run, no mail every few minutes).
        expect(await sync.sweep({ connectionId: connection.id })).toEqual({ run: null, skipped: 'no_profile_configured' });
        expect((await sync.listRuns({ connectionId: connection.id })).data).toEqual([]);
        // One profile (the default) is enough.
        await profiles.create({ accountId, name: 'Only', directDebit: true, paymentLink: false, transfer: false });
        expect((await sync.importRecent({ connectionId: connection.id })).counts.new).toBe(1);
      });

      it('resumes an interrupted import from its cursor: every document imported exactly once', async () => {
        const { accountId, source, connection, sync } = await setup();
        const docs = Array.from({ length: 9 }, () => sourceDoc());
        source.put(...docs);
        source.failListOn.add(3);
        const finished: ImportRun[] = [];
        sync.events.on('run_finished', (run) => finished.push(run));

        const broken = await sync.importRecent({ connectionId: connection.id });
        expect(broken).toMatchObject({ status: 'interrupted', cursor: '4', counts: { new: 4 }, error: 'source unavailable (call 3)' });
        expect(await invoices(accountId)).toHaveLength(4);

        const resumed = await sync.importRecent({ connectionId: connection.id });
        expect(resumed).toMatchObject({ status: 'completed', resumedFrom: broken.id, cursor: null, counts: { new: 5, updated: 0, ignored: 0, failed: 0 } });
        expect(source.listCalls.map((c) => c.cursor)).toEqual([null, '2', '4', '4', '6', '8']);
        const list = await invoices(accountId);
        expect(list.map((i) => i.sourceId).sort()).toEqual(docs.map((d) => d.sourceId).sort());
        expect(finished.map((r) => r.status)).toEqual(['interrupted', 'completed']);

        // A completed run is not resumed: the next one starts over, and finds nothing new.
        const fresh = await sync.importRecent({ connectionId: connection.id });
        expect(fresh).toMatchObject({ resumedFrom: null, counts: { new: 0, ignored: 9 } });
      });

      it('redoes the page a document failed on, without duplicates', async () => {
        const { accountId, source, connection, sync } = await setup();
        // One customer each: a customer is read once per run (issue 14 A8), so the 4th read is the 4th document's.
        const docs = Array.from({ length: 4 }, (_, i) => sourceDoc({ customer: { sourceId: `cus-r${i}`, type: 'company' } }));
        for (const doc of docs) source.customers.set(doc.customer.sourceId, sourceCustomer({ sourceId: doc.customer.sourceId }));
        source.put(...docs);
        const getCustomer = source.getCustomer.bind(source);
        let calls = 0;
        source.getCustomer = async (input) => {
          if (++calls === 4) throw new Error('timeout');
          return getCustomer(input);
        };
        const broken = await sync.importRecent({ connectionId: connection.id });
        expect(broken).toMatchObject({ status: 'interrupted', cursor: '2', counts: { new: 3 } });
        const resumed = await sync.importRecent({ connectionId: connection.id });
        expect(resumed).toMatchObject({ status: 'completed', counts: { new: 1, ignored: 1 } });
        expect(await invoices(accountId)).toHaveLength(4);
      });

      it('sweeps changes since the last sweep (with overlap), one run at a time', async () => {
        const { accountId, source, connection } = await setup();
        const sync = importer({ pageSize: 2, sweepOverlapMinutes: 5 });
        const a = sourceDoc({ updatedAt: new Date(clock.now().getTime() - 2 * 60_000).toISOString() });
        source.put(a);
        const start = clock.now();
        const first = await sync.sweep({ connectionId: connection.id });
        // The mark is the run's own start (our clock), not the newest source change (issue 14 A7).
        expect(first.run).toMatchObject({ status: 'completed', trigger: 'sweep', counts: { new: 1 }, highWater: start });
        expect(source.listCalls[0]!.updatedSince).toEqual(new Date(start.getTime() - 30 * 86_400_000 - 5 * 60_000));

        clock.advance({ minutes: 60 });
        const b = sourceDoc({ updatedAt: new Date(clock.now().getTime() - 30 * 60_000).toISOString() });
        source.put(b);
        const second = await sync.sweep({ connectionId: connection.id });
        expect(source.listCalls[1]!.updatedSince).toEqual(new Date(start.getTime() - 5 * 60_000));
        expect(second.run?.counts).toEqual({ new: 1, updated: 0, ignored: 1, failed: 0 });
        expect(await invoices(accountId)).toHaveLength(2);

        // While a run holds the connection, a sweep is skipped and a manual import refused.
        let release!: () => void;
        source.hold = new Promise<void>((resolve) => (release = resolve));
        const entered = new Promise<void>((resolve) => (source.entered = resolve));
        const running = sync.importRecent({ connectionId: connection.id });
        await entered;
        expect(await importer().sweep({ connectionId: connection.id })).toEqual({ run: null, skipped: 'running' });
        await expect(importer().importRecent({ connectionId: connection.id })).rejects.toMatchObject({ code: 'import_running', status: 409 });
        source.hold = null;
        release();
        expect((await running).status).toBe('completed');
        await connections.updateSettings({ accountId, id: connection.id, autoImport: false });
        expect(await sync.sweep({ connectionId: connection.id })).toEqual({ run: null, skipped: 'auto_import_off' });
      });

      it('sweeps refresh the imported customers the source changed (a lost webhook), never others', async () => {
        const { source, connection } = await setup();
        const sync = importer({ pageSize: 2 });
        source.put(sourceDoc({ updatedAt: '2026-03-19T10:00:00.000Z' }));
        const firstStart = clock.now();
        expect((await sync.sweep({ connectionId: connection.id })).run?.counts.new).toBe(1);
        const nameOf = async (sourceId: string) =>
          (await db.query<{ name: string }>('select name from sync_customers where connection_id = $1 and source_id = $2', [connection.id, sourceId])).rows[0]
            ?.name;
        expect(await nameOf('cus-1')).toBe('Customer cus-1');

        const changedAt = (minutes: number) => new Date(firstStart.getTime() + minutes * 60_000).toISOString();
        source.customers.set('cus-1', sourceCustomer({ sourceId: 'cus-1', name: 'Renamed NV', updatedAt: changedAt(5) }));
        for (const id of ['cus-7', 'cus-8', 'cus-9']) source.customers.set(id, sourceCustomer({ sourceId: id, updatedAt: changedAt(10) }));
        clock.advance({ minutes: 20 });
        const secondStart = clock.now();
        const { run } = await sync.sweep({ connectionId: connection.id });
        expect(run).toMatchObject({ status: 'completed', counts: { new: 0 }, flags: { customersRefreshed: 1 }, highWater: secondStart });
        expect(await nameOf('cus-1')).toBe('Renamed NV');
        expect(await nameOf('cus-9')).toBeUndefined(); // customers come with their first document
        expect(source.listCustomerCalls).toBe(3); // the first sweep: one empty page; the second: 4 changed, in pages of 2

        // The next sweep starts from the second one's start (minus the overlap): nothing to refresh.
        clock.advance({ minutes: 10 });
        const quiet = await sync.sweep({ connectionId: connection.id });
        expect(quiet.run?.flags.customersRefreshed).toBeUndefined();
      });

      it('takes a run whose host died (no heartbeat) as interrupted', async () => {
        const { source, connection, sync } = await setup();
        source.put(sourceDoc());
        await db.query(
          `insert into sync_import_runs (id, connection_id, trigger, status, started_at, heartbeat_at) values ('run_dead', $1, 'manual', 'running', $2, $2)`,
          [connection.id, clock.now()],
        );
        await expect(sync.importRecent({ connectionId: connection.id })).rejects.toMatchObject({ code: 'import_running' });
        clock.advance({ minutes: 16 });
        const run = await sync.importRecent({ connectionId: connection.id });
        expect(run.status).toBe('completed');
        expect(await sync.getRun({ id: 'run_dead' })).toMatchObject({ status: 'interrupted', error: 'heartbeat lost' });
      });
    });

    describe('webhooks', () => {
      it('maps events to imports and refreshes; replays are duplicates; unknown accounts are reported', async () => {
        const { accountId, source, connection, sync } = await setup();
        const doc = sourceDoc();
        source.put(doc);
        const acct = connection.sourceAccountId;
        const first = await sync.handleEvents({
          events: [
            { type: 'document.booked', sourceAccountId: acct, kind: 'invoice', sourceId: doc.sourceId, eventId: 'e1' },
            { type: 'document.booked', sourceAccountId: acct, kind: 'invoice', sourceId: doc.sourceId, eventId: 'e1' },
            { type: 'document.booked', sourceAccountId: 'tl-unknown', kind: 'invoice', sourceId: doc.sourceId, eventId: 'e2' },
            { type: 'document.booked', sourceAccountId: acct, kind: 'invoice', sourceId: 'missing', eventId: 'e3' },
          ],
        });
        expect(first.results.map((r) => [r.eventId, r.outcome, r.reason])).toEqual([
          ['e1', 'new', undefined],
          ['e1', 'duplicate', undefined],
          ['e2', 'unknown_account', undefined],
          ['e3', 'failed', 'not_found'],
        ]);
        expect(await invoices(accountId)).toHaveLength(1);
        const [run] = (await sync.listRuns({ connectionId: connection.id, limit: 1 })).data;
        expect(run).toMatchObject({ trigger: 'webhook' });

        source.put({ ...doc, amountDue: '21.00', updatedAt: '2026-03-19T12:00:00.000Z' });
        source.customers.set('cus-1', sourceCustomer({ sourceId: 'cus-1', email: 'new@example.test' }));
        const second = await sync.handleEvents({
          events: [
            { type: 'document.updated', sourceAccountId: acct, kind: 'invoice', sourceId: doc.sourceId, eventId: 'e4' },
            { type: 'customer.updated', sourceAccountId: acct, customerType: 'company', sourceId: 'cus-1', eventId: 'e5' },
            { type: 'customer.updated', sourceAccountId: acct, customerType: 'company', sourceId: 'cus-never', eventId: 'e6' },
            { type: 'document.deleted', sourceAccountId: acct, kind: 'invoice', sourceId: doc.sourceId, eventId: 'e7' },
            { type: 'document.booked', sourceAccountId: acct, kind: 'invoice', sourceId: doc.sourceId },
          ],
        });
        expect(second.results.map((r) => r.outcome)).toEqual(['updated', 'refreshed', 'not_found', 'updated', 'ignored']);
        const [invoice] = await invoices(accountId);
        expect(invoice!.amountDue).toBe('21.00');
        expect((await queries.getInvoice({ accountId, id: invoice!.id })).events.map((e) => e.type)).toEqual(['imported', 'updated', 'source_deleted']);
        expect((await customers.list({ accountId })).data[0]!.email).toBe('new@example.test');

        await connections.updateSettings({ accountId, id: connection.id, autoImport: false });
        const off = await sync.handleEvents({ events: [{ type: 'document.booked', sourceAccountId: acct, kind: 'invoice', sourceId: 'x', eventId: 'e8' }] });
        expect(off.results[0]!.outcome).toBe('auto_import_off');
      });

      it('does not remember a failed event, so the retry is handled', async () => {
        const { accountId, source, connection, sync } = await setup();
        const doc = sourceDoc();
        source.put(doc);
        const getDocument = source.getDocument.bind(source);
        source.getDocument = async () => {
          throw new Error('502 from source');
        };
        const event = {
          type: 'document.booked' as const,
          sourceAccountId: connection.sourceAccountId,
          kind: 'invoice' as const,
          sourceId: doc.sourceId,
          eventId: 'r1',
        };
        expect((await sync.handleEvents({ events: [event] })).results[0]).toMatchObject({ outcome: 'failed', reason: '502 from source' });
        source.getDocument = getDocument;
        expect((await sync.handleEvents({ events: [event] })).results[0]!.outcome).toBe('new');
        expect(await invoices(accountId)).toHaveLength(1);
      });
    });

    describe('events (event_outbox)', () => {
      interface OutboxRow {
        type: string;
        data: Record<string, unknown>;
        occurred_at: Date;
      }
      const outbox = async (accountId: string, type: string) =>
        (await db.query<OutboxRow>('select type, data, occurred_at from event_outbox where account_id = $1 and type = $2 order by id', [accountId, type])).rows;

      it('records one invoice.imported per new document, with its amounts as decimal strings', async () => {
        const { accountId, source, connection, sync } = await setup();
        const a = sourceDoc({ totalInclVat: '121.005', amountDue: '121.005' });
        const note = sourceDoc({ kind: 'credit_note', totalExclVat: '-10.00', totalInclVat: '-12.10', amountDue: '-12.10' });
        const paid = sourceDoc({ status: 'paid' }); // never seen: ignored, no event
        const old = sourceDoc({ issuedOn: '2026-01-05' }); // outside the window: not even listed
        source.put(a, note, paid, old);
        const run = await sync.importRecent({ connectionId: connection.id });
        expect(run.counts).toMatchObject({ new: 2, ignored: 1 });
        const imported = await outbox(accountId, 'invoice.imported');
        expect(imported).toHaveLength(2);
        const list = await invoices(accountId);
        const invoice = list.find((i) => i.sourceId === a.sourceId)!;
        const credit = list.find((i) => i.sourceId === note.sourceId)!;
        const byId = new Map(imported.map((r) => [r.data.invoiceId, r]));
        expect(byId.get(invoice.id)!.data).toEqual({
          invoiceId: invoice.id,
          connectionId: connection.id,
          kind: 'invoice',
          number: a.number,
          status: 'booked',
          totalInclVat: '121.01',
          amountDue: '121.01',
          currency: 'EUR',
          issuedOn: '2026-03-10',
          dueOn: '2026-04-09',
        });
        expect(byId.get(credit.id)!.data).toMatchObject({
          invoiceId: credit.id,
          kind: 'credit_note',
          number: credit.number,
          currency: 'EUR',
          totalInclVat: '-12.10',
          amountDue: '-12.10',
        });
        expect(credit.number).not.toBe(note.number); // prefixed: the event carries the number as stored
        expect(imported.every((r) => new Date(r.occurred_at).toISOString() === clock.now().toISOString())).toBe(true);

        // Importing again adds no invoice.imported.
        await sync.importRecent({ connectionId: connection.id });
        await sync.importOne({ connectionId: connection.id, kind: 'invoice', sourceId: a.sourceId });
        expect(await outbox(accountId, 'invoice.imported')).toHaveLength(2);
      });

      it('records invoice.paid once, when an imported document becomes paid', async () => {
        const { accountId, source, connection, sync } = await setup();
        const doc = sourceDoc();
        source.put(doc);
        await sync.importRecent({ connectionId: connection.id });
        // Changed, not paid: no invoice.paid.
        source.put({ ...doc, amountDue: '100.00', updatedAt: '2026-03-14T09:00:00.000Z' });
        expect((await sync.importRecent({ connectionId: connection.id })).counts.updated).toBe(1);
        expect(await outbox(accountId, 'invoice.paid')).toEqual([]);
        source.put({ ...doc, status: 'paid', amountDue: '0.00', updatedAt: '2026-03-15T09:00:00.000Z' });
        expect((await sync.importRecent({ connectionId: connection.id })).counts.updated).toBe(1);
        // Still paid, something else changed; and the same again: no second invoice.paid.
        source.put({ ...doc, status: 'paid', amountDue: '0.00', dueOn: '2026-04-30', updatedAt: '2026-03-16T09:00:00.000Z' });
        expect((await sync.importRecent({ connectionId: connection.id })).counts.updated).toBe(1);
        await sync.importRecent({ connectionId: connection.id });
        await sync.importOne({ connectionId: connection.id, kind: 'invoice', sourceId: doc.sourceId });
        const [invoice] = await invoices(accountId);
        const paid = await outbox(accountId, 'invoice.paid');
        expect(paid).toHaveLength(1);
        expect(paid[0]!.data).toEqual({
          invoiceId: invoice!.id,
          connectionId: connection.id,
          kind: 'invoice',
          number: doc.number,
          totalInclVat: '121.00',
          amountDue: '0.00',
        });
        expect(await outbox(accountId, 'invoice.imported')).toHaveLength(1);
      });

      it('records exactly one invoice_sync.run_finished per finished run, with its counts and status', async () => {
        const { accountId, source, connection, sync } = await setup();
        const docs = Array.from({ length: 5 }, () => sourceDoc());
        source.put(...docs, sourceDoc({ status: 'paid' }));
        source.failListOn.add(2);
        const broken = await sync.importRecent({ connectionId: connection.id });
        expect(broken.status).toBe('interrupted');
        const resumed = await sync.importRecent({ connectionId: connection.id });
        expect(resumed.status).toBe('completed');
        const one = await sync.importOne({ connectionId: connection.id, kind: 'invoice', sourceId: 'missing' });
        const getDocument = source.getDocument.bind(source);
        source.getDocument = async () => {
          throw new Error('source down');
        };
        const failed = await sync.importOne({ connectionId: connection.id, kind: 'invoice', sourceId: docs[0]!.sourceId });
        source.getDocument = getDocument;
        expect(failed.status).toBe('failed');
        const swept = await sync.sweep({ connectionId: connection.id });

        const finished = await outbox(accountId, 'invoice_sync.run_finished');
        const runs = [broken, resumed, one, failed, swept.run!];
        expect(finished.map((r) => r.data.runId)).toEqual(runs.map((r) => r.id));
        for (const [i, run] of runs.entries())
          expect(finished[i]!.data, run.id).toEqual({
            runId: run.id,
            connectionId: connection.id,
            trigger: run.trigger,
            status: run.status,
            newCount: run.counts.new,
            updatedCount: run.counts.updated,
            ignoredCount: run.counts.ignored,
            failedCount: run.counts.failed,
            error: run.error,
          });
        expect(finished.map((r) => [r.data.trigger, r.data.status])).toEqual([
          ['manual', 'interrupted'],
          ['manual', 'completed'],
          ['webhook', 'completed'],
          ['webhook', 'failed'],
          ['sweep', 'completed'],
        ]);
        expect(finished[0]!.data).toMatchObject({ newCount: 2, error: 'source unavailable (call 2)' });
        expect(finished[1]!.data).toMatchObject({ newCount: 3, ignoredCount: 1 });
        expect(finished[2]!.data).toMatchObject({ failedCount: 1 });
        expect(finished[3]!.data).toMatchObject({ error: 'source down' });
        expect(await outbox(accountId, 'invoice.imported')).toHaveLength(5);
      });
    });

    describe('queries', () => {
      it('filters and pages invoices, and refuses bad filters', async () => {
        const { accountId, source, connection, sync } = await setup();
        source.customers.set('cus-2', sourceCustomer({ sourceId: 'cus-2' }));
        source.put(
          sourceDoc({ issuedOn: '2026-03-01', number: 'A-1' }),
          sourceDoc({ issuedOn: '2026-03-05', number: 'A-2', customer: { sourceId: 'cus-2', type: 'company' } }),
          sourceDoc({ issuedOn: '2026-03-09', number: 'B-3' }),
          sourceDoc({ issuedOn: '2026-03-12', kind: 'credit_note', number: '9' }),
        );
        await sync.importRecent({ connectionId: connection.id });
        const page1 = await queries.listInvoices({ accountId, limit: 2 });
        expect(page1.data.map((i) => i.number)).toEqual(['CN9', 'B-3']);
        const page2 = await queries.listInvoices({ accountId, limit: 2, before: page1.nextCursor! });
        expect(page2).toMatchObject({ nextCursor: null });
        expect(page2.data.map((i) => i.number)).toEqual(['A-2', 'A-1']);
        expect((await queries.listInvoices({ accountId, from: '2026-03-02', to: '2026-03-09' })).data.map((i) => i.number)).toEqual(['B-3', 'A-2']);
        expect((await queries.listInvoices({ accountId, number: 'a-' })).data).toHaveLength(2);
        expect((await queries.listInvoices({ accountId, kind: 'invoice' })).data).toHaveLength(3);
        const cus2 = (await customers.list({ accountId, search: 'cus-2' })).data[0]!;
        expect((await queries.listInvoices({ accountId, customerId: cus2.id })).data.map((i) => i.number)).toEqual(['A-2']);
        await expect(queries.listInvoices({ accountId, from: '03/02/2026' })).rejects.toMatchObject({ code: 'invalid_date', status: 400 });
        await expect(queries.getInvoice({ accountId: 'acc_other', id: page1.data[0]!.id })).rejects.toMatchObject({ code: 'invoice_not_found', status: 404 });
      });
    });
  });
}
