import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signWebhookPayload, startCardSandbox, type CardSandbox } from './index.js';

/**
 * The sandbox seen through the processor's official client (`stripe`), as the plugin sees it:
 * every call here is one a real account would answer the same way (issue 12).
 */
const SECRET = 'whsec_sdk_test';
const NOW = new Date('2026-01-15T09:00:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const UNRECOGNIZED = (method: string, path: string) =>
  `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`;

/** Catches what the SDK throws, so a test can look at all of it. */
async function failure(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected the processor to refuse the request');
}

describe('card sandbox through the official stripe SDK', () => {
  let sandbox: CardSandbox;
  let stripe: Stripe;
  const received: Array<{ body: string; signature: string }> = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['stripe-signature']) });
      res.writeHead(200).end();
    });
  });

  const customer = async () => (await stripe.customers.create({ email: 'ann@acme.test', metadata: { accountId: 'acc_1' } })).id;

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    sandbox = await startCardSandbox({ webhook: { url: hook, secret: SECRET }, now: () => NOW });
    stripe = new Stripe(sandbox.apiKey, { host: '127.0.0.1', port: new URL(sandbox.url).port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
  });
  afterEach(() => {
    sandbox.control.reset();
    received.length = 0;
  });
  afterAll(async () => {
    await sandbox?.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('creates, updates and confirms a PaymentIntent; the amount is fixed once it succeeded', async () => {
    const cus = await customer();
    const created = await stripe.paymentIntents.create({ amount: 1000, currency: 'eur', customer: cus, metadata: { reference: 'pur_1' } });
    expect(created).toMatchObject({ object: 'payment_intent', status: 'requires_payment_method', amount: 1000, customer: cus, canceled_at: null });

    const updated = await stripe.paymentIntents.update(created.id, { amount: 2000, payment_method: 'pm_card_visa', metadata: { reference: '', step: 'two' } });
    expect(updated).toMatchObject({ status: 'requires_confirmation', amount: 2000, payment_method: 'pm_card_visa', metadata: { step: 'two' } });

    const confirmed = await stripe.paymentIntents.confirm(created.id, { off_session: true }, { idempotencyKey: 'confirm-1' });
    expect(confirmed).toMatchObject({ status: 'succeeded', amount: 2000, amount_received: 2000, latest_charge: expect.stringMatching(/^ch_/) });
    // The same key answers the first result again, and charges once.
    expect(await stripe.paymentIntents.confirm(created.id, { off_session: true }, { idempotencyKey: 'confirm-1' })).toEqual(confirmed);
    expect(
      sandbox.control
        .requests()
        .filter((r) => r.idempotencyKey === 'confirm-1')
        .map((r) => r.replayed),
    ).toEqual([false, true]);
    expect(sandbox.control.events().map((e) => e.type)).toEqual(['payment_intent.succeeded']);

    const amountLater = await failure(stripe.paymentIntents.update(created.id, { amount: 3000 }));
    expect(amountLater).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(amountLater).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state', param: 'amount' });
    expect(amountLater.message).toContain('status of succeeded');
    // Description and metadata may still change after the payment.
    expect(await stripe.paymentIntents.update(created.id, { description: 'Top-up', metadata: { note: 'ok' } })).toMatchObject({
      amount: 2000,
      description: 'Top-up',
      metadata: { step: 'two', note: 'ok' },
    });
    expect(await failure(stripe.paymentIntents.confirm(created.id))).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
    // The 50-key limit counts the keys kept plus the new ones.
    const more = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'v']));
    expect(await failure(stripe.paymentIntents.update(created.id, { metadata: more }))).toMatchObject({ statusCode: 400, param: 'metadata' });
    expect((await stripe.paymentIntents.retrieve(created.id)).metadata).toEqual({ step: 'two', note: 'ok' });
  });

  it('confirms again after a decline, with another card', async () => {
    const intent = await stripe.paymentIntents.create({ amount: 1500, currency: 'eur', customer: await customer(), payment_method: 'pm_card_chargeDeclined' });
    const declined = await failure(stripe.paymentIntents.confirm(intent.id, { off_session: true }));
    expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(declined).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'generic_decline' });
    expect(await stripe.paymentIntents.retrieve(intent.id)).toMatchObject({
      status: 'requires_payment_method',
      payment_method: null,
      last_payment_error: { decline_code: 'generic_decline', payment_method: { id: 'pm_card_chargeDeclined' } },
    });
    // The declined card is not tried again by itself.
    expect(await failure(stripe.paymentIntents.confirm(intent.id))).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
    expect(await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_mastercard' })).toMatchObject({
      status: 'succeeded',
      payment_method: 'pm_card_mastercard',
      last_payment_error: null,
    });
    expect(sandbox.control.events().map((e) => e.type)).toEqual(['payment_intent.payment_failed', 'payment_intent.succeeded']);
  });

  it('cancels what is not paid yet (with a reason and an event) and refuses to cancel a succeeded intent', async () => {
    const cus = await customer();
    const action = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'eur',
      customer: cus,
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
    });
    expect(action).toMatchObject({ status: 'requires_action', next_action: { type: 'use_stripe_sdk' } });
    const canceled = await stripe.paymentIntents.cancel(action.id, { cancellation_reason: 'requested_by_customer' }, { idempotencyKey: 'cancel-1' });
    expect(canceled).toMatchObject({ status: 'canceled', canceled_at: NOW_SECONDS, cancellation_reason: 'requested_by_customer', next_action: null });
    expect(sandbox.control.events().map((e) => e.type)).toEqual(['payment_intent.canceled']);
    expect(await failure(stripe.paymentIntents.update(action.id, { metadata: { a: 'b' } }))).toMatchObject({ code: 'payment_intent_unexpected_state' });

    const paid = await stripe.paymentIntents.create({ amount: 1000, currency: 'eur', customer: cus, payment_method: 'pm_card_visa', confirm: true });
    const refused = await failure(stripe.paymentIntents.cancel(paid.id, {}, { idempotencyKey: 'cancel-2' }));
    expect(refused).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(refused).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
    expect(refused.raw).toMatchObject({ payment_intent: { id: paid.id, status: 'succeeded' } });
    // The refusal ran, so its key keeps it (a refused parameter would not be kept).
    expect(await failure(stripe.paymentIntents.cancel(paid.id, {}, { idempotencyKey: 'cancel-2' }))).toMatchObject({ code: 'payment_intent_unexpected_state' });
    expect(sandbox.control.requests().at(-1)).toMatchObject({ idempotencyKey: 'cancel-2', replayed: true });

    const reason = await failure(stripe.paymentIntents.cancel(paid.id, { cancellation_reason: 'bored' }));
    expect(reason).toMatchObject({ statusCode: 400, param: 'cancellation_reason' });
  });

  it('lists PaymentIntents newest first in pages the SDK auto-paginates, both ways', async () => {
    const [a, b] = [await customer(), await customer()];
    const ids: string[] = [];
    for (let i = 0; i < 25; i += 1) ids.push((await stripe.paymentIntents.create({ amount: 100 + i, currency: 'eur', customer: a })).id);
    for (let i = 0; i < 3; i += 1) await stripe.paymentIntents.create({ amount: 500, currency: 'eur', customer: b });
    const newestFirst = [...ids].reverse();

    const first = await stripe.paymentIntents.list({ customer: a });
    expect(first).toMatchObject({ object: 'list', has_more: true, url: '/v1/payment_intents' });
    expect(first.data.map((pi) => pi.id)).toEqual(newestFirst.slice(0, 10));

    const before = sandbox.control.requests().length;
    const all = await stripe.paymentIntents.list({ customer: a, limit: 10 }).autoPagingToArray({ limit: 100 });
    expect(all.map((pi) => pi.id)).toEqual(newestFirst);
    expect(
      sandbox.control
        .requests()
        .slice(before)
        .map((r) => [r.method, r.path, r.status]),
    ).toEqual([
      ['GET', '/v1/payment_intents', 200],
      ['GET', '/v1/payment_intents', 200],
      ['GET', '/v1/payment_intents', 200],
    ]);
    expect((await stripe.paymentIntents.list({ customer: a, limit: 100 }).autoPagingToArray({ limit: 7 })).length).toBe(7);
    // Backwards from the oldest: everything newer, nearest first.
    const back = await stripe.paymentIntents.list({ customer: a, ending_before: ids[0]!, limit: 4 }).autoPagingToArray({ limit: 100 });
    expect(back.map((pi) => pi.id)).toEqual(ids.slice(1));
    expect((await stripe.paymentIntents.list({ limit: 100 })).data).toHaveLength(28);
    expect((await stripe.paymentIntents.list({ customer: a, created: { gte: NOW_SECONDS, lte: NOW_SECONDS }, limit: 1 })).has_more).toBe(true);
    expect((await stripe.paymentIntents.list({ created: { gt: NOW_SECONDS } })).data).toEqual([]);

    const expanded = await stripe.paymentIntents.list({ customer: b, limit: 1, expand: ['data.customer'] });
    expect(expanded.data[0]!.customer).toMatchObject({ object: 'customer', id: b });

    expect(await failure(stripe.paymentIntents.list({ limit: 0 }))).toMatchObject({ statusCode: 400, param: 'limit' });
    expect(await failure(stripe.paymentIntents.list({ limit: 101 }))).toMatchObject({ statusCode: 400, param: 'limit' });
    expect(await failure(stripe.paymentIntents.list({ starting_after: 'pi_nope' }))).toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      param: 'starting_after',
    });
    expect(await failure(stripe.paymentIntents.list({ starting_after: ids[3]!, ending_before: ids[1]! }))).toMatchObject({ code: 'parameters_exclusive' });
  });

  it("lists a customer's cards, newest attachment first", async () => {
    const cus = await customer();
    await stripe.paymentMethods.attach('pm_card_visa', { customer: cus });
    await stripe.paymentMethods.attach('pm_card_mastercard', { customer: cus });
    const cards = await stripe.customers.listPaymentMethods(cus, { type: 'card' });
    expect(cards).toMatchObject({ object: 'list', has_more: false, url: `/v1/customers/${cus}/payment_methods` });
    expect(cards.data.map((pm) => [pm.id, pm.card?.last4, pm.customer])).toEqual([
      ['pm_card_mastercard', '4444', cus],
      ['pm_card_visa', '4242', cus],
    ]);
    await stripe.paymentMethods.detach('pm_card_visa');
    expect((await stripe.customers.listPaymentMethods(cus).autoPagingToArray({ limit: 10 })).map((pm) => pm.id)).toEqual(['pm_card_mastercard']);
    expect(await failure(stripe.customers.listPaymentMethods('cus_nope'))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  it('refuses unknown parameters (top level and nested) and values of the wrong type, as the processor does', async () => {
    const cus = await customer();
    const base = { amount: 1000, currency: 'eur', customer: cus };
    // @ts-expect-error: a parameter the API does not have
    const unknown = await failure(stripe.paymentIntents.create({ ...base, foo: 'bar' }, { idempotencyKey: 'strict-1' }));
    expect(unknown).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(unknown).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', code: 'parameter_unknown', param: 'foo' });
    expect(unknown.message).toBe('Received unknown parameter: foo');
    // Refused before it ran: the key is still free for the corrected request.
    expect((await stripe.paymentIntents.create(base, { idempotencyKey: 'strict-1' })).status).toBe('requires_payment_method');

    const raw = await failure(stripe.rawRequest('POST', '/v1/customers', { email: 'a@b.test', nickname: 'x' }));
    expect(raw).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'nickname' });
    // @ts-expect-error: an unknown key inside a typed hash
    const nested = await failure(stripe.paymentIntents.list({ created: { gt: 1, after: 2 } }));
    expect(nested).toMatchObject({ code: 'parameter_unknown', param: 'created[after]', message: 'Received unknown parameter: created[after]' });

    expect(await failure(stripe.paymentIntents.create({ ...base, amount: 10.5 }))).toMatchObject({
      code: 'parameter_invalid_integer',
      param: 'amount',
      message: 'Invalid integer: 10.5',
    });
    expect(await failure(stripe.paymentIntents.create({ ...base, currency: '' }))).toMatchObject({ code: 'parameter_invalid_empty', param: 'currency' });
    // @ts-expect-error: confirm is a boolean
    expect(await failure(stripe.paymentIntents.create({ ...base, confirm: 'yes' }))).toMatchObject({ statusCode: 400, param: 'confirm' });
    expect(await failure(stripe.rawRequest('POST', '/v1/payment_intents', { currency: 'eur' }))).toMatchObject({ code: 'parameter_missing', param: 'amount' });
    expect(await failure(stripe.paymentIntents.create({ ...base, expand: ['latest_charge'] }))).toMatchObject({
      statusCode: 400,
      message: 'This property cannot be expanded (latest_charge).',
    });

    // Metadata takes any keys, within the processor's limits.
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    expect(await failure(stripe.customers.create({ metadata: many }))).toMatchObject({ statusCode: 400, param: 'metadata' });
    expect(await failure(stripe.customers.create({ metadata: { ['k'.repeat(41)]: 'v' } }))).toMatchObject({ statusCode: 400 });
    expect(await failure(stripe.customers.create({ metadata: { note: 'v'.repeat(501) } }))).toMatchObject({ statusCode: 400, param: 'metadata[note]' });
    expect((await stripe.customers.create({ metadata: { ['k'.repeat(40)]: 'v'.repeat(500) } })).metadata).toHaveProperty('k'.repeat(40));
    expect(sandbox.control.customers()).toHaveLength(2);
  });

  it("answers unknown URLs and wrong methods with the processor's 404 (no code), unlike a missing object", async () => {
    const unknown = await failure(stripe.rawRequest('POST', '/v1/foo', {}));
    expect(unknown).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(unknown).toMatchObject({ statusCode: 404, code: undefined, param: undefined, message: UNRECOGNIZED('POST', '/v1/foo') });
    // A route of the API the sandbox does not implement is as unknown.
    const refund = await failure(stripe.refunds.create({ payment_intent: 'pi_x' }));
    expect(refund).toMatchObject({ statusCode: 404, code: undefined, message: UNRECOGNIZED('POST', '/v1/refunds') });
    const wrongMethod = await failure(stripe.rawRequest('GET', '/v1/payment_intents/pi_x/confirm'));
    expect(wrongMethod).toMatchObject({ statusCode: 404, code: undefined, message: UNRECOGNIZED('GET', '/v1/payment_intents/pi_x/confirm') });
    const gone = await failure(stripe.paymentIntents.retrieve('pi_nope'));
    expect(gone).toMatchObject({ statusCode: 404, code: 'resource_missing', message: "No such payment_intent: 'pi_nope'" });
  });

  it("signs webhooks the processor's way: constructEvent accepts them, generateTestHeaderString agrees", async () => {
    const intent = await stripe.paymentIntents.create({ amount: 1000, currency: 'eur', payment_method: 'pm_card_visa', confirm: true });
    await sandbox.control.deliverWebhooks();
    const [delivery] = received;
    const event = stripe.webhooks.constructEvent(delivery!.body, delivery!.signature, SECRET, undefined, undefined, NOW.getTime());
    expect(event).toMatchObject({ type: 'payment_intent.succeeded', created: NOW_SECONDS, data: { object: { id: intent.id, status: 'succeeded' } } });
    expect(delivery!.signature).toBe(stripe.webhooks.generateTestHeaderString({ payload: delivery!.body, secret: SECRET, timestamp: NOW_SECONDS }));
    expect(signWebhookPayload({ payload: '{"id":"evt_1"}', secret: SECRET, timestamp: 1_700_000_000 })).toBe(
      stripe.webhooks.generateTestHeaderString({ payload: '{"id":"evt_1"}', secret: SECRET, timestamp: 1_700_000_000 }),
    );
    expect(() => stripe.webhooks.constructEvent(delivery!.body, delivery!.signature, 'whsec_other', undefined, undefined, NOW.getTime())).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    // Five minutes and one second later the same delivery is too old.
    expect(() => stripe.webhooks.constructEvent(delivery!.body, delivery!.signature, SECRET, undefined, undefined, NOW.getTime() + 301_000)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });
});
