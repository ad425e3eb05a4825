import type { Money } from '@tollgate/money';

export type PaymentMethodKind = 'sepa_direct_debit' | 'card';
export type PaymentStatus = 'pending' | 'succeeded' | 'failed' | 'reversed';

/**
 * Takes money from an account to top up its wallet (SEPA direct debit, card). One vendor per
 * plugin (Medusa-style); the funding service drives purchases and reacts to the events a provider
 * reports, through a webhook (`parseWebhook`) or by itself (`PaymentEventSink.report`).
 * Every call is idempotent by its `idempotencyKey`: the funding service retries with the same key.
 */
export interface PaymentProvider {
  /** Kebab-case, unique: 'payments-sepa', 'payments-card'. */
  readonly id: string;
  readonly label: string;
  readonly methods: readonly PaymentMethodKind[];
  /**
   * How fast a payment settles: 'fast' (card: seconds), 'slow' (SEPA: days). A charge may wait
   * for an in-flight 'fast' auto-refill, never for a 'slow' one.
   */
  readonly settlement: 'fast' | 'slow';

  /**
   * Sets up a payment method for an account: a SEPA mandate (details: iban, bic?, holder,
   * signatureDate?, mandateId?) or a card (details: paymentMethod, the processor's token).
   * Invalid details throw a ValidationError (400) and set up nothing.
   */
  createPaymentMethod(input: {
    accountId: string;
    kind: PaymentMethodKind;
    details: Readonly<Record<string, unknown>>;
    idempotencyKey: string;
  }): Promise<PaymentMethodSetup>;

  /** Cancels a mandate / detaches a card at the provider. Missing at the provider is not an error. */
  removePaymentMethod?(input: { accountId: string; providerMethodId: string }): Promise<void>;

  createPayment(input: {
    accountId: string;
    amount: Money;
    /** Our purchase id; shown on the bank statement / card descriptor where possible. */
    reference: string;
    description: string;
    idempotencyKey: string;
    providerMethodId: string;
  }): Promise<PaymentCreated>;

  /**
   * Optional: a one-off payment not tied to a saved method: an invoice paid from the host's payment link
   * page, or a pack bought on the hosted page (a checkout; reference = the purchase id). The payer goes to `redirectUrl` (the provider's hosted payment
   * page, 3-D Secure included) and comes back to `returnUrl`. Idempotent by `idempotencyKey`: the
   * same key answers the same payment. `reference` is ours and comes back on the provider's events
   * (PaymentEvent.reference), so the host can tell these payments from purchases.
   */
  createOneOffPayment?(input: OneOffPaymentInput): Promise<OneOffPayment>;

  /** Optional, with createOneOffPayment: the payment's state now, read at the provider. */
  getOneOffPayment?(input: { accountId: string; providerPaymentId: string }): Promise<OneOffPayment>;

  /** Verifies and parses a provider notification. Throws a ValidationError (400) on a bad signature. */
  parseWebhook?(input: { headers: Readonly<Record<string, string | undefined>>; rawBody: Buffer }): Promise<PaymentEvent[]>;
}

/** What `createPayment` answers. */
export interface PaymentCreated {
  providerPaymentId: string;
  status: PaymentStatus;
  reason?: string;
  redirectUrl?: string;
  /**
   * While `pending`: the UTC calendar day ('YYYY-MM-DD') the provider expects the money to settle
   * by its own rules (SEPA: collection date + its settlement window). Optional (added in API 2.1.0,
   * API 2.0.0 providers leave it out); the funding service stores it on the purchase.
   */
  expectedSettlementDate?: string;
}

/** What createOneOffPayment takes. */
export interface OneOffPaymentInput {
  accountId: string;
  amount: Money;
  /** ISO 4217, upper case; equal to amount.currency. */
  currency: string;
  /** Ours (e.g. the payment link attempt id); the provider reports it back on its events. */
  reference: string;
  /** What the payer sees, e.g. 'Invoice 2026 / 12'. */
  description: string;
  /** Where the payer comes back after paying, failing or giving up. */
  returnUrl: string;
  idempotencyKey: string;
  /** The payer's language for the provider's page (nl, fr, en, de), when the provider has one. */
  locale?: string;
}

/** A one-off payment as the provider sees it. */
export interface OneOffPayment {
  providerPaymentId: string;
  /** 'pending' until the payer pays (or while it settles); 'failed' when it can no longer be paid (expired). */
  status: PaymentStatus;
  reason?: string;
  /** While pending: where to send the payer. */
  redirectUrl?: string;
}

export interface PaymentMethodSetup {
  providerMethodId: string;
  kind: PaymentMethodKind;
  /** What the account sees: 'SEPA mandate TG-… (BE68 •••• 0497)', 'Visa •••• 4242'. */
  label: string;
  /** Provider facts worth showing or keeping: mandateId, signatureDate, ibanLast4, brand, expMonth… (strings). */
  metadata: Record<string, string>;
}

export interface PaymentEvent {
  /** Unique per event at the provider: replays are recognised by it. */
  eventId: string;
  providerPaymentId: string;
  status: PaymentStatus;
  /** Bank or processor reason, e.g. SEPA R-code 'MD06' or 'card_declined'. */
  reason?: string;
  /**
   * With status 'pending' (API 2.1.0, optional): the payment is still on its way and now expected on
   * this UTC day ('YYYY-MM-DD'), e.g. a SEPA collection moved to a later collection date.
   */
  expectedSettlementDate?: string;
  /**
   * Optional: the `reference` the payment was made with, when the provider reports it (one-off
   * payments: the host routes their events by it).
   */
  reference?: string;
  occurredAt: Date;
}

/** Where a provider reports what it learnt by itself (a bank return file, a settlement date passed). */
export interface PaymentEventSink {
  report(input: { providerId: string; events: readonly PaymentEvent[] }): Promise<{ accepted: number; duplicates: number }>;
}
