import { startTeamleaderSandbox, type DeliveryReport, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { createTestHost, MailSink, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { connectThroughSandbox, sandboxPluginOptions } from './teamleader-test-kit.js';

/**
 * Issue 6 end to end: a real host with the source-teamleader plugin, the Teamleader sandbox over
 * real HTTP, a real SMTP sink and one manual clock. Connect by OAuth, profiles, the manual import
 * of 30 days through /v1/invoice-sync, its summary mail, webhooks (replayed, dropped and caught by
 * the sweep), credit notes, customer updates, 0-day subscriptions, bad input and an outage mid-import.
 */
const API = '/v1/invoice-sync';
const PLUGIN = '/v1/plugins/source-teamleader';
const ACCOUNT_NAME = 'Collect BV';
const OWNER_EMAIL = 'finance@collect.test';

type Ref = { type: 'company' | 'contact'; id: string };
type Seeded = { id: string; invoice_number: string };

for (const engine of testEngines()) {
  describe(`invoice sync from Teamleader, end to end [${engine.name}]`, () => {
    // The history is seeded on the days it happened, so "changed since" and "issued since" mean what they say.
    const clock = new ManualClock('2026-01-15T09:00:00.000Z');
    let sandbox: TeamleaderSandbox;
    let smtp: MailSink;
    let t: TestHost;
    let owner: { accountId: string; ownerKey: string };
    let connectionId: string;
    let field: { id: string; link: string; mystery: string };
    let profiles: { standard: string; link: string };
    let acme: Ref;
    let ann: Ref;
    /** Seeded before the connection existed, by what the manual import must do with them. */
    const history = { tooOld: [] as Seeded[], inWindow: [] as Seeded[], link: [] as Seeded[], paid: [] as Seeded[], mystery: null as Seeded | null, draft: '' };
    let manualRunId: string;

    const api = (input: { method?: string; path: string; body?: unknown; key?: string }) =>
      t.request({ ...input, path: `${API}${input.path}`, key: input.key ?? owner.ownerKey });
    const book = (customer: Ref, extra: Record<string, unknown> = {}) => sandbox.control.seedInvoice({ customer, booked: true, ...extra }) as unknown as Seeded;
    const connect = (key: string) => connectThroughSandbox({ t, key });
    /** Teamleader POSTs its queued webhooks; the plugin's job hands them to the core; summary mails are queued. */
    const deliverAndRunJobs = async (): Promise<DeliveryReport> => {
      const report = await sandbox.control.deliverWebhooks();
      await t.runJobs();
      await t.host.invoiceSync.jobs.idle();
      return report;
    };
    /** Webhooks of seeding that is not what the test is about are thrown away unseen. */
    const discardWebhooks = async () => {
      const pending = sandbox.control.pendingWebhooks().length;
      sandbox.control.dropNextWebhooks(pending);
      expect(await sandbox.control.deliverWebhooks()).toMatchObject({ delivered: 0, dropped: pending, pending: 0 });
    };
    /** The one row imported for a Teamleader document, as GET /invoices/:id shows it (with its events). */
    const imported = async (doc: { id: string }, kind: 'invoice' | 'credit_note' = 'invoice') => {
      const rows = (
        await t.db.query<{ id: string }>('select id from sync_invoices where connection_id = $1 and kind = $2 and source_id = $3', [connectionId, kind, doc.id])
      ).rows;
      expect(rows).toHaveLength(1);
      const res = await api({ path: `/invoices/${rows[0]!.id}` });
      expect(res.status).toBe(200);
      return res.body;
    };
    const isImported = async (doc: { id: string }) =>
      (await t.db.query('select id from sync_invoices where connection_id = $1 and source_id = $2', [connectionId, doc.id])).rows.length > 0;
    const runs = async () =>
      (await api({ path: `/connections/${connectionId}/runs?limit=200` })).body.data as Array<{
        id: string;
        trigger: string;
        status: string;
        counts: Record<string, number>;
        flags: Record<string, unknown>;
      }>;
    const summaryMails = async () =>
      (
        await t.db.query<{ event_key: string }>(`select event_key from notifications where account_id = $1 and template = 'import_summary' order by id`, [
          owner.accountId,
        ])
      ).rows;

    beforeAll(async () => {
      sandbox = await startTeamleaderSandbox({ now: () => clock.now(), rateLimitPerMinute: 100_000 });
      smtp = await MailSink.start();
      t = await createTestHost({
        engine,
        clock,
        plugins: [
          {
            plugin,
            options: sandboxPluginOptions({ sandbox, maxAttempts: 2 }),
          },
        ],
        config: { mail: { from: 'Tollgate <billing@tollgate.test>', smtp: smtp.smtp } },
      });
      owner = await t.createAccount({ name: ACCOUNT_NAME, locale: 'en', ownerEmail: OWNER_EMAIL });

      // What the Teamleader account held before it was connected (no webhooks are registered yet).
      const select = sandbox.control.seedCustomField({ context: 'invoice', type: 'single_select', label: 'Twikey invoices', options: ['Link', 'Mystery'] }) as {
        id: string;
        configuration: { options: Array<{ id: string; value: string }> };
      };
      const option = (value: string) => select.configuration.options.find((o) => o.value === value)!.id;
      field = { id: select.id, link: option('Link'), mystery: option('Mystery') };
      acme = {
        type: 'company',
        id: (
          sandbox.control.seedCompany({
            name: 'Acme NV',
            email: 'info@acme.test',
            vatNumber: 'BE0899623035',
            language: 'nl',
            address: { line1: 'Kerkstraat 1', postalCode: '9000', city: 'Gent', country: 'BE' },
          }) as { id: string }
        ).id,
      };
      ann = {
        type: 'contact',
        id: (sandbox.control.seedContact({ firstName: 'Ann', lastName: 'Peeters', email: 'ann@peeters.test', language: 'fr' }) as { id: string }).id,
      };
      history.tooOld.push(book(acme));
      clock.set('2026-01-30T09:00:00.000Z');
      history.tooOld.push(book(acme)); // one day before the 30-day window
      clock.set('2026-01-31T09:00:00.000Z');
      history.inWindow.push(book(acme)); // the first day of the window
      clock.set('2026-02-10T09:00:00.000Z');
      history.inWindow.push(book(acme), book(acme), book(acme));
      history.draft = (sandbox.control.seedInvoice({ customer: acme }) as { id: string }).id;
      clock.set('2026-02-20T09:00:00.000Z');
      history.link.push(
        book(ann, { customFields: [{ definitionId: field.id, value: field.link }] }),
        book(ann, { customFields: [{ definitionId: field.id, value: field.link }] }),
      );
      history.mystery = book(acme, { customFields: [{ definitionId: field.id, value: field.mystery }] });
      history.paid.push(book(acme, { paid: true }), book(acme, { paid: true }));
      clock.set('2026-03-02T09:00:00.000Z');
    });
    afterAll(async () => {
      await t?.close();
      await sandbox?.close();
      await smtp?.stop();
    });

    it('connect by OAuth: the callback names the core connection; /v1/invoice-sync shows it', async () => {
      const res = await connect(owner.ownerKey);
      expect(res.status).toBe(200);
      expect(res.body.connection).toMatchObject({
        status: 'connected',
        teamleaderAccountId: sandbox.control.ids.account,
        syncConnectionId: expect.stringMatching(/^conn_/),
      });
      connectionId = res.body.connection.syncConnectionId;

      const sources = await api({ path: '/sources' });
      expect(sources.body.data).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'teamleader', label: 'Teamleader Focus' })]));
      const list = await api({ path: '/connections' });
      expect(list.body.data).toEqual([
        expect.objectContaining({
          id: connectionId,
          sourceId: 'teamleader',
          sourceAccountId: sandbox.control.ids.account,
          status: 'connected',
          autoImport: true,
          profileFieldId: null,
        }),
      ]);
      expect((await api({ path: `/connections/${connectionId}` })).body).toMatchObject({ id: connectionId, status: 'connected' });
      expect(sandbox.control.pendingWebhooks()).toEqual([]);
    });

    it('an import before any profile exists is refused up front: 422 no_profile_configured, no run, nothing read from Teamleader', async () => {
      const calls = sandbox.control.requests().length;
      const res = await api({ method: 'POST', path: `/connections/${connectionId}/imports`, body: { days: 30 } });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'no_profile_configured', message: expect.stringContaining('default') });
      expect((await api({ path: `/connections/${connectionId}/runs` })).body).toEqual({ data: [], nextCursor: null });
      expect(sandbox.control.requests().length).toBe(calls);
    });

    it('custom fields: the invoice fields read live from Teamleader, every page, with the options of select fields; members may read', async () => {
      // More than one page of customFieldDefinitions.list (100 at most), and fields of other contexts that must not show.
      for (let i = 0; i < 100; i += 1)
        sandbox.control.seedCustomField({ context: 'invoice', type: 'single_line', label: `Extra ${String(i).padStart(3, '0')}` });
      sandbox.control.seedCustomField({ context: 'company', type: 'single_select', label: 'Company only', options: ['x'] });
      const res = await api({ path: `/connections/${connectionId}/custom-fields` });
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(101);
      expect(res.body.data[0]).toEqual({
        id: field.id,
        label: 'Twikey invoices',
        type: 'single_select',
        options: [
          { id: field.link, label: 'Link' },
          { id: field.mystery, label: 'Mystery' },
        ],
      });
      expect(res.body.data[100]).toMatchObject({ label: 'Extra 099', type: 'single_line', options: null });
      expect(res.body.data.some((f: { label: string }) => f.label === 'Company only')).toBe(false);
      const pages = sandbox.control
        .requests()
        .filter((r) => r.path === '/customFieldDefinitions.list')
        .map((r) => r.body as { filter?: unknown; page?: unknown });
      expect(pages.slice(-3)).toEqual([
        { filter: { context: 'invoice' }, page: { size: 100, number: 1 } },
        { filter: { context: 'invoice' }, page: { size: 100, number: 2 } },
        { filter: { context: 'invoice' }, page: { size: 100, number: 3 } }, // only an empty page ends the list
      ]);

      const member = (await t.request({ method: 'POST', path: '/v1/api-keys', key: owner.ownerKey, body: { name: 'reader', role: 'member' } })).body
        .key as string;
      expect((await api({ path: `/connections/${connectionId}/custom-fields`, key: member })).status).toBe(200);
      expect((await api({ path: '/connections/conn_nope/custom-fields' })).body.error).toMatchObject({ code: 'connection_not_found' });
      expect((await api({ path: '/connections/conn_nope/custom-fields' })).status).toBe(404);
      const other = await t.createAccount({ name: 'Nosy BV' });
      expect((await api({ path: `/connections/${connectionId}/custom-fields`, key: other.ownerKey })).status).toBe(404);
    });

    it('profiles: a default one and one chosen by a Teamleader custom field option; the field is set on the connection', async () => {
      const standard = await api({ method: 'POST', path: '/profiles', body: { name: 'Standard', directDebit: true, paymentLink: false, transfer: false } });
      expect(standard.status).toBe(201);
      expect(standard.body).toMatchObject({ name: 'Standard', directDebit: true, isDefault: true, sourceOptionValue: null });
      const link = await api({
        method: 'POST',
        path: '/profiles',
        body: { name: 'Link', directDebit: false, paymentLink: true, transfer: false, sourceOptionValue: field.link },
      });
      expect(link.status).toBe(201);
      expect(link.body).toMatchObject({ name: 'Link', paymentLink: true, isDefault: false, sourceOptionValue: field.link });
      profiles = { standard: standard.body.id, link: link.body.id };
      expect((await api({ path: '/profiles' })).body.data.map((p: { name: string }) => p.name)).toEqual(['Link', 'Standard']);

      const patched = await api({ method: 'PATCH', path: `/connections/${connectionId}`, body: { profileFieldId: field.id } });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ id: connectionId, profileFieldId: field.id, defaultProfileId: null });
    });

    it('manual import of 30 days: 202 running, then completed; too old, drafts and paid invoices stay out', async () => {
      const res = await api({ method: 'POST', path: `/connections/${connectionId}/imports`, body: { days: 30 } });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ connectionId, trigger: 'manual', status: 'running', issuedSince: '2026-01-31', resumedFrom: null, finishedAt: null });
      manualRunId = res.body.id;
      await t.host.invoiceSync.jobs.idle();

      const run = await api({ path: `/runs/${manualRunId}` });
      expect(run.status).toBe(200);
      expect(run.body).toMatchObject({ id: manualRunId, status: 'completed', error: null, counts: { new: 6, updated: 0, ignored: 2, failed: 1 } });
      expect(run.body.failures).toEqual([
        { sourceId: history.mystery!.id, kind: 'invoice', number: history.mystery!.invoice_number, reason: `unknown_profile:${field.mystery}` },
      ]);
      expect(run.body.finishedAt).toBe(clock.now().toISOString());

      for (const doc of [...history.inWindow, ...history.link]) expect(await isImported(doc)).toBe(true);
      for (const doc of [...history.tooOld, ...history.paid, history.mystery!, { id: history.draft }]) expect(await isImported(doc)).toBe(false);
      expect((await api({ path: `/connections/${connectionId}/runs` })).body).toEqual({
        data: [expect.objectContaining({ id: manualRunId })],
        nextCursor: null,
      });
    });

    it('lists the imported invoices with filters and paging; one shows its events and the profile its field chose', async () => {
      const all = await api({ path: '/invoices?limit=200' });
      expect(all.status).toBe(200);
      expect(all.body.data).toHaveLength(6);
      expect(all.body.nextCursor).toBeNull();
      const issued = all.body.data.map((i: { issuedOn: string }) => i.issuedOn);
      expect(issued).toEqual([...issued].sort().reverse()); // newest issue date first

      // Paging with limit/before walks the same list, each invoice once.
      const paged: string[] = [];
      let before: string | null = null;
      do {
        const page = await api({ path: `/invoices?limit=4${before ? `&before=${before}` : ''}` });
        paged.push(...page.body.data.map((i: { id: string }) => i.id));
        before = page.body.nextCursor;
      } while (before);
      expect(paged).toEqual(all.body.data.map((i: { id: string }) => i.id));

      expect((await api({ path: '/invoices?status=booked' })).body.data).toHaveLength(6);
      expect((await api({ path: '/invoices?status=paid' })).body.data).toEqual([]);
      expect((await api({ path: '/invoices?kind=invoice' })).body.data).toHaveLength(6);
      expect((await api({ path: '/invoices?kind=credit_note' })).body.data).toEqual([]);
      expect((await api({ path: '/invoices?from=2026-02-10&to=2026-02-20' })).body.data).toHaveLength(5);
      expect((await api({ path: '/invoices?to=2026-01-31' })).body.data.map((i: { sourceId: string }) => i.sourceId)).toEqual([history.inWindow[0]!.id]);
      const byNumber = await api({ path: `/invoices?number=${encodeURIComponent(history.link[0]!.invoice_number)}` });
      expect(byNumber.body.data.map((i: { sourceId: string }) => i.sourceId)).toContain(history.link[0]!.id);
      expect(byNumber.body.data.every((i: { number: string }) => i.number.includes(history.link[0]!.invoice_number))).toBe(true);

      const linked = await imported(history.link[0]!);
      expect(linked).toMatchObject({
        kind: 'invoice',
        sourceNumber: history.link[0]!.invoice_number,
        number: history.link[0]!.invoice_number,
        status: 'booked',
        currency: 'EUR',
        totalExclVat: '100.00',
        totalInclVat: '121.00',
        amountDue: '121.00',
        issuedOn: '2026-02-20',
        dueOn: '2026-03-22',
        paymentTermDays: 30,
        profileId: profiles.link,
        subscriptionId: null,
        creditedInvoiceId: null,
      });
      expect(linked.events).toEqual([
        {
          at: expect.any(String),
          type: 'imported',
          detail: expect.objectContaining({ trigger: 'manual', runId: manualRunId, profileId: profiles.link, profileFrom: 'document' }),
        },
      ]);
      const plain = await imported(history.inWindow[1]!);
      expect(plain).toMatchObject({ profileId: profiles.standard, issuedOn: '2026-02-10' });
      expect(plain.events[0].detail).toMatchObject({ profileFrom: 'account_default' });
      const byCustomer = await api({ path: `/invoices?customerId=${linked.customerId}` });
      expect(byCustomer.body.data.map((i: { sourceId: string }) => i.sourceId).sort()).toEqual(history.link.map((d) => d.id).sort());
    });

    it('customers: the Teamleader id is the customer number; name, e-mail and address come from Teamleader', async () => {
      const res = await api({ path: '/customers' });
      expect(res.status).toBe(200);
      expect(res.body.nextCursor).toBeNull();
      expect(res.body.data).toEqual([
        expect.objectContaining({
          connectionId,
          sourceType: 'company',
          sourceId: acme.id,
          customerNumber: acme.id,
          name: 'Acme NV',
          email: 'info@acme.test',
          vatNumber: 'BE0899623035',
          language: 'nl',
          address: { line1: 'Kerkstraat 1', postalCode: '9000', city: 'Gent', country: 'BE' },
          profileId: null,
          localNumberChangedAt: null,
        }),
        expect.objectContaining({
          connectionId,
          sourceType: 'contact',
          sourceId: ann.id,
          customerNumber: ann.id,
          name: 'Ann Peeters',
          email: 'ann@peeters.test',
          language: 'fr',
        }),
      ]);
      const one = await api({ path: `/customers/${res.body.data[1].id}` });
      expect(one.body).toMatchObject({ id: res.body.data[1].id, name: 'Ann Peeters' });
      expect((await api({ path: '/customers?search=peeters' })).body.data.map((c: { name: string }) => c.name)).toEqual(['Ann Peeters']);
    });

    it('the summary mail of the manual run: counts, and why the invoice with an unknown profile option was skipped', async () => {
      expect((await summaryMails()).map((m) => m.event_key)).toEqual([`import_run:${manualRunId}`]);
      await t.host.fundingJobs.runOnce();
      const received = smtp.mails.filter((m) => m.parsed.subject === `Teamleader Focus: manual import for ${ACCOUNT_NAME}`);
      expect(received).toHaveLength(1);
      expect(received[0]!.envelopeTo).toEqual([OWNER_EMAIL]);
      const text = received[0]!.parsed.text ?? '';
      expect(text).toContain('New: 6. Updated: 0. Ignored: 2. Failed: 1.');
      expect(text).toContain(`Not imported:\nInvoice ${history.mystery!.invoice_number}: its profile field names "${field.mystery}", which matches no profile`);
      expect(text).not.toContain('interrupted');
    });

    it('webhooks import newly booked invoices (trigger webhook); one delivered 5 times imports once', async () => {
      clock.advance({ hours: 1 });
      const fresh = [book(acme), book(ann)];
      const report = await deliverAndRunJobs();
      expect(report.statuses).toEqual([200, 200]);
      for (const doc of fresh) {
        const invoice = await imported(doc);
        expect(invoice.events[0]).toMatchObject({ type: 'imported', detail: { trigger: 'webhook' } });
        const run = await api({ path: `/runs/${invoice.events[0].detail.runId}` });
        expect(run.body).toMatchObject({ trigger: 'webhook', status: 'completed', counts: { new: 1, updated: 0, ignored: 0, failed: 0 } });
      }

      const runsBefore = (await runs()).length;
      const replayed = book(acme);
      sandbox.control.repeatNextWebhooks(4);
      const again = await deliverAndRunJobs();
      expect(again.statuses).toEqual([200, 200, 200, 200, 200]);
      expect(await imported(replayed)).toMatchObject({ sourceId: replayed.id, status: 'booked' });
      const after = await runs();
      expect(after.slice(0, after.length - runsBefore)).toEqual([
        expect.objectContaining({ trigger: 'webhook', counts: { new: 1, updated: 0, ignored: 0, failed: 0 } }),
      ]);
      // A quiet webhook run mails nobody.
      expect(await summaryMails()).toHaveLength(1);
    });

    it('webhooks Teamleader dropped are caught by the sweep (trigger sweep)', async () => {
      clock.advance({ hours: 1 });
      sandbox.control.dropNextWebhooks(2);
      const lost = [book(acme), book(ann)];
      expect(await deliverAndRunJobs()).toMatchObject({ delivered: 0, dropped: 2, pending: 0 });
      for (const doc of lost) expect(await isImported(doc)).toBe(false);

      clock.advance({ minutes: 10 });
      expect(await t.host.invoiceSync.jobs.runOnce()).toEqual({ connections: 1, runs: 1, skipped: 0, errors: 0 });
      await t.host.invoiceSync.jobs.idle();
      const sweep = (await runs())[0]!;
      expect(sweep).toMatchObject({ trigger: 'sweep', status: 'completed', counts: expect.objectContaining({ new: 2, updated: 0 }) });
      for (const doc of lost) expect((await imported(doc)).events[0]).toMatchObject({ type: 'imported', detail: { trigger: 'sweep', runId: sweep.id } });
      // The next sweep starts at this one's high-water mark: nothing new.
      clock.advance({ minutes: 10 });
      await t.host.invoiceSync.jobs.runOnce();
      expect((await runs())[0]).toMatchObject({ trigger: 'sweep', status: 'completed', counts: expect.objectContaining({ new: 0 }) });
    });

    it('a credit note on an imported invoice is imported as CN… and linked to it', async () => {
      clock.advance({ hours: 1 });
      const credited = history.inWindow[2]!;
      const note = sandbox.control.seedCreditNote({ invoiceId: credited.id }) as { id: string; credit_note_number: string };
      const report = await deliverAndRunJobs();
      expect(report.statuses).toEqual([200]);
      const ours = await imported(credited);
      const cn = await imported(note, 'credit_note');
      expect(cn).toMatchObject({
        kind: 'credit_note',
        sourceNumber: note.credit_note_number,
        number: `CN${note.credit_note_number}`,
        creditedInvoiceId: ours.id,
        totalInclVat: '121.00',
      });
      expect(cn.events.map((e: { type: string }) => e.type)).toContain('imported');
      const notes = await api({ path: '/invoices?kind=credit_note' });
      expect(notes.body.data.map((i: { id: string }) => i.id)).toEqual([cn.id]);
    });

    it('a company changed in Teamleader updates the customer; a locally changed number is reset by its next invoice', async () => {
      clock.advance({ hours: 1 });
      const customer = (await api({ path: '/customers?search=Acme' })).body.data[0];
      sandbox.control.updateCompany({ id: acme.id, changes: { name: 'Acme Group NV', email: 'finance@acme.test' } });
      expect(await deliverAndRunJobs()).toMatchObject({ statuses: [200] });
      expect((await api({ path: `/customers/${customer.id}` })).body).toMatchObject({
        name: 'Acme Group NV',
        email: 'finance@acme.test',
        customerNumber: acme.id,
      });
      // A second change 3 minutes later has the same replay id as the first: it is armed again, not dropped.
      clock.advance({ minutes: 3 });
      sandbox.control.updateCompany({ id: acme.id, changes: { name: 'Acme Holding NV' } });
      sandbox.control.repeatNextWebhooks(2); // and Teamleader repeats it: still one more read
      const before = sandbox.control.requests().filter((r) => r.path === '/companies.info').length;
      expect(await deliverAndRunJobs()).toMatchObject({ statuses: [200, 200, 200] });
      expect((await api({ path: `/customers/${customer.id}` })).body).toMatchObject({ name: 'Acme Holding NV' });
      expect(sandbox.control.requests().filter((r) => r.path === '/companies.info').length - before).toBe(1);

      const local = await api({ method: 'PATCH', path: `/customers/${customer.id}`, body: { customerNumber: 'X-1' } });
      expect(local.status).toBe(200);
      expect(local.body).toMatchObject({ customerNumber: 'X-1', localNumberChangedAt: clock.now().toISOString() });
      clock.advance({ minutes: 5 });
      const next = book(acme);
      await deliverAndRunJobs();
      expect((await api({ path: `/customers/${customer.id}` })).body).toMatchObject({ customerNumber: acme.id, localNumberChangedAt: null });
      const invoice = await imported(next);
      expect(invoice.customerId).toBe(customer.id);
      expect(invoice.events).toEqual(
        expect.arrayContaining([expect.objectContaining({ type: 'customer_reset', detail: expect.objectContaining({ from: 'X-1', to: acme.id }) })]),
      );
    });

    it('a company change whose webhook Teamleader dropped arrives with the next sweep', async () => {
      clock.advance({ hours: 1 });
      const customer = (await api({ path: '/customers?search=Acme' })).body.data[0];
      sandbox.control.dropNextWebhooks(1);
      sandbox.control.updateCompany({ id: acme.id, changes: { name: 'Acme Lost Webhook NV' } });
      expect(await deliverAndRunJobs()).toMatchObject({ delivered: 0, dropped: 1 });
      expect((await api({ path: `/customers/${customer.id}` })).body.name).not.toBe('Acme Lost Webhook NV');
      clock.advance({ minutes: 10 });
      await t.host.invoiceSync.jobs.runOnce();
      expect((await api({ path: `/customers/${customer.id}` })).body).toMatchObject({ name: 'Acme Lost Webhook NV', customerNumber: acme.id });
      expect((await runs())[0]).toMatchObject({ trigger: 'sweep', status: 'completed', flags: { customersRefreshed: 1 } });
    });

    it('invoices of a subscription with a 0-day payment term are linked to it and flagged on the run and in its mail', async () => {
      clock.advance({ hours: 1 });
      const subscription = sandbox.control.seedSubscription({
        customer: acme,
        title: 'Daily support',
        paymentTerm: { type: 'after_invoice_date', days: 0 },
      }) as { id: string };
      const generated = book(acme, { subscriptionId: subscription.id, paymentTerm: { type: 'after_invoice_date', days: 0 } });
      await deliverAndRunJobs();
      const invoice = await imported(generated);
      expect(invoice).toMatchObject({ subscriptionId: subscription.id, paymentTermDays: 0, issuedOn: '2026-03-02', dueOn: '2026-03-02' });
      const run = await api({ path: `/runs/${invoice.events[0].detail.runId}` });
      expect(run.body).toMatchObject({
        trigger: 'webhook',
        status: 'completed',
        flags: { zeroDaySubscriptions: [{ subscriptionId: subscription.id, title: 'Daily support' }] },
      });

      expect((await summaryMails()).map((m) => m.event_key)).toContain(`import_run:${run.body.id}`);
      await t.host.fundingJobs.runOnce();
      const mail = smtp.mails.find((m) => (m.parsed.text ?? '').includes('Subscription "Daily support" has a payment term of 0 days'));
      expect(mail?.parsed.subject).toBe(`Teamleader Focus: automatic import for ${ACCOUNT_NAME}`);
    });

    it('bad input: OAuth state and denial, webhook token and account, import days, unknown ids, member keys, unknown profile', async () => {
      const other = await t.createAccount({ name: 'Other BV' });
      const start = await t.request({ path: `${PLUGIN}/connect`, key: other.ownerKey });
      const back = new URL((await fetch(start.body.authorizeUrl as string, { redirect: 'manual' })).headers.get('location') as string);
      back.searchParams.set('state', 'forged');
      const forged = await t.request({ path: `${back.pathname}${back.search}` });
      expect(forged).toMatchObject({ status: 400, body: { error: { code: 'invalid_state' } } });
      sandbox.control.denyNextAuthorization();
      const denied = await connect(other.ownerKey);
      expect(denied).toMatchObject({ status: 400, body: { error: { code: 'access_denied' } } });
      expect((await api({ path: '/connections', key: other.ownerKey })).body.data).toEqual([]);

      const stored = async () =>
        Number((await t.pluginDatabase('source-teamleader').query<{ n: string }>('select count(*) as n from source_teamleader_webhook_events')).rows[0]!.n);
      const before = await stored();
      const token = (
        await t
          .pluginDatabase('source-teamleader')
          .query<{ webhook_token: string }>('select webhook_token from source_teamleader_connections where account_id = $1', [owner.accountId])
      ).rows[0]!.webhook_token;
      const payload = {
        type: 'invoice.booked',
        subject: { type: 'invoice', id: history.tooOld[0]!.id },
        account: { type: 'account', id: sandbox.control.ids.account },
        user: { type: 'user', id: sandbox.control.ids.user },
      };
      expect((await t.request({ method: 'POST', path: `${PLUGIN}/webhooks?token=wrong`, body: payload })).status).toBe(400);
      const stranger = await t.request({
        method: 'POST',
        path: `${PLUGIN}/webhooks?token=${encodeURIComponent(token)}`,
        body: { ...payload, account: { type: 'account', id: '00000000-0000-4000-8000-000000000000' } },
      });
      expect(stranger.status).toBe(400);
      expect(await stored()).toBe(before);
      await t.runJobs();
      expect(await isImported(history.tooOld[0]!)).toBe(false);

      const runCount = (await runs()).length;
      for (const body of [{ days: 0 }, { days: 'x' }, { days: 3661 }, { days: 1.5 }]) {
        const res = await api({ method: 'POST', path: `/connections/${connectionId}/imports`, body });
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
      }
      expect(await runs()).toHaveLength(runCount);

      expect(await api({ path: '/connections/conn_nope' })).toMatchObject({ status: 404, body: { error: { code: 'connection_not_found' } } });
      expect((await api({ method: 'POST', path: '/connections/conn_nope/imports', body: { days: 30 } })).status).toBe(404);
      // Another account's connection is not found either.
      expect((await api({ path: `/connections/${connectionId}`, key: other.ownerKey })).status).toBe(404);
      expect((await api({ method: 'POST', path: `/connections/${connectionId}/imports`, body: { days: 30 }, key: other.ownerKey })).status).toBe(404);
      expect((await api({ path: '/runs/run_nope' })).status).toBe(404);
      expect((await api({ path: '/invoices/inv_nope' })).status).toBe(404);

      const key = await t.request({ method: 'POST', path: '/v1/api-keys', key: owner.ownerKey, body: { name: 'member', role: 'member' } });
      expect(key.status).toBe(201);
      const member = key.body.key as string;
      const customerId = (await api({ path: '/customers' })).body.data[0].id;
      for (const write of [
        { method: 'POST', path: `/connections/${connectionId}/imports`, body: { days: 30 } },
        { method: 'PATCH', path: `/connections/${connectionId}`, body: { autoImport: false } },
        { method: 'POST', path: '/profiles', body: { name: 'Nope', directDebit: true, paymentLink: false, transfer: false } },
        { method: 'PATCH', path: `/profiles/${profiles.link}`, body: { name: 'Nope' } },
        { method: 'DELETE', path: `/profiles/${profiles.link}` },
        { method: 'PATCH', path: `/customers/${customerId}`, body: { customerNumber: 'M-1' } },
      ]) {
        expect((await api({ ...write, key: member })).status, `${write.method} ${write.path}`).toBe(403);
      }
      expect((await api({ path: '/invoices', key: member })).status).toBe(200);
      expect(await runs()).toHaveLength(runCount);
      expect((await api({ path: `/connections/${connectionId}` })).body).toMatchObject({ autoImport: true });

      const nope = await api({ method: 'PATCH', path: `/connections/${connectionId}`, body: { defaultProfileId: 'prof_nope' } });
      expect(nope).toMatchObject({ status: 404, body: { error: { code: 'profile_not_found' } } });
      expect((await api({ path: `/connections/${connectionId}` })).body).toMatchObject({ defaultProfileId: null });
    });

    describe('a Teamleader outage during a manual import of 250 invoices', () => {
      let bulk: Seeded[];
      let contact: Ref;
      let outageRunId: string;
      const importNow = () => api({ method: 'POST', path: `/connections/${connectionId}/imports`, body: { days: 30 } });
      const failed = (path: string) => sandbox.control.requests().filter((r) => r.path === path && r.status === 500).length;

      it('more 500s on invoices.info than the client tries: the run is interrupted with the error, nothing half-imported', async () => {
        clock.advance({ hours: 1 });
        // Sorted by date and number, these come after everything booked before: 150 for a company, then 100 for a contact.
        const company: Ref = { type: 'company', id: (sandbox.control.seedCompany({ name: 'Bulk NV' }) as { id: string }).id };
        contact = { type: 'contact', id: (sandbox.control.seedContact({ firstName: 'Bo', lastName: 'Bulk' }) as { id: string }).id };
        bulk = [...Array.from({ length: 150 }, () => book(company)), ...Array.from({ length: 100 }, () => book(contact))];
        await discardWebhooks();
        // 5 invoices.info calls in flight × 2 attempts each: all of them fail.
        sandbox.control.failNextRequests({ count: 10, status: 500, path: '/invoices.info' });

        const res = await importNow();
        expect(res.status).toBe(202);
        outageRunId = res.body.id;
        await t.host.invoiceSync.jobs.idle();
        const run = (await api({ path: `/runs/${outageRunId}` })).body;
        expect(run).toMatchObject({
          status: 'interrupted',
          error: expect.stringMatching(/invoices\.info.*500/),
          counts: { new: 0, updated: 0, ignored: 0, failed: 0 },
          finishedAt: expect.any(String),
        });
        expect(failed('/invoices.info')).toBe(10);
        for (const doc of bulk.slice(0, 5)) expect(await isImported(doc)).toBe(false);
      });

      it('interrupted again mid-way (a contact is first needed on page 2); each import resumes the last, every invoice once', async () => {
        // invoices.info is asked for every listed invoice from page 1 on, so a later page is reached through contacts.info.
        sandbox.control.failNextRequests({ count: 3, status: 500, path: '/contacts.info' });
        const first = await importNow();
        expect(first.status).toBe(202);
        expect(first.body).toMatchObject({ status: 'running', resumedFrom: outageRunId });
        await t.host.invoiceSync.jobs.idle();
        const interrupted = (await api({ path: `/runs/${first.body.id}` })).body;
        // Page 1 and page 2 up to the first contact's invoice are in.
        expect(interrupted).toMatchObject({
          status: 'interrupted',
          error: expect.stringMatching(/contacts\.info.*500/),
          counts: expect.objectContaining({ new: 150 }),
        });
        expect(failed('/contacts.info')).toBe(2);

        const second = await importNow();
        expect(second.status).toBe(202);
        expect(second.body).toMatchObject({ status: 'running', resumedFrom: first.body.id });
        await t.host.invoiceSync.jobs.idle();
        const resumed = (await api({ path: `/runs/${second.body.id}` })).body;
        // It starts at page 2: page 1 (with the invoice whose profile is unknown) is not read again.
        expect(resumed).toMatchObject({
          status: 'completed',
          error: null,
          resumedFrom: first.body.id,
          counts: expect.objectContaining({ new: 100, updated: 0, failed: 0 }),
        });
        expect(failed('/contacts.info')).toBe(3); // the last injected 500 was retried by the client

        const { rows } = await t.db.query<{ source_id: string; n: string }>(
          `select source_id, count(*) as n from sync_invoices where connection_id = $1 and kind = 'invoice' group by source_id`,
          [connectionId],
        );
        const counts = new Map(rows.map((r) => [r.source_id, Number(r.n)]));
        expect(bulk.filter((doc) => counts.get(doc.id) !== 1)).toEqual([]);
        expect([...counts.values()].every((n) => n === 1)).toBe(true);
        const customers = (await api({ path: `/customers?connectionId=${connectionId}&limit=200` })).body.data as Array<{ id: string; sourceId: string }>;
        const bulkContact = customers.find((c) => c.sourceId === contact.id)!;
        const listed: string[] = [];
        let before: string | null = null;
        do {
          const page = await api({ path: `/invoices?customerId=${bulkContact.id}&limit=30${before ? `&before=${before}` : ''}` });
          listed.push(...page.body.data.map((i: { sourceId: string }) => i.sourceId));
          before = page.body.nextCursor;
        } while (before);
        expect(listed.sort()).toEqual(
          bulk
            .slice(150)
            .map((d) => d.id)
            .sort(),
        );

        // Every manual run was mailed; the interrupted ones say so.
        await t.host.fundingJobs.runOnce();
        const mails = smtp.mails.filter((m) => m.parsed.subject === `Teamleader Focus: manual import for ${ACCOUNT_NAME}`).map((m) => m.parsed.text ?? '');
        expect(mails).toHaveLength(4);
        expect(mails.slice(1, 3).every((text) => text.includes('The import was interrupted; start it again to continue where it stopped.'))).toBe(true);
        expect(mails[3]).toContain('New: 100.');
        expect(mails[3]).not.toContain('interrupted');
      });
    });
  });
}
