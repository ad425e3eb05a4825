import type { Money } from '@tollgate/money';

/*
 * What the wallet gives back to a plugin. Amounts are `Money` (exact decimals), times are `Date`;
 * ids are strings. The HTTP API shows the same objects with amounts as decimal strings.
 */

export const LOT_KINDS = ['trial', 'promo', 'referral', 'purchased'] as const;
/** Kinds of credit, in the order they are spent (trial/promo before referral before purchased). */
export type LotKind = (typeof LOT_KINDS)[number];

/** Which lot paid how much of a move (W-4). */
export interface LotShare {
  lotId: string;
  kind: LotKind;
  amount: Money;
}

export interface Balance {
  accountId: string;
  currency: 'EUR';
  /** What can be spent now. */
  available: Money;
  /** Reserved by pending holds. */
  pending: Money;
  /** available + pending */
  total: Money;
  /** What a reversed payment left unpaid (C-1); while positive, spending is blocked. */
  owed: Money;
  blocked: boolean;
  /** Purchased credit that a refund could pay back (C-5). */
  refundable: Money;
  byKind: Record<LotKind, { available: Money; pending: Money }>;
  /**
   * Credit that may only pay for some channels, per scope (channel ids or tags such as 'postal'),
   * included in the totals above. Since API 2.8; optional so Balances built before 2.8 stay valid.
   */
  scoped?: Array<{ scope: string[]; available: Money; pending: Money }>;
}

export type HoldStatus = 'pending' | 'captured' | 'released' | 'expired';

/** A hold as read back (`getHold`). */
export interface Hold {
  id: string;
  accountId: string;
  channel: string;
  description: string;
  /** Decimal string: "1", "2.5". */
  units: string;
  country: string | null;
  /** The catalog price when the hold was placed: a capture uses it, whatever the catalog says later. */
  unitPrice: Money;
  /** Units covered by the free monthly quota. */
  freeUnits: string;
  /** Units covered by the plan's monthly allowance (after the free quota). Since API 2.8. */
  allowanceUnits: string;
  amount: Money;
  captured: Money;
  status: HoldStatus;
  expiresAt: Date;
  createdAt: Date;
  settledAt: Date | null;
  lots: LotShare[];
}

/** `charge`: money spent now at the catalog price, free quota first (W-5, W-7, W-8). */
export interface ChargeResult {
  transactionId: string;
  accountId: string;
  channel: string;
  units: string;
  freeUnits: string;
  /** Units covered by the plan's monthly allowance (after the free quota). Since API 2.8. */
  allowanceUnits: string;
  unitPrice: Money;
  amount: Money;
  balanceAfter: Money;
  lots: LotShare[];
  createdAt: Date;
}

/** `hold`: the price of `units` reserved now (W-6). */
export interface HoldResult {
  holdId: string;
  accountId: string;
  channel: string;
  description: string;
  units: string;
  country: string | null;
  unitPrice: Money;
  freeUnits: string;
  /** Units covered by the plan's monthly allowance (after the free quota). Since API 2.8. */
  allowanceUnits: string;
  amount: Money;
  /** Zero until captured. */
  captured: Money;
  status: HoldStatus;
  expiresAt: Date;
  createdAt: Date;
  settledAt: Date | null;
  lots: LotShare[];
}

/** `capture`: the hold's final cost taken (`captured`), the rest given back; `transactionId` is what `reverse` takes. */
export interface CaptureResult extends HoldResult {
  status: 'captured';
  transactionId: string;
  balanceAfter: Money;
}

/** `release`: the whole hold given back (or `expired`, when the wallet's sweep released it). */
export interface ReleaseResult extends HoldResult {
  status: 'released' | 'expired';
  transactionId: string;
  balanceAfter: Money;
}

/** `reverse`: a charge or capture paid back into the lots it came from, as a reversing entry (W-2). */
export interface ReversalResult {
  transactionId: string;
  /** The charge or capture that was reversed. */
  reversesId: string;
  accountId: string;
  amount: Money;
  balanceAfter: Money;
  reason: string;
  createdAt: Date;
}

/**
 * `quote`: what `units` of a channel would cost now and whether the wallet covers it, computed by
 * the same rules as a charge (catalog price in force, free quota left, lots, a blocked wallet)
 * without moving any money. Another request may spend the credit a moment later: a quote is
 * advice, a hold is a promise.
 */
