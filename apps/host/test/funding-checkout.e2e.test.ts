import { Money } from '@tollgate/money';
import { startCardSandbox, type CardSandbox } from '@tollgate/sandbox-card';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlugin } from './fixtures/bundled-plugins.js';

const SECRET = 'whsec_funding_checkout_e2e';

interface PurchaseBody {
  id: string;
  status: string;
  hosted: boolean;
  paymentMethodId: string | null;
  providerPaymentId: string | null;
  lotId: string | null;
  reason: string | null;
  scope: string[] | null;
  invoiceId?: string | null;
  redirectUrl?: string;
}

/**
 * Issue 21: a pack paid on the card processor's hosted page, over HTTP with a real host, the payments-card
 * plugin and the card sandbox (its hosted page and 3-D Secure challenge followed with fetch, as a browser
 * would). The purchase becomes credit once, whether the payer's return (GET /v1/funding/purchases/:id) or the
 * webhook (delivered twice) comes first; a declined card and a page left alone end as a failed purchase.
 */
for (const engine of testEngines()) {
  describe(`funding: paying a pack on the hosted page [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let t: TestHost;
    let cards: CardSandbox;
    const letter = `letter-co-${engine.name}`;

    const newAccount = async () => {
      const account = await t.createAccount({ locale: 'nl' });
      const member = await t.request<{ key: string }>({
        method: 'POST',
        path: '/v1/api-keys',
        key: account.ownerKey,
        body: { name: 'reader', role: 'member' },
      });
      return { id: account.accountId, key: account.ownerKey, memberKey: member.body.key };
    };
    const checkout = (key: string, idem: string, body: Record<string, unknown>) =>
      t.request<{ purchase: PurchaseBody; redirectUrl: string | null }>({
        method: 'POST',
        path: '/v1/funding/checkouts',
        key,
        headers: { 'idempotency-key': idem },
        body,
      });
    const purchase = async (key: string, id: string) => {
      const res = await t.request<PurchaseBody>({ path: `/v1/funding/purchases/${id}`, key });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body;
    };
    const browse = (url: string, init: RequestInit = {}) => fetch(url, { redirect: 'manual', ...init });
    const form = (body: string): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    /** The payer on the processor's page: picks a test card, passes 3-D Secure when asked; answers where the browser goes next. */
    const payOnHostedPage = async (page: string, input: { card: string; authenticate?: 'complete' | 'fail' }) => {
      expect((await browse(page)).status).toBe(200);
      const paid = await browse(page, form(`payment_method=${input.card}`));
      expect(paid.status).toBe(303);
      let location = new URL(paid.headers.get('location')!, page).href;
      if (input.authenticate) {
        expect(location).toBe(`${page}/3ds`);
        expect(await (await browse(location)).text()).toContain('3-D Secure');
        const challenge = await browse(location, form(`outcome=${input.authenticate}`));
        expect(challenge.status).toBe(303);
        location = new URL(challenge.headers.get('location')!, page).href;
      }
      return location;
    };
    const available = async (key: string) => (await t.request<{ available: string }>({ path: '/v1/wallet', key })).body.available;
    const invoices = async (key: string) =>
      (await t.request<{ data: Array<{ purchaseId: string }> }>({ path: '/v1/billing/documents?type=invoice', key })).body.data;
    const mails = async (key: string, template: string) =>
      (await t.request<{ data: Array<{ template: string }> }>({ path: '/v1/notifications', key })).body.data.filter((m) => m.template === template).length;
    const lots = async (key: string) =>
      (await t.request<{ data: Array<{ id: string; kind: string; remaining: string; scope: string[] | null }> }>({ path: '/v1/wallet/lots', key })).body.data;

    beforeAll(async () => {
      cards = await startCardSandbox({ now: () => clock.now() });
      t = await createTestHost({
        engine,
        clock,
        plugins: [{ plugin: await loadPlugin('@tollgate/plugin-payments-card'), options: { baseUrl: cards.url, webhookSecret: SECRET, maxNetworkRetries: 0 } }],
        config: { logLevel: 'error' },
      });
      cards.control.setWebhook({ url: `${t.url}/v1/payments/webhooks/payments-card`, secret: SECRET });
      const price = await t.request({
        method: 'POST',
        path: '/admin/catalog/prices',
        key: t.adminKey,
        body: { channel: letter, unit: 'letter', unitPrice: '1.20', effectiveFrom: '2026-01-01T00:00:00.000Z' },
      });
      expect(price.status, JSON.stringify(price.body)).toBe(201);
      const tagged = await t.request({ method: 'PUT', path: `/admin/catalog/channels/${letter}/tags`, key: t.adminKey, body: { tags: ['postal'] } });
      expect(tagged.status, JSON.stringify(tagged.body)).toBe(200);
    });
    afterAll(async () => {
      await t?.close();
      await cards?.close();
    });

    it('3-D Secure on the hosted page, then the return: credited once with one invoice; the webhook twice after it changes nothing', async () => {
      const a = await newAccount();
      const before = await available(a.key);
      expect((await checkout(a.memberKey, 'co-1', { amount: '25.00' })).status).toBe(403);
      const started = await checkout(a.key, 'co-1', { amount: '25.00', returnPath: '/app/fill' });
      expect(started.status, JSON.stringify(started.body)).toBe(201);
      const p = started.body.purchase;
      expect(p).toMatchObject({ status: 'pending', hosted: true, paymentMethodId: null, amount: '25.00', origin: 'manual', lotId: null });
      expect(started.body.redirectUrl).toBe(`${cards.url}/c/pay/${p.providerPaymentId}`);
      // The same key: the same answer, one page at the processor.
      const again = await checkout(a.key, 'co-1', { amount: '25.00', returnPath: '/app/fill' });
      expect(again.status).toBe(201);
      expect(again.body).toEqual(started.body);
      expect(cards.control.checkoutSessions()).toHaveLength(1);
      expect(cards.control.checkoutSessions()[0]).toMatchObject({ amount_total: 2500, locale: 'nl', metadata: { reference: p.id, kind: 'one_off' } });
      // Not spendable, not "incoming" either, before the payer paid.
      expect(await available(a.key)).toBe(before);

      const back = await payOnHostedPage(started.body.redirectUrl!, { card: 'pm_card_authenticationRequired', authenticate: 'complete' });
      const returned = new URL(back);
      expect(`${returned.pathname}${returned.search}`).toBe(`/app/fill?purchase=${p.id}`);
      // The dashboard, back on /app/fill, reads the purchase: the host asks the processor and credits it.
      const settled = await purchase(a.memberKey, p.id);
      expect(settled).toMatchObject({ status: 'succeeded', lotId: expect.any(String), invoiceId: expect.any(String) });
      expect(settled.redirectUrl).toBeUndefined();
      expect(await available(a.key)).toBe(Money.of(before).plus(Money.of('25')).toString());

      // The processor's webhook comes after, delivered twice: nothing more.
      cards.control.duplicateNextWebhooks(1);
      await cards.control.deliverWebhooks();
      expect(cards.control.pendingWebhooks()).toEqual([]);
      expect(await purchase(a.key, p.id)).toMatchObject({ status: 'succeeded', lotId: settled.lotId, invoiceId: settled.invoiceId });
      expect(await available(a.key)).toBe(Money.of(before).plus(Money.of('25')).toString());
      expect((await invoices(a.key)).filter((d) => d.purchaseId === p.id)).toHaveLength(1);
      expect((await lots(a.key)).filter((l) => l.kind === 'purchased')).toEqual([
        expect.objectContaining({ id: settled.lotId, remaining: '25.00', scope: null }),
      ]);
      expect(await mails(a.key, 'purchase_succeeded')).toBe(1);
      // A retry of the checkout now answers the purchase as it is, with no page to go to.
      const late = await checkout(a.key, 'co-1', { amount: '25.00', returnPath: '/app/fill' });
      expect(late.body).toMatchObject({ purchase: { id: p.id, status: 'succeeded' }, redirectUrl: null });
      // The same key for another request is refused.
      expect((await checkout(a.key, 'co-1', { amount: '50.00' })).status).toBe(409);
    });

    it('the webhook first (twice), then the return: one credit, one invoice; a scoped pack gives a scoped lot', async () => {
      const a = await newAccount();
      const before = await available(a.key);
      const started = await checkout(a.key, 'co-scoped', { amount: '10', scope: ['postal'] });
      expect(started.status, JSON.stringify(started.body)).toBe(201);
      const p = started.body.purchase;
      expect(p).toMatchObject({ status: 'pending', scope: ['postal'] });
      const back = await payOnHostedPage(started.body.redirectUrl!, { card: 'pm_card_authenticationRequired', authenticate: 'complete' });
      expect(new URL(back).pathname).toBe('/app/fill');

      cards.control.duplicateNextWebhooks(1);
      const delivered = await cards.control.deliverWebhooks();
      expect(delivered.statuses.every((s) => s === 200)).toBe(true);
      // The webhook credited it (before anyone read the purchase), once.
      const { rows } = await t.db.query<{ outcome: string }>('select outcome from funding_provider_events where purchase_id = $1', [p.id]);
      expect(rows.map((r) => r.outcome)).toEqual(['succeeded']);
      const settled = await purchase(a.key, p.id);
      expect(settled).toMatchObject({ status: 'succeeded', scope: ['postal'], invoiceId: expect.any(String) });
      clock.advance({ seconds: 10 });
      expect(await purchase(a.key, p.id)).toMatchObject({ status: 'succeeded', lotId: settled.lotId });
      expect(await available(a.key)).toBe(Money.of(before).plus(Money.of('10')).toString());
      expect((await lots(a.key)).filter((l) => l.kind === 'purchased')).toEqual([
        expect.objectContaining({ id: settled.lotId, remaining: '10.00', scope: ['postal'] }),
      ]);
      expect((await invoices(a.key)).filter((d) => d.purchaseId === p.id)).toHaveLength(1);
      expect(await mails(a.key, 'purchase_succeeded')).toBe(1);
    });

    it('a card declined on the hosted page: still payable; the payer gives up, the page expires: failed, no credit, no invoice', async () => {
      const a = await newAccount();
      const before = await available(a.key);
      const started = await checkout(a.key, 'co-declined', { amount: '25' });
      const p = started.body.purchase;
      const page = started.body.redirectUrl!;
      const declined = await payOnHostedPage(page, { card: 'pm_card_chargeDeclined' });
      expect(declined).toMatch(new RegExp(`^${page}\\?error=`));
      // The payer may try another card: the purchase waits.
      expect(await purchase(a.key, p.id)).toMatchObject({ status: 'pending', redirectUrl: page });
      await cards.control.deliverWebhooks();
      expect(await purchase(a.key, p.id)).toMatchObject({ status: 'pending' });
      // They give up (the page's Cancel link is the return URL); the query string decides nothing.
      clock.advance({ seconds: 10 });
      expect(await purchase(a.key, p.id)).toMatchObject({ status: 'pending' });
      // A day later the processor has expired the page: the next read, or its webhook, fails the purchase.
      clock.advance({ hours: 24, seconds: 1 });
      expect(await purchase(a.key, p.id)).toMatchObject({ status: 'failed', reason: 'expired', lotId: null, invoiceId: null });
      await cards.control.deliverWebhooks();
      expect(await purchase(a.key, p.id)).toMatchObject({ status: 'failed' });
      expect(await available(a.key)).toBe(before);
      expect((await invoices(a.key)).filter((d) => d.purchaseId === p.id)).toHaveLength(0);
      expect(await mails(a.key, 'purchase_succeeded')).toBe(0);
    });

    it('an answer lost on the way back: 503, the purchase waits in creating; the retry with the same key gets the same page', async () => {
      const a = await newAccount();
      const sessions = cards.control.checkoutSessions().length;
      cards.control.failNextRequests({ count: 1, afterExecution: true });
      const lost = await checkout(a.key, 'co-lost', { amount: '50' });
      expect(lost.status, JSON.stringify(lost.body)).toBe(503);
      expect(cards.control.checkoutSessions()).toHaveLength(sessions + 1);
      const retried = await checkout(a.key, 'co-lost', { amount: '50' });
      expect(retried.status, JSON.stringify(retried.body)).toBe(201);
      expect(retried.body.purchase).toMatchObject({ status: 'pending', providerPaymentId: cards.control.checkoutSessions().at(-1)!.id });
      expect(cards.control.checkoutSessions()).toHaveLength(sessions + 1);
      const list = await t.request<{ data: PurchaseBody[] }>({ path: '/v1/funding/purchases', key: a.key });
      expect(list.body.data.map((p) => p.id)).toEqual([retried.body.purchase.id]);
    });

    it('refuses an absolute or foreign return URL (400), a member (403), a missing key (400): no page is made', async () => {
      const a = await newAccount();
      const sessions = cards.control.checkoutSessions().length;
      for (const returnPath of ['https://evil.test/steal', '//evil.test/x', 'app/fill', '/app/fill?next=https://evil.test']) {
        const res = await checkout(a.key, `bad-${returnPath}`, { amount: '25', returnPath });
        expect(res.status, returnPath).toBe(400);
        expect((res.body as unknown as { error: { code: string } }).error.code).toBe('invalid_return_path');
      }
      expect((await checkout(a.memberKey, 'member-1', { amount: '25' })).status).toBe(403);
      const keyless = await t.request<{ error: { code: string } }>({ method: 'POST', path: '/v1/funding/checkouts', key: a.key, body: { amount: '25' } });
      expect(keyless.status).toBe(400);
      expect(keyless.body.error.code).toBe('idempotency_key_required');
      expect((await checkout(a.key, 'unknown-provider', { amount: '25', provider: 'payments-sepa' })).status).toBe(400);
      expect(cards.control.checkoutSessions()).toHaveLength(sessions);
      const list = await t.request<{ data: unknown[] }>({ path: '/v1/funding/purchases', key: a.key });
      expect(list.body.data).toEqual([]);
    });
  });
}
