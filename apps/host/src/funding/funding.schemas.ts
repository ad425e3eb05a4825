import { z } from 'zod';

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
  pack: money.describe('The pack to buy'),
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
