import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCardSandbox, type CardSandbox, type SandboxEvent } from './index.js';

const SECRET = 'whsec_test_secret';
const NOW = new Date('2026-01-15T09:00:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;

/** A local webhook receiver: records what arrives, answers the next queued status (default 200). */
async function startReceiver(): Promise<{
  url: string;
  received: Array<{ body: string; signature: string | undefined }>;
  answers: number[];
  close(): Promise<void>;
}> {
  const received: Array<{ body: string; signature: string | undefined }> = [];
  const answers: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: req.headers['stripe-signature'] as string | undefined });
      res.writeHead(answers.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    answers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('card sandbox', () => {
  let sandbox: CardSandbox;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  async function api(input: {
    method?: string;
    path: string;
    form?: Record<string, string>;
    key?: string | null;
    idempotencyKey?: string;
  }): Promise<{ status: number; headers: Headers; body: any }> {
    const key = input.key === undefined ? sandbox.apiKey : input.key;
    const response = await fetch(`${sandbox.url}${input.path}`, {
      method: input.method ?? (input.form ? 'POST' : 'GET'),
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(input.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(input.idempotencyKey ? { 'idempotency-key': input.idempotencyKey } : {}),
      },
      ...(input.form ? { body: new URLSearchParams(input.form).toString() } : {}),
    });
    return { status: response.status, headers: response.headers, body: await response.json() };
  }

  async function customer(): Promise<string> {
    const res = await api({ path: '/v1/customers', form: { email: 'ann@acme.test', 'metadata[accountId]': 'acc_1' } });
    expect(res.status).toBe(200);
    return res.body.id as string;
  }

  async function pay(input: { paymentMethod: string; amount?: string; idempotencyKey?: string; extra?: Record<string, string> }) {
    return api({
      path: '/v1/payment_intents',
      form: {
        amount: input.amount ?? '1000',
        currency: 'eur',
        customer: await customer(),
        payment_method: input.paymentMethod,
        confirm: 'true',
        off_session: 'true',
        'metadata[reference]': 'pur_1',
        ...input.extra,
      },
      ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
    });
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    sandbox = await startCardSandbox({ webhook: { url: receiver.url, secret: SECRET }, now: () => NOW });
  });
  afterEach(() => {
    sandbox.control.reset();
    receiver.received.length = 0;
    receiver.answers.length = 0;
  });
  afterAll(async () => {
    await sandbox?.close();
    await receiver?.close();
  });

  it('Checkout Sessions: strict parameters, a hosted page with 3-D Secure, completed and expired events', async () => {
    const form = {
      mode: 'payment',
      success_url: 'http://127.0.0.1:9/back?s={CHECKOUT_SESSION_ID}',
      'line_items[0][quantity]': '1',
      'line_items[0][price_data][currency]': 'eur',
      'line_items[0][price_data][unit_amount]': '4200',
      'line_items[0][price_data][product_data][name]': 'Invoice 7',
      'metadata[reference]': 'plk_1',
      'payment_intent_data[metadata][reference]': 'plk_1',
    };
    const unknown = await api({ path: '/v1/checkout/sessions', form: { ...form, 'line_items[0][price_data][tax]': 'x' } });
    expect(unknown.body.error).toMatchObject({ code: 'parameter_unknown', param: 'line_items[0][price_data][tax]' });
    expect((await api({ path: '/v1/checkout/sessions', form: { ...form, mode: 'subscription' } })).status).toBe(400);
    const created = await api({ path: '/v1/checkout/sessions', form });
    expect(created.body).toMatchObject({ object: 'checkout.session', status: 'open', payment_status: 'unpaid', amount_total: 4200, payment_intent: null });
    const id = created.body.id as string;
    expect(created.body.url).toBe(`${sandbox.url}/c/pay/${id}`);

    const post = (path: string, body: string) =>
      fetch(`${sandbox.url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const declined = await post(`/c/pay/${id}`, 'payment_method=pm_card_chargeDeclined');
    expect(declined.headers.get('location')).toMatch(new RegExp(`^/c/pay/${id}\\?error=`));
    const challenge = await post(`/c/pay/${id}`, 'payment_method=pm_card_authenticationRequired');
    expect(challenge.headers.get('location')).toBe(`/c/pay/${id}/3ds`);
    expect((await api({ path: `/v1/checkout/sessions/${id}?expand[]=payment_intent` })).body.payment_intent).toMatchObject({
      status: 'requires_action',
      next_action: { type: 'redirect_to_url' },
      metadata: { reference: 'plk_1' },
    });
    const failed = await post(`/c/pay/${id}/3ds`, 'outcome=fail');
    expect(failed.headers.get('location')).toMatch(/\?error=/);
    await post(`/c/pay/${id}`, 'payment_method=pm_card_authenticationRequired');
    const done = await post(`/c/pay/${id}/3ds`, 'outcome=complete');
    expect(done.headers.get('location')).toBe(`http://127.0.0.1:9/back?s=${id}`);
    expect((await api({ path: `/v1/checkout/sessions/${id}` })).body).toMatchObject({ status: 'complete', payment_status: 'paid', url: null });
    expect((await fetch(`${sandbox.url}/c/pay/${id}`)).status).toBe(410);
    expect((await api({ path: `/v1/checkout/sessions/${id}/expire`, form: {} })).status).toBe(400);

    const other = await api({ path: '/v1/checkout/sessions', form });
    expect((await api({ path: `/v1/checkout/sessions/${other.body.id}/expire`, form: {} })).body).toMatchObject({ status: 'expired', url: null });
    expect(sandbox.control.events().map((e) => e.type)).toEqual([
      'payment_intent.payment_failed',
      'payment_intent.payment_failed',
      'payment_intent.succeeded',
      'checkout.session.completed',
      'checkout.session.expired',
    ]);
  });

  it('refuses a missing or wrong API key with a 401 in the processor error shape', async () => {
    const none = await api({ path: '/v1/customers', form: {}, key: null });
    expect(none.status).toBe(401);
    expect(none.body.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('did not provide an API key') });
    const wrong = await api({ path: '/v1/customers', form: {}, key: 'sk_test_wrong_key_1234' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toMatch(/^Invalid API Key provided: sk_test_\**1234$/);
    expect(sandbox.control.customers()).toEqual([]);
  });

  it('creates and reads customers; an unknown one is a 404 resource_missing', async () => {
    const created = await api({ path: '/v1/customers', form: { email: 'ann@acme.test', name: 'Ann', 'metadata[accountId]': 'acc_1' } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^cus_\w{24}$/),
      object: 'customer',
      email: 'ann@acme.test',
      name: 'Ann',
      metadata: { accountId: 'acc_1' },
      created: NOW_SECONDS,
      livemode: false,
    });
    expect(created.headers.get('request-id')).toMatch(/^req_/);
    const read = await api({ path: `/v1/customers/${created.body.id}` });
    expect(read.body).toEqual(created.body);
    const unknown = await api({ path: '/v1/customers/cus_nope' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ type: 'invalid_request_error', code: 'resource_missing', message: "No such customer: 'cus_nope'" });
  });

  it('knows the test payment methods and attaches / detaches them', async () => {
    const visa = await api({ path: '/v1/payment_methods/pm_card_visa' });
    expect(visa.body).toMatchObject({
      id: 'pm_card_visa',
      object: 'payment_method',
      type: 'card',
      customer: null,
      card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2029, funding: 'credit' },
    });
    expect((await api({ path: '/v1/payment_methods/pm_card_mastercard' })).body.card).toMatchObject({ brand: 'mastercard', last4: '4444', funding: 'credit' });
    // The processor's published debit and prepaid test cards report their funding.
    expect((await api({ path: '/v1/payment_methods/pm_card_visa_debit' })).body.card).toMatchObject({ brand: 'visa', last4: '5556', funding: 'debit' });
    expect((await api({ path: '/v1/payment_methods/pm_card_mastercard_debit' })).body.card).toMatchObject({ last4: '8210', funding: 'debit' });
    expect((await api({ path: '/v1/payment_methods/pm_card_mastercard_prepaid' })).body.card).toMatchObject({ last4: '5100', funding: 'prepaid' });
    const cus = await customer();
    const attached = await api({ path: '/v1/payment_methods/pm_card_visa/attach', form: { customer: cus } });
    expect(attached.body).toMatchObject({ id: 'pm_card_visa', customer: cus });
    const detached = await api({ path: '/v1/payment_methods/pm_card_visa/detach', form: {} });
    expect(detached.body.customer).toBeNull();
    const again = await api({ path: '/v1/payment_methods/pm_card_visa/detach', form: {} });
    expect(again.status).toBe(400);
    expect(again.body.error).toEqual({
      type: 'invalid_request_error',
      message: 'The payment method you provided is not attached to a customer so detachment is impossible.',
    });

    const unknownPm = await api({ path: '/v1/payment_methods/pm_card_nope/attach', form: { customer: cus } });
    expect(unknownPm.status).toBe(404);
    expect(unknownPm.body.error).toMatchObject({ code: 'resource_missing', message: "No such PaymentMethod: 'pm_card_nope'" });
    const unknownCustomer = await api({ path: '/v1/payment_methods/pm_card_visa/attach', form: { customer: 'cus_nope' } });
    expect(unknownCustomer.status).toBe(400);
    expect(unknownCustomer.body.error).toMatchObject({ code: 'resource_missing', param: 'customer' });
  });

  it('charges a good card, queues payment_intent.succeeded and delivers it signed only when told', async () => {
    const res = await pay({ paymentMethod: 'pm_card_visa', extra: { description: 'Wallet top-up' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^pi_/),
      object: 'payment_intent',
      amount: 1000,
      amount_received: 1000,
      currency: 'eur',
      status: 'succeeded',
      payment_method: 'pm_card_visa',
      description: 'Wallet top-up',
      metadata: { reference: 'pur_1' },
      latest_charge: expect.stringMatching(/^ch_/),
    });
    expect(receiver.received).toHaveLength(0);
    expect(sandbox.control.pendingWebhooks().map((e) => e.type)).toEqual(['payment_intent.succeeded']);

    const report = await sandbox.control.deliverWebhooks();
    expect(report).toEqual({ delivered: 1, statuses: [200] });
    const [delivery] = receiver.received;
    const event = JSON.parse(delivery!.body) as SandboxEvent;
    expect(event).toMatchObject({
      id: expect.stringMatching(/^evt_/),
      object: 'event',
      type: 'payment_intent.succeeded',
      created: NOW_SECONDS,
      livemode: false,
      data: { object: { id: res.body.id, status: 'succeeded' } },
    });
    const expected = createHmac('sha256', SECRET).update(`${NOW_SECONDS}.${delivery!.body}`).digest('hex');
    expect(delivery!.signature).toBe(`t=${NOW_SECONDS},v1=${expected}`);
    expect(sandbox.control.pendingWebhooks()).toEqual([]);
    expect(sandbox.control.paymentIntents()).toHaveLength(1);
  });

  it('declines pm_card_chargeDeclined with a 402 card_error and a payment_failed event', async () => {
    const res = await pay({ paymentMethod: 'pm_card_chargeDeclined' });
    expect(res.status).toBe(402);
    expect(res.body.error).toMatchObject({
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'generic_decline',
      message: 'Your card was declined.',
      payment_intent: { object: 'payment_intent', status: 'requires_payment_method' },
    });
    const intent = sandbox.control.paymentIntents()[0]!;
    expect(intent.id).toBe(res.body.error.payment_intent.id);
    expect(intent.last_payment_error).toMatchObject({ code: 'card_declined', decline_code: 'generic_decline' });
    expect(sandbox.control.events().map((e) => e.type)).toEqual(['payment_intent.payment_failed']);
    expect(sandbox.control.events()[0]!.data.object).toMatchObject({ last_payment_error: { decline_code: 'generic_decline' } });
  });

  it('declines pm_card_chargeDeclinedInsufficientFunds with insufficient_funds', async () => {
    const res = await pay({ paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' });
    expect(res.status).toBe(402);
    expect(res.body.error).toMatchObject({ code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' });
  });

  it('declines an off-session charge that needs authentication', async () => {
    const res = await pay({ paymentMethod: 'pm_card_authenticationRequired' });
    expect(res.status).toBe(402);
    expect(res.body.error).toMatchObject({ code: 'authentication_required', decline_code: 'authentication_required' });
  });

  it('replays the stored answer for the same Idempotency-Key and refuses it with other parameters', async () => {
    const cus = await customer();
    const form = { amount: '2500', currency: 'eur', customer: cus, payment_method: 'pm_card_visa', confirm: 'true' };
    const first = await api({ path: '/v1/payment_intents', form, idempotencyKey: 'key-1' });
    const second = await api({ path: '/v1/payment_intents', form, idempotencyKey: 'key-1' });
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(sandbox.control.paymentIntents()).toHaveLength(1);
    expect(sandbox.control.events()).toHaveLength(1);

    const other = await api({ path: '/v1/payment_intents', form: { ...form, amount: '2600' }, idempotencyKey: 'key-1' });
    expect(other.status).toBe(400);
    expect(other.body.error).toMatchObject({ type: 'idempotency_error', message: expect.stringContaining("other than 'key-1'") });

    // A decline is an answer too: replayed, not charged again.
    const declined = { ...form, payment_method: 'pm_card_chargeDeclined' };
    const d1 = await api({ path: '/v1/payment_intents', form: declined, idempotencyKey: 'key-2' });
    const d2 = await api({ path: '/v1/payment_intents', form: declined, idempotencyKey: 'key-2' });
    expect([d1.status, d2.status]).toEqual([402, 402]);
    expect(d2.body).toEqual(d1.body);
    expect(sandbox.control.paymentIntents()).toHaveLength(2);
  });

  it('validates payment intents like the processor', async () => {
    const cus = await customer();
    const tooSmall = await api({ path: '/v1/payment_intents', form: { amount: '49', currency: 'eur', customer: cus } });
    expect(tooSmall.status).toBe(400);
    expect(tooSmall.body.error).toMatchObject({ code: 'amount_too_small', param: 'amount' });
    expect((await api({ path: '/v1/payment_intents', form: { amount: '1000' } })).body.error).toMatchObject({ code: 'parameter_missing', param: 'currency' });
    expect((await api({ path: '/v1/payment_intents', form: { amount: '10.5', currency: 'eur' } })).body.error).toMatchObject({
      code: 'parameter_invalid_integer',
    });
    const unknownPm = await api({ path: '/v1/payment_intents', form: { amount: '1000', currency: 'eur', payment_method: 'pm_nope', confirm: 'true' } });
    expect(unknownPm.status).toBe(400);
    expect(unknownPm.body.error).toMatchObject({ code: 'resource_missing', param: 'payment_method' });
    const unconfirmed = await api({ path: '/v1/payment_intents', form: { amount: '1000', currency: 'eur', payment_method: 'pm_card_visa' } });
    expect(unconfirmed.body.status).toBe('requires_confirmation');
    expect((await api({ path: `/v1/payment_intents/${unconfirmed.body.id}` })).body).toEqual(unconfirmed.body);
    expect((await api({ path: '/v1/payment_intents/pi_nope' })).status).toBe(404);
    const unknownRoute = await api({ path: '/v1/refunds', form: {} });
    expect(unknownRoute.status).toBe(404);
    // The processor's answer to a URL it does not serve: no code, unlike a missing object.
    expect(unknownRoute.body).toEqual({
      error: {
        type: 'invalid_request_error',
        message: 'Unrecognized request URL (POST: /v1/refunds). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.',
      },
    });
    expect(sandbox.control.events()).toEqual([]);
  });

  it('keeps pm_card_processing intents processing until settled', async () => {
    const ok = await pay({ paymentMethod: 'pm_card_processing' });
    expect(ok.body.status).toBe('processing');
    expect(sandbox.control.events()).toEqual([]);
    expect(sandbox.control.settle({ paymentIntentId: ok.body.id, outcome: 'succeeded' }).status).toBe('succeeded');

    const ko = await pay({ paymentMethod: 'pm_card_processing' });
    const failed = sandbox.control.settle({ paymentIntentId: ko.body.id, outcome: 'failed', declineCode: 'insufficient_funds' });
    expect(failed).toMatchObject({ status: 'requires_payment_method', last_payment_error: { decline_code: 'insufficient_funds' } });
    expect(sandbox.control.events().map((e) => [e.type, e.data.object.id])).toEqual([
      ['payment_intent.succeeded', ok.body.id],
      ['payment_intent.payment_failed', ko.body.id],
    ]);
    expect(() => sandbox.control.settle({ paymentIntentId: ok.body.id, outcome: 'succeeded' })).toThrow(/only a processing one/);
  });

  it('opens a dispute on control.dispute() with charge.dispute.created', async () => {
    const res = await pay({ paymentMethod: 'pm_card_createDispute', amount: '4200' });
    expect(res.body.status).toBe('succeeded');
    const dispute = sandbox.control.dispute({ paymentIntentId: res.body.id });
    expect(dispute).toMatchObject({
      id: expect.stringMatching(/^dp_/),
      object: 'dispute',
      payment_intent: res.body.id,
      charge: res.body.latest_charge,
      amount: 4200,
      reason: 'fraudulent',
    });
    await sandbox.control.deliverWebhooks();
    expect(receiver.received.map((r) => (JSON.parse(r.body) as SandboxEvent).type)).toEqual(['payment_intent.succeeded', 'charge.dispute.created']);
  });

  it('duplicates, drops and re-sends webhooks on command', async () => {
    await pay({ paymentMethod: 'pm_card_visa' });
    await pay({ paymentMethod: 'pm_card_visa' });
    await pay({ paymentMethod: 'pm_card_visa' });
    const ids = sandbox.control.events().map((e) => e.id);
    sandbox.control.duplicateNextWebhooks(2);
    sandbox.control.dropNextWebhooks(0);
    expect(await sandbox.control.deliverWebhooks()).toEqual({ delivered: 5, statuses: [200, 200, 200, 200, 200] });
    expect(receiver.received.map((r) => (JSON.parse(r.body) as SandboxEvent).id)).toEqual([ids[0], ids[0], ids[0], ids[1], ids[2]]);

    receiver.received.length = 0;
    await pay({ paymentMethod: 'pm_card_visa' });
    await pay({ paymentMethod: 'pm_card_visa' });
    sandbox.control.dropNextWebhooks(1);
    expect(await sandbox.control.deliverWebhooks()).toEqual({ delivered: 1, statuses: [200] });
    expect(JSON.parse(receiver.received[0]!.body).id).toBe(sandbox.control.events()[4]!.id);

    // Not accepted (here a 500) = sent again on the next round, same id.
    await pay({ paymentMethod: 'pm_card_visa' });
    receiver.answers.push(500);
    expect(await sandbox.control.deliverWebhooks()).toEqual({ delivered: 1, statuses: [500] });
    expect(sandbox.control.pendingWebhooks()).toHaveLength(1);
    expect(await sandbox.control.deliverWebhooks()).toEqual({ delivered: 1, statuses: [200] });
    expect(JSON.parse(receiver.received[1]!.body).id).toBe(JSON.parse(receiver.received[2]!.body).id);
  });

  it('fails the next requests on command, before or after doing the work', async () => {
    const cus = await customer();
    sandbox.control.failNextRequests({ count: 2 });
    expect((await api({ path: `/v1/customers/${cus}` })).status).toBe(500);
    const second = await api({ path: `/v1/customers/${cus}` });
    expect(second.status).toBe(500);
    expect(second.body.error).toMatchObject({ type: 'api_error' });
    expect((await api({ path: `/v1/customers/${cus}` })).status).toBe(200);

    sandbox.control.failNextRequests({ count: 1, status: 429 });
    expect((await api({ path: `/v1/customers/${cus}` })).body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit' });

    // The answer is lost after the charge: a retry with the same key gets the stored result, no second charge.
    const form = { amount: '1000', currency: 'eur', customer: cus, payment_method: 'pm_card_visa', confirm: 'true' };
    sandbox.control.failNextRequests({ count: 1, status: 503, afterExecution: true });
    expect((await api({ path: '/v1/payment_intents', form, idempotencyKey: 'lost-1' })).status).toBe(503);
    const retry = await api({ path: '/v1/payment_intents', form, idempotencyKey: 'lost-1' });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(sandbox.control.paymentIntents()).toHaveLength(1);
    expect(sandbox.control.requests().slice(-2)).toEqual([
      { method: 'POST', path: '/v1/payment_intents', status: 503, idempotencyKey: 'lost-1', replayed: false },
      { method: 'POST', path: '/v1/payment_intents', status: 200, idempotencyKey: 'lost-1', replayed: true },
    ]);
  });

  it('offers the same controls over HTTP under /_sandbox', async () => {
    const processing = await pay({ paymentMethod: 'pm_card_processing' });
    const list = await api({ path: '/_sandbox/payment_intents', key: null });
    expect(list.body.data.map((pi: { id: string }) => pi.id)).toEqual([processing.body.id]);
    const settled = await fetch(`${sandbox.url}/_sandbox/payment_intents/${processing.body.id}/settle`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'succeeded' }),
    });
    expect(settled.status).toBe(200);
    expect(((await settled.json()) as { status: string }).status).toBe('succeeded');
    const disputed = await api({ method: 'POST', path: `/_sandbox/payment_intents/${processing.body.id}/dispute`, form: { reason: 'duplicate' }, key: null });
    expect(disputed.body).toMatchObject({ object: 'dispute', reason: 'duplicate' });
    const delivered = await api({ method: 'POST', path: '/_sandbox/webhooks/deliver', key: null });
    expect(delivered.body).toEqual({ delivered: 2, statuses: [200, 200] });
    const badOutcome = await api({ method: 'POST', path: `/_sandbox/payment_intents/${processing.body.id}/settle`, form: { outcome: 'maybe' }, key: null });
    expect(badOutcome.status).toBe(400);
    await api({ path: '/_sandbox/failures', form: { count: '1', status: '502' }, key: null });
    expect((await api({ path: '/v1/payment_intents/pi_x' })).status).toBe(502);
    expect((await api({ path: '/_sandbox/reset', form: {}, key: null })).status).toBe(200);
    expect(sandbox.control.paymentIntents()).toEqual([]);
    expect((await api({ path: '/_sandbox/nope', key: null })).status).toBe(404);
  });
});

describe('card sandbox options', () => {
  it('delivers at once with autoDeliverWebhooks and disputes at once with autoDispute', async () => {
    const receiver = await startReceiver();
    const sandbox = await startCardSandbox({
      apiKey: 'sk_test_other',
      webhook: { url: receiver.url, secret: SECRET },
      autoDeliverWebhooks: true,
      autoDispute: true,
    });
    try {
      const headers = { authorization: 'Bearer sk_test_other', 'content-type': 'application/x-www-form-urlencoded' };
      const res = await fetch(`${sandbox.url}/v1/payment_intents`, {
        method: 'POST',
        headers,
        body: new URLSearchParams({ amount: '1000', currency: 'eur', payment_method: 'pm_card_createDispute', confirm: 'true' }).toString(),
      });
      expect(res.status).toBe(200);
      // Auto delivery runs in the background; deliverWebhooks waits for it and finds nothing left.
      expect(await sandbox.control.deliverWebhooks()).toEqual({ delivered: 0, statuses: [] });
      expect(receiver.received.map((r) => (JSON.parse(r.body) as SandboxEvent).type)).toEqual(['payment_intent.succeeded', 'charge.dispute.created']);
    } finally {
      await sandbox.close();
      await receiver.close();
    }
  });

  it('keeps events queued while no webhook URL is set, and refuses nonsense switches', async () => {
    const receiver = await startReceiver();
    const sandbox = await startCardSandbox();
    try {
      expect(sandbox.apiKey).toBe('sk_test_sandbox');
      await fetch(`${sandbox.url}/v1/payment_intents`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk_test_sandbox' },
        body: new URLSearchParams({ amount: '1000', currency: 'eur', payment_method: 'pm_card_visa', confirm: 'true' }).toString(),
      });
      expect(await sandbox.control.deliverWebhooks()).toEqual({ delivered: 0, statuses: [] });
      sandbox.control.setWebhook({ url: receiver.url, secret: SECRET });
      expect(await sandbox.control.deliverWebhooks()).toEqual({ delivered: 1, statuses: [200] });
      expect(() => sandbox.control.dropNextWebhooks(-1)).toThrow(RangeError);
      expect(() => sandbox.control.failNextRequests({ count: 1, status: 200 })).toThrow(RangeError);
    } finally {
      await sandbox.close();
      await receiver.close();
    }
  });
});
