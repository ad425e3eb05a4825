import { startCardSandbox, type CardSandbox } from '@tollgate/sandbox-card';
import { createTestHost, dropSchemaFamily, MailSink, ManualClock, openDatabase, testEngines, type Database, type TestHost } from '@tollgate/testing';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';

/**
 * Buying credits by card end to end (C-1…C-6): a real host, the payments-card plugin with the
 * official SDK, the card sandbox (a Stripe-compatible processor) delivering signed webhooks to
 * the host's webhook route, and a manual clock shared by all three.
 */
const SECRET = 'whsec_funding_e2e';
const SMS = 'sms-e2e';

for (const engine of testEngines()) {
  describe(`funding by card, end to end [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let sandbox: CardSandbox;
    let smtp: MailSink;
    let t: TestHost;

    const keyed = (key: string) => ({ 'idempotency-key': key });
    const newAccount = async (input: { referralCode?: string; locale?: 'nl' | 'fr' | 'en' | 'de' } = {}) => {
      const account = await t.createAccount(input);
      return { ...account, key: account.ownerKey };
    };
    const addCard = async (key: string, card = 'pm_card_visa') => {
      const res = await t.request({
        method: 'POST',
        path: '/v1/funding/payment-methods',
        key,
        headers: keyed(`card-${card}`),
        body: { provider: 'payments-card', kind: 'card', details: { paymentMethod: card } },
      });
      expect(res.status).toBe(201);
      return res.body as { id: string; label: string };
    };
    const buy = (key: string, amount: string, paymentMethodId: string, idem = `buy-${amount}-${randomBytes(3).toString('hex')}`) =>
      t.request({ method: 'POST', path: '/v1/funding/purchases', key, headers: keyed(idem), body: { amount, paymentMethodId } });
    const wallet = async (key: string) => (await t.request({ path: '/v1/wallet', key })).body;
    const charge = (key: string, units: string, idem: string) =>
      t.request({ method: 'POST', path: '/v1/wallet/charges', key, headers: keyed(idem), body: { channel: SMS, units } });
    const mails = async (accountId: string) =>
      (
        await t.db.query<{ template: string; locale: string; recipient: string }>(
          'select template, locale, recipient from notifications where account_id = $1 order by id',
          [accountId],
        )
      ).rows;

    beforeAll(async () => {
      sandbox = await startCardSandbox({ now: () => clock.now() });
      smtp = await MailSink.start();
      t = await createTestHost({
        engine,
        clock,
        plugins: [{ plugin, options: { baseUrl: sandbox.url, webhookSecret: SECRET, maxNetworkRetries: 0 } }],
        config: { mail: { from: 'Tollgate <billing@tollgate.test>', smtp: smtp.smtp } },
      });
      sandbox.control.setWebhook({ url: `${t.url}/v1/payments/webhooks/payments-card`, secret: SECRET });
      const price = await t.request({
        method: 'POST',
        path: '/admin/catalog/prices',
        key: t.adminKey,
        body: { channel: SMS, unit: 'message', unitPrice: '0.50', effectiveFrom: '2026-01-01T00:00:00.000Z' },
      });
      expect(price.status).toBe(201);
    });
    afterAll(async () => {
      await t?.close();
      await sandbox?.close();
      await smtp?.stop();
    });

    it('buy → paid at once → credits spendable; the same key buys once; the account is mailed in its language', async () => {
      const a = await newAccount({ locale: 'nl' });
      const card = await addCard(a.key);
      expect(card.label).toBe('Visa •••• 4242');
      const first = await buy(a.key, '25.00', card.id, 'order-1');
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ amount: '25.00', currency: 'EUR', status: 'succeeded', provider: 'payments-card', origin: 'manual' });
      const again = await buy(a.key, '25.00', card.id, 'order-1');
      expect(again.body.id).toBe(first.body.id);
      expect(sandbox.control.paymentIntents().filter((pi) => pi.metadata?.reference === first.body.id)).toHaveLength(1);
      expect(await wallet(a.key)).toMatchObject({ available: '27.00', byKind: { purchased: { available: '25.00' } }, refundable: '25.00' });
      expect((await charge(a.key, '3', 'spend-1')).status).toBe(201);
      const history = (await t.request({ path: '/v1/wallet/history', key: a.key })).body.data;
      expect(history.map((h: { type: string; amount: string }) => [h.type, h.amount])).toEqual([
        ['spend', '-1.50'],
        ['top_up', '25.00'],
        ['grant', '2.00'],
      ]);
      expect(await mails(a.accountId)).toEqual([{ template: 'purchase_succeeded', locale: 'nl', recipient: expect.stringContaining('@example.test') }]);
      // The sweep delivers the outbox over real SMTP, once: a second sweep sends nothing more.
      await t.host.fundingJobs.runOnce();
      await t.host.fundingJobs.runOnce();
      const received = smtp.mails.filter((m) => m.parsed.subject?.includes(`Account`) && m.parsed.text?.includes('25,00'));
      expect(received).toHaveLength(1);
      expect(received[0]!.parsed.subject).toMatch(/^Opwaardering ontvangen/);
    });

    it('low balance and depleted: relayed from the wallet outbox, mailed once each', async () => {
      const a = await newAccount({ locale: 'fr' });
      expect((await charge(a.key, '4', 'drain')).status).toBe(201); // 2.00 → 0.00: below the €1.00 threshold, then empty
      for (let i = 0; i < 2; i++) {
        await t.host.walletJobs.runOnce();
        await t.host.fundingJobs.runOnce();
      }
      // Queue order is not event order: compare as a set.
      expect((await mails(a.accountId)).map((m) => [m.template, m.locale]).sort()).toEqual([
        ['depleted', 'fr'],
        ['low_balance', 'fr'],
      ]);
      const owner = (await t.db.query<{ email: string }>('select email from users where account_id = $1', [a.accountId])).rows[0]!.email;
      const received = smtp.mails.filter((m) => m.envelopeTo.includes(owner));
      expect(received).toHaveLength(2);
      const listed = (await t.request({ path: '/v1/notifications', key: a.key })).body.data;
      expect(listed.map((n: { template: string; status: string }) => [n.template, n.status]).sort()).toEqual([
        ['depleted', 'sent'],
        ['low_balance', 'sent'],
      ]);
    });

    it('buy → declined → nothing credited', async () => {
      const a = await newAccount();
      const card = await addCard(a.key, 'pm_card_chargeDeclined');
      const res = await buy(a.key, '10', card.id);
      expect(res.body).toMatchObject({ status: 'failed', reason: 'generic_decline' });
      expect((await wallet(a.key)).available).toBe('2.00');
    });

    it('buy → pending → webhook settles it; a webhook delivered ten times credits once', async () => {
      const a = await newAccount();
      const card = await addCard(a.key, 'pm_card_processing');
      const pending = await buy(a.key, '50', card.id);
      expect(pending.body.status).toBe('pending');
      expect((await wallet(a.key)).available).toBe('2.00');
      sandbox.control.settle({ paymentIntentId: pending.body.providerPaymentId, outcome: 'succeeded' });
      sandbox.control.duplicateNextWebhooks(9);
      const delivered = await sandbox.control.deliverWebhooks();
      expect(delivered.statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(10);
      expect((await wallet(a.key)).available).toBe('52.00');
      expect((await t.request({ path: `/v1/funding/purchases/${pending.body.id}`, key: a.key })).body.status).toBe('succeeded');
    });

    it('settled → disputed → clawed back: the spent part is owed, spending is blocked until a purchase settles it', async () => {
      const a = await newAccount();
      const disputed = await addCard(a.key, 'pm_card_createDispute');
      const purchase = await buy(a.key, '10', disputed.id);
      expect(purchase.body.status).toBe('succeeded');
      expect((await charge(a.key, '10', 'spend-d')).status).toBe(201); // 2.00 trial + 3.00 purchased
      sandbox.control.dispute({ paymentIntentId: purchase.body.providerPaymentId, reason: 'fraudulent' });
      await sandbox.control.deliverWebhooks();
      expect(await wallet(a.key)).toMatchObject({ available: '0.00', owed: '3.00', blocked: true });
      const refused = await charge(a.key, '1', 'spend-blocked');
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('wallet_blocked');
      expect((await t.request({ path: `/v1/funding/purchases/${purchase.body.id}`, key: a.key })).body).toMatchObject({
        status: 'reversed',
        reason: 'dispute:fraudulent',
      });
      expect((await mails(a.accountId)).map((m) => m.template)).toContain('payment_reversed');

      const visa = await addCard(a.key);
      await buy(a.key, '5', visa.id);
      expect(await wallet(a.key)).toMatchObject({ available: '2.00', owed: '0.00', blocked: false });
      const check = await t.request({ path: '/admin/wallet/check', key: t.adminKey });
      expect(check.body.problems).toEqual([]);
    });

    it('refuses bad input with a clear error and moves nothing', async () => {
      const a = await newAccount();
      const b = await newAccount();
      const card = await addCard(a.key);
      const cases: Array<[string, Promise<{ status: number; body: { error: { code: string } } }>, number, string]> = [
        ['unknown pack', buy(a.key, '7.00', card.id), 422, 'unknown_pack'],
        ['above €1000', buy(a.key, '2000', card.id), 400, 'amount_out_of_range'],
        ['below €5', buy(a.key, '4.99', card.id), 400, 'amount_out_of_range'],
        ['another account’s card', buy(b.key, '10', card.id), 404, 'payment_method_not_found'],
        [
          'no idempotency key',
          t.request({ method: 'POST', path: '/v1/funding/purchases', key: a.key, body: { amount: '10', paymentMethodId: card.id } }),
          400,
          'idempotency_key_required',
        ],
        [
          'amount as a number',
          t.request({ method: 'POST', path: '/v1/funding/purchases', key: a.key, headers: keyed('n'), body: { amount: 10, paymentMethodId: card.id } }),
          400,
          'validation_failed',
        ],
        [
          'unknown provider',
          t.request({
            method: 'POST',
            path: '/v1/funding/payment-methods',
            key: a.key,
            headers: keyed('p'),
            body: { provider: 'payments-nope', kind: 'card', details: {} },
          }),
          400,
          'unknown_provider',
        ],
        [
          'unknown card token',
          t.request({
            method: 'POST',
            path: '/v1/funding/payment-methods',
            key: a.key,
            headers: keyed('u'),
            body: { provider: 'payments-card', kind: 'card', details: { paymentMethod: 'pm_nope' } },
          }),
          400,
          'validation_failed',
        ],
        [
          'refund above the refundable credit',
          t.request({ method: 'POST', path: '/v1/funding/refunds', key: a.key, headers: keyed('r'), body: { credits: '60.00' } }),
          422,
          'refund_exceeds_refundable',
        ],
      ];
      for (const [name, pending, status, code] of cases) {
        const res = await pending;
        expect([name, res.status, res.body.error?.code]).toEqual([name, status, code]);
      }
      expect((await wallet(a.key)).available).toBe('2.00');
      expect((await t.request({ path: '/v1/funding/purchases', key: a.key })).body.data).toEqual([]);
    });

    it('a webhook with a bad signature is refused and changes nothing', async () => {
      const a = await newAccount();
      const card = await addCard(a.key, 'pm_card_processing');
      const pending = await buy(a.key, '10', card.id);
      const forged = JSON.stringify({
        id: 'evt_forged',
        object: 'event',
        type: 'payment_intent.succeeded',
        created: Math.floor(clock.now().getTime() / 1000),
        data: { object: { id: pending.body.providerPaymentId, object: 'payment_intent', status: 'succeeded' } },
      });
      const res = await t.request({
        method: 'POST',
        path: '/v1/payments/webhooks/payments-card',
        body: forged,
        headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_signature');
      expect((await wallet(a.key)).available).toBe('2.00');
    });

    it('refund: the owner exchanges purchased credit less the €50 fee, two entries; members and admins may not', async () => {
      const a = await newAccount();
      const card = await addCard(a.key);
      await buy(a.key, '100', card.id);
      const member = (await t.request({ method: 'POST', path: '/v1/api-keys', key: a.key, body: { name: 'm', role: 'admin' } })).body.key as string;
      const byAdmin = await t.request({ method: 'POST', path: '/v1/funding/refunds', key: member, headers: keyed('rf'), body: { credits: '100.00' } });
      expect(byAdmin.status).toBe(403);
      expect(
        (await t.request({ method: 'POST', path: '/v1/funding/refunds', key: a.key, headers: keyed('rf-small'), body: { credits: '50.00' } })).body.error.code,
      ).toBe('refund_below_fee');
      const refund = await t.request({ method: 'POST', path: '/v1/funding/refunds', key: a.key, headers: keyed('rf'), body: { credits: '100.00' } });
      expect(refund.status).toBe(201);
      expect(refund.body).toMatchObject({ credits: '100.00', fee: '50.00', payout: '50.00', status: 'requested' });
      expect(await wallet(a.key)).toMatchObject({ available: '2.00', byKind: { trial: { available: '2.00' } } });
      const history = (await t.request({ path: '/v1/wallet/history?limit=2', key: a.key })).body.data;
      expect(history.map((h: { type: string; amount: string }) => [h.type, h.amount])).toEqual([
        ['fee', '-50.00'],
        ['payout', '-50.00'],
      ]);
      const paid = await t.request({ method: 'POST', path: `/admin/funding/refunds/${refund.body.id}/paid`, key: t.adminKey, body: { reference: 'TRF-1' } });
      expect(paid.body).toMatchObject({ status: 'paid', payoutReference: 'TRF-1' });
      expect((await mails(a.accountId)).map((m) => m.template)).toContain('refund_processed');
    });

    it('auto-refill: one refill when the balance drops under the minimum; a charge that would fail waits for it', async () => {
      const a = await newAccount();
      const card = await addCard(a.key);
      const set = await t.request({
        method: 'PUT',
        path: '/v1/funding/auto-refill',
        key: a.key,
        body: { enabled: true, minimum: '1.00', pack: '10', paymentMethodId: card.id },
      });
      expect(set.body).toMatchObject({ enabled: true, minimum: '1.00', pack: '10.00', paused: false });
      // 2.00 of credit; a 2.50 charge cannot be paid until the refill is in.
      const charged = await charge(a.key, '5', 'big-one');
      expect(charged.status).toBe(201);
      expect((await wallet(a.key)).available).toBe('9.50');
      const refills = (await t.request({ path: '/v1/funding/purchases', key: a.key })).body.data;
      expect(refills).toEqual([expect.objectContaining({ origin: 'auto_refill', amount: '10.00', status: 'succeeded' })]);
    });

    it('auto-refill: a declined refill pauses it and mails the account', async () => {
      const a = await newAccount();
      const card = await addCard(a.key, 'pm_card_chargeDeclinedInsufficientFunds');
      await t.request({
        method: 'PUT',
        path: '/v1/funding/auto-refill',
        key: a.key,
        body: { enabled: true, minimum: '5.00', pack: '10', paymentMethodId: card.id },
      });
      const settings = (await t.request({ path: '/v1/funding/auto-refill', key: a.key })).body;
      expect(settings).toMatchObject({
        paused: true,
        pausedReason: 'payment_declined',
        window: { refills: 0, declined: 1 },
        lastDecline: { reason: 'insufficient_funds' },
      });
      expect((await mails(a.accountId)).map((m) => m.template)).toEqual(['refill_failed']);
      const refused = await charge(a.key, '5', 'too-much');
      expect(refused.body.error).toMatchObject({
        code: 'insufficient_funds',
        details: { autoRefill: { enabled: true, paused: true, pausedReason: 'payment_declined', resumesAt: null } },
      });
    });

    it('auto-refill: its limit shows as a pause with the time it resumes, mails once, and a refused charge says why', async () => {
      const a = await newAccount({ locale: 'de' });
      const card = await addCard(a.key);
      const set = await t.request({
        method: 'PUT',
        path: '/v1/funding/auto-refill',
        key: a.key,
        body: { enabled: true, minimum: '1.00', pack: '5', paymentMethodId: card.id, maxPerPeriod: 1, periodHours: 24 },
      });
      expect(set.status).toBe(200);
      expect((await charge(a.key, '5', 'limit-1')).status).toBe(201); // 2.50 of 2.00: one refill of 5.00
      const refillAt = (await t.request({ path: '/v1/funding/purchases', key: a.key })).body.data[0].createdAt as string;
      const resumesAt = new Date(Date.parse(refillAt) + 24 * 3_600_000).toISOString();
      const refused = await charge(a.key, '10', 'limit-2'); // 5.00 of 4.50, and no second refill today
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatchObject({
        code: 'insufficient_funds',
        details: { required: '5.00', available: '4.50', autoRefill: { paused: true, pausedReason: 'refill_limit_reached', resumesAt } },
      });
      expect((await charge(a.key, '10', 'limit-3')).status).toBe(422);
      const settings = (await t.request({ path: '/v1/funding/auto-refill', key: a.key })).body;
      expect(settings).toMatchObject({ enabled: true, paused: true, pausedReason: 'refill_limit_reached', resumesAt, window: { refills: 1, declined: 0 } });
      expect((await mails(a.accountId)).filter((m) => m.template === 'refill_limit_reached')).toEqual([expect.objectContaining({ locale: 'de' })]);
      clock.set(new Date(Date.parse(resumesAt) + 1));
      expect((await t.request({ path: '/v1/funding/auto-refill', key: a.key })).body).toMatchObject({ paused: false, pausedReason: null });
      expect((await charge(a.key, '10', 'limit-4')).status).toBe(201);
    });

    it('auto-refill settings: a minimum one pack cannot lift the balance above is refused with the fields named; nothing changes', async () => {
      const a = await newAccount();
      const card = await addCard(a.key);
      const put = (body: Record<string, unknown>) =>
        t.request({ method: 'PUT', path: '/v1/funding/auto-refill', key: a.key, body: { enabled: true, paymentMethodId: card.id, ...body } });
      const refused = await put({ minimum: '500.00', pack: '10' });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'invalid_auto_refill', details: [{ path: ['minimum'] }, { path: ['pack'] }] });
      expect(refused.body.error.message).toContain('one €10.00 pack cannot lift the balance above a minimum of €500.00');
      expect((await put({ minimum: '1.00', pack: '10', maxPerPeriod: 0 })).status).toBe(400);
      expect((await t.request({ path: '/v1/funding/auto-refill', key: a.key })).body).toMatchObject({ enabled: false, minimum: null });
      expect((await t.request({ path: '/v1/funding/purchases', key: a.key })).body.data).toEqual([]);
    });

    it('referral: the referrer earns credit once, at the referred account’s first purchase', async () => {
      const referrer = await newAccount();
      const { code } = (await t.request({ path: '/v1/funding/referral', key: referrer.key })).body;
      const unknown = await t.request({
        method: 'POST',
        path: '/admin/accounts',
        key: t.adminKey,
        body: { name: 'X', owner: { email: 'x@example.test', name: 'X' }, referralCode: 'ZZZZZZZZ' },
      });
      expect(unknown.body.error.code).toBe('invalid_referral_code');
      const referred = await newAccount({ referralCode: code });
      const card = await addCard(referred.key);
      await buy(referred.key, '5', card.id);
      await buy(referred.key, '5', card.id);
      expect((await wallet(referrer.key)).byKind.referral.available).toBe('10.00');
      expect((await t.request({ path: '/v1/funding/referral', key: referrer.key })).body).toMatchObject({ code, referred: 1, rewarded: 1 });
    });
  });
}

// Two host instances on one PostgreSQL schema (production: N stateless hosts on one database).
const postgres = testEngines().find((e) => e.name === 'postgres');
describe.runIf(postgres)('auto-refill under 50 concurrent charges on two hosts [postgres]', () => {
  const clock = new ManualClock('2026-03-02T09:00:00.000Z');
  const url = process.env.TEST_DATABASE_URL!;
  const schema = `t_refill_${randomBytes(5).toString('hex')}`;
  let dbs: Database[] = [];
  const hosts: TestHost[] = [];
  let sandbox: CardSandbox;

  beforeAll(async () => {
    sandbox = await startCardSandbox({ now: () => clock.now() });
    dbs = [await openDatabase({ url, schema, poolSize: 8 }), await openDatabase({ url, schema, poolSize: 8 })];
    const options = { baseUrl: sandbox.url, webhookSecret: SECRET };
    hosts.push(await createTestHost({ db: dbs[0]!, clock, plugins: [{ plugin, options }] }));
    hosts.push(await createTestHost({ db: dbs[1]!, clock, plugins: [{ plugin, options }] }));
    await hosts[0]!.request({
      method: 'POST',
      path: '/admin/catalog/prices',
      key: hosts[0]!.adminKey,
      body: { channel: SMS, unit: 'message', unitPrice: '0.10', effectiveFrom: '2026-01-01T00:00:00.000Z' },
    });
  });
  afterAll(async () => {
    for (const h of hosts) await h.close();
    await dropSchemaFamily({ url, schema }); // with its job queue's and plugins' schemas
    for (const d of dbs) await d.close();
    await sandbox?.close();
  });

  it('starts exactly one refill', async () => {
    const [h1, h2] = hosts as [TestHost, TestHost];
    const a = await h1.createAccount();
    const card = (
      await h1.request({
        method: 'POST',
        path: '/v1/funding/payment-methods',
        key: a.ownerKey,
        headers: { 'idempotency-key': 'c' },
        body: { provider: 'payments-card', kind: 'card', details: { paymentMethod: 'pm_card_visa' } },
      })
    ).body;
    await h1.request({
      method: 'POST',
      path: '/v1/funding/purchases',
      key: a.ownerKey,
      headers: { 'idempotency-key': 'seed' },
      body: { amount: '25', paymentMethodId: card.id },
    });
    await h1.request({
      method: 'PUT',
      path: '/v1/funding/auto-refill',
      key: a.ownerKey,
      body: { enabled: true, minimum: '24.00', pack: '50', paymentMethodId: card.id },
    });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 ? h2 : h1).request({
          method: 'POST',
          path: '/v1/wallet/charges',
          key: a.ownerKey,
          headers: { 'idempotency-key': `c${i}` },
          body: { channel: SMS, units: '1' },
        }),
      ),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    // The in-process triggers run after the charges answer: let both hosts' sweeps finish them.
    await Promise.all([h1.host.fundingJobs.runOnce(), h2.host.fundingJobs.runOnce()]);
    const purchases = (await h1.request({ path: '/v1/funding/purchases', key: a.ownerKey })).body.data;
    const refills = purchases.filter((p: { origin: string }) => p.origin === 'auto_refill');
    expect(refills).toHaveLength(1);
    // A trigger may still be talking to the processor: wait for its answer, not for a time.
    await h1.host.funding.waitForSettlement({ purchaseId: refills[0].id, timeoutMs: 5000 });
    expect((await h2.request({ path: '/v1/wallet', key: a.ownerKey })).body.available).toBe('72.00');
  });
});
