/* The shapes the funding and billing routes answer (apps/host/src/funding, wallet-invoices); amounts are decimal strings in EUR. */

export interface PacksView {
  currency: 'EUR';
  packs: string[];
  refundFee: string;
}

export interface PaymentMethodView {
  id: string;
  provider: string;
  kind: string;
  label: string;
  metadata: Record<string, string>;
  status: 'active' | 'removed';
  createdAt: string;
}

export type PurchaseStatus = 'creating' | 'pending' | 'succeeded' | 'failed' | 'reversed';

export interface PurchaseView {
  id: string;
  amount: string;
  paymentMethodId: string;
  provider: string;
  origin: 'manual' | 'auto_refill';
  status: PurchaseStatus;
  reason: string | null;
  createdAt: string;
  settledAt: string | null;
  expectedSettlementDate: string | null;
  redirectUrl?: string;
  /** Paid on the processor's hosted page (POST /v1/funding/checkouts); pending there = not paid yet. */
  hosted?: boolean;
  invoiceId?: string | null;
}

/** `POST /v1/funding/checkouts`: the card processor's hosted page to send the payer to. */
export interface CheckoutView {
  purchase: PurchaseView;
  redirectUrl: string;
}

export interface AutoRefillView {
  enabled: boolean;
  minimum: string | null;
  mode: 'pack' | 'target' | null;
  pack: string | null;
  target: string | null;
  schedule: { dayOfMonth: number } | null;
  nextScheduledAt: string | null;
  paymentMethodId: string | null;
  maxPerPeriod: number | null;
  periodHours: number | null;
  paused: boolean;
  pausedReason: string | null;
  resumesAt: string | null;
  window: { since: string; refills: number; declined: number } | null;
  lastDecline: { purchaseId: string; reason: string | null; at: string } | null;
}

export interface ReferralView {
  code: string;
  referred: number;
  rewarded: number;
  creditPerReferral: string;
}

export interface RefundView {
  id: string;
  credits: string;
  fee: string;
  payout: string;
  status: 'requested' | 'paid';
  createdAt: string;
  paidAt: string | null;
  payoutReference: string | null;
}

export interface BillingDocumentView {
  id: string;
  type: 'invoice' | 'credit_note';
  number: string;
  issuedOn: string;
  gross: string;
  ready: boolean;
}
