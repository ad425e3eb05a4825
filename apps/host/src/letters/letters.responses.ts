import { z } from 'zod';

/* What the letter routes answer (for the OpenAPI document); objects may gain properties. */

const when = z.string().describe('ISO 8601 date-time');
const amount = z.string().describe('Decimal string in euro, e.g. "1.45"');
const address = z.object({
  name: z.string(),
  attention: z.string().optional(),
  street: z.string(),
  postalCode: z.string(),
  city: z.string(),
  country: z.string(),
});

export const letterView = z.object({
  id: z.string(),
  status: z
    .string()
    .describe(
      'held (wallet holds placed), ready (own-account, nothing held), submitted, accepted (charged), printed, posted, delivered; rejected, cancelled, failed (holds released), returned',
    ),
  reason: z.string().nullable().describe('The carrier’s or Tollgate’s reason for rejected, failed, returned, cancelled'),
  country: z.string(),
  carrier: z.object({ id: z.string(), billing: z.enum(['wallet', 'own_account']) }),
  product: z.enum(['standard', 'priority', 'registered']),
  color: z.boolean(),
  duplex: z.boolean(),
  pages: z.number().int(),
  sheets: z.number().int(),
  invoiceId: z.string().nullable(),
  subject: z.string().nullable(),
  recipient: address,
  sender: address,
  charges: z
    .array(z.object({ channel: z.string(), units: z.string(), description: z.string(), amount }))
    .describe('The carrier’s priced parts at the catalog price; empty for own-account carriers'),
  amount: amount.nullable().describe('Sum of the charges; null when the account’s own carrier contract pays'),
  currency: z.literal('EUR'),
  holds: z.array(z.object({ channel: z.string(), holdId: z.string(), amount, status: z.enum(['held', 'captured', 'released']) })),
  carrierLetterId: z.string().nullable(),
  pdf: z.object({ sha256: z.string(), size: z.number().int(), url: z.string() }),
  attempts: z.number().int().describe('Submit attempts so far'),
  lastError: z.string().nullable(),
  createdAt: when,
  updatedAt: when,
  submittedAt: when.nullable(),
});

export const letterDetail = letterView.extend({
  events: z.array(
    z.object({
      eventId: z.string(),
      carrierId: z.string(),
      status: z.string(),
      reason: z.string().nullable(),
      occurredAt: when,
      receivedAt: when,
      applied: z.boolean(),
    }),
  ),
});

export const lettersPage = z.object({ data: z.array(letterView), nextCursor: z.string().nullable().describe('Pass as `before` for the next page') });

export const letterQuoteView = z.object({
  carrier: z.object({ id: z.string(), billing: z.enum(['wallet', 'own_account']) }),
  country: z.string(),
  pages: z.number().int(),
  sheets: z.number().int(),
  charges: z.array(z.object({ channel: z.string(), units: z.string(), description: z.string(), unitPrice: z.string(), amount })),
  amount,
  currency: z.literal('EUR'),
  affordable: z.boolean(),
  // A union, not .nullable(): OpenAPI 3.0's `nullable` does not add null to an `enum`, so a null reason would not match the document.
  reason: z.union([z.enum(['insufficient_funds', 'wallet_blocked']), z.null()]),
});

export const letterSettingsView = z.object({ sender: address.nullable(), updatedAt: when.nullable() });

export const carriersView = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      label: z.string(),
      pluginId: z.string(),
      countries: z.array(z.string()),
      products: z.array(z.string()),
      billing: z.enum(['wallet', 'own_account']),
      barcode: z.boolean(),
    }),
  ),
  offered: z.array(z.string()).describe('The countries this account can post to: the carriers’ countries allowed by its plan'),
});

export const postalWebhookReceipt = z.object({
  received: z.number().int(),
  applied: z.number().int(),
  duplicates: z.number().int(),
  unmatched: z.number().int(),
});
