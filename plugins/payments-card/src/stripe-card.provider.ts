import {
  ConflictError,
  TollgateError,
  UnavailableError,
  ValidationError,
  type Clock,
  type PluginDatabase,
  type Logger,
  type Money,
  type OneOffPayment,
  type OneOffPaymentInput,
  type PaymentEvent,
  type PaymentMethodKind,
  type PaymentMethodSetup,
  type PaymentProvider,
  type PaymentStatus,
} from '@tollgate/plugin-sdk';
import Stripe from 'stripe';
import { z } from 'zod';
import type { PaymentsCardOptions } from './options.js';

const cardDetails = z.strictObject({
  /** The processor's payment method id, made by its client-side library (or a test id such as pm_card_visa). */
  paymentMethod: z.string().regex(/^pm_[A-Za-z0-9_]+$/, 'must be a payment method id (pm_…)'),
});

const BRANDS: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
  diners: 'Diners Club',
  jcb: 'JCB',
  unionpay: 'UnionPay',
  cartes_bancaires: 'Cartes Bancaires',
};

type PaymentResult = { providerPaymentId: string; status: PaymentStatus; reason?: string; redirectUrl?: string };

/**
 * Which object a call names that the user chose: a `resource_missing` about it (the named `param`,
 * or a 404 without param for the id in the path) is the user's mistake, reported as `message`.
 */
interface CallContext {
  unknown?: { message: string; param: string; inPath: boolean };
}

const UNKNOWN_METHOD_IN_PATH: CallContext = { unknown: { message: 'unknown payment method', param: 'payment_method', inPath: true } };

/** Codes the processor answers for a request it cannot parse: the plugin sent it, so the plugin is wrong. */
const MALFORMED_REQUEST = new Set(['parameter_unknown', 'parameter_missing', 'parameter_invalid_integer', 'parameter_invalid_empty', 'parameters_exclusive']);

/**
 * The 'payments-card' payment provider: card top-ups through a Stripe-compatible processor
 * (the real one, or the card sandbox when `baseUrl` points at it). Payments are off-session
 * PaymentIntents on the account's processor customer; outcomes that come later arrive as webhooks.
 */
export class StripeCardProvider implements PaymentProvider {
  readonly id = 'payments-card';
  readonly label: string;
  readonly methods: readonly PaymentMethodKind[] = ['card'];
  readonly settlement = 'fast' as const;
  readonly #stripe: Stripe;
  readonly #webhookSecret: string;
  readonly #db: Pick<PluginDatabase, 'query'>;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;

