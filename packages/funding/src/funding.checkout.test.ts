import { eventMigrations } from '@tollgate/events';
import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines, type TestDatabase, type Transaction } from '@tollgate/db';
import type { Money } from '@tollgate/money';
import { CLASSIC_PLAN, FOCUS_PLAN } from '@tollgate/plans';
import { walletMigrations, WalletService, type PaymentEvent, type PaymentMethodSetup, type PaymentProvider, type PaymentStatus } from '@tollgate/wallet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fundingMigrations } from './funding.migrations.js';
import { FundingService } from './funding.service.js';
import type { FundingNotice, FundingPlanRules } from './funding.types.js';
import { CHECKOUT_CHECK_INTERVAL_MS, CHECKOUT_SWEEP_AFTER_MS, checkoutReturnUrl, checkReturnPath } from './hosted-checkout.js';

/**
 * A scripted provider with a hosted page: the test decides what the payer did (`pay`, `expire`). The real
 * one (payments-card against the card sandbox, 3-D Secure included) is tested in apps/host/test/funding-checkout.e2e.test.ts.
 */
class HostedProvider implements PaymentProvider {
  readonly label = 'Hosted';
  readonly methods = ['card'] as const;
  readonly settlement = 'fast' as const;
  readonly pages = new Map<string, { id: string; key: string; reference: string; returnUrl: string; amount: string; status: PaymentStatus }>();
  creates = 0;
  reads = 0;
  constructor(readonly id: string) {}
  async createPaymentMethod(): Promise<PaymentMethodSetup> {
    throw new Error('not used');
  }
  async createPayment(): Promise<never> {
    throw new Error('not used');
  }
  async createOneOffPayment(input: { amount: Money; reference: string; returnUrl: string; idempotencyKey: string }) {
    this.creates++;
    let page = [...this.pages.values()].find((p) => p.key === input.idempotencyKey);
    if (!page) {
      page = {
        id: `cs_${this.pages.size + 1}`,
        key: input.idempotencyKey,
        reference: input.reference,
        returnUrl: input.returnUrl,
        amount: input.amount.toString(),
        status: 'pending',
      };
      this.pages.set(page.id, page);
    }
    return this.#view(page);
  }
  async getOneOffPayment(input: { providerPaymentId: string }) {
    this.reads++;
    return this.#view(this.pages.get(input.providerPaymentId)!);
  }
  set(id: string, status: PaymentStatus) {
    this.pages.get(id)!.status = status;
  }
  #view(page: { id: string; status: PaymentStatus }) {
    if (page.status === 'pending') return { providerPaymentId: page.id, status: page.status, redirectUrl: `https://pay.test/${page.id}` };
    return { providerPaymentId: page.id, status: page.status, ...(page.status === 'failed' ? { reason: 'expired' } : {}) };
  }
}

const BASE = 'https://tollgate.test';

