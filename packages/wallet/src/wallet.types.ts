import type { Money } from '@tollgate/money';
import type { LotKind, LotShare, QuotaStatus } from '@tollgate/plugin-sdk';

// What plugins see of the wallet is the SDK's contract; the wallet returns exactly those types.
export { LOT_KINDS } from '@tollgate/plugin-sdk';
export type {
  AllowanceStatus,
  Balance,
  CaptureResult,
  ChargeResult,
  Hold,
  HoldResult,
  HoldStatus,
  LotKind,
  LotShare,
  Price,
  Quote,
  QuoteCap,
  ReleaseResult,
  ReversalResult,
} from '@tollgate/plugin-sdk';

export const TRANSACTION_TYPES = ['grant', 'charge', 'hold', 'capture', 'release', 'expire_lot', 'reversal', 'clawback', 'settle', 'refund', 'fee'] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

export interface Lot {
  id: string;
  kind: LotKind;
  granted: Money;
  remaining: Money;
  /** Part of the lot reserved by pending holds. */
  held: Money;
  /** Channel ids or tags the lot may pay for; null = general credit. */
  scope: string[] | null;
  expiresAt: Date | null;
  createdAt: Date;
}

export interface ClawbackResult {
  transactionId: string;
  accountId: string;
  lotId: string;
  /** The purchase as granted. */
  amount: Money;
  /** Unspent credit taken back from the lot. */
  recovered: Money;
  /** Already spent (or held): now owed by the account. */
  shortfall: Money;
  owed: Money;
  balanceAfter: Money;
  /** Why the payment was reversed, as given (a bank's return code such as "AM04"). */
  reason: string;
  createdAt: Date;
}

export interface RefundResult {
  refundTransactionId: string;
  feeTransactionId: string | null;
  accountId: string;
  /** Purchased credit exchanged back. */
  credits: Money;
  fee: Money;
  /** credits - fee: what is paid out. */
  payout: Money;
  balanceAfter: Money;
  lots: LotShare[];
  createdAt: Date;
}

export interface GrantResult {
  transactionId: string;
  lotId: string;
  accountId: string;
  kind: LotKind;
  amount: Money;
  expiresAt: Date | null;
  balanceAfter: Money;
  createdAt: Date;
  /** Channel ids or tags the credit may pay for; null = general credit. */
  scope: string[] | null;
}

export interface HistoryEntry {
  transactionId: string;
  type: TransactionType;
  channel: string | null;
  description: string;
  /** Signed change of the available balance: negative for spending. */
  amount: Money;
  balanceAfter: Money;
  holdId: string | null;
  reversesId: string | null;
  createdAt: Date;
  /** How each lot's free credit changed: negative where a lot paid, positive where credit came back. */
  lots: LotShare[];
}

/**
 * Kinds of history line (one per use or money movement, as the account reads it): `spend` folds a
 * charge, or a hold with its capture/release, into its final cost; `top_up` is purchased credit;
 * `grant` free credit (trial, promo, referral); `refund` a spend paid back; `expiry` credit that
 * expired; `payout` purchased credit paid back out (ledger `refund`); `fee`, `clawback`, `settle` as in the ledger.
 */
export const HISTORY_LINE_TYPES = ['spend', 'top_up', 'grant', 'refund', 'expiry', 'payout', 'fee', 'clawback', 'settle'] as const;
export type HistoryLineType = (typeof HISTORY_LINE_TYPES)[number];

/** One line of the history: a use with its final cost, or a top-up, grant, refund… */
export interface HistoryLine {
  /** The id of the line's first ledger entry (the hold of a spend that was reserved first). */
  id: string;
  type: HistoryLineType;
  /** `pending` while a spend's hold is open (amount = what is held), `final` once captured, released or expired. */
  status: 'pending' | 'final';
  channel: string | null;
  description: string;
  /** Signed change of the balance once the line is final: a spend's cost, negative. */
  amount: Money;
  holdId: string | null;
  /** A refund's: the ledger entry it pays back. */
  reversesId: string | null;
  createdAt: Date;
  /** When its last entry was written (a spend's capture or release). */
  updatedAt: Date;
  /** How many ledger entries the line folds. */
  entryCount: number;
}

/** A channel's W-8 quota this month: the SDK's QuotaStatus (plugins read the same object). */
export type QuotaUsage = QuotaStatus;
