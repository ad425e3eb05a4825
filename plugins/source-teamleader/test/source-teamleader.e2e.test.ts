import { startTeamleaderSandbox, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { Money, type InvoiceSource, type SourceConnection, type SourceDocument } from '@tollgate/plugin-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { connectThroughSandbox, sandboxPluginOptions } from './teamleader-test-kit.js';

/**
 * A real host with the plugin, the Teamleader sandbox over real HTTP and one manual clock: the
 * OAuth connect flow, paging, customers, webhooks, token rotation, outages and re-consent.
 */
const BASE = '/v1/plugins/source-teamleader';

for (const engine of testEngines()) {
  describe(`source-teamleader end to end [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let sandbox: TeamleaderSandbox;
    let t: TestHost;
    let source: InvoiceSource;
    let owner: { accountId: string; ownerKey: string };
    let connection: SourceConnection;
    /** The plugin's own credentials row (tlc_…); `connection.id` is the core's (conn_…). */
    let credentialsId: string;
    let profileFieldId: string;

    const requests = (path: string) => sandbox.control.requests().filter((r) => r.path === path);
    const connect = (key: string) => connectThroughSandbox({ t, key });
    const listAll = async (input: { updatedSince?: Date; pageSize?: number; between?: () => void } = {}) => {
      const documents: SourceDocument[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { documents: SourceDocument[]; nextCursor: string | null } = await source.listDocuments({
          connection,
          cursor,
          pageSize: input.pageSize ?? 100,
          ...(input.updatedSince && { updatedSince: input.updatedSince }),
        });
        documents.push(...page.documents);
        cursor = page.nextCursor;
        pages += 1;
        input.between?.();
      } while (cursor !== null && pages < 50);
      return { documents, pages };
    };
    const webhookRows = async () =>
      (await t.pluginDatabase('source-teamleader').query<{ event_id: string; type: string }>('select event_id, type from source_teamleader_webhook_events'))
        .rows;

    beforeAll(async () => {
      sandbox = await startTeamleaderSandbox({ now: () => clock.now(), rateLimitPerMinute: 100_000 });
      t = await createTestHost({
        engine,
        clock,
        plugins: [
          {
            plugin,
            options: sandboxPluginOptions({ sandbox, maxAttempts: 4 }),
          },
        ],
      });
      source = t.host.pluginHost.invoiceSources.get('teamleader') as InvoiceSource;
      owner = await t.createAccount();
    });
    afterAll(async () => {
      await t?.close();
      await sandbox?.close();
    });

    it('lists itself as the invoice source "teamleader" with its routes', async () => {
      const res = await t.request({ path: '/plugins' });
      const entry = res.body.data.find((p: { id: string }) => p.id === 'source-teamleader');
      expect(entry.invoiceSources).toEqual([{ id: 'teamleader', label: 'Teamleader Focus' }]);
      expect(entry.routes).toContain(`POST ${BASE}/webhooks`);
    });

    it('connect: consent → callback stores the sealed tokens and registers the webhooks', async () => {
      const res = await connect(owner.ownerKey);
      expect(res.status).toBe(200);
      expect(res.body.connection).toMatchObject({ status: 'connected', teamleaderAccountId: sandbox.control.ids.account });
      credentialsId = res.body.connection.id;
      expect(res.body.connection.syncConnectionId).toMatch(/^conn_/);
      connection = { id: res.body.connection.syncConnectionId, accountId: owner.accountId, sourceAccountId: sandbox.control.ids.account, profileFieldId: null };
      // The core's connection, seen through the invoice-sync side of the host.
      expect(await t.host.invoiceSync.importer.listRuns({ connectionId: connection.id })).toEqual({ data: [], nextCursor: null });

      const { rows } = await t
        .pluginDatabase('source-teamleader')
        .query<{ sealed_tokens: string; version: number; webhook_token: string }>(
          'select sealed_tokens, version, webhook_token from source_teamleader_connections where account_id = $1',
          [owner.accountId],
        );
      expect(rows).toHaveLength(1);
      expect(rows[0]?.sealed_tokens).toMatch(/^tlt1\./);
      const register = requests('/webhooks.register');
      expect(register).toHaveLength(1);
      const body = register[0]?.body as { url: string; types: string[] };
      expect(body.url).toBe(`${t.url}${BASE}/webhooks?token=${encodeURIComponent(rows[0]?.webhook_token as string)}`);
      expect(body.types).toEqual(expect.arrayContaining(['invoice.booked', 'creditNote.booked', 'contact.updated', 'company.updated', 'subscription.updated']));

      const shown = await t.request({ path: `${BASE}/connection`, key: owner.ownerKey });
      expect(shown.body).toMatchObject({ id: credentialsId, status: 'connected' });
    });

    it('a wrong state → 400 invalid_state; access_denied → 400 and nothing stored', async () => {
      const other = await t.createAccount();
      const start = await t.request({ path: `${BASE}/connect`, key: other.ownerKey });
      const consent = await fetch(start.body.authorizeUrl as string, { redirect: 'manual' });
      const back = new URL(consent.headers.get('location') as string);
      back.searchParams.set('state', 'forged');
      const forged = await t.request({ path: `${back.pathname}${back.search}` });
      expect(forged.status).toBe(400);
      expect(forged.body.error.code).toBe('invalid_state');

      // An expired state (10 minutes) is refused too.
      const late = await t.request({ path: `${BASE}/connect`, key: other.ownerKey });
      const lateBack = new URL((await fetch(late.body.authorizeUrl as string, { redirect: 'manual' })).headers.get('location') as string);
      clock.advance({ minutes: 11 });
      const expired = await t.request({ path: `${lateBack.pathname}${lateBack.search}` });
      expect(expired.status).toBe(400);
      expect(expired.body.error.code).toBe('invalid_state');

      sandbox.control.denyNextAuthorization();
      const denied = await connect(other.ownerKey);
      expect(denied.status).toBe(400);
      expect(denied.body.error.code).toBe('access_denied');
      const stored = await t.pluginDatabase('source-teamleader').query('select id from source_teamleader_connections where account_id = $1', [other.accountId]);
      expect(stored.rowCount).toBe(0);
      expect((await t.request({ path: `${BASE}/connection`, key: other.ownerKey })).status).toBe(404);
    });

    it('a member may not start a connection', async () => {
      const res = await t.request({ method: 'POST', path: '/v1/api-keys', key: owner.ownerKey, body: { name: 'member', role: 'member' } });
      expect(res.status).toBe(201);
      const member = res.body.key as string;
      expect((await t.request({ path: `${BASE}/connect`, key: member })).status).toBe(403);
      expect((await t.request({ method: 'DELETE', path: `${BASE}/connection`, key: member })).status).toBe(403);
      expect((await t.request({ path: `${BASE}/connect`, key: member })).body.error.code).toBe('insufficient_role');
      // Members may read the status.
      expect((await t.request({ path: `${BASE}/connection`, key: member })).status).toBe(200);
    });

    it('lists 250 booked invoices and the credit notes, each exactly once, paging with the cursor', async () => {
      const field = sandbox.control.seedCustomField({ context: 'invoice', type: 'single_line', label: 'Twikey profile' }) as { id: string };
      profileFieldId = field.id;
      connection = { ...connection, profileFieldId };
      const company = sandbox.control.seedCompany({ name: 'Acme NV' }) as { id: string };
      const contact = sandbox.control.seedContact({ firstName: 'Ann', lastName: 'Peeters' }) as { id: string };
      const invoiceIds: string[] = [];
      for (let i = 0; i < 250; i++) {
        const customer = i % 2 === 0 ? { type: 'company' as const, id: company.id } : { type: 'contact' as const, id: contact.id };
        const seeded = sandbox.control.seedInvoice({
          customer,
          booked: true,
          paid: i % 10 === 0,
          bookedOn: '2026-02-01',
          ...(i === 7 && { customFields: [{ definitionId: profileFieldId, value: 'PROF-7' }] }),
        }) as { id: string };
        invoiceIds.push(seeded.id);
      }
      sandbox.control.seedInvoice({ customer: { type: 'company', id: company.id } }); // a draft: never listed
      const noteIds = [0, 1, 2].map((i) => (sandbox.control.seedCreditNote({ invoiceId: invoiceIds[i + 1] as string }) as { id: string }).id);

      const { documents, pages } = await listAll();
      const invoices = documents.filter((d) => d.kind === 'invoice');
      const notes = documents.filter((d) => d.kind === 'credit_note');
      expect(invoices).toHaveLength(250);
      expect(new Set(invoices.map((d) => d.sourceId))).toEqual(new Set(invoiceIds));
      expect(notes.map((d) => d.sourceId).sort()).toEqual([...noteIds].sort());
      expect(pages).toBe(6); // 100 + 100 + 50 invoices and an empty page, then one page of credit notes and an empty one
      // 25 paid, plus the 3 invoices the credit notes fully credit (due 0 → matched).
      expect(invoices.filter((d) => d.status === 'paid')).toHaveLength(28);
      expect(invoices.filter((d) => d.status === 'paid').every((d) => d.amountDue === '0.00')).toBe(true);
      const seventh = invoices.find((d) => d.sourceId === invoiceIds[7]);
      expect(seventh).toMatchObject({
        profileField: 'PROF-7',
        status: 'booked',
        currency: 'EUR',
        totalExclVat: '100.00',
        totalInclVat: '121.00',
        paymentTermDays: 30,
        customer: { type: 'contact', sourceId: contact.id },
      });
      expect(invoices.find((d) => d.sourceId === invoiceIds[8])?.profileField).toBeNull();
      // A full credit settles against its invoice: Teamleader marks the note paid.
      expect(notes[0]).toMatchObject({ creditedInvoiceId: expect.any(String), status: 'paid', amountDue: '0.00' });
      expect(Money.of(notes[0]?.totalInclVat as string).toString()).toBe('121.00');

      // getDocument agrees with the listing.
      expect(await source.getDocument({ connection, kind: 'invoice', sourceId: invoiceIds[7] as string })).toEqual(seventh);
      expect(await source.getDocument({ connection, kind: 'credit_note', sourceId: noteIds[0] as string })).toMatchObject({ kind: 'credit_note' });
      expect(await source.getDocument({ connection, kind: 'invoice', sourceId: '00000000-0000-4000-8000-000000000000' })).toBeNull();
    });

    it('updatedSince: only what changed since', async () => {
      clock.advance({ days: 1 });
      const since = clock.now();
      const company = sandbox.control.seedCompany({ name: 'Later BV' }) as { id: string };
      const fresh = [1, 2, 3].map(() => (sandbox.control.seedInvoice({ customer: { type: 'company', id: company.id }, booked: true }) as { id: string }).id);
      const { documents } = await listAll({ updatedSince: since });
      expect(documents.map((d) => d.sourceId).sort()).toEqual([...fresh].sort());
    });

    it('getCustomer for a company and a contact; getSubscription', async () => {
      const profile = sandbox.control.seedCustomField({ context: 'company', type: 'single_line', label: 'Profile' }) as { id: string };
      const company = sandbox.control.seedCompany({
        name: 'Acme NV',
        vatNumber: 'BE0899623035',
        email: 'info@acme.test',
        invoicingEmail: 'bill@acme.test',
        language: 'nl',
        address: { line1: 'Kerkstraat 1', postalCode: '9000', city: 'Gent', country: 'BE' },
        customFields: [{ definitionId: profile.id, value: 'P-1' }],
      }) as { id: string };
      const contact = sandbox.control.seedContact({ firstName: 'Ann', lastName: 'Peeters', email: 'ann@peeters.test', language: 'fr' }) as { id: string };
      expect(await source.getCustomer({ connection: { ...connection, profileFieldId: profile.id }, type: 'company', sourceId: company.id })).toMatchObject({
        sourceId: company.id,
        type: 'company',
        name: 'Acme NV',
        email: 'info@acme.test',
        vatNumber: 'BE0899623035',
        language: 'nl',
        address: { line1: 'Kerkstraat 1', postalCode: '9000', city: 'Gent', country: 'BE' },
        profileField: 'P-1',
      });
      expect(await source.getCustomer({ connection, type: 'contact', sourceId: contact.id })).toMatchObject({
        sourceId: contact.id,
        type: 'contact',
        name: 'Ann Peeters',
        email: 'ann@peeters.test',
        language: 'fr',
      });
      expect(await source.getCustomer({ connection, type: 'contact', sourceId: '00000000-0000-4000-8000-000000000000' })).toBeNull();
      const sub = sandbox.control.seedSubscription({
        customer: { type: 'company', id: company.id },
        title: 'Support',
        paymentTerm: { type: 'after_invoice_date', days: 14 },
      }) as { id: string };
      expect(await source.getSubscription({ connection, sourceId: sub.id })).toEqual({
        sourceId: sub.id,
        title: 'Support',
        status: 'active',
        paymentTermDays: 14,
        customer: { sourceId: company.id, type: 'company' },
      });
    });

    it('a webhook delivered 5 times is stored once; a bad token → 400', async () => {
      await sandbox.control.deliverWebhooks(); // whatever the seeding above queued
      await t.pluginDatabase('source-teamleader').query('delete from source_teamleader_webhook_events');
      const company = sandbox.control.seedCompany({ name: 'Hooked BV' }) as { id: string };
      await sandbox.control.deliverWebhooks();
      await t.pluginDatabase('source-teamleader').query('delete from source_teamleader_webhook_events');
      sandbox.control.updateCompany({ id: company.id, changes: { name: 'Hooked NV' } });
      sandbox.control.repeatNextWebhooks(4);
      const report = await sandbox.control.deliverWebhooks();
      expect(report.statuses).toEqual([200, 200, 200, 200, 200]);
      expect(await webhookRows()).toEqual([{ event_id: expect.stringMatching(/^tl_/), type: 'customer.updated' }]);

      const body = { type: 'invoice.booked', subject: { type: 'invoice', id: 'x' }, account: { type: 'account', id: sandbox.control.ids.account } };
      const bad = await t.request({ method: 'POST', path: `${BASE}/webhooks?token=wrong`, body });
      expect(bad.status).toBe(400);
      const none = await t.request({ method: 'POST', path: `${BASE}/webhooks`, body });
      expect(none.status).toBe(400);
      // A type invoice sync ignores is accepted (200) and stores nothing.
      const token = (
        await t
          .pluginDatabase('source-teamleader')
          .query<{ webhook_token: string }>('select webhook_token from source_teamleader_connections where id = $1', [credentialsId])
      ).rows[0]?.webhook_token as string;
      const ignored = await t.request({ method: 'POST', path: `${BASE}/webhooks?token=${encodeURIComponent(token)}`, body: { ...body, type: 'deal.created' } });
      expect(ignored).toMatchObject({ status: 200, body: { received: 0, stored: 0 } });
      expect(await webhookRows()).toHaveLength(1);
    });

    it('writeStatus registers a payment once per paymentId, and removes payments once', async () => {
      const company = sandbox.control.seedCompany({ name: 'Payer BV' }) as { id: string };
      const invoice = sandbox.control.seedInvoice({ customer: { type: 'company', id: company.id }, booked: true }) as { id: string };
      const input = {
        connection,
        sourceInvoiceId: invoice.id,
        paymentId: 'pay_1',
        status: 'paid' as const,
        paidAmount: Money.of('121.00'),
        paidAt: clock.now(),
      };
      await source.writeStatus(input);
      await source.writeStatus(input);
      expect(requests('/invoices.registerPayment').filter((r) => (r.body as { id: string }).id === invoice.id)).toHaveLength(1);
      expect(sandbox.control.invoice({ id: invoice.id })).toMatchObject({ status: 'matched' });
      await source.writeStatus({ ...input, status: 'unpaid' });
      await source.writeStatus({ ...input, status: 'unpaid' });
      expect(requests('/invoices.removePayments')).toHaveLength(1);
      expect(sandbox.control.invoice({ id: invoice.id })).toMatchObject({ status: 'outstanding' });
    });

    it('a Teamleader outage (500s) is retried by the client', async () => {
      sandbox.control.failNextRequests({ count: 2, status: 500, path: '/creditNotes.list' });
      const { documents } = await listAll();
      expect(documents.filter((d) => d.kind === 'credit_note')).toHaveLength(3);
      expect(requests('/creditNotes.list').filter((r) => r.status === 500)).toHaveLength(2);
    });

    it('refresh tokens rotate during a long listing with short-lived access tokens', async () => {
      sandbox.control.setAccessTokenSeconds(400);
      const version = async () =>
        Number(
          (
            await t
              .pluginDatabase('source-teamleader')
              .query<{ version: number }>('select version from source_teamleader_connections where id = $1', [credentialsId])
          ).rows[0]?.version,
        );
      const before = await version();
      const refreshesBefore = requests('/oauth2/access_token').length;
      clock.advance({ hours: 2 }); // the stored access token has expired
      const { documents } = await listAll({ between: () => clock.advance({ seconds: 150 }) });
      expect(documents.filter((d) => d.kind === 'invoice')).toHaveLength(254);
      const refreshes = requests('/oauth2/access_token').length - refreshesBefore;
      expect(refreshes).toBeGreaterThanOrEqual(2);
      expect(await version()).toBe(before + refreshes);
      expect(requests('/invoices.list').filter((r) => r.status === 401)).toHaveLength(0);
    });

    it('re-consent needed after the refresh tokens are revoked shows on GET /connection; DELETE forgets it', async () => {
      sandbox.control.revokeRefreshTokens();
      clock.advance({ hours: 2 });
      await expect(source.listDocuments({ connection })).rejects.toMatchObject({ code: expect.stringMatching(/reconsent/i) });
      const shown = await t.request({ path: `${BASE}/connection`, key: owner.ownerKey });
      expect(shown.body).toMatchObject({ status: 'reconsent_needed', reconsentReason: 'invalid_grant' });
      const coreStatus = async () =>
        (await t.db.query<{ status: string }>('select status from sync_connections where id = $1', [connection.id])).rows[0]?.status;
      expect(await coreStatus()).toBe('reconsent_needed'); // the core stops importing too

      // Connecting again restores it, on the same connection id.
      const again = await connect(owner.ownerKey);
      expect(again.body.connection).toMatchObject({ id: credentialsId, syncConnectionId: connection.id, status: 'connected' });
      expect((await source.listDocuments({ connection, pageSize: 1 })).documents).toHaveLength(1);
      expect(await coreStatus()).toBe('connected');

      const gone = await t.request({ method: 'DELETE', path: `${BASE}/connection`, key: owner.ownerKey });
      expect(gone.status).toBe(200);
      expect(requests('/webhooks.unregister')).toHaveLength(1);
      expect((await t.request({ path: `${BASE}/connection`, key: owner.ownerKey })).status).toBe(404);
      expect(await coreStatus()).toBe('disconnected');
      // Without credentials the source refuses, whatever the core asks.
      await expect(source.listDocuments({ connection })).rejects.toMatchObject({ code: 'teamleader_reconsent_needed' });
    });
  });
}
