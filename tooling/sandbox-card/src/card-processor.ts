import { randomBytes } from 'node:crypto';
import { METADATA_LIMITS, rangeOf } from './params.js';
import { TEST_CARDS, type TestCard } from './test-cards.js';

/** The API version stamped on events (the one the stripe SDK v23 pins). */
export const SANDBOX_API_VERSION = '2026-10-28.endive';

/** The smallest euro charge the processor accepts, in cents. */
const MIN_AMOUNT = 50;

export interface StripeErrorBody {
  error: {
    type: 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error' | 'rate_limit_error';
    code?: string;
    decline_code?: string;
    message: string;
    param?: string;
    charge?: string;
    payment_intent?: SandboxPaymentIntent;
    payment_method?: SandboxPaymentMethod;
  };
}

/** An answer in the processor's error shape; the server sends `body` with `status`. */
export class StripeApiError extends Error {
  readonly status: number;
  readonly body: StripeErrorBody;
  /**
   * The request passed validation and ran (e.g. a state rule refused it): the processor keeps such
   * an answer for its Idempotency-Key, unlike a refused parameter.
   */
  readonly executed: boolean;

  constructor(input: { status: number; body: StripeErrorBody; executed?: boolean }) {
    super(input.body.error.message);
    this.status = input.status;
    this.body = input.body;
    this.executed = input.executed ?? false;
  }
}

/** One page of a list endpoint, in the processor's shape (newest first). */
export interface SandboxList<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

export interface SandboxCustomer {
  id: string;
  object: 'customer';
  created: number;
  email: string | null;
  name: string | null;
  description: string | null;
  metadata: Record<string, string>;
  livemode: false;
}

export interface SandboxPaymentMethod {
  id: string;
  object: 'payment_method';
  type: 'card';
  created: number;
  customer: string | null;
  card: { brand: string; display_brand: string; last4: string; exp_month: number; exp_year: number; country: string; funding: 'credit' | 'debit' | 'prepaid' };
  billing_details: { address: null; email: null; name: null; phone: null };
  metadata: Record<string, string>;
  livemode: false;
}

export interface PaymentError {
  type: 'card_error';
  code: string;
  decline_code?: string;
  message: string;
  payment_method?: SandboxPaymentMethod;
}

export type CancellationReason = 'duplicate' | 'fraudulent' | 'requested_by_customer' | 'abandoned';
export const CANCELLATION_REASONS: readonly CancellationReason[] = ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'];

export type PaymentIntentStatus = 'requires_payment_method' | 'requires_confirmation' | 'requires_action' | 'processing' | 'succeeded' | 'canceled';

export interface SandboxPaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  amount_capturable: 0;
  currency: string;
  customer: string | null;
  payment_method: string | null;
  payment_method_types: ['card'];
  status: PaymentIntentStatus;
  description: string | null;
  metadata: Record<string, string>;
  created: number;
  canceled_at: number | null;
  cancellation_reason: CancellationReason | null;
  capture_method: 'automatic';
  confirmation_method: 'automatic';
  client_secret: string;
  latest_charge: string | null;
  last_payment_error: PaymentError | null;
  next_action: { type: 'use_stripe_sdk' } | { type: 'redirect_to_url'; redirect_to_url: { url: string; return_url: string } } | null;
  livemode: false;
}

export interface SandboxDispute {
  id: string;
  object: 'dispute';
  amount: number;
  currency: string;
  charge: string;
  payment_intent: string;
  reason: string;
  status: 'needs_response';
  created: number;
  metadata: Record<string, string>;
  livemode: false;
}

/** A hosted payment page for one payment (mode 'payment'), as the processor's Checkout Session. */
export interface SandboxCheckoutSession {
  id: string;
  object: 'checkout.session';
  mode: 'payment';
  status: 'open' | 'complete' | 'expired';
  payment_status: 'unpaid' | 'paid';
  amount_subtotal: number;
  amount_total: number;
  currency: string;
  customer: string | null;
  customer_email: string | null;
  client_reference_id: string | null;
  locale: string | null;
  metadata: Record<string, string>;
  /** Made when the payer first pays (as the processor does), with payment_intent_data's description and metadata. */
  payment_intent: string | null;
  payment_intent_data: { description: string | null; metadata: Record<string, string> };
  success_url: string;
  cancel_url: string | null;
  /** The hosted page while open; null once complete or expired. */
  url: string | null;
  created: number;
  expires_at: number;
  livemode: false;
}

export type SandboxEventType =
  | 'payment_intent.succeeded'
  | 'payment_intent.payment_failed'
  | 'payment_intent.canceled'
  | 'charge.dispute.created'
  | 'checkout.session.completed'
  | 'checkout.session.expired';

