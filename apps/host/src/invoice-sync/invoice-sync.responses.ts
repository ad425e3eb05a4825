import { z } from 'zod';

/* What the invoice-sync routes answer (for the OpenAPI document); objects may gain properties. */

const when = z.string().describe('ISO 8601 date-time');
const amount = z.string().describe('Decimal string in the invoice currency, e.g. "121.00"');
const kind = z.enum(['invoice', 'credit_note']);
const page = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable().describe('Pass as `after` for the next page') });

export const accountingBackfill = z.object({
  filled: z.number().int().describe('Documents whose accounting details were read and stored by this call'),
  failed: z.number().int().describe('Documents the source could not give details for this time (tried again later, after the others)'),
  remaining: z.number().int().describe('Imported documents of the account still without details'),
});

export const sourcesList = z.object({ data: z.array(z.object({ id: z.string(), label: z.string(), pluginId: z.string() })) });

export const connectionView = z.object({
  id: z.string(),
  sourceId: z.string().describe('The invoice source, e.g. teamleader'),
  sourceAccountId: z.string(),
  status: z.enum(['connected', 'reconsent_needed', 'disconnected']),
  defaultProfileId: z.string().nullable(),
  autoImport: z.boolean(),
  profileFieldId: z.string().nullable().describe('The invoice profile field (same as invoiceProfileFieldId)'),
  invoiceProfileFieldId: z.string().nullable().describe('S-2: the invoice custom field that names a profile'),
  subscriptionProfileFieldId: z.string().nullable().describe('S-2: the subscription custom field that names a profile'),
  createdAt: when,
  updatedAt: when,
});
export const connectionsList = z.object({ data: z.array(connectionView) });

export const customFieldsList = z.object({
  data: z.array(
    z.object({
      id: z.string().describe('Set it as the connection’s invoiceProfileFieldId (or subscriptionProfileFieldId)'),
      label: z.string(),
      type: z.string().describe('The source’s field type, e.g. single_select, single_line'),
      context: z.string().optional().describe('Where the field is defined: invoice or subscription (S-2: one profile field per context)'),
      options: z
        .array(z.object({ id: z.string(), label: z.string().describe('The text users pick at the source') }))
        .nullable()
        .describe('Select fields: a profile’s sourceOptionValue may be the option’s id or its label; null for other types'),
    }),
  ),
});

export const runView = z.object({
  id: z.string(),
  connectionId: z.string(),
  trigger: z.enum(['manual', 'sweep', 'webhook']),
  issuedSince: z.string().nullable().describe('YYYY-MM-DD'),
  updatedSince: when.nullable(),
  resumedFrom: z.string().nullable(),
  status: z.enum(['running', 'completed', 'failed', 'interrupted']),
  counts: z.object({ new: z.number().int(), updated: z.number().int(), ignored: z.number().int(), failed: z.number().int() }),
  failures: z.array(z.object({ sourceId: z.string(), kind, number: z.string().optional(), reason: z.string() })),
  flags: z.object({
    zeroDaySubscriptions: z.array(z.object({ subscriptionId: z.string(), title: z.string() })).optional(),
    customersRefreshed: z.number().int().optional(),
  }),
  highWater: when.nullable(),
  error: z.string().nullable(),
  startedAt: when,
  finishedAt: when.nullable(),
});
export const runsPage = page(runView);

export const profileView = z.object({
  id: z.string(),
  name: z.string(),
  directDebit: z.boolean(),
  paymentLink: z.boolean(),
  transfer: z.boolean(),
  sourceOptionValue: z.string().nullable(),
  isDefault: z.boolean(),
  sendInvitation: z.boolean().describe('S-7: invoices are e-mailed to their customer once the PDF is there'),
  createdAt: when,
  updatedAt: when,
});
export const profilesList = z.object({ data: z.array(profileView) });
export const profileDeleted = z.object({ deleted: z.literal(true), id: z.string() });

export const customerView = z.object({
  id: z.string(),
  connectionId: z.string(),
  sourceType: z.enum(['contact', 'company']),
  sourceId: z.string(),
  customerNumber: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  address: z
    .object({ line1: z.string().optional(), postalCode: z.string().optional(), city: z.string().optional(), country: z.string().optional() })
    .nullable(),
  vatNumber: z.string().nullable(),
  language: z.string().nullable(),
  profileId: z.string().nullable(),
  localNumberChangedAt: when.nullable(),
  createdAt: when,
  updatedAt: when,
});
export const customersPage = page(customerView);

