import { z } from 'zod';
import { invoiceView } from './invoice-sync.responses.js';

/* What the payment routes answer (for the OpenAPI document); objects may gain properties. */

const when = z.string().describe('ISO 8601 date-time');
const amount = z.string().describe('Decimal string, e.g. "121.00"');
const method = z.enum(['payment_link', 'transfer', 'direct_debit', 'manual']);

export const paymentView = z.object({
  id: z.string(),
  invoiceId: z.string(),
  method,
  externalRef: z.string().describe('Where the payment came from: card payment id, bank reference, your receipt number…'),
  amount,
  currency: z.string(),
  paidAt: when,
  status: z.enum(['active', 'reversed']),
  reversedAt: when.nullable(),
  reverseReason: z.string().nullable(),
  createdAt: when,
});
export const paymentsList = z.object({ data: z.array(paymentView) });

const invoiceNow = invoiceView.extend({ status: z.enum(['booked', 'pending', 'paid', 'expired']) });

export const recordedPayment = z.object({
  payment: paymentView,
  invoice: invoiceNow,
  duplicate: z.boolean().describe('True when this externalRef was recorded before: nothing changed'),
});

export const reversedPayment = z.object({
  payment: paymentView,
  invoice: invoiceNow,
  alreadyReversed: z.boolean().describe('True when the payment was reversed before: nothing changed'),
});

export const writebackView = z.object({
  id: z.string(),
  invoiceId: z.string(),
  paymentId: z.string().nullable(),
  action: z.enum(['register', 'remove']).describe('register = invoices.registerPayment; remove = invoices.removePayments (all of the invoice’s payments)'),
  status: z.enum(['pending', 'done', 'parked']).describe('parked: gave up after the last attempt; POST …/retry'),
  attempts: z.number().int(),
  nextAttemptAt: when,
  lastError: z.string().nullable(),
  createdAt: when,
  doneAt: when.nullable(),
});
export const writebacksList = z.object({ data: z.array(writebackView) });

const line = {
  ref: z.string().describe('The bank’s reference of the line (what makes a replay record nothing)'),
  amount,
  currency: z.string(),
  bookingDate: z.string().nullable(),
  reference: z.string().nullable().describe('The structured communication, +++123/4567/89002+++'),
  remittance: z.string().nullable(),
  debtorName: z.string().nullable(),
};

export const bankStatementReport = z.object({
  kind: z.enum(['camt.053', 'camt.054']),
  msgId: z.string(),
  credits: z.number().int().describe('Booked incoming transfers on the statement'),
  ignored: z.number().int().describe('Debits, reversals and unbooked entries'),
  matched: z.array(z.object({ ...line, invoiceId: z.string(), paymentId: z.string(), invoiceStatus: z.string(), amountDue: amount })),
  duplicates: z.array(z.object({ ...line, invoiceId: z.string(), paymentId: z.string() })),
  unmatched: z.array(
    z.object({
      ...line,
      reason: z.enum(['no_reference', 'unknown_reference', 'ambiguous_reference', 'not_payable', 'conflict']),
      invoiceId: z.string().optional(),
      detail: z.string().optional(),
    }),
  ),
});

export const paymentDetails = z.object({
  invoiceId: z.string(),
  structuredReference: z.string().describe('Belgian structured communication for a transfer, +++123/4567/89002+++ (mod-97), unique in the account'),
  payUrl: z.string().describe("The invoice's payment link page (public, no key): what the invitation mail links to"),
});