  constructor(input: { options: PaymentsCardOptions; database: Pick<PluginDatabase, 'query'>; clock: Clock; logger?: Logger }) {
    const { options } = input;
    this.label = options.label;
    this.#webhookSecret = options.webhookSecret;
    this.#db = input.database;
    this.#clock = input.clock;
    this.#logger = input.logger;
    const base = options.baseUrl ? new URL(options.baseUrl) : undefined;
    this.#stripe = new Stripe(options.apiKey, {
      maxNetworkRetries: options.maxNetworkRetries,
      timeout: options.timeoutMs,
      telemetry: false,
      appInfo: { name: 'tollgate-payments-card' },
      ...(base
        ? {
            host: base.hostname.replace(/^\[(.*)\]$/, '$1'),
            port: base.port || (base.protocol === 'https:' ? 443 : 80),
            protocol: base.protocol === 'https:' ? 'https' : 'http',
          }
        : {}),
    });
  }

  async createPaymentMethod(input: {
    accountId: string;
    kind: PaymentMethodKind;
    details: Readonly<Record<string, unknown>>;
    idempotencyKey: string;
  }): Promise<PaymentMethodSetup> {
    if (input.kind !== 'card') {
      throw new ValidationError({
        message: `payments-card sets up cards only, not ${JSON.stringify(input.kind)}`,
        details: [{ path: 'kind', message: "must be 'card'" }],
      });
    }
    const parsed = cardDetails.safeParse(input.details);
    if (!parsed.success) {
      throw new ValidationError({
        message: 'Invalid card details',
        details: parsed.error.issues.map((issue) => ({ path: ['details', ...issue.path].join('.'), message: issue.message })),
      });
    }
    const { paymentMethod } = parsed.data;
    // Checked before the customer is made, so a bad id sets up nothing.
    await this.#call(() => this.#stripe.paymentMethods.retrieve(paymentMethod), UNKNOWN_METHOD_IN_PATH);
    const customerId = await this.#customerFor({ accountId: input.accountId });
    const attached = await this.#call(
      () => this.#stripe.paymentMethods.attach(paymentMethod, { customer: customerId }, { idempotencyKey: `payment-method:${input.idempotencyKey}` }),
      UNKNOWN_METHOD_IN_PATH,
    );
    const card = attached.card;
    if (!card) throw new ValidationError({ message: `payment method ${paymentMethod} is not a card` });
    const brand = BRANDS[card.brand] ?? card.display_brand ?? card.brand;
    return {
      providerMethodId: attached.id,
      kind: 'card',
      label: `${brand} •••• ${card.last4}`,
      // funding (credit, debit, prepaid, unknown) decides what a plan takes the card for (W-11: classic tops up by debit card only).
      metadata: {
        brand: card.brand,
        last4: card.last4,
        expMonth: String(card.exp_month),
        expYear: String(card.exp_year),
        customerId,
        funding: card.funding ?? 'unknown',
      },
    };
  }

  async removePaymentMethod(input: { accountId: string; providerMethodId: string }): Promise<void> {
    try {
      await this.#stripe.paymentMethods.detach(input.providerMethodId);
    } catch (error) {
      // Already gone, or already detached (a retried removal), is what the caller wanted.
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing' && error.statusCode === 404) return;
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode === 400 && (await this.#detached(input.providerMethodId))) return;
      throw this.#translate(error, UNKNOWN_METHOD_IN_PATH);
    }
  }

  /** The processor refuses to detach a card that is not attached; this tells that case from other refusals. */
  async #detached(paymentMethod: string): Promise<boolean> {
    try {
      return (await this.#stripe.paymentMethods.retrieve(paymentMethod)).customer === null;
    } catch {
      return false;
    }
  }

  async createPayment(input: {
    accountId: string;
    amount: Money;
    reference: string;
    description: string;
    idempotencyKey: string;
    providerMethodId: string;
  }): Promise<PaymentResult> {
    if (input.amount.currency !== 'EUR') throw new ValidationError({ message: `payments-card charges euros only, not ${input.amount.currency}` });
    const cents = input.amount.toCents();
    if (cents <= 0n || cents > BigInt(Number.MAX_SAFE_INTEGER)) throw new ValidationError({ message: `Cannot charge ${input.amount.toString()} EUR` });
    const customer = await this.#customerFor({ accountId: input.accountId });
    try {
      const intent = await this.#stripe.paymentIntents.create(
        {
          amount: Number(cents),
          currency: 'eur',
          customer,
          payment_method: input.providerMethodId,
          confirm: true,
          off_session: true,
          description: input.description,
          metadata: { reference: input.reference, accountId: input.accountId },
        },
        { idempotencyKey: input.idempotencyKey },
      );
      return paymentResult(intent);
    } catch (error) {
      // A decline is an answer, not a fault: the funding service records the failed purchase.
      if (error instanceof Stripe.errors.StripeCardError) {
        return {
          providerPaymentId: error.payment_intent?.id ?? `declined:${input.idempotencyKey}`,
          status: 'failed',
          reason: error.decline_code || error.code || 'card_declined',
        };
      }
      throw this.#translate(error, { unknown: { message: 'unknown payment method', param: 'payment_method', inPath: false } });
    }
  }

  /**
   * A one-off payment on the processor's hosted payment page (a Checkout Session in payment mode):
   * the payer picks the card there, 3-D Secure included, and comes back to `returnUrl`. Our
   * reference rides in the session's and its PaymentIntent's metadata, so every event about it
   * (completed, expired, disputed) carries it back.
   */
  async createOneOffPayment(input: OneOffPaymentInput): Promise<OneOffPayment> {
    if (input.currency !== 'EUR' || input.amount.currency !== 'EUR')
      throw new ValidationError({ message: `payments-card charges euros only, not ${input.currency}` });
    const cents = input.amount.toCents();
    if (cents <= 0n || cents > BigInt(Number.MAX_SAFE_INTEGER)) throw new ValidationError({ message: `Cannot charge ${input.amount.toString()} EUR` });
    const metadata = { reference: input.reference, accountId: input.accountId, kind: 'one_off' };
    const locale = input.locale && ['nl', 'fr', 'en', 'de'].includes(input.locale) ? (input.locale as 'nl' | 'fr' | 'en' | 'de') : undefined;
    const session = await this.#call(
      () =>
        this.#stripe.checkout.sessions.create(
          {
            mode: 'payment',
            line_items: [{ quantity: 1, price_data: { currency: 'eur', unit_amount: Number(cents), product_data: { name: input.description } } }],
            success_url: input.returnUrl,
            cancel_url: input.returnUrl,
            client_reference_id: input.reference,
            metadata,
            payment_intent_data: { description: input.description, metadata },
            ...(locale ? { locale } : {}),
          },
          { idempotencyKey: `one-off:${input.idempotencyKey}` },
        ),
      {},
    );
    return oneOffResult(session);
  }

  async getOneOffPayment(input: { accountId: string; providerPaymentId: string }): Promise<OneOffPayment> {
    const session = await this.#call(() => this.#stripe.checkout.sessions.retrieve(input.providerPaymentId), {
      unknown: { message: 'unknown payment', param: 'id', inPath: true },
    });
    return oneOffResult(session);
  }

  async parseWebhook(input: { headers: Readonly<Record<string, string | undefined>>; rawBody: Buffer }): Promise<PaymentEvent[]> {
    const signature = Object.entries(input.headers).find(([name]) => name.toLowerCase() === 'stripe-signature')?.[1];
    let event: Stripe.Event;
    try {
      // Age is measured on the host's clock, so a replay of an old delivery is refused there too.
      event = this.#stripe.webhooks.constructEvent(input.rawBody, signature ?? '', this.#webhookSecret, undefined, undefined, this.#clock.now().getTime());
    } catch (error) {
      const reason = ((error as Error).message ?? '').split('\n')[0];
      throw new TollgateError({ code: 'invalid_signature', status: 400, message: `payments-card: webhook signature rejected: ${reason}` });
    }
    const occurredAt = new Date(event.created * 1000);
    switch (event.type) {
      case 'payment_intent.succeeded':
        // A one-off payment is reported by its session (checkout.session.completed), under the session's id.
        if (event.data.object.metadata?.kind === 'one_off') return [];
        return [{ eventId: event.id, providerPaymentId: event.data.object.id, status: 'succeeded', occurredAt }];
      case 'payment_intent.payment_failed': {
        // A failed try on a hosted page is not the end: the payer may try another card.
        if (event.data.object.metadata?.kind === 'one_off') return [];
        const error = event.data.object.last_payment_error;
        const reason = error?.decline_code || error?.code || 'payment_failed';
        return [{ eventId: event.id, providerPaymentId: event.data.object.id, status: 'failed', reason, occurredAt }];
      }
      case 'checkout.session.completed': {
        const session = event.data.object;
        if (session.payment_status !== 'paid') return [];
        return [{ eventId: event.id, providerPaymentId: session.id, status: 'succeeded', ...referenceOf(session.metadata), occurredAt }];
      }
      case 'checkout.session.expired': {
        const session = event.data.object;
        return [{ eventId: event.id, providerPaymentId: session.id, status: 'failed', reason: 'expired', ...referenceOf(session.metadata), occurredAt }];
      }
      case 'charge.dispute.created': {
        const dispute = event.data.object;
        const paymentIntent = typeof dispute.payment_intent === 'string' ? dispute.payment_intent : dispute.payment_intent?.id;
        // A dispute on a charge made outside a PaymentIntent is not one of our payments.
        if (!paymentIntent) return [];
        // The dispute names the intent only; its metadata carries our reference (a one-off payment is
        // found by it). Read before anything is applied: when the processor is down the webhook fails and comes again.
        const intent = await this.#intentOrNull(paymentIntent);
        const reason = `dispute:${dispute.reason}`;
        return [{ eventId: event.id, providerPaymentId: paymentIntent, status: 'reversed', reason, ...referenceOf(intent?.metadata), occurredAt }];
      }
      default:
        return [];
    }
  }

  /** An intent, or null when the processor does not know it (not ours to look into). */
  async #intentOrNull(id: string): Promise<Stripe.PaymentIntent | null> {
    try {
      return await this.#stripe.paymentIntents.retrieve(id);
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing') return null;
      throw this.#translate(error, {});
    }
  }

  /** The account's processor customer, made once: the idempotency key makes racing hosts get the same one. */
  async #customerFor(input: { accountId: string }): Promise<string> {
    const found = await this.#storedCustomer(input);
    if (found) return found;
    const customer = await this.#call(
      () => this.#stripe.customers.create({ metadata: { accountId: input.accountId } }, { idempotencyKey: `customer:${input.accountId}` }),
      {},
    );
    await this.#db.query('INSERT INTO payments_card_customers (account_id, customer_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (account_id) DO NOTHING', [
      input.accountId,
      customer.id,
      this.#clock.now(),
    ]);
    return (await this.#storedCustomer(input))!;
  }

  async #storedCustomer(input: { accountId: string }): Promise<string | undefined> {
    const { rows } = await this.#db.query<{ customer_id: string }>('SELECT customer_id FROM payments_card_customers WHERE account_id = $1', [input.accountId]);
    return rows[0]?.customer_id;
  }

  async #call<T>(fn: () => Promise<T>, context: CallContext): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.#translate(error, context);
    }
  }

  /**
   * Processor errors as Tollgate errors: 400 for what the user chose (an unknown card, an amount under the
   * minimum), 503 for what may pass, 500 for a request the plugin should not have sent, 502 for the rest.
   */
  #translate(error: unknown, context: CallContext): TollgateError {
    const errors = Stripe.errors;
    if (error instanceof errors.StripeInvalidRequestError) {
      const unknown = context.unknown;
      if (
        error.code === 'resource_missing' &&
        unknown &&
        (error.param === unknown.param || (unknown.inPath && error.statusCode === 404 && error.param === undefined))
      ) {
        return new ValidationError({ message: unknown.message, details: { providerMessage: error.message }, cause: error });
      }
      if (error.code === 'amount_too_small' || error.code === 'amount_too_large') {
        return new ValidationError({ message: `The card processor refused the amount: ${error.message}`, details: { providerCode: error.code }, cause: error });
      }
      if (error.statusCode === 404 && error.code === undefined) {
        // "Unrecognized request URL": baseUrl is not (this version of) the processor's API; nothing the user did.
        this.#logger?.error({ err: error }, 'card processor does not serve the request: check baseUrl');
        return new TollgateError({
          code: 'payment_provider_error',
          status: 502,
          message: `The card processor does not serve this request (${error.message.split('.')[0]}); check the plugin's baseUrl`,
          cause: error,
        });
      }
      if (error.code !== undefined && MALFORMED_REQUEST.has(error.code)) {
        // Our request was malformed: a bug in this plugin, not the user's input.
        this.#logger?.error(
          { err: error, providerCode: error.code, param: error.param },
          'payments-card sent a request the card processor refuses (plugin bug)',
        );
        return new TollgateError({
          code: 'internal_error',
          status: 500,
          message: 'The card payment could not be made because of an internal error in the payments-card plugin',
          cause: error,
        });
      }
    }
    if (error instanceof errors.StripeIdempotencyError) {
      return new ConflictError({ message: 'The idempotency key was already used for a different request', cause: error });
    }
    if (
      error instanceof errors.StripeConnectionError ||
      error instanceof errors.StripeRateLimitError ||
      (error instanceof errors.StripeError && (error.statusCode ?? 0) >= 500)
    ) {
      this.#logger?.warn({ err: error }, 'card processor unavailable');
      return new UnavailableError({ message: 'The card processor is not available right now; try again later', cause: error });
    }
    if (error instanceof errors.StripeError) {
      this.#logger?.error({ err: error }, 'card processor refused a request');
      return new TollgateError({
        code: 'payment_provider_error',
        status: 502,
        message: `The card processor refused the request: ${error.message}`,
        cause: error,
      });
    }
    return error instanceof TollgateError
      ? error
      : new TollgateError({ code: 'payment_provider_error', status: 502, message: (error as Error).message, cause: error });
  }
}

