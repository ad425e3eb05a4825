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
  /** The saved method it was paid with; null for a pack paid on the provider's hosted page (`hosted`). */
  paymentMethodId: string | null;
  /** Paid on the provider's hosted page (a checkout, issue 21), not with a saved method. */
  hosted: boolean;
  providerId: string;
  providerPaymentId: string | null;
  origin: PurchaseOrigin;
  status: PurchaseStatus;
  /** Why it failed or was reversed: a SEPA R-code, a card decline code. */
  reason: string | null;
  /** The purchased credit lot, once the payment succeeded. */
  lotId: string | null;
  /** Channel ids or tags the purchased credit may pay for (sorted); null = general credit (Since API 2.8). */
  scope: string[] | null;
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

/** 'pack': buy the pack; 'target': one purchase that lifts the balance to the target (Since API 2.8). */
export type AutoRefillMode = 'pack' | 'target';

/** A monthly refill on a day of the month (1…28), in the account's time zone. */
export interface RefillSchedule {
  dayOfMonth: number;
}

export interface AutoRefillSettings {
  accountId: string;
  enabled: boolean;
  minimum: Money;
  mode: AutoRefillMode;
  /** The pack bought in 'pack' mode; null in 'target' mode when none was given. */
  pack: Money | null;
  /** The balance a 'target' refill tops up to; null in 'pack' mode. */
  target: Money | null;
  /** A monthly refill beside the threshold one; null when there is none. */
  schedule: RefillSchedule | null;
  /** When the next scheduled refill is due (in the past: overdue, the next sweep buys it); null without a schedule or when off. */
  nextScheduledAt: Date | null;
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

/**
 * Whether an auto-refill would pay for a use the balance cannot pay now (the quote asks). `refillAmount` is what
 * the refill would buy (null when none would be made); `reason` says why it would not cover, or 'covered'.
 */
export interface RefillCover {
  enabled: boolean;
  paused: boolean;
  wouldCover: boolean;
  refillAmount: Money | null;
  reason: RefillCoverReason;
}

/**
 * 'covered'; 'auto_refill_off' (none set, or turned off); a pause reason; 'refill_in_flight' (a refill is on its way
 * and none is started beside it: it covers when it is a fast one of enough); 'refill_too_small' (the refill buys
 * less than the shortfall); 'refill_not_immediate' (a slow method such as SEPA: the credit comes days later);
 * 'refill_not_awaited' (the host does not wait for refills: funding.refillWaitMs is 0).
 */
export type RefillCoverReason =
  'covered' | 'auto_refill_off' | AutoRefillPauseReason | 'refill_in_flight' | 'refill_too_small' | 'refill_not_immediate' | 'refill_not_awaited';

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
