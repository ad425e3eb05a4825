import { z } from 'zod';

const id = z.string().min(1).max(100);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date like 2026-03-31');
const limit = z.coerce.number().int().min(1).max(200).default(50);
const nullableId = id.nullable();

export const idParam = id;

export const connectionSettingsBody = z
  .strictObject({
    defaultProfileId: nullableId.optional().describe('S-1: the profile for customers and invoices that name none; null = the account default'),
    autoImport: z.boolean().optional().describe('S-1: import invoices and update customers automatically (webhooks and the sweep)'),
    profileFieldId: nullableId
      .optional()
      .describe('S-2: the invoice custom field (single-select or text) that names a profile; null = none. Older name of invoiceProfileFieldId'),
    invoiceProfileFieldId: nullableId
      .optional()
      .describe('S-2: the invoice custom field (single-select or text) that names a profile; null = none. Wins over profileFieldId'),
    subscriptionProfileFieldId: nullableId
      .optional()
      .describe('S-2: the subscription custom field that names a profile, read for invoices a subscription made; null = none'),
  })
  .refine(
    (b) => Object.keys(b).length > 0,
    'give at least one of defaultProfileId, autoImport, profileFieldId, invoiceProfileFieldId, subscriptionProfileFieldId',
  );

export const importBody = z.strictObject({
  days: z.number().int().min(1).max(3660).default(30).describe('Import the booked invoices and credit notes issued in the last N days'),
});

export const accountingBackfillBody = z.strictObject({
  limit: z.number().int().min(1).max(1000).default(200).describe('P-6: read the accounting details of at most this many imported documents that lack them'),
});

export const connectionsQuery = z.strictObject({
  includeDisconnected: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});

export const pageQuery = z.strictObject({ limit, before: id.optional() });

const profileFields = {
  name: z.string().trim().min(1).max(100),
  directDebit: z.boolean(),
  paymentLink: z.boolean(),
  transfer: z.boolean(),
  sourceOptionValue: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .nullable()
    .optional()
    .describe('The source custom-field option id or text that selects this profile (S-2)'),
  isDefault: z.boolean().optional(),
  sendInvitation: z.boolean().optional().describe('S-7: e-mail each invoice to its customer once its PDF is there (default false)'),
};

export const profileBody = z.strictObject(profileFields);
export const profilePatchBody = z
  .strictObject({
    name: profileFields.name.optional(),
    directDebit: profileFields.directDebit.optional(),
    paymentLink: profileFields.paymentLink.optional(),
    transfer: profileFields.transfer.optional(),
    sourceOptionValue: profileFields.sourceOptionValue,
    isDefault: profileFields.isDefault,
    sendInvitation: profileFields.sendInvitation,
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');

export const customersQuery = z.strictObject({
  connectionId: id.optional(),
  search: z.string().trim().min(1).max(200).optional().describe('Part of the name, the exact customer number, or the e-mail'),
  limit,
  before: id.optional(),
});

export const customerPatchBody = z
  .strictObject({
    customerNumber: z.string().trim().min(1).max(100).optional().describe('Changed locally; the next import resets it to the source id (S-4)'),
    profileId: nullableId.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give customerNumber or profileId');

export const invoicesQuery = z
  .strictObject({
    status: z.enum(['booked', 'pending', 'paid', 'expired']).optional(),
    kind: z.enum(['invoice', 'credit_note']).optional(),
    customerId: id.optional(),
    number: z.string().trim().min(1).max(100).optional().describe('Part of the display number'),
    from: day.optional().describe('Issued on or after'),
    to: day.optional().describe('Issued on or before'),
    pdfAvailable: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional()
      .describe('S-6 "PDF available": false lists those without a PDF (not fetched yet, or given up)'),
    limit,
    before: id.optional(),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

/** PUT replaces the account's transfer details whole; null clears a field. */
export const collectionSettingsBody = z.strictObject({
  iban: z.string().trim().min(5).max(50).nullable().describe('Where customers transfer to; checked (mod-97). Spaces allowed, stored without'),
  bic: z.string().trim().min(8).max(14).nullable().describe('The bank’s BIC (8 or 11 characters)'),
  beneficiary: z.string().trim().min(1).max(70).nullable().describe('The account holder’s name; null = the account’s name'),
});

/** The manual send takes no options: the invoice's profile says what the mail offers. */
export const invitationBody = z.strictObject({}).optional();

// ---- mandates and direct debit (S-9) -----------------------------------------------------------

const MAX_CSV = 2_000_000;
export const mandateUploadBody = z.union([
  z.string().min(1, 'the CSV file is empty').max(MAX_CSV).describe('The CSV file itself (content type text/csv)'),
  z.strictObject({
    csv: z
      .string()
      .min(1, 'the CSV file is empty')
      .max(MAX_CSV)
      .describe('The CSV text: customerNumber, IBAN, BIC, mandateReference, signatureDate[, sequence]'),
    fileName: z.string().trim().min(1).max(200).optional(),
  }),
]);

export const mandatesQuery = z.strictObject({
  customerId: id.optional(),
  status: z.enum(['active', 'revoked']).optional(),
});

export const creditorBody = z.strictObject({
  name: z.string().trim().min(1).max(70).describe('Shown on the debtor’s statement'),
  iban: z.string().trim().min(15).max(42),
  bic: z.string().trim().min(8).max(14),
  creditorId: z.string().trim().min(8).max(40).describe('SEPA creditor identifier, e.g. BE68ZZZ0123456789'),
});

export const collectBody = z.strictObject({});
export const listQuery = z.strictObject({ limit });
