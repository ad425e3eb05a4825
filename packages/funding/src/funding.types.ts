import type { Transaction } from '@tollgate/db';
import type { Money } from '@tollgate/money';
import type { PaymentMethodKind, PaymentProvider } from '@tollgate/wallet';

export type PurchaseStatus = 'creating' | 'pending' | 'succeeded' | 'failed' | 'reversed';
export type PurchaseOrigin = 'manual' | 'auto_refill';

export interface PaymentMethod {
  id: string;
  accountId: string;
  providerId: string;
  kind: PaymentMethodKind;
  label: string;
  metadata: Record<string, string>;
  status: 'active' | 'removed';
  createdAt: Date;
}

export interface Purchase {
  id: string;
  accountId: string;
  amount: Money;
  paymentMethodId: string;
  providerId: string;
  providerPaymentId: string | null;
  origin: PurchaseOrigin;
  status: PurchaseStatus;
  /** Why it failed or was reversed: a SEPA R-code, a card decline code. */
  reason: string | null;
  /** The purchased credit lot, once the payment succeeded. */
  lotId: string | null;
  createdAt: Date;
  updatedAt: Date;
  settledAt: Date | null;
  /** Where the payer must go to finish the payment, when the provider needs it. */
  redirectUrl?: string;
}

export interface AutoRefillSettings {
  accountId: string;
  enabled: boolean;
  minimum: Money;
  pack: Money;
  paymentMethodId: string;
  maxPerPeriod: number;
  periodHours: number;
  pausedAt: Date | null;
  pausedReason: string | null;
}

export interface Refund {
  id: string;
  accountId: string;
  credits: Money;
  fee: Money;
  payout: Money;
  status: 'requested' | 'paid';
  refundTransactionId: string;
  feeTransactionId: string | null;
  requestedBy: string | null;
  createdAt: Date;
  paidAt: Date | null;
  payoutReference: string | null;
}

/** The payment providers the host's plugins registered. */
export interface PaymentProviderDirectory {
  get(id: string): PaymentProvider | undefined;
  list(): readonly PaymentProvider[];
}
export const PAYMENT_PROVIDERS = Symbol.for('tollgate.PaymentProviders');

/** E-mails the funding flows send (C-6); enqueued in the transaction that made the change. */
export type FundingNotice = 'purchase_succeeded' | 'refill_failed' | 'payment_reversed' | 'refund_processed';

export interface FundingNotifier {
  notify(input: { tx: Transaction; accountId: string; eventKey: string; template: FundingNotice; data: Record<string, unknown> }): Promise<void>;
}
export const FUNDING_NOTIFIER = Symbol.for('tollgate.FundingNotifier');