export interface SandboxEvent {
  id: string;
  object: 'event';
  type: SandboxEventType;
  created: number;
  api_version: string;
  data: { object: SandboxPaymentIntent | SandboxDispute | SandboxCheckoutSession };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
}

/** The processor's stores, JSON-able: what a restart needs to go on where it stopped. */
export interface CardProcessorState {
  customers: SandboxCustomer[];
  /** [payment method id, customer id] */
  attachments: Array<[string, string]>;
  paymentIntents: SandboxPaymentIntent[];
  disputes: SandboxDispute[];
  events: SandboxEvent[];
  /** Absent in snapshots from before Checkout Sessions. */
  checkoutSessions?: SandboxCheckoutSession[];
}

/** Form fields after qs parsing: strings, nested objects, arrays. */
export type Params = Record<string, unknown>;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Random ids like the processor's ('pi_3Nq…', 24 characters after the prefix), so restarts never reuse one. */
export function newId(prefix: string): string {
  const bytes = randomBytes(24);
  let id = '';
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return `${prefix}_${id}`;
}

function invalid(input: { message: string; param?: string; code?: string; status?: number }): StripeApiError {
  return new StripeApiError({
    status: input.status ?? 400,
    body: {
      error: {
        type: 'invalid_request_error',
        message: input.message,
        ...(input.code ? { code: input.code } : {}),
        ...(input.param ? { param: input.param } : {}),
      },
    },
  });
}

function missing(input: { what: string; id: string; param?: string }): StripeApiError {
  // A reference in the parameters is a 400; an id in the path is a 404 (as the processor does).
  return invalid({
    message: `No such ${input.what}: '${input.id}'`,
    code: 'resource_missing',
    status: input.param ? 400 : 404,
    ...(input.param ? { param: input.param } : {}),
  });
}

function optionalString(params: Params, name: string): string | null {
  const value = params[name];
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string') throw invalid({ message: `Invalid string: ${name}`, param: name });
  return value;
}

function bool(params: Params, name: string): boolean {
  const value = params[name];
  if (value === undefined) return false;
  // off_session also takes 'one_off' / 'recurring', which mean true.
  if (value === 'true' || value === true || value === 'one_off' || value === 'recurring') return true;
  if (value === 'false' || value === false) return false;
  throw invalid({ message: `Invalid boolean: ${String(value)}`, param: name });
}

function metadataOf(params: Params): Record<string, string> {
  const value = params.metadata;
  if (value === undefined || value === '') return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid({ message: 'Invalid object', param: 'metadata' });
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw invalid({ message: `Invalid string: metadata[${key}]`, param: `metadata[${key}]` });
    // '' unsets a key.
    if (v !== '') out[key] = v;
  }
  return out;
}

const BRAND_NAMES: Record<string, string> = { visa: 'Visa', mastercard: 'Mastercard' };

/**
 * The processor's state and rules: customers, the test payment methods, payment intents,
 * disputes and the events they raise. No HTTP here (see card-sandbox.server.ts).
 */
export class CardProcessor {
  readonly #now: () => Date;
  readonly #onEvent: (event: SandboxEvent) => void;
  readonly #autoDispute: boolean;
  #customers = new Map<string, SandboxCustomer>();
  /** Which customer each test payment method is attached to (ids are kept as given). */
  #attachments = new Map<string, string>();
  #intents = new Map<string, SandboxPaymentIntent>();
  #disputes = new Map<string, SandboxDispute>();
  #sessions = new Map<string, SandboxCheckoutSession>();
  #events: SandboxEvent[] = [];
  /** Where the hosted pages are served (the server's address, known once it listens). */
  #hostedUrl: () => string;

  constructor(input: { now: () => Date; onEvent: (event: SandboxEvent) => void; autoDispute?: boolean; hostedUrl?: () => string }) {
    this.#now = input.now;
    this.#onEvent = input.onEvent;
    this.#autoDispute = input.autoDispute ?? false;
    this.#hostedUrl = input.hostedUrl ?? (() => 'http://sandbox.invalid');
  }

  #seconds(): number {
    return Math.floor(this.#now().getTime() / 1000);
  }

