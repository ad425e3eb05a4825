/* The shapes the wallet routes answer (apps/host/src/wallet, wallet-alerts); amounts are decimal strings in EUR. */

export type LotKind = 'trial' | 'promo' | 'referral' | 'purchased';
export const LOT_KINDS: readonly LotKind[] = ['trial', 'promo', 'referral', 'purchased'];

export interface BalanceView {
  accountId: string;
  currency: 'EUR';
  available: string;
  pending: string;
  total: string;
  owed: string;
  blocked: boolean;
  refundable: string;
  byKind: Record<LotKind, { available: string; pending: string }>;
  scoped: Array<{ scope: string[]; available: string; pending: string }>;
  incoming: { amount: string; purchases: number; nextExpectedSettlementDate: string | null };
}

export interface LotView {
  id: string;
  kind: LotKind;
  granted: string;
  remaining: string;
  held: string;
  expiresAt: string | null;
  createdAt: string;
  scope: string[] | null;
}

export interface HoldView {
  id: string;
  channel: string;
  description: string;
  units: string;
  amount: string;
  captured: string;
  status: 'pending' | 'captured' | 'released' | 'expired';
  expiresAt: string;
  createdAt: string;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface QuotaView {
  channel: string;
  period: string;
  freeUnits: string;
  used: string;
  remaining: string;
  resetsAt: string;
}

export interface AllowanceView {
  channel: string;
  period: string;
  granted: string;
  carried: Array<{ from: string; units: string; left: string; expiresAfter: string | null }>;
  used: string;
  remaining: string;
  resetsAt: string;
  label: string;
}

export type AlertKind = 'balance_below' | 'percent_of_last_top_up' | 'days_left';

export interface AlertView {
  id: string;
  kind: AlertKind;
  name: string | null;
  amount: string | null;
  percent: number | null;
  days: number | null;
  burnWindowDays: number | null;
  enabled: boolean;
  state: 'armed' | 'triggered';
  triggeredAt: string | null;
  current: { balance: string; threshold: string | null; daysLeft: string | null; burnPerDay: string | null };
}

export type HistoryLineType = 'spend' | 'top_up' | 'grant' | 'refund' | 'expiry' | 'payout' | 'fee' | 'clawback' | 'settle';
export const HISTORY_LINE_TYPES: readonly HistoryLineType[] = ['spend', 'top_up', 'grant', 'refund', 'expiry', 'payout', 'fee', 'clawback', 'settle'];

export interface HistoryLineView {
  id: string;
  type: HistoryLineType;
  status: 'pending' | 'final';
  channel: string | null;
  description: string;
  currency: 'EUR';
  amount: string;
  entryCount: number;
  createdAt: string;
  updatedAt: string;
}