function referenceOf(metadata: Stripe.Metadata | null | undefined): { reference?: string } {
  const reference = metadata?.reference;
  return typeof reference === 'string' && reference !== '' ? { reference } : {};
}

function oneOffResult(session: Stripe.Checkout.Session): OneOffPayment {
  if (session.status === 'complete' && session.payment_status !== 'unpaid') return { providerPaymentId: session.id, status: 'succeeded' };
  if (session.status === 'expired') return { providerPaymentId: session.id, status: 'failed', reason: 'expired' };
  return { providerPaymentId: session.id, status: 'pending', ...(session.url ? { redirectUrl: session.url } : {}) };
}

function paymentResult(intent: Stripe.PaymentIntent): PaymentResult {
  switch (intent.status) {
    case 'succeeded':
      return { providerPaymentId: intent.id, status: 'succeeded' };
    case 'processing':
    case 'requires_capture':
      return { providerPaymentId: intent.id, status: 'pending' };
    case 'requires_action':
      // Off-session there is nobody to authenticate: the account must pay on-session instead.
      return { providerPaymentId: intent.id, status: 'failed', reason: 'authentication_required' };
    default: {
      const error = intent.last_payment_error;
      return { providerPaymentId: intent.id, status: 'failed', reason: error?.decline_code || error?.code || intent.status };
    }
  }
}
