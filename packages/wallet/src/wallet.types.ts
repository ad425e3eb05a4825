import type { Money } from '@tollgate/money';

export const LOT_KINDS = ['trial', 'promo', 'referral', 'purchased'] as const;
export type LotKind = (typeof LOT_KINDS)[number];

export type TransactionType = 'grant' | 'charge' | 'hold' | 'capture' | 'release' | 'expire_lot' | 'reversal';

export interface Balance {
  accountId: string;
  currency: 'EUR';
  /** What can be spent now. */
  available: Money;
  /** Reserved by pending holds. */
  pending: Money;
  /** available + pending */
  total: Money;
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