for (const engine of testEngines()) {
  describe(`funding: hosted checkouts [${engine.name}]`, () => {
    let db: TestDatabase;
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let wallet: WalletService;
    const hosted = new HostedProvider('hosted-card');
    const notices: Array<{ accountId: string; template: FundingNotice }> = [];
    const notifier = { notify: async (input: { tx: Transaction; accountId: string; template: FundingNotice }) => void notices.push(input) };
    const providers = { get: (id: string) => (id === hosted.id ? hosted : undefined), list: () => [hosted] };
    const plans = new Map<string, typeof CLASSIC_PLAN>();
    const planRules: FundingPlanRules = {
      rulesFor: async ({ accountId }) => {
        const plan = plans.get(accountId) ?? FOCUS_PLAN;
        return { plan: plan.id, label: plan.label, rules: plan.rules };
      },
    };
    let funding: FundingService;
    let n = 0;
    const account = async () => {
      const id = `acc_co_${engine.name}_${++n}`;
      await wallet.openWallet({ accountId: id });
      return id;
    };
    const available = async (accountId: string) => (await wallet.balance({ accountId })).available.toString();
    const event = (providerPaymentId: string, status: PaymentStatus, eventId: string, reference?: string): PaymentEvent => ({
      eventId,
      providerPaymentId,
      status,
      occurredAt: clock.now(),
      ...(reference ? { reference } : {}),
    });
    const checkout = (accountId: string, key: string, extra: Record<string, unknown> = {}) =>
      funding.checkout({ accountId, amount: '25', idempotencyKey: key, baseUrl: `${BASE}/`, ...extra });

    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [walletMigrations, eventMigrations, fundingMigrations] });
      wallet = new WalletService(db, clock, {});
      funding = new FundingService(db, clock, wallet, providers, notifier, {}, planRules);
    });
    afterAll(async () => {
      await db?.dispose();
    });

    it('return paths: a path on this host only', () => {
      expect(checkoutReturnUrl({ baseUrl: `${BASE}/`, returnPath: '/app/fill', purchaseId: 'pur_1' })).toBe(`${BASE}/app/fill?purchase=pur_1`);
      for (const bad of ['https://evil.test/x', '//evil.test/x', '/\\evil.test', 'app/fill', '/app/fill?x=1', '/app#x', '/a//b', ' /app', '/app\n'])
        expect(() => checkReturnPath(bad), bad).toThrow(expect.objectContaining({ code: 'invalid_return_path', status: 400 }));
    });

    it('a checkout is a pending hosted purchase with its page; the same key answers the same one; another request under it is 409', async () => {
      const id = await account();
      const creates = hosted.creates;
      const first = await checkout(id, 'co-1', { returnPath: '/app/fill' });
      expect(first).toMatchObject({ status: 'pending', hosted: true, paymentMethodId: null, providerId: hosted.id, expectedSettlementDate: null });
      expect(first.redirectUrl).toBe(`https://pay.test/${first.providerPaymentId}`);
      expect(hosted.pages.get(first.providerPaymentId!)).toMatchObject({
        key: `purchase:${first.id}`,
        reference: first.id,
        returnUrl: `${BASE}/app/fill?purchase=${first.id}`,
        amount: '25.00',
      });
      expect(await checkout(id, 'co-1', { returnPath: '/app/fill' })).toEqual(first);
      expect(hosted.creates).toBe(creates + 1);
      await expect(checkout(id, 'co-1', { amount: '50' })).rejects.toMatchObject({ code: 'idempotency_key_reused', status: 409 });
      await expect(checkout(id, 'co-1', { returnPath: '/app/history' })).rejects.toMatchObject({ code: 'idempotency_key_reused' });
      // Not money on its way until the payer pays.
      expect((await funding.incoming({ accountId: id })).purchases).toBe(0);
    });

    it('refuses before anything is stored: an absolute return URL, an unknown provider, a pack that is not one', async () => {
      const id = await account();
      const creates = hosted.creates;
      await expect(checkout(id, 'bad-1', { returnPath: 'https://evil.test/' })).rejects.toMatchObject({ code: 'invalid_return_path', status: 400 });
      await expect(checkout(id, 'bad-2', { providerId: 'nope' })).rejects.toMatchObject({ code: 'unknown_provider', status: 400 });
      await expect(checkout(id, 'bad-3', { amount: '7' })).rejects.toMatchObject({ code: 'unknown_pack', status: 422 });
      expect(hosted.creates).toBe(creates);
      expect((await funding.listPurchases({ accountId: id })).data).toEqual([]);
    });

    it("a plan that takes only some cards for top-ups refuses it (the card is chosen on the provider's page)", async () => {
      const id = await account();
      plans.set(id, CLASSIC_PLAN);
      await expect(checkout(id, 'classic-1')).rejects.toMatchObject({ code: 'payment_method_not_in_plan', status: 422 });
      expect((await funding.listPurchases({ accountId: id })).data).toEqual([]);
    });

    it('the return asks the provider at most every few seconds, credits once; the webhook after it changes nothing', async () => {
      const id = await account();
      const p = await checkout(id, 'ret-1');
      const reads = hosted.reads;
      expect((await funding.checkHostedPurchase({ accountId: id, id: p.id })).status).toBe('pending');
      expect((await funding.checkHostedPurchase({ accountId: id, id: p.id })).status).toBe('pending');
      expect(hosted.reads).toBe(reads + 1);
      hosted.set(p.providerPaymentId!, 'succeeded');
      // Paid now, but asked a moment ago: not asked again yet.
      expect((await funding.checkHostedPurchase({ accountId: id, id: p.id })).status).toBe('pending');
      clock.advance({ ms: CHECKOUT_CHECK_INTERVAL_MS });
      const [a, b] = await Promise.all([funding.checkHostedPurchase({ accountId: id, id: p.id }), funding.checkHostedPurchase({ accountId: id, id: p.id })]);
      expect([a.status, b.status]).toContain('succeeded');
      expect(hosted.reads).toBe(reads + 2);
      const settled = await funding.getPurchase({ id: p.id });
      expect(settled).toMatchObject({ status: 'succeeded', lotId: expect.any(String) });
      expect(settled.redirectUrl).toBeUndefined();
      // The webhook comes after, twice: nothing more.
      for (const _ of [1, 2])
        await funding.handlePaymentEvents({ providerId: hosted.id, events: [event(p.providerPaymentId!, 'succeeded', 'evt-ret-1', p.id)] });
      expect(await available(id)).toBe('27.00');
      expect(notices.filter((x) => x.accountId === id).map((x) => x.template)).toEqual(['purchase_succeeded']);
      // Another account cannot read it.
      await expect(funding.checkHostedPurchase({ accountId: await account(), id: p.id })).rejects.toMatchObject({ code: 'purchase_not_found' });
    });

    it('the webhook first: credited once, the return then finds it done without asking; a dispute (named by reference) claws back', async () => {
      const id = await account();
      const p = await checkout(id, 'hook-1');
      hosted.set(p.providerPaymentId!, 'succeeded');
      const got = await funding.handlePaymentEvents({ providerId: hosted.id, events: [event(p.providerPaymentId!, 'succeeded', 'evt-hook-1', p.id)] });
      expect(got).toMatchObject({ accepted: 1 });
      const reads = hosted.reads;
      expect((await funding.checkHostedPurchase({ accountId: id, id: p.id })).status).toBe('succeeded');
      expect(hosted.reads).toBe(reads);
      expect(await available(id)).toBe('27.00');
      // A dispute names the card payment (not the page) and carries our reference.
      await funding.handlePaymentEvents({ providerId: hosted.id, events: [event('pi_other', 'reversed', 'evt-hook-2', p.id)] });
      expect((await funding.getPurchase({ id: p.id })).status).toBe('reversed');
    });

    it('an abandoned page: the provider says expired, the purchase fails, no credit; the sweep finds the ones nobody came back for', async () => {
      const id = await account();
      const returned = await checkout(id, 'gone-1');
      hosted.set(returned.providerPaymentId!, 'failed');
      clock.advance({ ms: CHECKOUT_CHECK_INTERVAL_MS });
      expect(await funding.checkHostedPurchase({ accountId: id, id: returned.id })).toMatchObject({ status: 'failed', reason: 'expired' });

      const left = await checkout(id, 'gone-2');
      await funding.sweep();
      expect((await funding.getPurchase({ id: left.id })).status).toBe('pending');
      hosted.set(left.providerPaymentId!, 'failed');
      clock.advance({ ms: CHECKOUT_SWEEP_AFTER_MS + 1 });
      await funding.sweep();
      expect(await funding.getPurchase({ id: left.id })).toMatchObject({ status: 'failed', reason: 'expired' });
      expect(await available(id)).toBe('2.00');
      expect(notices.filter((x) => x.accountId === id)).toEqual([]);
    });

    it('a purchase key is not a checkout key, and the other way round', async () => {
      const id = await account();
      await checkout(id, 'mixed-1');
      await expect(funding.buy({ accountId: id, amount: '25', paymentMethodId: 'pm_x', idempotencyKey: 'mixed-1' })).rejects.toMatchObject({
        code: 'idempotency_key_reused',
      });
    });
  });
}
