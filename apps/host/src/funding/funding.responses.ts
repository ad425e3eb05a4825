import { z } from 'zod';

/* What the funding, payment webhook and notification routes answer (for the OpenAPI document); objects may gain properties. */

const money = z.string().describe('Decimal string in euro, e.g. "25.00"');
const eur = z.literal('EUR');
const when = z.string().describe('ISO 8601 date-time');

export const packsView = z.object({
  currency: eur,
  packs: z.array(money).describe('The amounts a purchase may be for'),
  refundFee: money.describe('Kept from every refund (C-5)'),
});

export const paymentMethodView = z.object({
  id: z.string(),
  provider: z.string().describe('The payment provider plugin'),
  kind: z.string().describe('sepa_debit, card, …'),
  label: z.string().describe('Safe to show, e.g. "Visa •••• 4242"'),
  metadata: z.record(z.string(), z.string()),
  status: z.enum(['active', 'removed']),
  createdAt: when,
});
export const paymentMethodsList = z.object({ data: z.array(paymentMethodView) });

export const purchaseView = z.object({
  id: z.string(),
  amount: money,
  currency: eur,
  paymentMethodId: z.string().nullable().describe('null for a pack paid on the hosted page'),
  hosted: z.boolean().describe("Paid on the provider's hosted page (a checkout), not with a saved method"),
  provider: z.string(),
  providerPaymentId: z.string().nullable(),
  origin: z.enum(['manual', 'auto_refill']),
  status: z.enum(['creating', 'pending', 'succeeded', 'failed', 'reversed']),
  reason: z.string().nullable().describe('Why it failed or was reversed'),
  lotId: z.string().nullable().describe('The credit it added, once paid'),
  scope: z.array(z.string()).nullable().describe("A scoped pack's channel ids or tags (its lot pays only for them); null = general credit"),
  createdAt: when,
  settledAt: when.nullable(),
  redirectUrl: z.string().optional().describe('Where the payer confirms the payment (3-D Secure), when the provider asks for it'),
});
export const purchasesPage = z.object({ data: z.array(purchaseView), nextCursor: z.string().nullable() });
export const checkoutView = z.object({
  purchase: purchaseView,
  redirectUrl: z.string().nullable().describe("The provider's hosted page (3-D Secure there); null once the purchase is no longer pending"),
});

export const autoRefillView = z.object({
  enabled: z.boolean(),
  minimum: money.nullable().describe('Below this available balance a pack is bought'),
  mode: z.string().nullable().describe("'pack': buy the pack; 'target': top up to the target in one purchase; null when auto-refill was never set"),
  pack: money.nullable(),
  target: money.nullable().describe("The balance a 'target' refill tops up to"),
  schedule: z.object({ dayOfMonth: z.number().int() }).nullable().describe("A monthly refill on this day, in the account's time zone"),
  nextScheduledAt: when.nullable().describe('When the next scheduled refill is due'),
  paymentMethodId: z.string().nullable(),
  maxPerPeriod: z.number().int().nullable(),
  periodHours: z.number().int().nullable(),
  paused: z.boolean().describe('A declined payment paused it; setting it again resumes it'),
  pausedAt: when.nullable(),
  pausedReason: z.string().nullable(),
});

export const referralView = z.object({
  code: z.string().describe('Give it to a new account: referralCode at creation'),
  referred: z.number().int(),
  rewarded: z.number().int(),
  creditPerReferral: money,
});

export const refundView = z.object({
  id: z.string(),
  accountId: z.string(),
  credits: money.describe('Purchased credit taken back'),
  fee: money,
  payout: money.describe('credits - fee, paid to the account'),
  currency: eur,
  status: z.enum(['requested', 'paid']),
  refundTransactionId: z.string().nullable(),
  feeTransactionId: z.string().nullable(),
  createdAt: when,
  paidAt: when.nullable(),
  payoutReference: z.string().nullable(),
});
export const refundsList = z.object({ data: z.array(refundView) });

export const sweepView = z.object({
  refills: z.number().int().describe('Auto-refills started'),
  resumed: z.number().int().describe('Stuck purchases sent again'),
});

export const webhookReceipt = z.object({
  received: z.number().int().describe('Events in the notification'),
  accepted: z.number().int(),
  duplicates: z.number().int().describe('Already applied (the same event id)'),
  unmatched: z.number().int().describe('About no payment of this host'),
});

export const notificationsPage = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      template: z.string(),
      recipient: z.string(),
      subject: z.string(),
      status: z.enum(['pending', 'sending', 'sent', 'failed']),
      attempts: z.number().int(),
      createdAt: when,
      sentAt: when.nullable(),
    }),
  ),
  nextCursor: z.string().nullable().describe('Pass as `before` for the next page'),
});