export const invoiceView = z.object({
  id: z.string(),
  connectionId: z.string(),
  kind,
  sourceId: z.string(),
  sourceNumber: z.string(),
  number: z.string(),
  departmentId: z.string(),
  customerId: z.string(),
  currency: z.string(),
  totalExclVat: amount,
  totalInclVat: amount,
  amountDue: amount,
  issuedOn: z.string().describe('YYYY-MM-DD'),
  dueOn: z.string().describe('YYYY-MM-DD'),
  paymentTermDays: z.number().int().nullable(),
  status: z.enum(['booked', 'pending', 'paid', 'expired']).describe('pending = a collection is under way (direct debit submitted)'),
  profileId: z.string(),
  subscriptionId: z.string().nullable(),
  creditedInvoiceId: z.string().nullable(),
  collectable: z.boolean().describe('False when it cannot be collected here (e.g. not in EUR): imported for the record only'),
  collectionBlockedReason: z.string().nullable().describe('Why it cannot be collected: currency_not_eur; null when collectable'),
  pdfStatus: z
    .enum(['missing', 'available', 'failed'])
    .describe('S-6: available = GET …/invoices/:id/pdf serves it; missing = not fetched yet; failed = given up (POST …/invoices/pdfs/fetch tries again)'),
  sourceUpdatedAt: when,
  createdAt: when,
  updatedAt: when,
});
export const invoicesPage = page(invoiceView);
export const invoiceWithEvents = invoiceView.extend({
  events: z.array(z.object({ at: when, type: z.string(), detail: z.record(z.string(), z.unknown()) })),
});

export const invitationView = z.object({
  invoiceId: z.string(),
  status: z.enum(['queued', 'sent', 'failed']).describe('queued: in the mail outbox; sent: accepted by the mail server; failed: see reason'),
  trigger: z.enum(['automatic', 'manual']),
  attempt: z.number().int().describe('1, then +1 for each manual send after a failure'),
  recipient: z.string().nullable(),
  locale: z.string().nullable().describe('nl, fr, en or de: the customer’s language (English otherwise)'),
  reason: z.string().nullable(),
  queuedAt: when,
  sentAt: when.nullable(),
  failedAt: when.nullable(),
});
export const invitationState = z.object({ invitation: invitationView.nullable().describe('null: no invitation yet') });
export const collectionSettings = z.object({
  iban: z.string().nullable(),
  bic: z.string().nullable(),
  beneficiary: z.string().nullable().describe('null: the account’s name is shown'),
  updatedAt: when.nullable(),
});

// ---- mandates and direct debit (S-9) -----------------------------------------------------------

const uploadRow = z.object({
  line: z.number().int().describe('Line in the file (the header is line 1)'),
  customerNumber: z.string(),
  reference: z.string().describe('The mandate reference'),
  outcome: z.enum(['linked', 'unchanged', 'failed']),
  reasons: z
    .array(z.string())
    .describe(
      'Why a row failed: missing_customer_number, unknown_customer, missing_iban, invalid_iban, iban_not_sepa, invalid_bic, bic_country_mismatch, missing_reference, invalid_reference, missing_signature_date, invalid_signature_date, signature_date_in_future, invalid_sequence, duplicate_reference_in_file, duplicate_reference_in_account',
    ),
  customerId: z.string().nullable(),
  mandateId: z.string().nullable(),
});
const uploadCounts = z.object({ total: z.number().int(), linked: z.number().int(), unchanged: z.number().int(), failed: z.number().int() });
export const mandateUpload = z.object({
  id: z.string(),
  fileName: z.string().nullable(),
  counts: uploadCounts,
  createdAt: when,
  rows: z.array(uploadRow),
  replayed: z.boolean().optional().describe('True when the same file was uploaded before: this is that upload'),
});
export const mandateUploadsList = z.object({
  data: z.array(z.object({ id: z.string(), fileName: z.string().nullable(), counts: uploadCounts, createdAt: when })),
});
export const mandatesList = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      customerId: z.string(),
      customerNumber: z.string(),
      customerName: z.string(),
      reference: z.string(),
      iban: z.string(),
      bic: z.string().nullable(),
      signatureDate: z.string().describe('YYYY-MM-DD'),
      sequence: z.enum(['FRST', 'RCUR', 'OOFF']),
      status: z.enum(['active', 'revoked']),
      uploadId: z.string().nullable(),
      createdAt: when,
      updatedAt: when,
    }),
  ),
});
const creditorSettings = z.object({ name: z.string(), iban: z.string(), bic: z.string(), creditorId: z.string(), updatedAt: when });
export const creditorView = z.object({ creditor: creditorSettings.nullable().describe('null until set') });
const ddFile = z.object({ id: z.string(), msgId: z.string(), sequence: z.string(), count: z.number().int(), controlSum: amount });
const ddRunFields = {
  id: z.string(),
  trigger: z.enum(['manual', 'schedule']),
  collectorId: z.string(),
  itemCount: z.number().int().describe('Invoices handed to the bank in this run'),
  controlSum: amount,
  collectionDate: z.string().nullable().describe('YYYY-MM-DD'),
  files: z.array(ddFile).describe('pain.008 files made (one per sequence type)'),
  error: z.string().nullable().describe('Why the collector could not take them; the next run sends them again'),
  createdAt: when,
};
export const directDebitRun = z.object({
  ...ddRunFields,
  outcomes: z.object({ settled: z.number().int(), returned: z.number().int() }).describe('The bank’s answers applied before collecting'),
});
export const directDebitRuns = z.object({ data: z.array(z.object(ddRunFields)) });