  /** The stores as plain JSON-able data (see CardSandboxState). */
  exportState(): CardProcessorState {
    return structuredClone({
      customers: [...this.#customers.values()],
      attachments: [...this.#attachments.entries()],
      paymentIntents: [...this.#intents.values()],
      disputes: [...this.#disputes.values()],
      events: this.#events,
      checkoutSessions: [...this.#sessions.values()],
    });
  }

  /** Replaces the stores with a snapshot from exportState(). */
  importState(state: CardProcessorState): void {
    const copy = structuredClone(state);
    this.#customers = new Map(copy.customers.map((c) => [c.id, c]));
    this.#attachments = new Map(copy.attachments);
    // Snapshots from before cancel existed lack its fields.
    this.#intents = new Map(
      copy.paymentIntents.map((i) => [i.id, { ...i, canceled_at: i.canceled_at ?? null, cancellation_reason: i.cancellation_reason ?? null }]),
    );
    this.#disputes = new Map(copy.disputes.map((d) => [d.id, d]));
    this.#sessions = new Map((copy.checkoutSessions ?? []).map((c) => [c.id, c]));
    this.#events = copy.events;
  }

  reset(): void {
    this.#customers = new Map();
    this.#attachments = new Map();
    this.#intents = new Map();
    this.#disputes = new Map();
    this.#sessions = new Map();
    this.#events = [];
  }

  createCustomer(params: Params): SandboxCustomer {
    const customer: SandboxCustomer = {
      id: newId('cus'),
      object: 'customer',
      created: this.#seconds(),
      email: optionalString(params, 'email'),
      name: optionalString(params, 'name'),
      description: optionalString(params, 'description'),
      metadata: metadataOf(params),
      livemode: false,
    };
    this.#customers.set(customer.id, customer);
    return customer;
  }

  getCustomer(input: { id: string; param?: string }): SandboxCustomer {
    const customer = this.#customers.get(input.id);
    if (!customer) throw missing({ what: 'customer', id: input.id, ...(input.param ? { param: input.param } : {}) });
    return customer;
  }

  customers(): SandboxCustomer[] {
    return [...this.#customers.values()];
  }

  #card(input: { id: string; param?: string }): TestCard {
    const card = Object.hasOwn(TEST_CARDS, input.id) ? TEST_CARDS[input.id] : undefined;
    if (!card) throw missing({ what: 'PaymentMethod', id: input.id, ...(input.param ? { param: input.param } : {}) });
    return card;
  }

  getPaymentMethod(input: { id: string; param?: string }): SandboxPaymentMethod {
    const card = this.#card(input);
    const now = this.#now();
    return {
      id: card.id,
      object: 'payment_method',
      type: 'card',
      created: Math.floor(now.getTime() / 1000),
      customer: this.#attachments.get(card.id) ?? null,
      card: {
        brand: card.brand,
        display_brand: BRAND_NAMES[card.brand] ?? card.brand,
        last4: card.last4,
        exp_month: 12,
        exp_year: now.getUTCFullYear() + 3,
        country: 'BE',
        funding: card.funding,
      },
      billing_details: { address: null, email: null, name: null, phone: null },
      metadata: {},
      livemode: false,
    };
  }

  attachPaymentMethod(input: { id: string; params: Params }): SandboxPaymentMethod {
    this.#card({ id: input.id });
    const customerId = optionalString(input.params, 'customer');
    if (!customerId) throw invalid({ message: 'Missing required param: customer.', code: 'parameter_missing', param: 'customer' });
    this.getCustomer({ id: customerId, param: 'customer' });
    this.#attachments.set(input.id, customerId);
    return this.getPaymentMethod({ id: input.id });
  }

  /** Detaching a method that is not attached is refused, as the processor refuses it. */
  detachPaymentMethod(input: { id: string }): SandboxPaymentMethod {
    this.#card({ id: input.id });
    if (!this.#attachments.has(input.id)) {
      throw invalid({ message: 'The payment method you provided is not attached to a customer so detachment is impossible.' });
    }
    this.#attachments.delete(input.id);
    return this.getPaymentMethod({ id: input.id });
  }

  createPaymentIntent(params: Params): SandboxPaymentIntent {
    const amountText = params.amount;
    if (amountText === undefined) throw invalid({ message: 'Missing required param: amount.', code: 'parameter_missing', param: 'amount' });
    if (typeof amountText !== 'string' || !/^\d+$/.test(amountText))
      throw invalid({ message: 'Invalid integer: amount', code: 'parameter_invalid_integer', param: 'amount' });
    const amount = Number(amountText);
    if (!Number.isSafeInteger(amount)) throw invalid({ message: 'Invalid integer: amount', code: 'parameter_invalid_integer', param: 'amount' });
    const currency = optionalString(params, 'currency');
    if (!currency) throw invalid({ message: 'Missing required param: currency.', code: 'parameter_missing', param: 'currency' });
    if (!/^[a-z]{3}$/.test(currency)) throw invalid({ message: `Invalid currency: ${currency}`, param: 'currency' });
    if (amount < MIN_AMOUNT) throw invalid({ message: `Amount must be at least €0.50 ${currency}`, code: 'amount_too_small', param: 'amount' });
    const customerId = optionalString(params, 'customer');
    if (customerId) this.getCustomer({ id: customerId, param: 'customer' });
    const paymentMethodId = optionalString(params, 'payment_method');
    if (paymentMethodId) this.#card({ id: paymentMethodId, param: 'payment_method' });
    const confirm = bool(params, 'confirm');
    const offSession = bool(params, 'off_session');
    if (offSession && !confirm) throw invalid({ message: 'off_session can only be used when confirm=true.', param: 'off_session' });
    if (confirm && !paymentMethodId) {
      throw invalid({ message: "You cannot confirm this PaymentIntent because it's missing a payment method.", code: 'payment_intent_unexpected_state' });
    }
    const id = newId('pi');
    const intent: SandboxPaymentIntent = {
      id,
      object: 'payment_intent',
      amount,
      amount_received: 0,
      amount_capturable: 0,
      currency,
      customer: customerId,
      payment_method: paymentMethodId,
      payment_method_types: ['card'],
      status: paymentMethodId ? 'requires_confirmation' : 'requires_payment_method',
      description: optionalString(params, 'description'),
      metadata: metadataOf(params),
      created: this.#seconds(),
      canceled_at: null,
      cancellation_reason: null,
      capture_method: 'automatic',
      confirmation_method: 'automatic',
      client_secret: `${id}_secret_${newId('s').slice(2, 18)}`,
      latest_charge: null,
      last_payment_error: null,
      next_action: null,
      livemode: false,
    };
    this.#intents.set(id, intent);
    if (confirm) this.#confirm({ intent, card: this.#card({ id: paymentMethodId! }), offSession });
    return intent;
  }

  #confirm(input: { intent: SandboxPaymentIntent; card: TestCard; offSession: boolean }): void {
    const { intent, card } = input;
    intent.latest_charge = newId('ch');
    switch (card.behaviour) {
      case 'succeed':
      case 'dispute':
        this.#succeed(intent);
        if (card.behaviour === 'dispute' && this.#autoDispute) this.dispute({ paymentIntentId: intent.id });
        return;
      case 'processing':
        intent.status = 'processing';
        return;
      case 'authenticate':
        if (!input.offSession) {
          intent.status = 'requires_action';
          intent.next_action = { type: 'use_stripe_sdk' };
          return;
        }
        this.#decline({
          intent,
          code: 'authentication_required',
          declineCode: 'authentication_required',
          message: 'Your card was declined. This transaction requires authentication.',
        });
        return;
      case 'decline':
        this.#decline({ intent, code: 'card_declined', declineCode: card.declineCode ?? 'generic_decline', message: declineMessage(card.declineCode) });
        return;
    }
  }

  #succeed(intent: SandboxPaymentIntent): void {
    intent.status = 'succeeded';
    intent.amount_received = intent.amount;
    intent.next_action = null;
    this.#emit({ type: 'payment_intent.succeeded', object: intent });
    // The intent of a hosted page: the session completes with it (also after 3-D Secure or settle()).
    const session = [...this.#sessions.values()].find((s) => s.payment_intent === intent.id && s.status === 'open');
    if (session) {
      session.status = 'complete';
      session.payment_status = 'paid';
      session.url = null;
      this.#emit({ type: 'checkout.session.completed', object: session });
    }
  }

  /** Records the failure and raises payment_failed, then throws the 402 the API answers. */
  #decline(input: { intent: SandboxPaymentIntent; code: string; declineCode: string; message: string }): never {
    const { intent } = input;
    const paymentMethod = this.getPaymentMethod({ id: intent.payment_method! });
    intent.status = 'requires_payment_method';
    // As the processor does: the failed method is only in last_payment_error, so a new confirm needs a method.
    intent.payment_method = null;
    intent.last_payment_error = {
      type: 'card_error',
      code: input.code,
      decline_code: input.declineCode,
      message: input.message,
      payment_method: paymentMethod,
    };
    this.#emit({ type: 'payment_intent.payment_failed', object: intent });
    throw new StripeApiError({
      status: 402,
      body: {
        error: {
          type: 'card_error',
          code: input.code,
          decline_code: input.declineCode,
          message: input.message,
          charge: intent.latest_charge!,
          payment_intent: structuredClone(intent),
          payment_method: paymentMethod,
        },
      },
    });
  }

  getPaymentIntent(input: { id: string }): SandboxPaymentIntent {
    const intent = this.#intents.get(input.id);
    if (!intent) throw missing({ what: 'payment_intent', id: input.id });
    return intent;
  }

  /**
   * POST /v1/payment_intents/:id/confirm: tries the payment with the intent's (or the given) payment method.
   * Only requires_payment_method (with a method), requires_confirmation and requires_action may be confirmed.
   */
  confirmPaymentIntent(input: { id: string; params: Params }): SandboxPaymentIntent {
    const intent = this.getPaymentIntent({ id: input.id });
    if (!CONFIRMABLE.includes(intent.status)) {
      throw unexpectedState({
        intent,
        message: `You cannot confirm this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ${CONFIRMABLE.join(', ')}.`,
      });
    }
    const paymentMethodId = optionalString(input.params, 'payment_method');
    if (paymentMethodId) this.#card({ id: paymentMethodId, param: 'payment_method' });
    const methodId = paymentMethodId ?? intent.payment_method;
    if (!methodId) {
      throw unexpectedState({
        intent,
        message:
          "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
      });
    }
    intent.payment_method = methodId;
    intent.last_payment_error = null;
    intent.next_action = null;
    this.#confirm({ intent, card: this.#card({ id: methodId }), offSession: bool(input.params, 'off_session') });
    return intent;
  }

  /**
   * POST /v1/payment_intents/:id: description and metadata may change until the intent is canceled;
   * amount, currency, customer and payment method only before the payment is attempted for good
   * (requires_payment_method, requires_confirmation, requires_action).
   */
  updatePaymentIntent(input: { id: string; params: Params }): SandboxPaymentIntent {
    const { params } = input;
    const intent = this.getPaymentIntent({ id: input.id });
    if (intent.status === 'canceled') {
      throw unexpectedState({
        intent,
        message: `You cannot update this PaymentIntent because it has a status of canceled. You may only update a PaymentIntent that is not canceled.`,
      });
    }
    const payment = (['amount', 'currency', 'customer', 'payment_method'] as const).filter((name) => params[name] !== undefined);
    if (payment.length > 0 && !CONFIRMABLE.includes(intent.status)) {
      const field = payment[0]!;
      throw unexpectedState({
        intent,
        param: field,
        message: `This PaymentIntent's ${field} could not be updated because it has a status of ${intent.status}. You may only update the ${field} of a PaymentIntent with one of the following statuses: ${CONFIRMABLE.join(', ')}.`,
      });
    }
    // Everything is checked before anything changes: a refused update leaves the intent as it was.
    const next = structuredClone(intent);
    if (params.amount !== undefined) next.amount = Number(params.amount);
    const currency = optionalString(params, 'currency');
    if (currency) {
      if (!/^[a-z]{3}$/.test(currency)) throw invalid({ message: `Invalid currency: ${currency}`, param: 'currency' });
      next.currency = currency;
    }
    if (next.amount < MIN_AMOUNT) throw invalid({ message: `Amount must be at least €0.50 ${next.currency}`, code: 'amount_too_small', param: 'amount' });
    const customerId = optionalString(params, 'customer');
    if (customerId) {
      this.getCustomer({ id: customerId, param: 'customer' });
      if (intent.customer && intent.customer !== customerId) {
        throw invalid({ message: 'You cannot change the customer of a PaymentIntent that already has one.', param: 'customer' });
      }
      next.customer = customerId;
    }
    const paymentMethodId = optionalString(params, 'payment_method');
    if (paymentMethodId) {
      this.#card({ id: paymentMethodId, param: 'payment_method' });
      next.payment_method = paymentMethodId;
    }
    if (params.description !== undefined) next.description = optionalString(params, 'description');
    if (params.metadata === '') next.metadata = {};
    else if (params.metadata !== undefined) {
      for (const [key, value] of Object.entries(params.metadata as Record<string, string>)) {
        if (value === '') delete next.metadata[key];
        else next.metadata[key] = value;
      }
    }
    if (Object.keys(next.metadata).length > METADATA_LIMITS.keys) {
      throw invalid({ message: `Invalid metadata: metadata can have at most ${METADATA_LIMITS.keys} keys.`, param: 'metadata' });
    }
    // A changed payment needs a new confirmation (the pending authentication no longer applies).
    if (payment.length > 0 && next.payment_method) {
      next.status = 'requires_confirmation';
      next.next_action = null;
    }
    Object.assign(intent, next);
    return intent;
  }

  /** POST /v1/payment_intents/:id/cancel: only before the payment is attempted for good; raises payment_intent.canceled. */
  cancelPaymentIntent(input: { id: string; params: Params }): SandboxPaymentIntent {
    const intent = this.getPaymentIntent({ id: input.id });
    if (!CANCELABLE.includes(intent.status)) {
      throw unexpectedState({
        intent,
        message: `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`,
      });
    }
    intent.status = 'canceled';
    intent.canceled_at = this.#seconds();
    intent.cancellation_reason = (optionalString(input.params, 'cancellation_reason') as CancellationReason | null) ?? null;
    intent.next_action = null;
    this.#emit({ type: 'payment_intent.canceled', object: intent });
    return intent;
  }

  /** GET /v1/payment_intents: newest first, filtered by `customer` and `created`, paged by cursor. */
  listPaymentIntents(params: Params): SandboxList<SandboxPaymentIntent> {
    const customerId = optionalString(params, 'customer');
    if (customerId) this.getCustomer({ id: customerId, param: 'customer' });
    const created = rangeOf(params.created);
    const matches = [...this.#intents.values()]
      .reverse()
      .filter((intent) => (customerId ? intent.customer === customerId : true))
      .filter((intent) => inRange(intent.created, created));
    return page({ items: matches, params, url: '/v1/payment_intents', what: 'payment_intent' });
  }

  /** GET /v1/customers/:id/payment_methods: the cards attached to the customer, newest first. */
  listCustomerPaymentMethods(input: { id: string; params: Params }): SandboxList<SandboxPaymentMethod> {
    this.getCustomer({ id: input.id });
    const methods = [...this.#attachments.entries()]
      .filter(([, customerId]) => customerId === input.id)
      .map(([id]) => this.getPaymentMethod({ id }))
      .reverse();
    return page({ items: methods, params: input.params, url: `/v1/customers/${input.id}/payment_methods`, what: 'PaymentMethod' });
  }

  /**
   * Replaces ids by their objects for `expand[]` paths (`data.` inside a list). Each route says what it
   * can expand; any other path is refused, as the processor refuses a property that cannot be expanded.
   */
  expand(input: { object: unknown; paths: readonly string[]; allowed: readonly string[] }): unknown {
    if (input.paths.length === 0) return input.object;
    for (const path of input.paths) {
      if (!input.allowed.includes(path)) throw invalid({ message: `This property cannot be expanded (${path}).` });
    }
    const copy = structuredClone(input.object) as Record<string, unknown>;
    for (const path of input.paths) {
      const inList = path.startsWith('data.');
      const field = inList ? path.slice('data.'.length) : path;
      const targets = inList ? (copy.data as Array<Record<string, unknown>>) : [copy];
      for (const target of targets) {
        const id = target[field];
        if (typeof id === 'string')
          target[field] =
            field === 'customer' ? this.getCustomer({ id }) : field === 'payment_intent' ? this.getPaymentIntent({ id }) : this.getPaymentMethod({ id });
      }
    }
    return copy;
  }

  paymentIntents(): SandboxPaymentIntent[] {
    return [...this.#intents.values()].map((intent) => structuredClone(intent));
  }

  /** Ends a `processing` intent (pm_card_processing): succeeded, or failed with a decline code. */
  settle(input: { paymentIntentId: string; outcome: 'succeeded' | 'failed'; declineCode?: string }): SandboxPaymentIntent {
    const intent = this.getPaymentIntent({ id: input.paymentIntentId });
    if (intent.status !== 'processing') {
      throw invalid({
        message: `PaymentIntent ${intent.id} is ${intent.status}, only a processing one can be settled.`,
        code: 'payment_intent_unexpected_state',
      });
    }
    if (input.outcome === 'succeeded') {
      this.#succeed(intent);
    } else {
      try {
        this.#decline({ intent, code: 'card_declined', declineCode: input.declineCode ?? 'generic_decline', message: declineMessage(input.declineCode) });
      } catch (error) {
        if (!(error instanceof StripeApiError) || error.status !== 402) throw error;
      }
    }
    return structuredClone(intent);
  }

  /** Opens a dispute on a succeeded intent and raises charge.dispute.created. */
  dispute(input: { paymentIntentId: string; reason?: string }): SandboxDispute {
    const intent = this.getPaymentIntent({ id: input.paymentIntentId });
    if (intent.status !== 'succeeded') {
      throw invalid({
        message: `PaymentIntent ${intent.id} is ${intent.status}, only a succeeded one can be disputed.`,
        code: 'payment_intent_unexpected_state',
      });
    }
    const dispute: SandboxDispute = {
      id: newId('dp'),
      object: 'dispute',
      amount: intent.amount,
      currency: intent.currency,
      charge: intent.latest_charge!,
      payment_intent: intent.id,
      reason: input.reason ?? 'fraudulent',
      status: 'needs_response',
      created: this.#seconds(),
      metadata: {},
      livemode: false,
    };
    this.#disputes.set(dispute.id, dispute);
    this.#emit({ type: 'charge.dispute.created', object: dispute });
    return dispute;
  }

  events(): SandboxEvent[] {
    return this.#events.map((event) => structuredClone(event));
  }

  /** POST /v1/checkout/sessions (mode payment, one or more line items with price_data). */
  createCheckoutSession(params: Params): SandboxCheckoutSession {
    const items = (params.line_items as Array<Record<string, unknown>> | undefined) ?? [];
    if (items.length === 0) throw invalid({ message: 'Missing required param: line_items.', code: 'parameter_missing', param: 'line_items' });
    let total = 0;
    let currency: string | undefined;
    for (const [i, item] of items.entries()) {
      const price = item.price_data as Record<string, unknown> | undefined;
      if (!price)
        throw invalid({ message: `Missing required param: line_items[${i}][price_data].`, code: 'parameter_missing', param: `line_items[${i}][price_data]` });
      const itemCurrency = String(price.currency);
      if (currency && itemCurrency !== currency)
        throw invalid({ message: 'All line items must have the same currency.', param: `line_items[${i}][price_data][currency]` });
      currency = itemCurrency;
      total += Number(price.unit_amount ?? 0) * Number(item.quantity);
    }
    if (!/^[a-z]{3}$/.test(currency!)) throw invalid({ message: `Invalid currency: ${currency}`, param: 'line_items[0][price_data][currency]' });
    if (total < MIN_AMOUNT) throw invalid({ message: `Amount must be at least €0.50 ${currency}`, code: 'amount_too_small', param: 'line_items' });
    const customerId = optionalString(params, 'customer');
    if (customerId) this.getCustomer({ id: customerId, param: 'customer' });
    const intentData = (params.payment_intent_data as Params | undefined) ?? {};
    const id = newId('cs_test');
    const created = this.#seconds();
    const expiresAt = params.expires_at === undefined ? created + 24 * 3600 : Number(params.expires_at);
    if (expiresAt < created + 30 * 60 || expiresAt > created + 24 * 3600) {
      throw invalid({ message: 'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.', param: 'expires_at' });
    }
    const session: SandboxCheckoutSession = {
      id,
      object: 'checkout.session',
      mode: 'payment',
      status: 'open',
      payment_status: 'unpaid',
      amount_subtotal: total,
      amount_total: total,
      currency: currency!,
      customer: customerId,
      customer_email: optionalString(params, 'customer_email'),
      client_reference_id: optionalString(params, 'client_reference_id'),
      locale: optionalString(params, 'locale'),
      metadata: metadataOf(params),
      payment_intent: null,
      payment_intent_data: { description: optionalString(intentData, 'description'), metadata: metadataOf(intentData) },
      success_url: String(params.success_url),
      cancel_url: optionalString(params, 'cancel_url'),
      url: `${this.#hostedUrl()}/c/pay/${id}`,
      created,
      expires_at: expiresAt,
      livemode: false,
    };
    this.#sessions.set(id, session);
    return session;
  }

  getCheckoutSession(input: { id: string }): SandboxCheckoutSession {
    const session = this.#sessions.get(input.id);
    if (!session) throw missing({ what: 'checkout.session', id: input.id });
    if (session.status === 'open' && session.expires_at <= this.#seconds()) this.#expire(session);
    return session;
  }

  /** POST /v1/checkout/sessions/:id/expire: only an open session; its intent (if any, and not paid) is canceled. */
  expireCheckoutSession(input: { id: string }): SandboxCheckoutSession {
    const session = this.getCheckoutSession(input);
    if (session.status !== 'open') {
      throw invalid({ message: `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".` });
    }
    this.#expire(session);
    return session;
  }

  #expire(session: SandboxCheckoutSession): void {
    const intent = session.payment_intent ? this.#intents.get(session.payment_intent) : undefined;
    if (intent && CANCELABLE.includes(intent.status)) this.cancelPaymentIntent({ id: intent.id, params: {} });
    session.status = 'expired';
    session.url = null;
    this.#emit({ type: 'checkout.session.expired', object: session });
  }

  /**
   * The payer pays on the hosted page with a test card, on-session: 'succeeded', 'requires_action'
   * (3-D Secure: the challenge page comes next), 'processing', or 'declined' with the message shown.
   */
  payCheckoutSession(input: { id: string; paymentMethod: string }): { outcome: 'succeeded' | 'requires_action' | 'processing' | 'declined'; message?: string } {
    const session = this.getCheckoutSession({ id: input.id });
    if (session.status !== 'open') return { outcome: 'declined', message: `This payment page is ${session.status}.` };
    const card = Object.hasOwn(TEST_CARDS, input.paymentMethod) ? TEST_CARDS[input.paymentMethod] : undefined;
    if (!card) return { outcome: 'declined', message: 'Choose a test card.' };
    let intent = session.payment_intent ? this.getPaymentIntent({ id: session.payment_intent }) : undefined;
    if (intent && !CONFIRMABLE.includes(intent.status))
      return { outcome: intent.status === 'processing' ? 'processing' : 'declined', message: `The payment is ${intent.status}.` };
    if (!intent) {
      intent = this.createPaymentIntent({
        amount: String(session.amount_total),
        currency: session.currency,
        ...(session.customer ? { customer: session.customer } : {}),
        ...(session.payment_intent_data.description ? { description: session.payment_intent_data.description } : {}),
        metadata: session.payment_intent_data.metadata,
      });
      session.payment_intent = intent.id;
    }
    intent.payment_method = card.id;
    intent.last_payment_error = null;
    try {
      this.#confirm({ intent, card, offSession: false });
    } catch (error) {
      if (error instanceof StripeApiError && error.status === 402) return { outcome: 'declined', message: error.body.error.message };
      throw error;
    }
    if (intent.status === 'requires_action') {
      // What a browser flow gets: a redirect to the bank's 3-D Secure page.
      intent.next_action = {
        type: 'redirect_to_url',
        redirect_to_url: { url: `${this.#hostedUrl()}/c/pay/${session.id}/3ds`, return_url: session.success_url },
      };
      return { outcome: 'requires_action' };
    }
    return { outcome: intent.status === 'succeeded' ? 'succeeded' : 'processing' };
  }

  /** The payer's answer on the 3-D Secure page: 'complete' pays, 'fail' declines (the page may be tried again). */
  authenticateCheckoutSession(input: { id: string; outcome: 'complete' | 'fail' }): { outcome: 'succeeded' | 'declined'; message?: string } {
    const session = this.getCheckoutSession({ id: input.id });
    const intent = session.payment_intent ? this.getPaymentIntent({ id: session.payment_intent }) : undefined;
    if (!intent || intent.status !== 'requires_action') return { outcome: 'declined', message: 'Nothing to authenticate.' };
    if (input.outcome === 'complete') {
      this.#succeed(intent);
      return { outcome: 'succeeded' };
    }
    try {
      this.#decline({
        intent,
        code: 'payment_intent_authentication_failure',
        declineCode: 'authentication_failed',
        message: 'We are unable to authenticate your payment method. Please choose a different payment method and try again.',
      });
    } catch (error) {
      if (error instanceof StripeApiError && error.status === 402) return { outcome: 'declined', message: error.body.error.message };
      throw error;
    }
  }

  checkoutSessions(): SandboxCheckoutSession[] {
    return [...this.#sessions.values()].map((session) => structuredClone(session));
  }

  #emit(input: { type: SandboxEventType; object: SandboxPaymentIntent | SandboxDispute | SandboxCheckoutSession }): void {
    const event: SandboxEvent = {
      id: newId('evt'),
      object: 'event',
      type: input.type,
      created: this.#seconds(),
      api_version: SANDBOX_API_VERSION,
      // A snapshot: later changes to the intent do not rewrite what was sent.
      data: { object: structuredClone(input.object) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
    };
    this.#events.push(event);
    this.#onEvent(structuredClone(event));
  }
}

const CONFIRMABLE: readonly PaymentIntentStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
const CANCELABLE: readonly PaymentIntentStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

/** A state rule refused a request that ran: a 400 with the intent, kept for its Idempotency-Key. */
function unexpectedState(input: { intent: SandboxPaymentIntent; message: string; param?: string }): StripeApiError {
  return new StripeApiError({
    status: 400,
    executed: true,
    body: {
      error: {
        type: 'invalid_request_error',
        code: 'payment_intent_unexpected_state',
        message: input.message,
        ...(input.param ? { param: input.param } : {}),
        payment_intent: structuredClone(input.intent),
      },
    },
  });
}

function inRange(value: number, range: ReturnType<typeof rangeOf>): boolean {
  if (!range) return true;
  return (
    (range.gt === undefined || value > range.gt) &&
    (range.gte === undefined || value >= range.gte) &&
    (range.lt === undefined || value < range.lt) &&
    (range.lte === undefined || value <= range.lte)
  );
}

/** A cursor page of `items` (already newest first): `limit` 1–100 (default 10), `starting_after` or `ending_before`. */
function page<T extends { id: string }>(input: { items: T[]; params: Params; url: string; what: string }): SandboxList<T> {
  const { items, params } = input;
  const limit = params.limit === undefined ? 10 : Number(params.limit);
  const after = optionalString(params, 'starting_after');
  const before = optionalString(params, 'ending_before');
  if (after && before) {
    throw invalid({
      message: 'You may only specify one of these parameters: starting_after, ending_before.',
      code: 'parameters_exclusive',
      param: 'ending_before',
    });
  }
  const cursor = after ?? before;
  const at = cursor ? items.findIndex((item) => item.id === cursor) : -1;
  if (cursor && at < 0) throw missing({ what: input.what, id: cursor, param: after ? 'starting_after' : 'ending_before' });
  let data: T[];
  let hasMore: boolean;
  if (before) {
    // The page just before the cursor, still newest first.
    data = items.slice(Math.max(0, at - limit), at);
    hasMore = at - limit > 0;
  } else {
    const start = after ? at + 1 : 0;
    data = items.slice(start, start + limit);
    hasMore = start + limit < items.length;
  }
  return { object: 'list', data: data.map((item) => structuredClone(item)), has_more: hasMore, url: input.url };
}

function declineMessage(declineCode: string | undefined): string {
  return declineCode === 'insufficient_funds' ? 'Your card has insufficient funds.' : 'Your card was declined.';
}
