import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock, Money, TollgateError, UnavailableError, ValidationError, type Logger } from '@tollgate/plugin-sdk';
import { signWebhookPayload, startCardSandbox, type CardSandbox } from '@tollgate/sandbox-card';
import { testEngines, type TestDatabase } from '@tollgate/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { paymentsCardMigrations, paymentsCardOptions, StripeCardProvider, type PaymentsCardOptions } from './index.js';

const SECRET = 'whsec_card_test';

/** Where the sandbox POSTs its webhooks: keeps the raw bodies and headers, as the host's route would get them. */
async function startReceiver() {
  const received: Array<{ headers: Record<string, string | undefined>; rawBody: Buffer }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: { 'stripe-signature': req.headers['stripe-signature'] as string | undefined }, rawBody: Buffer.concat(chunks) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/payments/webhooks/payments-card`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A loopback hop between the plugin and the sandbox that changes requests on the way, to show what the
 * plugin does when the processor meets a request it does not serve or does not accept.
 */
async function startRewritingProxy(input: {
  target: () => string;
  rewrite: (request: { method: string; path: string; body: string }) => { path: string; body: string };
}) {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const { path, body } = input.rewrite({ method, path: req.url ?? '/', body: Buffer.concat(chunks).toString('utf8') });
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type', 'idempotency-key', 'stripe-version']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      void fetch(`${input.target()}${path}`, { method, headers, ...(method === 'GET' ? {} : { body }) }).then(async (answer) => {
        const text = await answer.text();
        res.writeHead(answer.status, { 'content-type': 'application/json', 'request-id': answer.headers.get('request-id') ?? 'req_proxy' }).end(text);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A Logger that keeps what was logged at error level. */
function recordingLogger(): Logger & { errors: Array<{ obj: object | string; msg: string | undefined }> } {
  const errors: Array<{ obj: object | string; msg: string | undefined }> = [];
  const logger = {
    errors,
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: (obj: object | string, msg?: string) => {
      errors.push({ obj, msg });
    },
    child: () => logger,
  };
  return logger;
}

for (const engine of testEngines()) {
  describe(`StripeCardProvider against the card sandbox [${engine.name}]`, () => {
    const clock = new ManualClock('2026-01-15T09:00:00.000Z');
    let db: TestDatabase;
    let sandbox: CardSandbox;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let provider: StripeCardProvider;
    let accounts = 0;

    const make = (options: Partial<PaymentsCardOptions> = {}, logger?: Logger) =>
      new StripeCardProvider({
        options: paymentsCardOptions.parse({ baseUrl: sandbox.url, webhookSecret: SECRET, ...options }),
        database: db,
        clock,
        ...(logger ? { logger } : {}),
      });
    const newAccount = () => `acc_${engine.name}_${(accounts += 1)}`;
    const setUp = (accountId: string, paymentMethod = 'pm_card_visa') =>
      provider.createPaymentMethod({ accountId, kind: 'card', details: { paymentMethod }, idempotencyKey: `setup-${accountId}-${paymentMethod}` });
    const pay = async (input: { paymentMethod: string; amount?: string; idempotencyKey?: string; with?: StripeCardProvider }) => {
      const accountId = newAccount();
      const method = await setUp(accountId, input.paymentMethod);
      return (input.with ?? provider).createPayment({
        accountId,
        amount: Money.of(input.amount ?? '10.50'),
        reference: 'pur_1',
        description: 'Wallet top-up',
        idempotencyKey: input.idempotencyKey ?? `pay-${accountId}`,
        providerMethodId: method.providerMethodId,
      });
    };
    /** Delivers what the sandbox queued and parses every delivery as the host would. */
    const deliverAndParse = async () => {
      const before = receiver.received.length;
      await sandbox.control.deliverWebhooks();
      const events = [];
      for (const delivery of receiver.received.slice(before)) events.push(...(await provider.parseWebhook(delivery)));
      return events;
    };

    beforeAll(async () => {
      db = await engine.open();
      for (const migration of paymentsCardMigrations) await db.query(migration.sql);
      receiver = await startReceiver();
      sandbox = await startCardSandbox({ webhook: { url: receiver.url, secret: SECRET }, now: () => clock.now() });
      provider = make();
    });
    afterEach(() => {
      sandbox.control.reset();
      receiver.received.length = 0;
    });
    afterAll(async () => {
      await sandbox?.close();
      await receiver?.close();
      await db?.dispose();
    });

    it('sets up a card: attached to the account customer, labelled for the account', async () => {
      const accountId = newAccount();
      const setup = await setUp(accountId);
      const customerId = setup.metadata.customerId;
      expect(setup).toEqual({
        providerMethodId: 'pm_card_visa',
        kind: 'card',
        label: 'Visa •••• 4242',
        metadata: { brand: 'visa', last4: '4242', expMonth: '12', expYear: '2029', customerId: expect.stringMatching(/^cus_/), funding: 'credit' },
      });
      expect(sandbox.control.customers()).toEqual([expect.objectContaining({ id: customerId, metadata: { accountId } })]);
      const { rows } = await db.query<{ customer_id: string }>('SELECT customer_id FROM payments_card_customers WHERE account_id = $1', [accountId]);
      expect(rows).toEqual([{ customer_id: customerId }]);
      expect((await setUp(accountId, 'pm_card_mastercard')).label).toBe('Mastercard •••• 4444');
      expect(sandbox.control.customers()).toHaveLength(1);
    });

    it("keeps the card's funding as the processor reports it (plans take cards by funding, W-11)", async () => {
      const accountId = newAccount();
      const funding = async (id: string) => (await setUp(accountId, id)).metadata.funding;
      expect(await funding('pm_card_visa_debit')).toBe('debit');
      expect(await funding('pm_card_mastercard_debit')).toBe('debit');
      expect(await funding('pm_card_mastercard_prepaid')).toBe('prepaid');
      expect(await funding('pm_card_mastercard')).toBe('credit');
    });

    it('makes one customer when two set-ups for an account race', async () => {
      const accountId = newAccount();
      const [a, b] = await Promise.all([setUp(accountId, 'pm_card_visa'), setUp(accountId, 'pm_card_mastercard')]);
      expect(a.metadata.customerId).toBe(b.metadata.customerId);
      expect(sandbox.control.customers()).toHaveLength(1);
      const { rows } = await db.query('SELECT * FROM payments_card_customers WHERE account_id = $1', [accountId]);
      expect(rows).toHaveLength(1);
    });

    it('refuses bad set-ups with a ValidationError and sets up nothing', async () => {
      const accountId = newAccount();
      const attempt = (kind: 'card' | 'sepa_direct_debit', details: Record<string, unknown>) =>
        provider.createPaymentMethod({ accountId, kind, details, idempotencyKey: 'bad' });
      await expect(attempt('sepa_direct_debit', { paymentMethod: 'pm_card_visa' })).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt('card', {})).rejects.toMatchObject({ status: 400, code: 'validation_failed', details: [{ path: 'details.paymentMethod' }] });
      await expect(attempt('card', { paymentMethod: 'pm_card_visa', extra: 1 })).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt('card', { paymentMethod: '4242424242424242' })).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt('card', { paymentMethod: 'pm_card_nope' })).rejects.toMatchObject({ status: 400, message: 'unknown payment method' });
      expect(sandbox.control.customers()).toEqual([]);
    });

    it('charges the card in cents, euros, off-session, with the reference in the metadata', async () => {
      const result = await pay({ paymentMethod: 'pm_card_visa', amount: '10.50' });
      expect(result).toEqual({ providerPaymentId: expect.stringMatching(/^pi_/), status: 'succeeded' });
      const [intent] = sandbox.control.paymentIntents();
      expect(intent).toMatchObject({
        id: result.providerPaymentId,
        amount: 1050,
        currency: 'eur',
        customer: expect.stringMatching(/^cus_/),
        payment_method: 'pm_card_visa',
        description: 'Wallet top-up',
        metadata: { reference: 'pur_1', accountId: expect.stringMatching(/^acc_/) },
      });
    });

    it('answers the same payment for the same idempotency key, charging once', async () => {
      const accountId = newAccount();
      const method = await setUp(accountId);
      const input = {
        accountId,
        amount: Money.of('25.00'),
        reference: 'pur_2',
        description: 'Top-up',
        idempotencyKey: 'purchase-2',
        providerMethodId: method.providerMethodId,
      };
      const first = await provider.createPayment(input);
      const second = await provider.createPayment(input);
      expect(second).toEqual(first);
      expect(sandbox.control.paymentIntents()).toHaveLength(1);
      expect(
        sandbox.control
          .requests()
          .filter((r) => r.path === '/v1/payment_intents')
          .map((r) => [r.idempotencyKey, r.replayed]),
      ).toEqual([
        ['purchase-2', false],
        ['purchase-2', true],
      ]);
    });

    it('returns declines as failed payments with the decline code', async () => {
      const declined = await pay({ paymentMethod: 'pm_card_chargeDeclined' });
      expect(declined).toEqual({ providerPaymentId: sandbox.control.paymentIntents()[0]!.id, status: 'failed', reason: 'generic_decline' });
      expect(await pay({ paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' })).toMatchObject({ status: 'failed', reason: 'insufficient_funds' });
      expect(await pay({ paymentMethod: 'pm_card_authenticationRequired' })).toMatchObject({ status: 'failed', reason: 'authentication_required' });
      // The processor's payment_failed webhook agrees.
      expect((await deliverAndParse()).map((e) => [e.status, e.reason])).toEqual([
        ['failed', 'generic_decline'],
        ['failed', 'insufficient_funds'],
        ['failed', 'authentication_required'],
      ]);
    });

    it('reports a processing payment as pending, then the webhook settles it', async () => {
      const pending = await pay({ paymentMethod: 'pm_card_processing' });
      expect(pending).toEqual({ providerPaymentId: expect.stringMatching(/^pi_/), status: 'pending' });
      expect(await deliverAndParse()).toEqual([]);
      clock.advance({ seconds: 30 });
      sandbox.control.settle({ paymentIntentId: pending.providerPaymentId, outcome: 'succeeded' });
      const events = await deliverAndParse();
      expect(events).toEqual([
        { eventId: sandbox.control.events()[0]!.id, providerPaymentId: pending.providerPaymentId, status: 'succeeded', occurredAt: clock.now() },
      ]);

      const failing = await pay({ paymentMethod: 'pm_card_processing' });
      sandbox.control.settle({ paymentIntentId: failing.providerPaymentId, outcome: 'failed', declineCode: 'insufficient_funds' });
      expect(await deliverAndParse()).toEqual([
        expect.objectContaining({ providerPaymentId: failing.providerPaymentId, status: 'failed', reason: 'insufficient_funds' }),
      ]);
    });

    it('makes a one-off payment on the hosted page: 3-D Secure, then completed, disputed; idempotent by key', async () => {
      const input = {
        accountId: 'acc_1',
        amount: Money.of('121.00', 'EUR'),
        currency: 'EUR',
        reference: 'plk_1',
        description: 'Invoice 2026 / 1',
        returnUrl: 'http://127.0.0.1:9/pay/tok/return',
        idempotencyKey: 'plk_1',
        locale: 'nl',
      };
      const created = await provider.createOneOffPayment(input);
      expect(created).toEqual({
        providerPaymentId: expect.stringMatching(/^cs_/),
        status: 'pending',
        redirectUrl: `${sandbox.url}/c/pay/${created.providerPaymentId}`,
      });
      expect(await provider.createOneOffPayment(input)).toEqual(created);
      expect(sandbox.control.checkoutSessions()).toHaveLength(1);
      expect(sandbox.control.checkoutSessions()[0]).toMatchObject({
        amount_total: 12100,
        currency: 'eur',
        locale: 'nl',
        metadata: { reference: 'plk_1', kind: 'one_off' },
      });

      // The payer's card wants 3-D Secure: the hosted page sends them to the challenge, then back to returnUrl.
      const page = await fetch(created.redirectUrl!);
      expect(await page.text()).toContain('121.00 EUR');
      const paid = await fetch(created.redirectUrl!, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'payment_method=pm_card_authenticationRequired',
        redirect: 'manual',
      });
      expect(paid.status).toBe(303);
      expect(paid.headers.get('location')).toBe(`/c/pay/${created.providerPaymentId}/3ds`);
      expect(await provider.getOneOffPayment({ accountId: 'acc_1', providerPaymentId: created.providerPaymentId })).toMatchObject({ status: 'pending' });
      const challenge = await fetch(`${sandbox.url}/c/pay/${created.providerPaymentId}/3ds`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'outcome=complete',
        redirect: 'manual',
      });
      expect(challenge.headers.get('location')).toBe(input.returnUrl);
      expect(await provider.getOneOffPayment({ accountId: 'acc_1', providerPaymentId: created.providerPaymentId })).toEqual({
        providerPaymentId: created.providerPaymentId,
        status: 'succeeded',
      });
      // Only the session reports the payment (the intent's own event would be a second report of it).
      const intentId = sandbox.control.checkoutSessions()[0]!.payment_intent!;
      sandbox.control.dispute({ paymentIntentId: intentId, reason: 'fraudulent' });
      expect((await deliverAndParse()).map((e) => [e.providerPaymentId, e.status, e.reference ?? null, e.reason ?? null])).toEqual([
        [created.providerPaymentId, 'succeeded', 'plk_1', null],
        [intentId, 'reversed', 'plk_1', 'dispute:fraudulent'],
      ]);
    });

    it('refuses a one-off payment in another currency, and answers an unknown one as a 400', async () => {
      await expect(
        provider.createOneOffPayment({
          accountId: 'acc_1',
          amount: Money.of('10.00'),
          currency: 'USD',
          reference: 'plk_2',
          description: 'x',
          returnUrl: 'http://127.0.0.1:9/r',
          idempotencyKey: 'plk_2',
        }),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(provider.getOneOffPayment({ accountId: 'acc_1', providerPaymentId: 'cs_test_nope' })).rejects.toBeInstanceOf(ValidationError);
    });

    it('turns a dispute into a reversed event', async () => {
      const paid = await pay({ paymentMethod: 'pm_card_createDispute' });
      expect(paid.status).toBe('succeeded');
      sandbox.control.dispute({ paymentIntentId: paid.providerPaymentId });
      const events = await deliverAndParse();
      expect(events.map((e) => [e.providerPaymentId, e.status, e.reason ?? null])).toEqual([
        [paid.providerPaymentId, 'succeeded', null],
        [paid.providerPaymentId, 'reversed', 'dispute:fraudulent'],
      ]);
    });

    it('gives a replayed webhook the same eventId', async () => {
      await pay({ paymentMethod: 'pm_card_visa' });
      sandbox.control.duplicateNextWebhooks(1);
      const events = await deliverAndParse();
      expect(events).toHaveLength(2);
      expect(events[0]!.eventId).toMatch(/^evt_/);
      expect(events[1]).toEqual(events[0]);
    });

    it('refuses webhooks with a bad, missing or stale signature (invalid_signature, 400)', async () => {
      await pay({ paymentMethod: 'pm_card_visa' });
      await sandbox.control.deliverWebhooks();
      const good = receiver.received[0]!;
      const refused = { code: 'invalid_signature', status: 400 };
      await expect(provider.parseWebhook({ headers: {}, rawBody: good.rawBody })).rejects.toMatchObject(refused);
      await expect(
        provider.parseWebhook({ headers: good.headers, rawBody: Buffer.from(good.rawBody.toString().replace('"succeeded"', '"canceled"')) }),
      ).rejects.toMatchObject(refused);
      await expect(make({ webhookSecret: 'whsec_other' }).parseWebhook(good)).rejects.toBeInstanceOf(TollgateError);
      await expect(make({ webhookSecret: 'whsec_other' }).parseWebhook(good)).rejects.toMatchObject(refused);
      expect(await provider.parseWebhook({ headers: { 'Stripe-Signature': good.headers['stripe-signature'] }, rawBody: good.rawBody })).toHaveLength(1);
      // An old delivery replayed later is refused: the age is measured on the host's clock.
      clock.advance({ minutes: 6 });
      await expect(provider.parseWebhook(good)).rejects.toMatchObject(refused);
    });

    it('ignores event types it does not handle', async () => {
      const payload = JSON.stringify({ id: 'evt_other', object: 'event', type: 'customer.created', created: 1, data: { object: {} } });
      const header = signWebhookPayload({ payload, secret: SECRET, timestamp: Math.floor(clock.now().getTime() / 1000) });
      expect(await provider.parseWebhook({ headers: { 'stripe-signature': header }, rawBody: Buffer.from(payload) })).toEqual([]);
    });

    it('recovers from processor 500s through the SDK retries, with one idempotency key', async () => {
      const accountId = newAccount();
      const method = await setUp(accountId);
      sandbox.control.failNextRequests({ count: 2, status: 500 });
      const result = await provider.createPayment({
        accountId,
        amount: Money.of('5.00'),
        reference: 'pur_3',
        description: 'Top-up',
        idempotencyKey: 'retry-1',
        providerMethodId: method.providerMethodId,
      });
      expect(result.status).toBe('succeeded');
      expect(
        sandbox.control
          .requests()
          .filter((r) => r.path === '/v1/payment_intents')
          .map((r) => [r.status, r.idempotencyKey]),
      ).toEqual([
        [500, 'retry-1'],
        [500, 'retry-1'],
        [200, 'retry-1'],
      ]);
      expect(sandbox.control.paymentIntents()).toHaveLength(1);
    });

    it('charges once when the answer is lost after the charge', async () => {
      const accountId = newAccount();
      const method = await setUp(accountId);
      sandbox.control.failNextRequests({ count: 1, status: 500, afterExecution: true });
      const result = await provider.createPayment({
        accountId,
        amount: Money.of('5.00'),
        reference: 'pur_4',
        description: 'Top-up',
        idempotencyKey: 'lost-1',
        providerMethodId: method.providerMethodId,
      });
      expect(result).toEqual({ providerPaymentId: sandbox.control.paymentIntents()[0]!.id, status: 'succeeded' });
      expect(sandbox.control.paymentIntents()).toHaveLength(1);
    });

    it('throws UnavailableError (503) once the retries are used up, or when the processor is unreachable', async () => {
      const noRetries = make({ maxNetworkRetries: 0 });
      const accountId = newAccount();
      const method = await setUp(accountId);
      sandbox.control.failNextRequests({ count: 1, status: 503 });
      const input = {
        accountId,
        amount: Money.of('5.00'),
        reference: 'pur_5',
        description: 'Top-up',
        idempotencyKey: 'down-1',
        providerMethodId: method.providerMethodId,
      };
      await expect(noRetries.createPayment(input)).rejects.toMatchObject({ code: 'unavailable', status: 503 });
      expect(sandbox.control.paymentIntents()).toEqual([]);
      // The same key later goes through: nothing was charged by the failed attempt.
      expect((await noRetries.createPayment(input)).status).toBe('succeeded');

      const closed = await startCardSandbox();
      const url = closed.url;
      await closed.close();
      const unreachable = make({ baseUrl: url, maxNetworkRetries: 0 });
      await expect(unreachable.createPayment(input)).rejects.toBeInstanceOf(UnavailableError);
    });

    it('detaches a card on removal; an unknown one is not an error', async () => {
      const accountId = newAccount();
      await setUp(accountId);
      await provider.removePaymentMethod({ accountId, providerMethodId: 'pm_card_visa' });
      expect(sandbox.control.requests().at(-1)).toMatchObject({ method: 'POST', path: '/v1/payment_methods/pm_card_visa/detach', status: 200 });
      await expect(provider.removePaymentMethod({ accountId, providerMethodId: 'pm_card_gone' })).resolves.toBeUndefined();
      // A retried removal meets "not attached" (as the processor answers): done already, not an error.
      await expect(provider.removePaymentMethod({ accountId, providerMethodId: 'pm_card_visa' })).resolves.toBeUndefined();
      expect(sandbox.control.requests().slice(-2)).toMatchObject([
        { method: 'POST', path: '/v1/payment_methods/pm_card_visa/detach', status: 400 },
        { method: 'GET', path: '/v1/payment_methods/pm_card_visa', status: 200 },
      ]);
    });

    it('sends only parameters the processor accepts (the sandbox refuses any other)', async () => {
      const accountId = newAccount();
      await setUp(accountId);
      await provider.createPayment({
        accountId,
        amount: Money.of('12.34'),
        reference: 'pur_strict',
        description: 'Top-up',
        idempotencyKey: 'strict-1',
        providerMethodId: 'pm_card_visa',
      });
      await provider.removePaymentMethod({ accountId, providerMethodId: 'pm_card_visa' });
      expect(sandbox.control.requests().map((r) => [r.method, r.path.replace(/cus_\w+/, 'cus_…'), r.status])).toEqual([
        ['GET', '/v1/payment_methods/pm_card_visa', 200],
        ['POST', '/v1/customers', 200],
        ['POST', '/v1/payment_methods/pm_card_visa/attach', 200],
        ['POST', '/v1/payment_intents', 200],
        ['POST', '/v1/payment_methods/pm_card_visa/detach', 200],
      ]);
    });

    it("reports an amount under the processor minimum as the caller's mistake (400)", async () => {
      const accountId = newAccount();
      await setUp(accountId);
      const refused = provider.createPayment({
        accountId,
        amount: Money.of('0.40'),
        reference: 'pur_small',
        description: 'Top-up',
        idempotencyKey: 'small-1',
        providerMethodId: 'pm_card_visa',
      });
      await expect(refused).rejects.toBeInstanceOf(ValidationError);
      await expect(refused).rejects.toMatchObject({ status: 400, details: { providerCode: 'amount_too_small' } });
    });

    it('reports a URL the processor does not serve as a provider error (502, logged), not as an unknown payment method', async () => {
      // As if baseUrl pointed at an API without /v1/payment_methods: the processor answers 404 "Unrecognized request URL".
      const proxy = await startRewritingProxy({
        target: () => sandbox.url,
        rewrite: ({ path, body }) => ({ path: path.replace('/v1/payment_methods/', '/v1/payment-methods/'), body }),
      });
      try {
        const logger = recordingLogger();
        const elsewhere = make({ baseUrl: proxy.url, maxNetworkRetries: 0 }, logger);
        const attempt = elsewhere.createPaymentMethod({
          accountId: newAccount(),
          kind: 'card',
          details: { paymentMethod: 'pm_card_visa' },
          idempotencyKey: 'k',
        });
        await expect(attempt).rejects.not.toBeInstanceOf(ValidationError);
        await expect(attempt).rejects.toMatchObject({
          code: 'payment_provider_error',
          status: 502,
          message:
            "The card processor does not serve this request (Unrecognized request URL (GET: /v1/payment-methods/pm_card_visa)); check the plugin's baseUrl",
        });
        expect(logger.errors.map((e) => e.msg)).toEqual([expect.stringContaining('does not serve the request')]);
        // A card that really is unknown is still the user's mistake.
        await expect(
          provider.createPaymentMethod({ accountId: newAccount(), kind: 'card', details: { paymentMethod: 'pm_card_nope' }, idempotencyKey: 'k2' }),
        ).rejects.toMatchObject({
          status: 400,
          message: 'unknown payment method',
        });
      } finally {
        await proxy.close();
      }
    });

    it("treats a parameter the processor refuses as its own bug (500, logged), not the user's", async () => {
      // As if the plugin sent a parameter the processor does not have: the strict sandbox answers parameter_unknown.
      const proxy = await startRewritingProxy({
        target: () => sandbox.url,
        rewrite: ({ method, path, body }) => ({ path, body: method === 'POST' && path === '/v1/payment_intents' ? `${body}&tollgate_trace=1` : body }),
      });
      try {
        const logger = recordingLogger();
        const buggy = make({ baseUrl: proxy.url, maxNetworkRetries: 0 }, logger);
        const accountId = newAccount();
        await buggy.createPaymentMethod({ accountId, kind: 'card', details: { paymentMethod: 'pm_card_visa' }, idempotencyKey: 'k' });
        const attempt = buggy.createPayment({
          accountId,
          amount: Money.of('10.00'),
          reference: 'pur_bug',
          description: 'Top-up',
          idempotencyKey: 'bug-1',
          providerMethodId: 'pm_card_visa',
        });
        await expect(attempt).rejects.not.toBeInstanceOf(ValidationError);
        await expect(attempt).rejects.toMatchObject({ code: 'internal_error', status: 500 });
        await expect(attempt).rejects.not.toMatchObject({ message: expect.stringMatching(/payment method|tollgate_trace/) });
        expect(logger.errors).toEqual([
          { obj: expect.objectContaining({ providerCode: 'parameter_unknown', param: 'tollgate_trace' }), msg: expect.stringContaining('plugin bug') },
        ]);
        expect(sandbox.control.paymentIntents()).toEqual([]);
      } finally {
        await proxy.close();
      }
    });

    it('reports a wrong API key as a provider error, not a success', async () => {
      await expect(
        make({ apiKey: 'sk_test_wrong' }).createPaymentMethod({
          accountId: newAccount(),
          kind: 'card',
          details: { paymentMethod: 'pm_card_visa' },
          idempotencyKey: 'k',
        }),
      ).rejects.toMatchObject({
        code: 'payment_provider_error',
        status: 502,
      });
    });
  });
}
