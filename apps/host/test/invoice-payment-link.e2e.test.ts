import { CollectionRefService, InvoiceWritebackService } from '@tollgate/invoice-sync';
import { signWebhookPayload, startCardSandbox, type CardSandbox, type SandboxEvent } from '@tollgate/sandbox-card';
import { startTeamleaderSandbox, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTeamleader, loadPlugin, teamleaderOptions } from './fixtures/bundled-plugins.js';

/**
 * S-7 payment link page end to end: a real host with the source-teamleader and payments-card
 * plugins, the Teamleader sandbox and the card sandbox (a Stripe-compatible processor with its
 * hosted page and 3-D Secure) over real HTTP, one manual clock. The customer opens the page, pays
 * (3-D Secure), the processor's webhook (delivered twice) marks the invoice paid and Teamleader
 * gets one registerPayment; a chargeback reverses it (removePayments). Plus: one payment for a
 * double click, unknown tokens, strict mode detected at connect and shown.
 */
const SECRET = 'whsec_payment_link_e2e';
const API = '/v1/invoice-sync';
const PLUGIN = '/v1/plugins/source-teamleader';

for (const engine of testEngines()) {
  describe(`payment link page: card payment of an imported invoice, end to end [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let tl: TeamleaderSandbox;
    let card: CardSandbox;
    let t: TestHost;
    let owner: { accountId: string; ownerKey: string };
    let connectionId: string;
    let profileId: string;
    let acme: { type: 'company'; id: string };

    const api = (input: { method?: string; path: string; body?: unknown }) => t.request({ ...input, path: `${API}${input.path}`, key: owner.ownerKey });
    const browse = (path: string, init: RequestInit = {}) => fetch(path.startsWith('http') ? path : `${t.url}${path}`, { redirect: 'manual', ...init });
    const form = (body: string): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    /** Imports a booked Teamleader invoice and gives it its payment link token. */
    const importInvoice = async (input: { amount: number; days?: number }) => {
      const seeded = tl.control.seedInvoice({
        customer: acme,
        booked: true,
        lines: [{ description: 'Consulting', quantity: 1, unitPrice: input.amount, taxRate: '0' }],
        ...(input.days !== undefined ? { paymentTerm: { type: 'after_invoice_date', days: input.days } } : {}),
      }) as unknown as { id: string; invoice_number: string };
      const run = await api({ method: 'POST', path: `/connections/${connectionId}/imports`, body: { days: 30 } });
      expect(run.status).toBe(202);
      await t.host.invoiceSync.jobs.idle();
      const { rows } = await t.db.query<{ id: string }>('select id from sync_invoices where connection_id = $1 and source_id = $2', [connectionId, seeded.id]);
      const invoiceId = rows[0]!.id;
      // What the invitation does before it mails the link: the invoice gets its token.
      const refs = await new CollectionRefService(t.host.db).ensure({ accountId: owner.accountId, invoiceId });
      return { sourceId: seeded.id, invoiceId, token: refs.payToken };
    };
    const invoice = async (id: string) =>
      (await api({ path: `/invoices/${id}` })).body as { status: string; amountDue: string; events: Array<{ type: string }> };
    /** The write-back queue's drainer, as the host's job runs it. */
    const drainWritebacks = () => new InvoiceWritebackService(t.host.db, clock, { get: (id: string) => t.host.pluginHost.invoiceSources.get(id) }, {}).drain();
    const tlCalls = (path: string) => tl.control.requests().filter((r) => r.path === path && r.status < 300).length;
    /** POSTs a processor event to the host again, signed as the processor signs it: a duplicate delivery. */
    const redeliver = async (event: SandboxEvent) => {
      const payload = JSON.stringify(event, null, 2);
      const res = await fetch(`${t.url}/v1/payments/webhooks/payments-card`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'stripe-signature': signWebhookPayload({ payload, secret: SECRET, timestamp: Math.floor(clock.now().getTime() / 1000) }),
        },
        body: payload,
      });
      return { status: res.status, body: (await res.json()) as Record<string, number> };
    };
    /** The customer on the processor's hosted page: picks a card; 3-D Secure when the card wants it. */
    const payOnHostedPage = async (checkoutUrl: string, input: { card: string; authenticate?: 'complete' | 'fail' }) => {
      const paid = await browse(checkoutUrl, form(`payment_method=${input.card}`));
      expect(paid.status).toBe(303);
      let location = new URL(paid.headers.get('location')!, checkoutUrl).href;
      if (input.authenticate) {
        expect(location).toBe(`${checkoutUrl}/3ds`);
        expect(await (await browse(location)).text()).toContain('3-D Secure');
        const challenge = await browse(location, form(`outcome=${input.authenticate}`));
        expect(challenge.status).toBe(303);
        location = new URL(challenge.headers.get('location')!, checkoutUrl).href;
      }
      return location;
    };

    beforeAll(async () => {
      tl = await startTeamleaderSandbox({ now: () => clock.now(), rateLimitPerMinute: 100_000 });
      card = await startCardSandbox({ now: () => clock.now() });
      t = await createTestHost({
        engine,
        clock,
        plugins: [
          { plugin: await loadPlugin('@tollgate/plugin-source-teamleader'), options: teamleaderOptions(tl.url) },
          { plugin: await loadPlugin('@tollgate/plugin-payments-card'), options: { baseUrl: card.url, webhookSecret: SECRET, maxNetworkRetries: 0 } },
        ],
        config: { logLevel: 'error' },
      });
      card.control.setWebhook({ url: `${t.url}/v1/payments/webhooks/payments-card`, secret: SECRET });
      owner = await t.createAccount({ name: 'Collect BV', locale: 'en' });
      acme = {
        type: 'company',
        id: (tl.control.seedCompany({ name: 'Acme NV', email: 'info@acme.test', language: 'nl' }) as { id: string }).id,
      };
      // A booked invoice for the strict-mode probe to find; strict mode is on in this Teamleader.
      tl.control.setStrictMode(true);
      connectionId = await connectTeamleader({ t, key: owner.ownerKey });
      const profile = await api({ method: 'POST', path: '/profiles', body: { name: 'Link', directDebit: false, paymentLink: true, transfer: true } });
      expect(profile.status).toBe(201);
      profileId = profile.body.id as string;
    });
    afterAll(async () => {
      await t?.host.invoiceSync.jobs.idle().catch(() => undefined);
      await t?.close();
      await card?.close();
      await tl?.close();
    });

    it('open the page → pay with 3-D Secure → webhook (twice) → paid, registered in Teamleader once → chargeback → reversed', async () => {
      const { invoiceId, token, sourceId } = await importInvoice({ amount: 250 });
      const number = (await api({ path: `/invoices/${invoiceId}` })).body.number as string;

      // The page, in the customer's language (Acme is Dutch-speaking).
      const page = await browse(`/pay/${token}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('cache-control')).toBe('no-store');
      const html = await page.text();
      expect(html).toContain('<html lang="nl">');
      expect(html).toContain(`Factuur ${number}`);
      expect(html).toContain('€ 250,00');
      expect(html).toContain('data-status="booked"');
      expect(html).toContain('01/04/2026'); // 30 days after 2026-03-02
      expect(html).toContain(`action="/pay/${token}/card"`);

      // Pay: to the processor's hosted page; a second click gets the same payment.
      const first = await browse(`/pay/${token}/card`, { method: 'POST' });
      expect(first.status).toBe(303);
      const checkoutUrl = first.headers.get('location')!;
      expect(checkoutUrl).toMatch(new RegExp(`^${card.url}/c/pay/cs_test_`));
      const second = await browse(`/pay/${token}/card`, { method: 'POST' });
      expect(second.headers.get('location')).toBe(checkoutUrl);
      expect(card.control.checkoutSessions()).toHaveLength(1);
      expect(card.control.checkoutSessions()[0]).toMatchObject({ amount_total: 25000, currency: 'eur', locale: 'nl', status: 'open' });

      const returnUrl = await payOnHostedPage(checkoutUrl, { card: 'pm_card_authenticationRequired', authenticate: 'complete' });
      expect(returnUrl).toBe(`${t.url}/pay/${token}/return`);

      // The processor's webhook, then the same event again: one payment, one write-back.
      const delivered = await card.control.deliverWebhooks();
      expect(delivered.statuses).toEqual([200, 200]);
      const completed = card.control.events().find((e) => e.type === 'checkout.session.completed')!;
      expect(await redeliver(completed)).toMatchObject({ status: 200, body: { received: 1, accepted: 0, duplicates: 1 } });
      const paid = await invoice(invoiceId);
      expect(paid).toMatchObject({ status: 'paid', amountDue: '0.00' });
      const types = paid.events.map((e) => e.type);
      expect(types.filter((type) => type === 'payment_link_started')).toHaveLength(1);
      expect(types.filter((type) => type === 'payment_link_paid')).toHaveLength(1);
      expect(types.filter((type) => type === 'payment_recorded')).toHaveLength(1);
      expect(await drainWritebacks()).toMatchObject({ done: 1 });
      expect(await drainWritebacks()).toMatchObject({ done: 0 });
      expect(tlCalls('/invoices.registerPayment')).toBe(1);
      expect(tl.control.invoice({ id: sourceId })).toMatchObject({ status: 'matched', paid: true });

      // Back on our page: the outcome; the page now says there is nothing to pay.
      const back = await (await browse(returnUrl)).text();
      expect(back).toContain('uw betaling is ontvangen');
      const after = await (await browse(`/pay/${token}`)).text();
      expect(after).toContain('data-reason="paid"');
      expect(after).not.toContain('<form');
      const again = await browse(`/pay/${token}/card`, { method: 'POST' });
      expect(again.headers.get('location')).toBe(`/pay/${token}`);
      expect(card.control.checkoutSessions()).toHaveLength(1);

      // Chargeback: the payment is reversed, the invoice is open again here and in Teamleader.
      card.control.dispute({ paymentIntentId: card.control.checkoutSessions()[0]!.payment_intent!, reason: 'fraudulent' });
      expect((await card.control.deliverWebhooks()).statuses).toEqual([200]);
      const reversed = await invoice(invoiceId);
      expect(reversed).toMatchObject({ status: 'booked', amountDue: '250.00' });
      expect(reversed.events.map((e) => e.type)).toEqual(expect.arrayContaining(['payment_link_reversed']));
      const { rows: payments } = await t.db.query<{ status: string; method: string }>('select status, method from sync_payments where invoice_id = $1', [
        invoiceId,
      ]);
      expect(payments).toEqual([{ status: 'reversed', method: 'payment_link' }]);
      expect(await drainWritebacks()).toMatchObject({ done: 1 });
      expect(tlCalls('/invoices.removePayments')).toBe(1);
      expect(tl.control.invoice({ id: sourceId })).toMatchObject({ status: 'outstanding', paid: false });
      expect(await (await browse(`/pay/${token}`)).text()).toContain(`action="/pay/${token}/card"`);
    });

    it('two clicks at once make one payment; a failed 3-D Secure keeps the page payable', async () => {
      const { invoiceId, token } = await importInvoice({ amount: 80 });
      const [a, b] = await Promise.all([browse(`/pay/${token}/card`, { method: 'POST' }), browse(`/pay/${token}/card`, { method: 'POST' })]);
      expect([a.status, b.status]).toEqual([303, 303]);
      expect(a.headers.get('location')).toBe(b.headers.get('location'));
      const sessions = card.control.checkoutSessions().filter((s) => s.amount_total === 8000);
      expect(sessions).toHaveLength(1);
      const { rows } = await t.db.query<{ n: string }>('select count(*)::text as n from sync_payment_links where invoice_id = $1', [invoiceId]);
      expect(rows[0]!.n).toBe('1');

      const declined = await payOnHostedPage(a.headers.get('location')!, { card: 'pm_card_authenticationRequired', authenticate: 'fail' });
      expect(declined).toContain('/c/pay/');
      await card.control.deliverWebhooks();
      expect(await invoice(invoiceId)).toMatchObject({ status: 'booked' });
      expect(await (await browse(`/pay/${token}/return`)).text()).toContain('nog niet afgerond');
    });

    it('strict mode: probed at connect, re-checked on demand (on / off with its warning); a refused write-back names it in the event log', async () => {
      const connection = () => t.request({ path: `${PLUGIN}/connection`, key: owner.ownerKey });
      const check = (key = owner.ownerKey) => t.request({ method: 'POST', path: `${PLUGIN}/connection/strict-mode-check`, key });
      // At connect Teamleader had no booked invoice to probe: unknown, with what to do about it.
      const atConnect = (await connection()).body.strictMode;
      expect(atConnect).toMatchObject({ state: 'unknown', detail: 'no booked invoice to probe yet' });
      expect(atConnect.warning).toContain('Settings > Preferences > Invoices');

      // Now there are booked invoices: the empty invoices.updateBooked is refused, so strict mode is on.
      const on = await check();
      expect(on.status).toBe(200);
      expect(on.body.strictMode).toMatchObject({ state: 'on', warning: null, checkedAt: clock.now().toISOString() });
      expect(
        tl.control
          .requests()
          .filter((r) => r.path === '/invoices.updateBooked')
          .map((r) => r.status),
      ).toEqual([403]);
      const member = await t.request({ method: 'POST', path: '/v1/api-keys', key: owner.ownerKey, body: { name: 'member', role: 'member' } });
      expect((await check(member.body.key as string)).status).toBe(403);

      tl.control.setStrictMode(false);
      try {
        const off = await check();
        expect(off.body.strictMode.state).toBe('off');
        expect(off.body.strictMode.warning).toContain('strict mode is OFF');
        expect((await connection()).body.strictMode.state).toBe('off');

        // A payment by link whose write-back Teamleader refuses: the event log says strict mode is off.
        const { invoiceId, token } = await importInvoice({ amount: 40 });
        const started = await browse(`/pay/${token}/card`, { method: 'POST' });
        await payOnHostedPage(started.headers.get('location')!, { card: 'pm_card_visa' });
        await card.control.deliverWebhooks();
        expect(await invoice(invoiceId)).toMatchObject({ status: 'paid' });
        tl.control.failNextRequests({ count: 1, status: 400, path: '/invoices.registerPayment' });
        expect(await drainWritebacks()).toMatchObject({ failed: 1 });
        const failed = (await api({ path: `/invoices/${invoiceId}` })).body.events.find((e: { type: string }) => e.type === 'writeback_failed');
        expect(failed.detail.error).toContain('strict mode is OFF');
        clock.advance({ minutes: 5 });
        expect(await drainWritebacks()).toMatchObject({ done: 1 });
      } finally {
        tl.control.setStrictMode(true);
      }
    });

    it('an unknown or malformed token is a 404 page, never a 500', async () => {
      for (const token of ['pay_unknownunknownunknownunknown00', 'nope', 'pay_' + 'x'.repeat(65), '..%2f..%2fetc', '%F0%9F%92%A9']) {
        const page = await browse(`/pay/${token}`);
        expect(page.status, token).toBe(404);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(await page.text()).toContain('not valid');
        expect((await browse(`/pay/${token}/card`, { method: 'POST' })).status, token).toBe(404);
        expect((await browse(`/pay/${token}/return`)).status, token).toBe(404);
      }
      // A path the HTTP layer cannot decode is refused before any route: never a 500.
      for (const raw of ['%00', '%E0%A4%A', '%', 'pay_' + 'x'.repeat(5000)]) expect((await browse(`/pay/${raw}`)).status, raw).toBeLessThan(500);
      const dutch = await browse('/pay/nope', { headers: { 'accept-language': 'nl-BE,nl;q=0.9' } });
      expect(await dutch.text()).toContain('niet geldig');
    });

    it('no pay button when the profile does not offer the payment link', async () => {
      const { token } = await importInvoice({ amount: 30 });
      expect((await api({ method: 'PATCH', path: `/profiles/${profileId}`, body: { paymentLink: false } })).status).toBe(200);
      try {
        const html = await (await browse(`/pay/${token}`)).text();
        expect(html).toContain('data-reason="payment_link_not_in_profile"');
        expect(html).not.toContain('<form');
        expect((await browse(`/pay/${token}/card`, { method: 'POST' })).headers.get('location')).toBe(`/pay/${token}`);
      } finally {
        await api({ method: 'PATCH', path: `/profiles/${profileId}`, body: { paymentLink: true } });
      }
    });
  });
}
