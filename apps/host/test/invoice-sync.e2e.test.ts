import {
  coreServices,
  definePlugin,
  invoiceSourcesExtensionPoint,
  type InvoiceSource,
  type InvoiceSyncSink,
  type SourceCustomer,
  type SourceDocument,
} from '@tollgate/plugin-sdk';
import { createTestHost, MailSink, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The invoice-sync HTTP API of the host, with a small in-memory source plugin: validation and the
 * error shape, roles, the background manual import, the sweep over connections and the summary
 * mail. The Teamleader story end to end is in plugins/source-teamleader/test/invoice-sync.e2e.test.ts.
 */
const documents: SourceDocument[] = [];
const customers = new Map<string, SourceCustomer>();
let failLists = 0;
/** While set, listDocuments waits for it: holds an import open. */
let gate: Promise<void> | null = null;
let sink: InvoiceSyncSink;

const memorySource: InvoiceSource = {
  id: 'memory',
  label: 'Memory Books',
  async listDocuments({ issuedSince, updatedSince, cursor, pageSize = 100 }) {
    if (gate) await gate;
    if (failLists > 0) {
      failLists--;
      throw new Error('memory books are down');
    }
    const all = documents
      .filter((d) => (!issuedSince || d.issuedOn >= issuedSince) && (!updatedSince || new Date(d.updatedAt) >= updatedSince))
      .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || a.sourceId.localeCompare(b.sourceId));
    const offset = Number(cursor ?? 0);
    const page = all.slice(offset, offset + pageSize);
    return { documents: page, nextCursor: page.length < pageSize ? null : String(offset + pageSize) };
  },
  async getDocument({ kind, sourceId }) {
    return documents.find((d) => d.kind === kind && d.sourceId === sourceId) ?? null;
  },
  async getCustomer({ sourceId }) {
    return customers.get(sourceId) ?? null;
  },
  async getSubscription() {
    return null;
  },
  async writeStatus() {},
};

const memoryPlugin = definePlugin({
  id: 'source-memory',
  compatibility: '^2.0.0',
  register(env) {
    env.registerInit({
      deps: { sources: invoiceSourcesExtensionPoint, invoiceSync: coreServices.invoiceSync },
      init({ sources, invoiceSync }) {
        sources.add(memorySource);
        sink = invoiceSync;
      },
    });
  },
});

let seq = 0;
function doc(input: Partial<SourceDocument> & { issuedOn: string }): SourceDocument {
  seq++;
  return {
    sourceId: `doc-${seq}`,
    kind: 'invoice',
    number: `2026 / ${seq}`,
    departmentId: 'dept-1',
    status: 'booked',
    customer: { sourceId: 'cust-1', type: 'company' },
    currency: 'EUR',
    totalExclVat: '100.00',
    totalInclVat: '121.00',
    amountDue: '121.00',
    dueOn: input.issuedOn,
    paymentTermDays: 14,
    subscriptionId: null,
    creditedInvoiceId: null,
    profileField: null,
    updatedAt: `${input.issuedOn}T10:00:00.000Z`,
    ...input,
  };
}

