import type { Money } from '@tollgate/money';

export type PaymentMethodKind = 'sepa_direct_debit' | 'card';
export type PaymentStatus = 'pending' | 'succeeded' | 'failed' | 'reversed';

/**
 * Takes money from an account to top up its wallet (SEPA direct debit, card, sandbox).
 * One vendor per plugin; the wallet drives purchases and reacts to the events a provider reports.
 */
export interface PaymentProvider {
  /** Kebab-case, unique: 'payments-sepa', 'payments-card', 'payments-sandbox'. */
  readonly id: string;
  readonly label: string;
  readonly methods: readonly PaymentMethodKind[];

  createPayment(input: {
    accountId: string;
    amount: Money;
    /** Our purchase id; shown on the bank statement / card descriptor where possible. */
    reference: string;
    idempotencyKey: string;
    paymentMethodId?: string;
  }): Promise<{ providerPaymentId: string; status: PaymentStatus; redirectUrl?: string }>;

  /** Verifies and parses a provider notification. Throws on a bad signature. */
  parseWebhook?(input: { headers: Readonly<Record<string, string | undefined>>; rawBody: Buffer }): Promise<PaymentEvent[]>;
}

export interface PaymentEvent {
  /** Unique per event at the provider: replays are recognised by it. */
  eventId: string;
  providerPaymentId: string;
  status: PaymentStatus;
  /** Bank or processor reason, e.g. SEPA R-code 'MD06' or 'card_declined'. */
  reason?: string;
  occurredAt: Date;
}
