import { z } from 'zod';

const id = z.string().min(1).max(100);

export const paymentIdParam = id;
export const writebackIdParam = id;

/** POST /invoices/:id/payments: a payment received outside Tollgate (cash, a transfer seen by hand). */
export const manualPaymentBody = z.strictObject({
  amount: z
    .string()
    .regex(/^\d{1,13}(\.\d{1,2})?$/, 'a decimal string with at most 2 decimals, e.g. "121.00"')
    .describe('Decimal string in the invoice currency, greater than zero'),
  currency: z.string().length(3).optional().describe('Defaults to the invoice currency; another one is refused'),
  externalRef: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .describe('Your reference of this payment (receipt number…): recording the same reference again records nothing more'),
  paidAt: z.iso.datetime({ offset: true }).optional().describe('When it was paid (ISO 8601); default now'),
});

export const reverseBody = z.strictObject({
  reason: z.string().trim().min(1).max(500).describe('Why: refusal, chargeback, returned transfer, entered by mistake…'),
});

export const writebacksQuery = z.strictObject({
  status: z.enum(['pending', 'done', 'parked']).optional(),
  invoiceId: id.optional(),
});

/** POST /bank-statements: `{ "xml": "<Document…" }`, or the file itself (text/plain or application/xml). */
export const bankStatementBody = z.union([z.strictObject({ xml: z.string().min(1).max(20_000_000) }), z.string().min(1).max(20_000_000)]);

/** Asking for the payment details takes no options. */
export const paymentDetailsBody = z.strictObject({}).optional();