for (const engine of testEngines()) {
  describe(`invoice-sync API [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-20T09:00:00.000Z');
    const P = '/v1/invoice-sync';
    let t: TestHost;
    let smtp: MailSink;
    let owner: { accountId: string; ownerKey: string };
    let member: string;
    let connectionId: string;
    let standardId: string;

    beforeAll(async () => {
      documents.length = 0;
      seq = 0;
      customers.clear();
      customers.set('cust-1', {
        sourceId: 'cust-1',
        type: 'company',
        name: 'Acme NV',
        email: 'billing@acme.test',
        address: { line1: 'Kerkstraat 1', postalCode: '9000', city: 'Gent', country: 'BE' },
      });
      smtp = await MailSink.start();
      t = await createTestHost({ engine, clock, plugins: [memoryPlugin], config: { mail: { from: 'Tollgate <billing@tollgate.test>', smtp: smtp.smtp } } });
      owner = await t.createAccount({ name: 'Acme', ownerEmail: 'owner@acme.test' });
      member = (await t.request({ method: 'POST', path: '/v1/api-keys', key: owner.ownerKey, body: { name: 'reader', role: 'member' } })).body.key;
      connectionId = (await sink.connected({ accountId: owner.accountId, sourceId: 'memory', sourceAccountId: 'books-1' })).id;
    });
    afterAll(async () => {
      await t?.close();
      await smtp?.stop();
    });

    it('lists the loaded sources and the connection a plugin made', async () => {
      expect((await t.request({ path: `${P}/sources`, key: member })).body).toEqual({
        data: [{ id: 'memory', label: 'Memory Books', pluginId: 'source-memory' }],
      });
      const list = await t.request({ path: `${P}/connections`, key: member });
      expect(list.body.data).toEqual([
        expect.objectContaining({
          id: connectionId,
          sourceId: 'memory',
          sourceAccountId: 'books-1',
          status: 'connected',
          autoImport: true,
          defaultProfileId: null,
        }),
      ]);
      expect(list.body.data[0].accountId).toBeUndefined();
    });

    it('profiles: the first is the default; bad input is a 400 with the one error shape', async () => {
      const created = await t.request({
        method: 'POST',
        path: `${P}/profiles`,
        key: owner.ownerKey,
        body: { name: 'Standard', directDebit: true, paymentLink: false, transfer: true },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'Standard', isDefault: true, sourceOptionValue: null });
      standardId = created.body.id;
      const none = await t.request({
        method: 'POST',
        path: `${P}/profiles`,
        key: owner.ownerKey,
        body: { name: 'Nothing', directDebit: false, paymentLink: false, transfer: false },
      });
      expect(none).toMatchObject({ status: 400, body: { error: { code: 'no_payment_option' } } });
      const wrongType = await t.request({
        method: 'POST',
        path: `${P}/profiles`,
        key: owner.ownerKey,
        body: { name: 'X', directDebit: 'yes', paymentLink: false, transfer: false },
      });
      expect(wrongType).toMatchObject({ status: 400, body: { error: { code: 'validation_failed', message: expect.stringContaining('directDebit') } } });
      const link = await t.request({
        method: 'POST',
        path: `${P}/profiles`,
        key: owner.ownerKey,
        body: { name: 'Link', directDebit: false, paymentLink: true, transfer: false, sourceOptionValue: 'opt-link' },
      });
      expect(link.body).toMatchObject({ isDefault: false, sourceOptionValue: 'opt-link' });
      const taken = await t.request({
        method: 'POST',
        path: `${P}/profiles`,
        key: owner.ownerKey,
        body: { name: 'Link 2', directDebit: false, paymentLink: true, transfer: false, sourceOptionValue: 'opt-link' },
      });
      expect(taken).toMatchObject({ status: 409, body: { error: { code: 'profile_option_taken' } } });
      expect((await t.request({ method: 'PATCH', path: `${P}/profiles/${link.body.id}`, key: owner.ownerKey, body: {} })).status).toBe(400);
      expect(
        (await t.request({ method: 'POST', path: `${P}/profiles`, key: member, body: { name: 'M', directDebit: true, paymentLink: false, transfer: false } }))
          .status,
      ).toBe(403);
      expect((await t.request({ path: `${P}/profiles`, key: member })).body.data.map((p: { name: string }) => p.name)).toEqual(['Link', 'Standard']);
      expect((await t.request({ method: 'DELETE', path: `${P}/profiles/${link.body.id}`, key: owner.ownerKey })).body).toEqual({
        deleted: true,
        id: link.body.id,
      });
      expect((await t.request({ path: `${P}/profiles/${link.body.id}`, key: owner.ownerKey })).body.error.code).toBe('profile_not_found');
    });

    it('connection settings: validated, 404 for an unknown profile or connection, members may not change them', async () => {
      const patch = (body: unknown, key = owner.ownerKey, id = connectionId) => t.request({ method: 'PATCH', path: `${P}/connections/${id}`, key, body });
      expect((await patch({ defaultProfileId: standardId, profileFieldId: 'cf-1' })).body).toMatchObject({
        defaultProfileId: standardId,
        profileFieldId: 'cf-1',
        autoImport: true,
      });
      expect(await patch({ defaultProfileId: 'prof_nope' })).toMatchObject({ status: 404, body: { error: { code: 'profile_not_found' } } });
      expect(await patch({ autoImport: 'yes' })).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
      expect(await patch({})).toMatchObject({ status: 400 });
      expect(await patch({ autoImport: false }, member)).toMatchObject({ status: 403 });
      expect(await patch({ autoImport: false }, owner.ownerKey, 'conn_nope')).toMatchObject({ status: 404, body: { error: { code: 'connection_not_found' } } });
      const other = await t.createAccount();
      expect((await t.request({ path: `${P}/connections/${connectionId}`, key: other.ownerKey })).status).toBe(404);
    });

    it('a manual import answers 202 at once, runs in the background, and mails its summary once', async () => {
      documents.push(
        doc({ issuedOn: '2026-03-01' }),
        doc({ issuedOn: '2026-03-10', profileField: 'opt-missing', number: 'BAD-1' }),
        doc({ issuedOn: '2026-01-05' }), // older than 30 days
        doc({ issuedOn: '2026-03-11', status: 'paid' }), // paid and never seen: not imported
      );
      const before = (await t.db.query('select count(*)::int as n from sync_import_runs')).rows[0];
      for (const body of [{ days: 0 }, { days: 'x' }, { days: 3661 }, { days: 30, extra: 1 }]) {
        const res = await t.request({ method: 'POST', path: `${P}/connections/${connectionId}/imports`, key: owner.ownerKey, body });
        expect(res).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
      }
      expect((await t.request({ method: 'POST', path: `${P}/connections/${connectionId}/imports`, key: member, body: {} })).status).toBe(403);
      expect((await t.db.query('select count(*)::int as n from sync_import_runs')).rows[0]).toEqual(before);

      const started = await t.request({ method: 'POST', path: `${P}/connections/${connectionId}/imports`, key: owner.ownerKey, body: {} });
      expect(started).toMatchObject({ status: 202, body: { status: 'running', trigger: 'manual', issuedSince: '2026-02-18', connectionId } });
      await t.host.invoiceSync.jobs.idle();
      const run = (await t.request({ path: `${P}/runs/${started.body.id}`, key: member })).body;
      expect(run).toMatchObject({
        status: 'completed',
        counts: { new: 1, updated: 0, ignored: 1, failed: 1 },
        failures: [{ number: 'BAD-1', reason: 'unknown_profile:opt-missing' }],
      });
      expect((await t.request({ path: `${P}/connections/${connectionId}/runs`, key: member })).body.data.map((r: { id: string }) => r.id)).toEqual([run.id]);

      await t.host.fundingJobs.runOnce(); // delivers the outbox over SMTP
      const mails = smtp.mails.filter((m) => m.parsed.subject?.includes('Memory Books'));
      expect(mails).toHaveLength(1);
      expect(mails[0]!.envelopeTo).toEqual(['owner@acme.test']);
      expect(mails[0]!.parsed.subject).toBe('Memory Books: manual import for Acme');
      expect(mails[0]!.parsed.text).toContain('New: 1. Updated: 0. Ignored: 1. Failed: 1.');
      expect(mails[0]!.parsed.text).toContain('Invoice BAD-1: its profile field names "opt-missing", which matches no profile');
      // The mail is keyed by the run: a second summary of the same run sends nothing.
      await t.host.invoiceSync.jobs.mailSummary(await t.host.invoiceSync.importer.getRun({ id: run.id }));
      await t.host.fundingJobs.runOnce();
      expect(smtp.mails.filter((m) => m.parsed.subject?.includes('Memory Books'))).toHaveLength(1);
    });

    it('invoices and customers: filters, paging, the event log; 400 on bad filters', async () => {
      documents.push(
        doc({ issuedOn: '2026-03-12' }),
        doc({
          issuedOn: '2026-03-13',
          kind: 'credit_note',
          number: '7',
          creditedInvoiceId: documents[0]!.sourceId,
          totalInclVat: '-121.00',
          amountDue: '-121.00',
        }),
      );
      const again = await t.request({ method: 'POST', path: `${P}/connections/${connectionId}/imports`, key: owner.ownerKey, body: { days: 30 } });
      await t.host.invoiceSync.jobs.idle();
      expect((await t.request({ path: `${P}/runs/${again.body.id}`, key: member })).body.counts).toMatchObject({ new: 2, failed: 1 });

      const all = (await t.request({ path: `${P}/invoices`, key: member })).body;
      expect(all.data.map((i: { number: string }) => i.number)).toEqual(['CN7', '2026 / 5', '2026 / 1']);
      const credit = all.data[0];
      expect(credit).toMatchObject({ kind: 'credit_note', creditedInvoiceId: all.data[2].id, totalInclVat: '-121.00', status: 'booked' });
      const page1 = (await t.request({ path: `${P}/invoices?limit=2`, key: member })).body;
      const page2 = (await t.request({ path: `${P}/invoices?limit=2&before=${page1.nextCursor}`, key: member })).body;
      expect([...page1.data, ...page2.data].map((i: { id: string }) => i.id)).toEqual(all.data.map((i: { id: string }) => i.id));
      expect(page2.nextCursor).toBeNull();
      expect((await t.request({ path: `${P}/invoices?kind=credit_note`, key: member })).body.data).toHaveLength(1);
      expect(
        (await t.request({ path: `${P}/invoices?from=2026-03-02&to=2026-03-12`, key: member })).body.data.map((i: { number: string }) => i.number),
      ).toEqual(['2026 / 5']);
      for (const q of ['status=open', 'from=03-2026', 'from=2026-03-20&to=2026-03-01', 'limit=0', 'colour=red']) {
        expect((await t.request({ path: `${P}/invoices?${q}`, key: member })).status).toBe(400);
      }
      const detail = (await t.request({ path: `${P}/invoices/${credit.id}`, key: member })).body;
      expect(detail.events.map((e: { type: string }) => e.type)).toEqual(['imported', 'credit_linked']);
      expect((await t.request({ path: `${P}/invoices/inv_nope`, key: member })).body.error.code).toBe('invoice_not_found');

      const customer = (await t.request({ path: `${P}/customers?search=acme`, key: member })).body.data[0];
      expect(customer).toMatchObject({ customerNumber: 'cust-1', name: 'Acme NV', email: 'billing@acme.test', address: { city: 'Gent' } });
      const renamed = await t.request({ method: 'PATCH', path: `${P}/customers/${customer.id}`, key: owner.ownerKey, body: { customerNumber: 'LOCAL-1' } });
      expect(renamed.body).toMatchObject({ customerNumber: 'LOCAL-1', localNumberChangedAt: clock.now().toISOString() });
      expect(
        (await t.request({ method: 'PATCH', path: `${P}/customers/${customer.id}`, key: owner.ownerKey, body: { profileId: 'prof_nope' } })).body.error.code,
      ).toBe('profile_not_found');
      expect((await t.request({ method: 'PATCH', path: `${P}/customers/${customer.id}`, key: owner.ownerKey, body: { customerNumber: '' } })).status).toBe(400);
    });

    it('the sweep imports what webhooks missed for every auto-import connection, and skips the others', async () => {
      clock.advance({ hours: 1 });
      documents.push(doc({ issuedOn: '2026-03-20', updatedAt: clock.now().toISOString() }));
      const first = await t.host.invoiceSync.jobs.runOnce();
      expect(first).toEqual({ connections: 1, runs: 1, skipped: 0, errors: 0 });
      const runs = (await t.request({ path: `${P}/connections/${connectionId}/runs?limit=1`, key: member })).body.data;
      expect(runs[0]).toMatchObject({ trigger: 'sweep', status: 'completed', counts: { new: 1 } });
      // The sweep brought something new: its summary is mailed; the customer number was reset.
      await t.host.fundingJobs.runOnce();
      expect(smtp.mails.filter((m) => m.parsed.subject === 'Memory Books: automatic import for Acme')).toHaveLength(1);
      const customer = (await t.request({ path: `${P}/customers`, key: member })).body.data[0];
      expect(customer).toMatchObject({ customerNumber: 'cust-1', localNumberChangedAt: null });

      // A quiet sweep mails nobody; a connection with automatic import off is not swept.
      await t.host.invoiceSync.jobs.runOnce();
      await t.request({ method: 'PATCH', path: `${P}/connections/${connectionId}`, key: owner.ownerKey, body: { autoImport: false } });
      expect(await t.host.invoiceSync.jobs.runOnce()).toEqual({ connections: 0, runs: 0, skipped: 0, errors: 0 });
      await t.host.fundingJobs.runOnce();
      expect(smtp.mails.filter((m) => m.parsed.subject?.startsWith('Memory Books: automatic'))).toHaveLength(1);
      await t.request({ method: 'PATCH', path: `${P}/connections/${connectionId}`, key: owner.ownerKey, body: { autoImport: true } });
    });

    it('an outage mid-import interrupts the run; importing again resumes it; 409 while one runs', async () => {
      failLists = 1;
      const broken = await t.request({ method: 'POST', path: `${P}/connections/${connectionId}/imports`, key: owner.ownerKey, body: { days: 30 } });
      await t.host.invoiceSync.jobs.idle();
      expect((await t.request({ path: `${P}/runs/${broken.body.id}`, key: member })).body).toMatchObject({
        status: 'interrupted',
        error: 'memory books are down',
      });
      let open!: () => void;
      gate = new Promise<void>((resolve) => (open = resolve));
      const resumed = await t.request({ method: 'POST', path: `${P}/connections/${connectionId}/imports`, key: owner.ownerKey, body: { days: 30 } });
      expect(resumed.body).toMatchObject({ status: 'running', resumedFrom: broken.body.id });
      const busy = await t.request({ method: 'POST', path: `${P}/connections/${connectionId}/imports`, key: owner.ownerKey, body: { days: 30 } });
      expect(busy).toMatchObject({ status: 409, body: { error: { code: 'import_running' } } });
      gate = null;
      open();
      await t.host.invoiceSync.jobs.idle();
      expect((await t.request({ path: `${P}/runs/${resumed.body.id}`, key: member })).body).toMatchObject({ status: 'completed', counts: { new: 0 } });
      const { rows } = await t.db.query<{ n: number }>('select count(*)::int as n from sync_invoices where connection_id = $1', [connectionId]);
      expect(rows[0]!.n).toBe(4);
    });

    it('lost consent and disconnect, reported by the plugin, stop imports', async () => {
      await sink.reconsentNeeded({ accountId: owner.accountId, sourceId: 'memory' });
      const res = await t.request({ method: 'POST', path: `${P}/connections/${connectionId}/imports`, key: owner.ownerKey, body: {} });
      expect(res).toMatchObject({ status: 409, body: { error: { code: 'connection_not_active' } } });
      await sink.connected({ accountId: owner.accountId, sourceId: 'memory', sourceAccountId: 'books-1' });
      expect((await t.request({ path: `${P}/connections/${connectionId}`, key: member })).body.status).toBe('connected');
      await expect(sink.connected({ accountId: owner.accountId, sourceId: 'memory', sourceAccountId: 'books-2' })).rejects.toMatchObject({
        code: 'already_connected',
      });
      await sink.disconnected({ accountId: owner.accountId, sourceId: 'memory' });
      expect((await t.request({ path: `${P}/connections`, key: member })).body.data).toEqual([]);
      expect((await t.request({ path: `${P}/connections?includeDisconnected=true`, key: member })).body.data[0]).toMatchObject({
        id: connectionId,
        status: 'disconnected',
      });
      // Imported invoices stay.
      expect((await t.request({ path: `${P}/invoices`, key: member })).body.data).toHaveLength(4);
    });
  });
}