export interface Quote {
  accountId: string;
  channel: string;
  units: string;
  country: string | null;
  unitPrice: Money;
  /** Units the free monthly quota would cover. */
  freeUnits: string;
  /** Units the plan's monthly allowance would cover (after the free quota). Since API 2.8. */
  allowanceUnits: string;
  amount: Money;
  available: Money;
  /** true when the wallet covers `amount` now and is not blocked. */
  affordable: boolean;
  /** Set when not affordable: 'insufficient_funds', 'wallet_blocked' or (since API 2.8) 'spending_cap_exceeded'. */
  reason: 'insufficient_funds' | 'wallet_blocked' | 'spending_cap_exceeded' | null;
  at: Date;
  /** How the price splits (since API 2.8): units free, from a plan allowance, paid; money from scoped and general credit. */
  breakdown?: QuoteBreakdown;
  /** The lots a hold placed now would take, in spending order (since API 2.8). */
  lots?: LotShare[];
  /** The monthly spending caps that apply to this use (since API 2.8). */
  caps?: QuoteCap[];
  /**
   * How many more whole units the applicable credit, free quota and caps allow now (since API 2.8);
   * null when the channel costs nothing.
   */
  maxUnits?: string | null;
  /** Whether an auto-refill would cover the shortfall (since API 2.8); null when the host does not know. */
  autoRefill?: QuoteAutoRefill | null;
}

/** Since API 2.8. */
export interface QuoteBreakdown {
  freeUnits: string;
  /** Units a plan's monthly allowance covers. */
  allowanceUnits: string;
  paidUnits: string;
  /** Money taken from credit scoped to this channel (or one of its tags). */
  fromScoped: Money;
  fromGeneral: Money;
}

/** A spending cap as a quote sees it. Since API 2.8. */
export interface QuoteCap {
  kind: 'channel' | 'user';
  target: string;
  limit: Money;
  used: Money;
  remaining: Money;
}

/** What an auto-refill would do for a quote. Since API 2.8. */
export interface QuoteAutoRefill {
  /** true when a refill would bring enough credit. */
  covers: boolean;
  /** What the refill would buy (or the one in flight), null when none would run. */
  amount: Money | null;
  /** Why it would or would not: 'covered', 'auto_refill_off', a pause reason, 'refill_too_small', 'refill_not_immediate'… */
  reason?: string;
}

/** A channel's free monthly quota for one account this month, in the account's time zone (W-8). Since API 2.7. */
export interface QuotaStatus {
  channel: string;
  /** The month counted, as its first day in the account's time zone: '2026-12-01'. */
  period: string;
  /** Decimal strings: "100", "13". */
  freeUnits: string;
  used: string;
  remaining: string;
  /** The local date (account's time zone) the counter starts again from zero: '2027-01-01'. */
  resetsAt: string;
}

/**
 * A plan's monthly allowance of a channel for one account this month (issue 22), in the account's
 * time zone. Units are spent after the free quota and before money: rolled-over units oldest
 * first, then this month's. Since API 2.8.
 */
export interface AllowanceStatus {
  channel: string;
  /** The month, as its first day in the account's time zone: '2027-01-01'. */
  period: string;
  /** This month's units from the plan (decimal string). */
  granted: string;
  /** Units rolled over from earlier months, oldest first; `expiresAfter` is the last month they can be used in (null: no expiry). */
  carried: Array<{ from: string; units: string; left: string; expiresAfter: string | null }>;
  used: string;
  remaining: string;
  /** The local date (account's time zone) the next month's allowance starts: '2027-02-01'. */
  resetsAt: string;
  /** "12 of 20 letters left". */
  label: string;
}

export interface ChargeInput {
  accountId: string;
  /** The spend channel's id (its catalog key). */
  channel: string;
  /** Positive decimal string, at most 6 decimals: "1", "2.5". */
  units: string;
  /** ISO 3166 alpha-2, for country-priced channels. */
  country?: string | null;
  /** Required: a retry with the same key returns the first outcome; the same key with other parameters is a 409. */
  idempotencyKey: string;
  /** One line for the history: "SMS reminder to +32 470 12 34 56". */
  description?: string;
  metadata?: Record<string, unknown>;
  /** The user the spend is for: counted against that user's monthly spending cap. Since API 2.8. */
  userId?: string | null;
}

export interface HoldInput extends ChargeInput {
  /** Default: the wallet's hold lifetime (7 days). An uncaptured hold is released when it expires. */
  expiresAt?: Date;
}

export interface CaptureInput {
  accountId: string;
  holdId: string;
  idempotencyKey: string;
  /** Capture the price of these units (priced as when held); default the whole hold. Give units or amount, not both. */
  units?: string;
  /** Capture this exact amount (≤ the hold). */
  amount?: Money | string;
}

export interface ReleaseInput {
  accountId: string;
  holdId: string;
  idempotencyKey: string;
}

export interface ReverseInput {
  accountId: string;
  /** A charge's or capture's transactionId. */
  transactionId: string;
  idempotencyKey: string;
  reason: string;
}

export interface QuoteInput {
  accountId: string;
  channel: string;
  units: string;
  country?: string | null;
  /** The user's monthly cap is looked at too. Since API 2.8. */
  userId?: string | null;
}

/** A price from the catalog. */
export interface Price {
  id: string;
  channel: string;
  unit: string;
  /** ISO country, or '*' for every country without its own row. */
  country: string;
  /**
   * The plan (edition) the row prices, or '*' for the default list (since API 2.4). Optional so
   * that a Price built by a plugin or a test double before 2.4 stays valid; the host always sets it.
   */
  plan?: string;
  unitPrice: Money;
  effectiveFrom: Date;
}
