import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCardSandbox, type CardSandbox } from '@tollgate/sandbox-card';
import { startTeamleaderSandbox, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { createTestHost, MailSink, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTeamleader, loadPlugin, teamleaderOptions } from './fixtures/bundled-plugins.js';

/**
 * Issue 14's whole life of one invoice, through a real host with the bundled source-teamleader and
 * payments-card plugins, the Teamleader and card sandboxes over HTTP, a real SMTP server and the
 * host's own jobs: booked in Teamleader → imported → its PDF fetched → the invitation e-mailed once
 * (PDF attached, pay link inside) → paid through the link (3-D Secure) → Teamleader shows the payment
 * → chargeback → the payment removed in Teamleader → the invoice booked again here, and never a
 * second mail.
 */
const SECRET = 'whsec_whole_life_e2e';
const API = '/v1/invoice-sync';

for (const engine of testEngines()) {
  describe(`an invoice's whole life: import → PDF → invitation → paid by link → chargeback [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let tl: TeamleaderSandbox;
    let card: CardSandbox;
    let smtp: MailSink;
    let root: string;
    let t: TestHost;
    let owner: { accountId: string; ownerKey: string };
    let connectionId: string;

    const api = (input: { method?: string; path: string; body?: unknown }) => t.request({ ...input, path: `${API}${input.path}`, key: owner.ownerKey });
    const browse = (path: string, init: RequestInit = {}) => fetch(path.startsWith('http') ? path : `${t.url}${path}`, { redirect: 'manual', ...init });
    const form = (body: string): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const customerMails = () => smtp.mails.filter((m) => m.envelopeTo.includes('boekhouding@bakkerij.test'));
    const tlCalls = (path: string) => tl.control.requests().filter((r) => r.path === path && r.status < 300).length;
    const invoice = async (id: string) =>
      (await api({ path: `/invoices/${id}` })).body as { status: string; amountDue: string; pdfStatus: string; events: Array<{ type: string }> };
    /** The host's invitation round, the outbox over SMTP, then what was sent recorded. */
    const invitationRound = async () => {
      await t.host.invoiceSync.jobs.runInvitations();
      await t.host.fundingJobs.runOnce();
      await t.host.invoiceSync.invitations.settle();
    };

    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'tollgate-whole-life-'));
      smtp = await MailSink.start();
      tl = await startTeamleaderSandbox({ now: () => clock.now(), rateLimitPerMinute: 100_000 });
      card = await startCardSandbox({ now: () => clock.now() });
      t = await createTestHost({
        engine,
        clock,
        plugins: [
          { plugin: await loadPlugin('@tollgate/plugin-source-teamleader'), options: teamleaderOptions(tl.url) },
          { plugin: await loadPlugin('@tollgate/plugin-payments-card'), options: { baseUrl: card.url, webhookSecret: SECRET, maxNetworkRetries: 0 } },
        ],
        config: { logLevel: 'error', mail: { from: 'Tollgate <billing@tollgate.test>', smtp: smtp.smtp }, files: { root } },
      });
      card.control.setWebhook({ url: `${t.url}/v1/payments/webhooks/payments-card`, secret: SECRET });
      owner = await t.createAccount({ name: 'Collect BV', locale: 'en' });

      connectionId = await connectTeamleader({ t, key: owner.ownerKey });
      expect(
        (await api({ method: 'PUT', path: '/collection-settings', body: { iban: 'BE68 5390 0754 7034', bic: 'GKCCBEBB', beneficiary: 'Collect BV' } })).status,
      ).toBe(200);
      const profile = await api({
        method: 'POST',
        path: '/profiles',
        body: { name: 'Link and transfer', directDebit: false, paymentLink: true, transfer: true, sendInvitation: true },
      });
      expect(profile.status).toBe(201);
    });
    afterAll(async () => {
      await t?.host.invoiceSync.jobs.idle().catch(() => undefined);
      await t?.close();
      await card?.close();
      await tl?.close();
      await smtp?.stop();
      if (root) await rm(root, { recursive: true, force: true });
    });

    it('booked in Teamleader → imported → PDF → one invitation → paid by link → registered → chargeback → removed → booked', async () => {
      const company = tl.control.seedCompany({ name: 'Bakkerij Peeters', email: 'boekhouding@bakkerij.test', language: 'nl' }) as { id: string };
      const seeded = tl.control.seedInvoice({
        customer: { type: 'company', id: company.id },
        booked: true,
        lines: [{ description: 'Broodjes', quantity: 1, unitPrice: 180, taxRate: '0' }],
      }) as unknown as { id: string; invoice_number: string };

      // Import.
      expect((await api({ method: 'POST', path: `/connections/${connectionId}/imports`, body: { days: 30 } })).status).toBe(202);
      await t.host.invoiceSync.jobs.idle();
      const { rows } = await t.db.query<{ id: string }>('select id from sync_invoices where connection_id = $1 and source_id = $2', [connectionId, seeded.id]);
      const invoiceId = rows[0]!.id;
      expect(await invoice(invoiceId)).toMatchObject({ status: 'booked', amountDue: '180.00', pdfStatus: 'missing' });

      // No PDF yet: no invitation.
      await invitationRound();
      expect(customerMails()).toHaveLength(0);

      // The PDF schedule fetches it from Teamleader into the file store.
      await t.host.invoiceSync.pdfJobs.runOnce();
      expect((await invoice(invoiceId)).pdfStatus).toBe('available');
      const pdf = await t.request({ path: `${API}/invoices/${invoiceId}/pdf`, key: owner.ownerKey });
      expect(pdf.status).toBe(200);

      // The invitation: once, in Dutch, with the PDF and the pay link; more rounds and a manual send add nothing.
      await invitationRound();
      await invitationRound();
      expect((await api({ method: 'POST', path: `/invoices/${invoiceId}/invitation`, body: {} })).body).toMatchObject({
        error: { code: 'invitation_already_sent' },
      });
      await invitationRound();
      const [mail, ...more] = customerMails();
      expect(more).toEqual([]);
      expect(mail!.parsed.attachments).toHaveLength(1);
      expect(mail!.parsed.attachments[0]).toMatchObject({ mimeType: 'application/pdf' });
      expect(
        Buffer.from(mail!.parsed.attachments[0]!.content as ArrayBuffer)
          .subarray(0, 5)
          .toString(),
      ).toBe('%PDF-');
      const text = mail!.parsed.text ?? '';
      expect(text).toContain('Online betalen:');
      const link = new RegExp(`${t.url}/pay/(pay_[A-Za-z0-9_-]+)`).exec(text);
      expect(link).not.toBeNull();
      const token = link![1]!;
      // The account sees the same link and transfer reference as the mail (a member may not hand them out).
      const details = await api({ method: 'POST', path: `/invoices/${invoiceId}/payment-details`, body: {} });
      expect(details).toMatchObject({ status: 200, body: { invoiceId, payUrl: `${t.url}/pay/${token}` } });
      expect(text).toContain(details.body.structuredReference as string);
      const member = await t.request({ method: 'POST', path: '/v1/api-keys', key: owner.ownerKey, body: { name: 'reader', role: 'member' } });
      expect((await t.request({ method: 'POST', path: `${API}/invoices/${invoiceId}/payment-details`, key: member.body.key as string, body: {} })).status).toBe(
        403,
      );

      // The customer follows the link and pays by card with 3-D Secure.
      const page = await (await browse(`/pay/${token}`)).text();
      expect(page).toContain('€ 180,00');
      const started = await browse(`/pay/${token}/card`, { method: 'POST' });
      expect(started.status).toBe(303);
      const checkoutUrl = started.headers.get('location')!;
      const picked = await browse(checkoutUrl, form('payment_method=pm_card_authenticationRequired'));
      const challenge = new URL(picked.headers.get('location')!, checkoutUrl).href;
      expect(challenge).toBe(`${checkoutUrl}/3ds`);
      const authenticated = await browse(challenge, form('outcome=complete'));
      expect(new URL(authenticated.headers.get('location')!, checkoutUrl).href).toBe(`${t.url}/pay/${token}/return`);
      expect((await card.control.deliverWebhooks()).statuses.every((s) => s === 200)).toBe(true);
      expect(await invoice(invoiceId)).toMatchObject({ status: 'paid', amountDue: '0.00' });

      // Written back to Teamleader once, by the host's write-back queue.
      await t.host.invoiceSync.writebacks.drain();
      await t.host.invoiceSync.writebacks.drain();
      expect(tlCalls('/invoices.registerPayment')).toBe(1);
      expect(tl.control.invoice({ id: seeded.id })).toMatchObject({ paid: true });

      // Chargeback: the payment is reversed here and removed in Teamleader; the invoice is open again.
      const paymentIntent = card.control.checkoutSessions()[0]!.payment_intent!;
      card.control.dispute({ paymentIntentId: paymentIntent, reason: 'fraudulent' });
      expect((await card.control.deliverWebhooks()).statuses).toEqual([200]);
      const reversed = await invoice(invoiceId);
      expect(reversed).toMatchObject({ status: 'booked', amountDue: '180.00' });
      await t.host.invoiceSync.writebacks.drain();
      expect(tlCalls('/invoices.removePayments')).toBe(1);
      expect(tl.control.invoice({ id: seeded.id })).toMatchObject({ paid: false });

      // Each step in the invoice's event log, in order; the invitation was never sent again.
      const types = reversed.events.map((e) => e.type);
      const order = ['imported', 'pdf_fetched', 'invitation_queued', 'invitation_sent', 'payment_link_started', 'payment_recorded', 'payment_reversed'];
      const positions = order.map((type) => types.indexOf(type));
      expect(positions.every((p) => p >= 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      await invitationRound();
      expect(customerMails()).toHaveLength(1);
    });
  });
}
