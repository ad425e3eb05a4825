import type { Locale } from '../../api/session.js';

/** What the platform admin routes answer (docs/api.md: Accounts, Plans, Funding, Wallet); only the fields the screens use. */

export interface AccountView {
  id: string;
  name: string;
  status: 'trial' | 'active' | 'closed';
  locale: Locale;
  timeZone: string;
  createdAt: string;
}

export interface AccountsPage {
  data: AccountView[];
  nextCursor: string | null;
}

export interface CreatedAccount {
  account: AccountView;
  owner: { id: string; email: string; name: string };
  apiKey: { id: string; key: string; prefix: string };
  plan: string;
}

export interface PlanDefinition {
  id: string;
  label: string;
  default: boolean;
}

export interface AccountPlan {
  accountId: string;
  id: string;
  label: string;
  since: string;
  history: Array<{ plan: string; label: string; from: string; to: string | null; changedBy: string | null }>;
  changed?: boolean;
}

type Split = { available: string; pending: string };

export interface WalletBalance {
  currency: string;
  available: string;
  pending: string;
  total: string;
  byKind: Record<string, Split>;
  incoming?: { amount: string; purchases: number; nextExpectedSettlementDate: string | null };
}

export interface RefundView {
  id: string;
  accountId: string;
  credits: string;
  fee: string;
  payout: string;
  currency: string;
  status: 'requested' | 'paid';
  createdAt: string;
  paidAt: string | null;
  payoutReference: string | null;
}

export interface LedgerCheck {
  ok: boolean;
  problems: Array<{ check: string; detail: string }>;
  counts: { wallets: number; lots: number; transactions: number; postings: number };
  checkedAt: string;
}
