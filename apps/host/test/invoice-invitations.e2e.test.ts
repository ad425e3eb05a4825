import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFileStore } from '@tollgate/files';
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
 * Invitations (S-7) through the host: the e-mail to the customer in the customer's language with
 * the PDF attached and the profile's payment options, sent once the PDF is there, exactly once —
 * against a manual send racing the job and a second host on the same database — with each step in
 * the invoice's event log. Mail goes through the real outbox to a real SMTP server on 127.0.0.1.
 */
const documents: SourceDocument[] = [];
const customers = new Map<string, SourceCustomer>();
let sink: InvoiceSyncSink;

const memorySource: InvoiceSource = {
  id: 'memory',
  label: 'Memory Books',
  async listDocuments({ issuedSince, cursor, pageSize = 100 }) {
    const all = documents.filter((d) => !issuedSince || d.issuedOn >= issuedSince).sort((a, b) => a.sourceId.localeCompare(b.sourceId));
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
function doc(input: { customer: string; number?: string; amountDue?: string }): SourceDocument {
  seq++;
  return {
    sourceId: `doc-${seq}`,
    kind: 'invoice',
    number: input.number ?? `2026 / ${seq}`,
    departmentId: 'dept-1',
    status: 'booked',
    customer: { sourceId: input.customer, type: 'company' },
    currency: 'EUR',
    totalExclVat: '100.00',
    totalInclVat: '121.00',
    amountDue: input.amountDue ?? '121.00',
    issuedOn: '2026-03-10',
    dueOn: '2026-03-31',
    paymentTermDays: 21,
    subscriptionId: null,
    creditedInvoiceId: null,
    profileField: null,
    updatedAt: '2026-03-10T10:00:00.000Z',
  };
}

function customer(id: string, language: string | undefined, email: string | undefined): SourceCustomer {
  return {
    sourceId: id,
    type: 'company',
    name: `Customer ${id}`,
    ...(email ? { email } : {}),
    ...(language ? { language } : {}),
  };
}

const PDF = (n: string) => Buffer.concat([Buffer.from(`%PDF-1.7\n% invoice ${n}\n`), Buffer.from([0, 159, 146, 150, 255]), Buffer.from('\n%%EOF\n')]);
const STRUCTURED = /\+\+\+\d{3}\/\d{4}\/\d{5}\+\+\+/;

for (const engine of testEngines()) {
  describe(`invoice invitations [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-20T09:00:00.000Z');
    const P = '/v1/invoice-sync';
    let t: TestHost;
    let smtp: MailSink;
    let root: string;
    let files: LocalFileStore;
    let owner: { accountId: string; ownerKey: string };
    let member: string;
    let connectionId: string;

    const invoiceIdOf = async (number: string) =>
      (await t.db.query<{ id: string }>('select id from sync_invoices where account_id = $1 and number = $2', [owner.accountId, number])).rows[0]!.id;
    /** What the PDF engineer's fetcher does: the bytes in the file store, then the invoice marked. */
    const pdfArrives = async (invoiceId: string) => {
      const key = `invoice-pdfs/${invoiceId}.pdf`;
      await files.put({ key, body: PDF(invoiceId), contentType: 'application/pdf' });
      await t.db.query(`update sync_invoices set pdf_status = 'available', pdf_key = $2 where id = $1`, [invoiceId, key]);
    };
    const importAll = async () => {
      const started = await t.request({ method: 'POST', path: `${P}/connections/${connectionId}/imports`, key: owner.ownerKey, body: {} });
      expect(started.status).toBe(202);
      await t.host.invoiceSync.jobs.idle();
    };
    /** One job round, the outbox delivered over SMTP, then the next round records what was sent. */
    const roundAndDeliver = async (host: TestHost = t) => {
      const round = await host.host.invoiceSync.jobs.runInvitations();
      await host.host.fundingJobs.runOnce();
      const settled = await host.host.invoiceSync.invitations.settle();
      return { round, settled };
    };
    /** Mails to customers (the owner also gets each manual import's summary). */
    const invitationMails = () => smtp.mails.filter((m) => !m.envelopeTo.includes('owner@acme.test'));
    const mailsFor = (invoiceNumber: string) => invitationMails().filter((m) => m.parsed.subject?.split(' ').includes(invoiceNumber));
    const invitation = async (invoiceId: string, key = member) => t.request({ path: `${P}/invoices/${invoiceId}/invitation`, key });
    const send = (invoiceId: string, key = owner.ownerKey) => t.request({ method: 'POST', path: `${P}/invoices/${invoiceId}/invitation`, key, body: {} });
    const eventTypes = async (invoiceId: string) =>
      ((await t.request({ path: `${P}/invoices/${invoiceId}`, key: member })).body.events as Array<{ type: string }>)
        .map((e) => e.type)
        .filter((type) => type.startsWith('invitation_'));

    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'tollgate-invitations-'));
      files = new LocalFileStore({ root });
      documents.length = 0;
      customers.clear();
      seq = 0;
      customers.set('c-nl', customer('c-nl', 'nl', 'jan@bakkerij.test'));
      customers.set('c-fr', customer('c-fr', 'fr', 'marie@boulangerie.test'));
      customers.set('c-de', customer('c-de', 'de', 'hans@baeckerei.test'));
      customers.set('c-en', customer('c-en', 'en', 'john@bakery.test'));
      customers.set('c-es', customer('c-es', 'es', 'juan@panaderia.test'));
      customers.set('c-none', customer('c-none', 'nl', undefined));
      smtp = await MailSink.start();
      t = await createTestHost({
        engine,
        clock,
        plugins: [memoryPlugin],
        config: { mail: { from: 'Tollgate <billing@tollgate.test>', smtp: smtp.smtp }, files: { root } },
      });
      owner = await t.createAccount({ name: 'Acme', ownerEmail: 'owner@acme.test' });
      member = (await t.request({ method: 'POST', path: '/v1/api-keys', key: owner.ownerKey, body: { name: 'reader', role: 'member' } })).body.key;
      connectionId = (await sink.connected({ accountId: owner.accountId, sourceId: 'memory', sourceAccountId: 'books-1' })).id;
      const profile = await t.request({
        method: 'POST',
        path: `${P}/profiles`,
        key: owner.ownerKey,
        body: { name: 'Everything', directDebit: true, paymentLink: true, transfer: true, sendInvitation: true },
      });
      expect(profile).toMatchObject({ status: 201, body: { sendInvitation: true } });
    });
    afterAll(async () => {
      await t?.close();
      await smtp?.stop();
      if (root) await rm(root, { recursive: true, force: true });
    });

    it('collection settings: all null until set; the IBAN and BIC are checked; members read, admins write', async () => {
      expect((await t.request({ path: `${P}/collection-settings`, key: member })).body).toEqual({ iban: null, bic: null, beneficiary: null, updatedAt: null });
      const body = { iban: 'BE68 5390 0754 7034', bic: 'GKCCBEBB', beneficiary: 'Acme NV' };
      expect((await t.request({ method: 'PUT', path: `${P}/collection-settings`, key: member, body })).status).toBe(403);
      const bad = await t.request({ method: 'PUT', path: `${P}/collection-settings`, key: owner.ownerKey, body: { ...body, iban: 'BE68 5390 0754 7035' } });
      expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_iban' } } });
      const badBic = await t.request({ method: 'PUT', path: `${P}/collection-settings`, key: owner.ownerKey, body: { ...body, bic: 'GKCC-BEBB' } });
      expect(badBic).toMatchObject({ status: 400, body: { error: { code: 'invalid_bic' } } });
      expect((await t.request({ method: 'PUT', path: `${P}/collection-settings`, key: owner.ownerKey, body: { iban: 'x' } })).status).toBe(400);
      expect((await t.request({ path: `${P}/collection-settings`, key: member })).body.iban).toBeNull();
      const saved = await t.request({ method: 'PUT', path: `${P}/collection-settings`, key: owner.ownerKey, body });
      expect(saved).toMatchObject({
        status: 200,
        body: { iban: 'BE68539007547034', bic: 'GKCCBEBB', beneficiary: 'Acme NV', updatedAt: clock.now().toISOString() },
      });
      expect((await t.request({ path: `${P}/collection-settings`, key: member })).body).toEqual(saved.body);
    });

    it('no PDF, no invitation; once the PDF is there each customer gets one mail in their language with the PDF and the payment options', async () => {
      documents.push(
        doc({ customer: 'c-nl', number: 'NL-1' }),
        doc({ customer: 'c-fr', number: 'FR-1' }),
        doc({ customer: 'c-de', number: 'DE-1' }),
        doc({ customer: 'c-en', number: 'EN-1', amountDue: '60.50' }),
        doc({ customer: 'c-es', number: 'ES-1' }),
      );
      await importAll();
      const ids = Object.fromEntries(await Promise.all(['NL-1', 'FR-1', 'DE-1', 'EN-1', 'ES-1'].map(async (n) => [n, await invoiceIdOf(n)] as const)));
      // Only the Dutch customer has signed a mandate.
      const nlCustomer = (await t.db.query<{ id: string }>(`select id from sync_customers where source_id = 'c-nl'`)).rows[0]!.id;
      await t.db.query(
        `insert into sync_mandates (id, account_id, customer_id, reference, iban, bic, signature_date, sequence, status, created_at, updated_at)
         values ('mdt_1', $1, $2, 'MND-NL-1', 'BE71096123456769', null, '2026-01-02', 'RCUR', 'active', $3, $3)`,
        [owner.accountId, nlCustomer, clock.now()],
      );

      // No PDF yet: the job sends nothing, the manual send is refused, the state reads null (never 404).
      expect((await roundAndDeliver()).round).toEqual({ queued: 0, failed: 0, skipped: 0, sent: 0, errors: [] });
      expect(invitationMails()).toHaveLength(0);
      expect(await invitation(ids['NL-1']!)).toMatchObject({ status: 200, body: { invitation: null } });
      expect(await send(ids['NL-1']!)).toMatchObject({ status: 409, body: { error: { code: 'pdf_not_available' } } });
      expect(await invitation(ids['NL-1']!)).toMatchObject({ status: 200, body: { invitation: null } });
      expect(await eventTypes(ids['NL-1']!)).toEqual([]);
      expect((await t.request({ path: `${P}/invoices/inv_nope/invitation`, key: member })).status).toBe(404);

      for (const id of Object.values(ids)) await pdfArrives(id);
      const { round, settled } = await roundAndDeliver();
      expect(round).toMatchObject({ queued: 5, failed: 0 });
      expect(settled).toEqual({ sent: 5, failed: 0 });
      expect(invitationMails()).toHaveLength(5);

      const expected = {
        'NL-1': {
          to: 'jan@bakkerij.test',
          subject: 'Factuur NL-1 van Acme NV',
          words: ['Online betalen:', 'Gestructureerde mededeling:', '€ 121,00', '31-03-2026'],
        },
        'FR-1': { to: 'marie@boulangerie.test', subject: 'Facture FR-1 de Acme NV', words: ['Payer en ligne :', 'Communication structurée:', '121,00 €'] },
        'DE-1': { to: 'hans@baeckerei.test', subject: 'Rechnung DE-1 von Acme NV', words: ['Online bezahlen:', 'Strukturierte Mitteilung:', '31.03.2026'] },
        'EN-1': { to: 'john@bakery.test', subject: 'Invoice EN-1 from Acme NV', words: ['Pay online:', 'Structured communication:', '€60.50'] },
        // Spanish is not written: English.
        'ES-1': { to: 'juan@panaderia.test', subject: 'Invoice ES-1 from Acme NV', words: ['Pay online:', 'Structured communication:'] },
      } as const;
      for (const [number, want] of Object.entries(expected)) {
        const id = ids[number]!;
        const [mail, ...more] = mailsFor(number);
        expect(more).toEqual([]);
        expect(mail!.envelopeTo).toEqual([want.to]);
        expect(mail!.parsed.subject).toBe(want.subject);
        const text = mail!.parsed.text ?? '';
        for (const word of want.words) expect(text).toContain(word);
        // The pay link and the structured communication are the invoice's own.
        const refs = (
          await t.db.query<{ pay_token: string; structured_reference: string }>('select pay_token, structured_reference from sync_invoices where id = $1', [id])
        ).rows[0]!;
        expect(text).toContain(`${t.url}/pay/${refs.pay_token}`);
        const [written] = STRUCTURED.exec(text) ?? [];
        expect(written?.replace(/\D/g, '')).toBe(refs.structured_reference);
        expect(text).toContain('BE68539007547034 (BIC GKCCBEBB)');
        // The PDF, byte for byte.
        expect(mail!.parsed.attachments).toHaveLength(1);
        expect(mail!.parsed.attachments[0]).toMatchObject({ filename: `${number}.pdf`, mimeType: 'application/pdf' });
        expect(Buffer.from(mail!.parsed.attachments[0]!.content as ArrayBuffer).equals(PDF(id))).toBe(true);
        // Direct debit only for the customer with a mandate.
        if (number === 'NL-1') expect(text).toContain('domiciliëring van uw rekening gedebiteerd (mandaat MND-NL-1)');
        else expect(text).not.toMatch(/domicili|direct debit|Lastschrift|mandat/i);

        expect((await invitation(id)).body.invitation).toMatchObject({
          invoiceId: id,
          status: 'sent',
          trigger: 'automatic',
          attempt: 1,
          recipient: want.to,
          sentAt: clock.now().toISOString(),
        });
        expect(await eventTypes(id)).toEqual(['invitation_queued', 'invitation_sent']);
      }
      // The event for plugins and webhooks, once per invoice.
      const events = await t.db.query<{ data: { invoiceId: string; trigger: string } }>(
        `select data from event_outbox where type = 'invoice.invitation_sent' and account_id = $1`,
        [owner.accountId],
      );
      expect(events.rows.map((r) => r.data.invoiceId).sort()).toEqual(Object.values(ids).sort());

      // Never twice: a manual send is refused, more rounds send nothing.
      expect(await send(ids['NL-1']!)).toMatchObject({ status: 409, body: { error: { code: 'invitation_already_sent' } } });
      await roundAndDeliver();
      await roundAndDeliver();
      expect(invitationMails()).toHaveLength(5);
    });

    it('a profile without invitations sends none by itself; a manual send does, once, and needs an admin', async () => {
      const quiet = await t.request({
        method: 'POST',
        path: `${P}/profiles`,
        key: owner.ownerKey,
        body: { name: 'Quiet', directDebit: false, paymentLink: true, transfer: false, sourceOptionValue: 'quiet' },
      });
      expect(quiet.body.sendInvitation).toBe(false);
      documents.push({ ...doc({ customer: 'c-en', number: 'Q-1' }), profileField: 'quiet' });
      await importAll();
      const id = await invoiceIdOf('Q-1');
      await pdfArrives(id);
      expect((await roundAndDeliver()).round.queued).toBe(0);
      expect(mailsFor('Q-1')).toHaveLength(0);

      expect((await send(id, member)).status).toBe(403);
      const sent = await send(id);
      expect(sent).toMatchObject({ status: 202, body: { invitation: { status: 'queued', trigger: 'manual', recipient: 'john@bakery.test', locale: 'en' } } });
      await roundAndDeliver();
      const [mail, ...more] = mailsFor('Q-1');
      expect(more).toEqual([]);
      // Payment link only: no transfer details, no direct debit; the sender is the beneficiary.
      expect(mail!.parsed.text).toContain('Pay online:');
      expect(mail!.parsed.text).not.toMatch(/transfer|Structured|BE68|direct debit/);
      expect(await eventTypes(id)).toEqual(['invitation_queued', 'invitation_sent']);
    });

    it('a manual send racing the job, and a second host on the same database: one mail', { timeout: 60_000 }, async () => {
      const numbers = ['R-1', 'R-2', 'R-3'];
      for (const number of numbers) documents.push(doc({ customer: 'c-fr', number }));
      await importAll();
      const ids = await Promise.all(numbers.map(invoiceIdOf));
      for (const id of ids) await pdfArrives(id);
      const second = await createTestHost({
        db: t.db,
        clock,
        plugins: [memoryPlugin],
        config: { mail: { from: 'Tollgate <billing@tollgate.test>', smtp: smtp.smtp }, files: { root } },
      });
      try {
        const results = await Promise.all([
          ...ids.map((id) => send(id)),
          ...ids.map((id) => second.request({ method: 'POST', path: `${P}/invoices/${id}/invitation`, key: owner.ownerKey, body: {} })),
          t.host.invoiceSync.jobs.runInvitations(),
          second.host.invoiceSync.jobs.runInvitations(),
        ]);
        const answers = results.slice(0, ids.length * 2) as Array<{ status: number; body: { error?: { code: string } } }>;
        // Per invoice one caller queued it (202, or the job); every other manual send got 409.
        for (const a of answers) expect([202, 409]).toContain(a.status);
        for (const a of answers.filter((x) => x.status === 409)) expect(a.body.error?.code).toBe('invitation_already_sent');
        // Both hosts deliver the outbox at once.
        await Promise.all([t.host.fundingJobs.runOnce(), second.host.fundingJobs.runOnce()]);
        await Promise.all([t.host.invoiceSync.invitations.settle(), second.host.invoiceSync.invitations.settle()]);
        await Promise.all([roundAndDeliver(), roundAndDeliver(second)]);
      } finally {
        await second.close();
      }
      for (const [index, number] of numbers.entries()) {
        expect(mailsFor(number)).toHaveLength(1);
        expect(await eventTypes(ids[index]!)).toEqual(['invitation_queued', 'invitation_sent']);
        const outbox = await t.db.query<{ n: number }>(`select count(*)::int as n from notifications where event_key like $1`, [
          `invoice_invitation:${ids[index]}:%`,
        ]);
        expect(outbox.rows[0]!.n).toBe(1);
      }
    });

    it('what cannot be sent is recorded as failed by the job and refused by hand with the reason; fixed, a manual send goes', async () => {
      documents.push(doc({ customer: 'c-none', number: 'X-1' }));
      await importAll();
      const id = await invoiceIdOf('X-1');
      await pdfArrives(id);
      const { round } = await roundAndDeliver();
      expect(round).toMatchObject({ queued: 0, failed: 1 });
      expect((await invitation(id)).body.invitation).toMatchObject({ status: 'failed', reason: 'no_recipient', trigger: 'automatic' });
      expect(await eventTypes(id)).toEqual(['invitation_failed']);
      // The job does not try again by itself.
      expect((await roundAndDeliver()).round).toMatchObject({ queued: 0, failed: 0 });
      const refused = await send(id);
      expect(refused).toMatchObject({ status: 422, body: { error: { code: 'invitation_not_possible', details: { reason: 'no_recipient' } } } });
      expect(await eventTypes(id)).toEqual(['invitation_failed']);

      // The customer gets an address (as the next import of the customer would bring it): a manual send is attempt 2.
      await t.db.query(`update sync_customers set email = 'els@winkel.test' where source_id = 'c-none'`);
      const retried = await send(id);
      expect(retried).toMatchObject({ status: 202, body: { invitation: { status: 'queued', attempt: 2, trigger: 'manual', recipient: 'els@winkel.test' } } });
      await roundAndDeliver();
      expect(mailsFor('X-1')).toHaveLength(1);
      expect(mailsFor('X-1')[0]!.parsed.subject).toBe('Factuur X-1 van Acme NV');
      expect(await eventTypes(id)).toEqual(['invitation_failed', 'invitation_queued', 'invitation_sent']);
    });
  });
}
