import { z } from 'zod';

const country = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'an ISO 3166 alpha-2 country code such as "BE"')
  .transform((c) => c.toUpperCase());
const text = (max: number) => z.string().trim().min(1).max(max);

export const billingProfileBody = z.strictObject({
  legalName: text(200).describe('The buyer as printed on invoices'),
  addressLines: z.array(text(200)).min(1).max(3).describe('Street and number, then optional lines'),
  postcode: text(20),
  city: text(100),
  country,
  vatNumber: z
    .string()
    .trim()
    .max(20)
    .nullable()
    .optional()
    .describe(
      'EU VAT number with its prefix ("BE0123456749"); checked (check digits for BE, NL, DE, FR, LU). Another EU country + valid number = reverse charge',
    ),
  email: z.email().max(254).nullable().optional().describe('Where invoices go; default the account owner'),
});

const isoDate = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).describe('An ISO timestamp or a day (YYYY-MM-DD, UTC)');

export const documentsQuery = z.strictObject({
  type: z.enum(['invoice', 'credit_note']).optional(),
  from: isoDate.optional().describe('Issued at or after'),
  to: isoDate.optional().describe('Issued before'),
  cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const adminDocumentsQuery = documentsQuery.extend({ accountId: z.string().min(1).max(100).optional() });

export const documentIdParam = z.string().regex(/^bd_[A-Za-z0-9_-]{1,100}$/, 'a billing document id (bd_…)');

// ---- responses (for the OpenAPI document) -----------------------------------------------------

const amount = z.string().describe('Decimal string in euro, e.g. "25.00"');
const party = z.object({
  name: z.string(),
  addressLines: z.array(z.string()),
  postcode: z.string(),
  city: z.string(),
  country: z.string(),
  vatNumber: z.string().nullable(),
  email: z.string().nullable(),
});

export const billingProfileView = z.object({
  legalName: z.string(),
  addressLines: z.array(z.string()),
  postcode: z.string(),
  city: z.string(),
  country: z.string(),
  vatNumber: z.string().nullable(),
  email: z.string().nullable(),
  updatedAt: z.string().nullable(),
  fromProfile: z.boolean().describe('false: no profile yet; documents use the account name as a consumer in BE'),
});

export const documentView = z.object({
  id: z.string(),
  type: z.enum(['invoice', 'credit_note']),
  number: z.string().describe('TG2026-000001 (invoices), TGCN2026-000001 (credit notes): one series per issuer, type and year, without gaps'),
  issuedAt: z.string(),
  issuedOn: z.string(),
  currency: z.literal('EUR'),
  net: amount,
  vat: amount,
  gross: amount.describe('What was paid (invoice) or paid back (credit note): prices include VAT'),
  vatCategory: z.enum(['S', 'AE', 'O']),
  vatRate: z.string(),
  seller: party,
  buyer: party,
  lines: z.array(
    z.object({
      id: z.string(),
      description: z.string(),
      net: amount,
      vat: amount,
      gross: amount,
      category: z.enum(['S', 'AE', 'O']),
      rate: z.string(),
      exemptionReason: z.string().nullable(),
    }),
  ),
  purchaseId: z.string().nullable(),
  lotId: z.string().nullable(),
  transactionId: z.string(),
  credits: z.array(z.object({ documentId: z.string().nullable(), number: z.string().nullable(), issuedOn: z.string().nullable(), amount })),
  ready: z.boolean().describe('true once the PDF and UBL are rendered'),
  mailedAt: z.string().nullable(),
  accountId: z.string(),
});

export const documentsPage = z.object({ data: z.array(documentView), nextCursor: z.string().nullable() });
export const xmlBinary = { 'application/xml': { schema: { type: 'string', format: 'binary' } } };
