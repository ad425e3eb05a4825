import type { Money } from '@tollgate/money';

export const LOT_KINDS = ['trial', 'promo', 'referral', 'purchased'] as const;
export type LotKind = (typeof LOT_KINDS)[number];

export const TRANSACTION_TYPES = ['grant', 'charge', 'hold', 'capture', 'release', 'expire_lot', 'reversal', 'clawback', 'settle', 'refund', 'fee'] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

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
  /** Purchased credit that a refund could pay back (C-5): trial, promo and referral never are. */
  refundable: Money;
  byKind: Record<LotKind, { available: Money; pending: Money }>;
}

export interface Lot {
  id: string;
  kind: LotKind;
  granted: Money;
  remaining: Money;
  /** Part of the lot reserved by pending holds. */
  held: Money;
  expiresAt: Date | null;
  createdAt: Date;
}

/** Which lot paid how much of a transaction (W-4 "history shows which lot paid for what"). */
export interface LotShare {
  lotId: string;
  kind: LotKind;
  amount: Money;
}

export interface ChargeResult {
  transactionId: string;
  accountId: string;
  channel: string;
  units: string;
  /** Units covered by the free monthly quota. */
  freeUnits: string;
  unitPrice: Money;
  amount: Money;
  balanceAfter: Money;
  lots: LotShare[];
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
}

export type HoldStatus = 'pending' | 'captured' | 'released' | 'expired';

export interface Hold {
  id: string;
  accountId: string;
  channel: string;
  description: string;
  units: string;
  country: string | null;
  unitPrice: Money;
  freeUnits: string;
  amount: Money;
  captured: Money;
  status: HoldStatus;
  expiresAt: Date;
  createdAt: Date;
  settledAt: Date | null;
  lots: LotShare[];
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

export interface QuotaUsage {
  channel: string;
  period: string;
  freeUnits: string;
  used: string;
  remaining: string;
  resetsAt: string;
}
