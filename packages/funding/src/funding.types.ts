import type { Transaction } from '@tollgate/db';
import type { Money } from '@tollgate/money';
import type { PlanRules } from '@tollgate/plans';
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
  /**
   * The UTC day ('YYYY-MM-DD') the provider expects the money (SEPA: collection date + its settlement
   * window); null when it settled at once or the provider gives no date.
   */
  expectedSettlementDate: string | null;
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
  /** Since when auto-refill has been paused; null when it is not. */
  pausedAt: Date | null;
  /** Why: 'refill_limit_reached' (resumes by itself at `resumesAt`), 'payment_declined', 'payment_method_removed', 'payment_method_not_in_plan' (until turned on again). */
  pausedReason: AutoRefillPauseReason | null;
  /** When a 'refill_limit_reached' pause ends by itself; null for pauses that need the account. */
  resumesAt: Date | null;
  /** Auto-refill attempts in the last `periodHours`: refills (in flight or paid; they count toward `maxPerPeriod`) and declined ones (they do not). */
  window: { since: Date; refills: number; declined: number };
  /** The most recent declined auto-refill, if any. */
  lastDecline: { purchaseId: string; reason: string | null; at: Date } | null;
}

/** 'payment_method_not_in_plan': the account moved to a plan that does not take the refill's method for auto-refills. */
export type AutoRefillPauseReason = 'refill_limit_reached' | 'payment_declined' | 'payment_method_removed' | 'payment_method_not_in_plan';

/** What the wallet has on its way: purchases paid for but not yet settled (not holds). */
export interface IncomingCredit {
  amount: Money;
  purchases: number;
  /** The earliest expected settlement day among them; null when none or no provider gave a date. */
  nextExpectedSettlementDate: string | null;
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
export type FundingNotice = 'purchase_succeeded' | 'refill_failed' | 'refill_limit_reached' | 'payment_reversed' | 'refund_processed';

export interface FundingNotifier {
  notify(input: { tx: Transaction; accountId: string; eventKey: string; template: FundingNotice; data: Record<string, unknown> }): Promise<void>;
}
export const FUNDING_NOTIFIER = Symbol.for('tollgate.FundingNotifier');

/**
 * The account's plan rules (W-11), which say which payment methods a purpose takes. The host
 * implements it from the account's plan; funding knows nothing of where plans come from.
 */
export interface FundingPlanRules {
  /** null: no such account (the other checks refuse it). */
  rulesFor(input: { accountId: string }): Promise<{ plan: string; label: string; rules: PlanRules } | null>;
}
export const FUNDING_PLAN_RULES = Symbol.for('tollgate.FundingPlanRules');

/** Without plans (a test, a tool) every method is taken for every purpose. */
export const NO_PLAN_RULES: FundingPlanRules = { rulesFor: () => Promise.resolve(null) };
