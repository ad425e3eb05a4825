import { z } from 'zod';
import { scopeEntry } from '../wallet/wallet.schemas.js';

const money = z.string().regex(/^\d{1,7}(\.\d{1,2})?$/, 'a decimal string with at most two decimals, like "25.00"');
const key = z.string().min(1).max(200).optional();

export const addPaymentMethodBody = z.strictObject({
  provider: z.string().min(1).max(100).describe('Payment provider id, e.g. payments-sepa or payments-card'),
  kind: z.enum(['sepa_direct_debit', 'card']),
  details: z
    .record(z.string(), z.unknown())
    .describe('SEPA: { iban, bic?, holder, signatureDate?, mandateId? }; card: { paymentMethod } (the processor token)'),
  idempotencyKey: key,
});

export const purchaseBody = z.strictObject({
  amount: money.describe('A cash pack: one of GET /v1/funding/packs'),
  paymentMethodId: z.string().min(1).max(100),
  scope: z
    .array(scopeEntry)
    .min(1)
    .max(50)
    .optional()
    .describe(
      'A scoped pack: channel ids or tags its credit may pay for (e.g. ["postal"]); absent = general credit. Unknown entries: 400 invalid_scope, nothing bought',
    ),
  idempotencyKey: key,
});

export const checkoutBody = z.strictObject({
  amount: money.describe('A cash pack: one of GET /v1/funding/packs'),
  provider: z.string().min(1).max(100).optional().describe('The payment provider plugin; default: the one that takes payments on a hosted page'),
  scope: purchaseBody.shape.scope,
  returnPath: z
    .string()
    .min(1)
    .max(500)
    .optional()
    .describe('Where the payer comes back: a path on this host (default /app/fill), never an absolute URL (400 invalid_return_path); ?purchase=<id> is added'),
  idempotencyKey: key,
});

export const purchasesQuery = z.strictObject({
  status: z.enum(['creating', 'pending', 'succeeded', 'failed', 'reversed']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().max(100).optional(),
});

export const autoRefillBody = z.strictObject({
  enabled: z.boolean(),
  minimum: money.describe('Refill when the available balance drops below this'),
  mode: z.enum(['pack', 'target']).default('pack').describe("'pack' (default): buy `pack`; 'target': one purchase that lifts the balance to `target`"),
  pack: money.optional().describe("The pack to buy (required in 'pack' mode)"),
  target: money
    .optional()
    .describe(
      "'target' mode: the balance to top up to; above the minimum, at most the minimum + 1000.00. The refill is target − available, within 5.00…1000.00",
    ),
  schedule: z
    .strictObject({ dayOfMonth: z.number().int().min(1).max(28) })
    .nullable()
    .optional()
    .describe("Also refill once a month on this day (account's time zone): the pack, or up to the target. Absent or null: no schedule"),
  paymentMethodId: z.string().min(1).max(100),
  maxPerPeriod: z.number().int().min(1).max(100).optional().describe('Storm guard: refills per period (default 3)'),
  periodHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 31)
    .optional()
    .describe('Storm guard period (default 24)'),
});

export const refundBody = z.strictObject({
  credits: money.describe('Purchased credit to exchange back; the €50 administrative fee is taken from it'),
  idempotencyKey: key,
});

export const refundsQuery = z.strictObject({
  status: z.enum(['requested', 'paid']).optional(),
  accountId: z.string().max(100).optional(),
});

export const markPaidBody = z.strictObject({
  reference: z.string().min(1).max(200).describe('The bank transfer reference of the payout'),
});

export const providerParam = z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'a provider id');
export const idParam = z.string().min(1).max(100);

// ---- responses (for the OpenAPI document) -----------------------------------------------------

const amount = z.string().describe('Decimal string in euro, e.g. "25.00"');
const day = z.string().describe('A UTC calendar day, YYYY-MM-DD');

export const purchaseView = z.object({
  id: z.string(),
  amount,
  currency: z.literal('EUR'),
  paymentMethodId: z.string().nullable().describe('null for a pack paid on the hosted page (hosted: true)'),
  hosted: z.boolean().describe("Paid on the provider's hosted page (POST /v1/funding/checkouts), not with a saved method"),
  provider: z.string(),
  providerPaymentId: z.string().nullable(),
  origin: z.enum(['manual', 'auto_refill']),
  status: z.enum(['creating', 'pending', 'succeeded', 'failed', 'reversed']),
  reason: z.string().nullable().describe('SEPA R-code or card decline code when failed or reversed'),
  lotId: z.string().nullable(),
  scope: z.array(z.string()).nullable().describe("A scoped pack's channel ids or tags (its lot pays only for them); null = general credit"),
  createdAt: z.string(),
  settledAt: z.string().nullable(),
  expectedSettlementDate: day
    .nullable()
    .describe(
      'When the provider expects the money (SEPA: collection date + settleAfterDays TARGET2 business days); null when it settled at once or no date is known',
    ),
  redirectUrl: z.string().optional().describe("Where the payer pays or confirms (3-D Secure); a hosted checkout's page while it is pending"),
  invoiceId: z.string().nullable().optional().describe('GET /v1/funding/purchases/:id: its invoice (GET /v1/billing/documents/:id), null until credited'),
});

export const purchasesPage = z.object({ data: z.array(purchaseView), nextCursor: z.string().nullable() });

export const checkoutView = z.object({
  purchase: purchaseView,
  redirectUrl: z.string().nullable().describe("The provider's hosted page to send the payer to; null once the purchase is no longer pending"),
});

export const autoRefillView = z.object({
  enabled: z.boolean(),
  minimum: amount.nullable().describe('Refill when the available balance drops below this'),
  mode: z.string().nullable().describe("'pack' or 'target'; null when auto-refill was never set"),
  pack: amount.nullable().describe("The pack bought in 'pack' mode"),
  target: amount.nullable().describe("The balance a 'target' refill tops up to"),
  schedule: z.object({ dayOfMonth: z.number().int() }).nullable().describe("A monthly refill on this day, in the account's time zone"),
  nextScheduledAt: z.string().nullable().describe('When the next scheduled refill is due (in the past: the next sweep buys it); null without a schedule'),
  paymentMethodId: z.string().nullable(),
  maxPerPeriod: z.number().int().nullable().describe('Refills (not declined ones) allowed per period'),
  periodHours: z.number().int().nullable(),
  paused: z.boolean().describe('true while no refill will be made: see pausedReason'),
  pausedAt: z.string().nullable(),
  pausedReason: z
    .enum(['refill_limit_reached', 'payment_declined', 'payment_method_removed', 'payment_method_not_in_plan'])
    .nullable()
    .describe('refill_limit_reached ends by itself at resumesAt; the others need PUT enabled: true (with a working payment method)'),
  resumesAt: z.string().nullable().describe('When a refill_limit_reached pause ends'),
  window: z
    .object({ since: z.string(), refills: z.number().int(), declined: z.number().int() })
    .nullable()
    .describe('Auto-refill attempts in the last periodHours: refills (in flight or paid, counted toward maxPerPeriod) and declined ones (not counted)'),
  lastDecline: z.object({ purchaseId: z.string(), reason: z.string().nullable(), at: z.string() }).nullable(),
});
