import { startTeamleaderSandbox, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { connectThroughSandbox, sandboxPluginOptions } from './teamleader-test-kit.js';

/**
 * Issue 14 A: the import as the real Teamleader API behaves, end to end (host + plugin + sandbox over
 * HTTP, one manual clock). One test per item: A1 select values as option id or text, A2 a profile
 * field per context, A5 the document's currency, A6 credit note numbers on a department clash, A7
 * the sweep's mark against a Teamleader clock ahead of ours, A8 customers read in batches.
 */
const API = '/v1/invoice-sync';

type Ref = { type: 'company' | 'contact'; id: string };
type Seeded = { id: string; invoice_number: string };
type Field = { id: string; configuration: { options: Array<{ id: string; value: string }> } };

for (const engine of testEngines()) {
  describe(`Teamleader import as the real API behaves [${engine.name}]`, () => {
    const clock = new ManualClock('2026-05-04T09:00:00.000Z');
    let sandbox: TeamleaderSandbox;
    let t: TestHost;
    let owner: { accountId: string; ownerKey: string };
    let connectionId: string;
    let acme: Ref;
    let ann: Ref;
    let invoiceField: Field;
    let subscriptionField: Field;
    let profiles: { standard: string; directDebit: string; link: string };

    const api = (input: { method?: string; path: string; body?: unknown }) => t.request({ ...input, path: `${API}${input.path}`, key: owner.ownerKey });
    const book = (customer: Ref, extra: Record<string, unknown> = {}) => sandbox.control.seedInvoice({ customer, booked: true, ...extra }) as unknown as Seeded;
    const option = (field: Field, text: string) => field.configuration.options.find((o) => o.value === text)!.id;
    /** The imported row of a Teamleader document as GET /invoices/:id shows it, or null. */
    const imported = async (doc: { id: string }, kind: 'invoice' | 'credit_note' = 'invoice') => {
      const { rows } = await t.db.query<{ id: string }>('select id from sync_invoices where connection_id = $1 and kind = $2 and source_id = $3', [
        connectionId,
        kind,
        doc.id,
      ]);
      if (!rows[0]) return null;
      return (await api({ path: `/invoices/${rows[0].id}` })).body;
    };
    const manualImport = async () => {
      const res = await api({ method: 'POST', path: `/connections/${connectionId}/imports`, body: { days: 30 } });
      expect(res.status).toBe(202);
      await t.host.invoiceSync.jobs.idle();
      const run = await api({ path: `/runs/${res.body.id}` });
      expect(run.body.status).toBe('completed');
      return run.body;
    };
    const sweep = async () => {
      expect(await t.host.invoiceSync.jobs.runOnce()).toMatchObject({ runs: 1, errors: 0 });
      await t.host.invoiceSync.jobs.idle();
      const runs = (await api({ path: `/connections/${connectionId}/runs?limit=1` })).body.data;
      expect(runs[0]).toMatchObject({ trigger: 'sweep', status: 'completed' });
      return runs[0];
    };

    beforeAll(async () => {
      sandbox = await startTeamleaderSandbox({ now: () => clock.now(), rateLimitPerMinute: 100_000 });
      t = await createTestHost({ engine, clock, plugins: [{ plugin, options: sandboxPluginOptions({ sandbox, maxAttempts: 2 }) }] });
      owner = await t.createAccount({ name: 'Real API BV', locale: 'en', ownerEmail: 'finance@real-api.test' });
      // S-2: single-select fields with the profile ids as option texts, one per context.
      invoiceField = sandbox.control.seedCustomField({
        context: 'invoice',
        type: 'single_select',
        label: 'Twikey invoices',
        options: ['1001', '1002'],
      }) as Field;
      subscriptionField = sandbox.control.seedCustomField({
        context: 'subscription',
        type: 'single_select',
        label: 'Twikey subscriptions',
        options: ['1001', '1002'],
      }) as Field;
      acme = { type: 'company', id: (sandbox.control.seedCompany({ name: 'Acme NV', email: 'info@acme.test', language: 'nl' }) as { id: string }).id };
      ann = { type: 'contact', id: (sandbox.control.seedContact({ firstName: 'Ann', lastName: 'Peeters', email: 'ann@peeters.test' }) as { id: string }).id };

      const connected = await connectThroughSandbox({ t, key: owner.ownerKey });
      expect(connected.status).toBe(200);
      connectionId = connected.body.connection.syncConnectionId;
      const profile = async (body: Record<string, unknown>) => {
        const res = await api({ method: 'POST', path: '/profiles', body: { directDebit: false, paymentLink: false, transfer: false, ...body } });
        expect(res.status).toBe(201);
        return res.body.id as string;
      };
      profiles = {
        standard: await profile({ name: 'Standard', transfer: true }),
        directDebit: await profile({ name: 'Direct debit', directDebit: true, sourceOptionValue: '1001' }),
        link: await profile({ name: 'Link', paymentLink: true, sourceOptionValue: '1002' }),
      };
    });
    afterAll(async () => {
      await t?.close();
      await sandbox?.close();
    });

    it('A2: PATCH sets a profile field per context; profileFieldId stays the invoice field', async () => {
      const res = await api({
        method: 'PATCH',
        path: `/connections/${connectionId}`,
        body: { invoiceProfileFieldId: invoiceField.id, subscriptionProfileFieldId: subscriptionField.id },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        profileFieldId: invoiceField.id,
        invoiceProfileFieldId: invoiceField.id,
        subscriptionProfileFieldId: subscriptionField.id,
      });
      const fields = await api({ path: `/connections/${connectionId}/custom-fields` });
      expect(fields.body.data.map((f: { id: string; context: string }) => [f.id, f.context])).toEqual([
        [invoiceField.id, 'invoice'],
        [subscriptionField.id, 'subscription'],
      ]);
    });

    it('A1: a single-select value answered as the option id or as its text selects the profile whose value is the text, in both contexts', async () => {
      clock.advance({ hours: 1 });
      const subscription = sandbox.control.seedSubscription({
        customer: ann,
        title: 'Hosting',
        customFields: [{ definitionId: subscriptionField.id, value: option(subscriptionField, '1002') }],
      }) as { id: string };
      for (const form of ['id', 'text'] as const) {
        sandbox.control.setSelectValueForm(form);
        const invoiceValue = book(acme, { customFields: [{ definitionId: invoiceField.id, value: option(invoiceField, '1001') }] });
        const subscriptionValue = book(ann, { subscriptionId: subscription.id });
        const answered = (sandbox.control.invoice({ id: invoiceValue.id }) as { custom_fields: Array<{ value: string }> }).custom_fields[0]!.value;
        expect(answered).toBe(form === 'id' ? option(invoiceField, '1001') : '1001');
        const run = await manualImport();
        expect(run.failures).toEqual([]);
        expect(await imported(invoiceValue)).toMatchObject({ profileId: profiles.directDebit });
        expect(await imported(subscriptionValue)).toMatchObject({ profileId: profiles.link });
      }
      sandbox.control.setSelectValueForm('as_stored');
      // The definitions were read by id (customFieldDefinitions.info), whatever their context.
      const read = sandbox.control
        .requests()
        .filter((r) => r.path === '/customFieldDefinitions.info')
        .map((r) => (r.body as { id: string }).id);
      expect(new Set(read)).toEqual(new Set([invoiceField.id, subscriptionField.id]));
    });

    it('A2: profile order invoice field → subscription field → customer default; the subscription’s own field is read', async () => {
      clock.advance({ hours: 1 });
      const subscription = sandbox.control.seedSubscription({
        customer: acme,
        title: 'Support',
        customFields: [{ definitionId: subscriptionField.id, value: '1002' }],
      }) as { id: string };
      const both = book(acme, { subscriptionId: subscription.id, customFields: [{ definitionId: invoiceField.id, value: '1001' }] });
      const subscriptionOnly = book(acme, { subscriptionId: subscription.id });
      const neither = book(acme);
      await manualImport();
      expect(await imported(both)).toMatchObject({ profileId: profiles.directDebit });
      expect(await imported(subscriptionOnly)).toMatchObject({ profileId: profiles.link });
      expect(await imported(neither)).toMatchObject({ profileId: profiles.standard });
      expect((await imported(subscriptionOnly)).events[0].detail).toMatchObject({ profileFrom: 'subscription' });
    });

    it('A5: a USD invoice is imported in USD and marked not collectable (currency_not_eur), with an event', async () => {
      clock.advance({ hours: 1 });
      const usd = book(acme, { currency: 'USD', lines: [{ unitPrice: '200.00', taxRate: '0.21' }] });
      await manualImport();
      const row = await imported(usd);
      expect(row).toMatchObject({ currency: 'USD', totalInclVat: '242.00', collectable: false, collectionBlockedReason: 'currency_not_eur' });
      expect(row.events.map((e: { type: string }) => e.type)).toContain('collection_blocked');
      const list = (await api({ path: '/invoices?limit=200' })).body.data as Array<{ currency: string; collectable: boolean }>;
      expect(list.filter((i) => i.currency === 'EUR').every((i) => i.collectable)).toBe(true);
    });

    it('A6: credit notes with the same number in two departments both start with CN and stay unique', async () => {
      clock.advance({ hours: 1 });
      const other = sandbox.control.seedDepartment({ name: 'Second BV' }) as { id: string };
      const inDefault = book(acme);
      const inOther = book(acme, { departmentId: other.id });
      const noteA = sandbox.control.seedCreditNote({ invoiceId: inDefault.id }) as { id: string; credit_note_number: string };
      const noteB = sandbox.control.seedCreditNote({ invoiceId: inOther.id }) as { id: string; credit_note_number: string };
      expect(noteB.credit_note_number).toBe(noteA.credit_note_number);
      await manualImport();
      const a = await imported(noteA, 'credit_note');
      const b = await imported(noteB, 'credit_note');
      expect(a.number).toBe(`CN${noteA.credit_note_number}`);
      expect(b.number).toBe(`CN${other.id.slice(0, 8)}-${noteB.credit_note_number}`);
      expect(b.events.map((e: { type: string }) => e.type)).toContain('number_prefixed');
    });

    it('A7: with Teamleader’s clock ahead of ours, a later sweep still sees changes made after Teamleader corrected its clock', async () => {
      clock.advance({ hours: 1 });
      sandbox.control.setClockOffset(60 * 60_000);
      const ahead = book(acme);
      const first = await sweep();
      expect(first.highWater).toBe(clock.now().toISOString()); // our clock, not Teamleader's updated_at
      expect(await imported(ahead)).not.toBeNull();

      sandbox.control.setClockOffset(0);
      clock.advance({ minutes: 10 });
      const later = book(ann);
      await sweep();
      expect(await imported(later)).not.toBeNull();
    });

    it('A8: customers are read with companies.list / contacts.list + filter.ids per page, never one .info per document', async () => {
      clock.advance({ hours: 1 });
      const before = sandbox.control.requests().length;
      const docs = [book(acme), book(ann), book(acme), book(ann), book(acme)];
      await manualImport();
      for (const doc of docs) expect(await imported(doc)).not.toBeNull();
      const calls = sandbox.control.requests().slice(before);
      expect(calls.filter((r) => r.path === '/companies.info' || r.path === '/contacts.info')).toEqual([]);
      const lists = calls.filter((r) => r.path === '/companies.list' || r.path === '/contacts.list');
      expect(lists.length).toBeGreaterThan(0);
      for (const call of lists) expect(call.body).toMatchObject({ filter: { ids: expect.any(Array) }, includes: 'custom_fields' });
      const ids = lists.flatMap((r) => (r.body as { filter: { ids: string[] } }).filter.ids);
      expect(new Set(ids)).toEqual(new Set([acme.id, ann.id]));
    });
  });
}
