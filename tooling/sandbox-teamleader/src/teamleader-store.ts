import { randomBytes, randomUUID } from 'node:crypto';
import {
  addDays,
  badRequest,
  dateOnly,
  dateTime,
  endOfMonth,
  isObject,
  money,
  notFound,
  optionalString,
  parseDate,
  parseDateTime,
  parseRef,
  requireString,
  structuredReference,
  taxOf,
  TeamleaderApiError,
  toBasisPoints,
  toCents,
  type Json,
  type Ref,
} from './teamleader-values.js';

/** Fixed ids of what every sandbox starts with, so tests can name them. */
export const SANDBOX_IDS = {
  account: '0fc55513-7f68-4865-aba0-de5da9e4e43d',
  user: 'cb8da52a-ce89-4bf6-8f7e-8ee6cb85e3b5',
  department: '5e90eb0a-b502-4344-aa0f-3b8525af6186',
  taxRate21: '2b1f4bd4-4d4f-4b2a-9d1c-21a21a21a210',
  taxRate12: '2b1f4bd4-4d4f-4b2a-9d1c-12a12a12a120',
  taxRate6: '2b1f4bd4-4d4f-4b2a-9d1c-06a06a06a060',
  taxRate0: '2b1f4bd4-4d4f-4b2a-9d1c-00a00a00a000',
  /** 0 %, exempt (art. 44 of the Belgian VAT code). */
  taxRate0Exempt: '2b1f4bd4-4d4f-4b2a-9d1c-00e00e00e000',
  /** 0 %, reverse charge: the Belgian "medecontractant" (the buyer accounts for the VAT). */
  taxRate0ReverseCharge: '2b1f4bd4-4d4f-4b2a-9d1c-00a0e0a0e000',
  /** 0 %, intra-community supply to a buyer with an EU VAT number. */
  taxRate0IntraCommunity: '2b1f4bd4-4d4f-4b2a-9d1c-00c00c00c000',
  /** 0 %, export outside the EU. */
  taxRate0Export: '2b1f4bd4-4d4f-4b2a-9d1c-00f00f00f000',
  paymentMethodTransfer: 'bb9589ec-1c1b-4b5e-9d31-7a2a6a1a0001',
  paymentMethodDirectDebit: 'bb9589ec-1c1b-4b5e-9d31-7a2a6a1a0002',
} as const;

/** Webhook event types the sandbox emits (a subset of Teamleader's list). */
export type TeamleaderEventType =
  | 'invoice.drafted'
  | 'invoice.booked'
  | 'invoice.updated'
  | 'invoice.deleted'
  | 'invoice.paymentRegistered'
  | 'invoice.paymentRemoved'
  | 'creditNote.booked'
  | 'company.added'
  | 'company.updated'
  | 'contact.added'
  | 'contact.updated'
  | 'subscription.added'
  | 'subscription.updated'
  | 'subscription.deactivated'
  | 'subscription.deleted';

export type PdfMode = 'immediate' | 'deferred';

type CustomerType = 'company' | 'contact';
const CUSTOMER_TYPES = ['company', 'contact'] as const;
const CUSTOM_FIELD_CONTEXTS = ['contact', 'company', 'deal', 'project', 'milestone', 'product', 'invoice', 'subscription', 'ticket'] as const;
const CUSTOM_FIELD_TYPES = [
  'single_line',
  'multi_line',
  'single_select',
  'multi_select',
  'date',
  'money',
  'auto_increment',
  'integer',
  'number',
  'boolean',
  'email',
  'telephone',
  'url',
  'company',
  'contact',
  'product',
  'user',
] as const;
const PAYMENT_TERM_TYPES = ['cash', 'end_of_month', 'after_invoice_date'] as const;
const INVOICE_STATUSES = ['draft', 'outstanding', 'matched'] as const;
const FILE_TTL_MS = 60 * 60_000;

interface PaymentTerm {
  type: (typeof PAYMENT_TERM_TYPES)[number];
  days?: number;
}

interface Line {
  section: string | null;
  description: string;
  /** Absent in state saved before accounting details (read as null). */
  extendedDescription?: string | null;
  /** Quantity in hundredths, so 1.5 × 10.00 stays exact. */
  quantityHundredths: number;
  unitPriceCents: number;
  taxRateId: string;
  /** A percentage discount in hundredths of a percent (10 % → 1000); absent or null: none. */
  discountHundredthsPercent?: number | null;
}

interface CustomFieldValue {
  definitionId: string;
  value: unknown;
}

interface StoredInvoice {
  id: string;
  departmentId: string;
  number: string | null;
  sequence: number | null;
  invoiceDate: string | null;
  dueOn: string | null;
  status: (typeof INVOICE_STATUSES)[number];
  customer: Ref<CustomerType>;
  forAttentionOf: Ref<'contact'> | null;
  lines: Line[];
  currency: string;
  paymentTerm: PaymentTerm;
  payments: Array<{ paidAt: string; cents: number; currency: string; paymentMethodId: string | null }>;
  creditedCents: number;
  creditedAt: string | null;
  purchaseOrderNumber: string | null;
  /** `delivery_date` (developer portal), YYYY-MM-DD; absent in states saved before it existed. */
  deliveryDate?: string | null;
  paymentReference: string | null;
  note: string | null;
  customFields: CustomFieldValue[];
  subscriptionId: string | null;
  dealId: string | null;
  projectId: string | null;
  expectedPaymentMethod: Json | null;
  pdfReady: boolean;
  fileId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface StoredCreditNote {
  id: string;
  departmentId: string;
  number: string;
  date: string;
  invoiceId: string | null;
  customer: Ref<CustomerType>;
  lines: Line[];
  currency: string;
  pdfReady: boolean;
  createdAt: Date;
  updatedAt: Date;
}

interface StoredSubscription {
  id: string;
  title: string;
  note: string | null;
  status: 'active' | 'deactivated';
  departmentId: string;
  customer: Ref<CustomerType>;
  forAttentionOf: Ref<'contact'> | null;
  startsOn: string;
  endsOn: string | null;
  nextRenewalDate: string;
  billingCycle: { unit: 'week' | 'month' | 'year'; period: number; daysInAdvance: number };
  lines: Line[];
  currency: string;
  paymentTerm: PaymentTerm;
  invoiceGeneration: Json;
  customFields: CustomFieldValue[];
  createdAt: Date;
  updatedAt: Date;
}

interface StoredParty {
  id: string;
  type: CustomerType;
  /** Everything but custom fields and timestamps, as Teamleader shows it. */
  fields: Json;
  customFields: CustomFieldValue[];
  addedAt: Date;
  updatedAt: Date;
}

interface StoredCustomField {
  id: string;
  context: (typeof CUSTOM_FIELD_CONTEXTS)[number];
  type: (typeof CUSTOM_FIELD_TYPES)[number];
  label: string;
  group: string | null;
  required: boolean;
  options: Array<{ id: string; value: string }> | null;
  extraOptionAllowed: boolean;
}

interface StoredDepartment {
  id: string;
  name: string;
  vatNumber: string | null;
  currency: string;
  email: string | null;
  status: 'active' | 'archived';
  /** Absent in state saved before accounting details: the sandbox's default address / account then. */
  address?: { line1: string; postalCode: string; city: string; country: string } | null;
  iban?: string | null;
  bic?: string | null;
}

interface StoredFile {
  kind: 'invoice' | 'creditNote';
  id: string;
  format: string;
  expiresAt: number;
}

/** What an API handler answers: 200 with data (+ meta), 201 with a reference, or 204. */
export type ApiResult = { status: 200; data: unknown; meta?: Json } | { status: 201; data: Ref } | { status: 204 };

/** The store's records in JSON form (opaque to callers: pass what exportState gave to importState). */
export type TeamleaderStoreState = Record<string, unknown>;

/** Deep copy with Date → `{ $date: iso }`, so records with Date fields go through JSON and back unchanged. */
export function toJsonable(value: unknown): unknown {
  if (value instanceof Date) return { $date: value.toISOString() };
  if (Array.isArray(value)) return value.map(toJsonable);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = toJsonable(v);
    return out;
  }
  return value;
}

/** The inverse of toJsonable. */
export function fromJsonable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJsonable);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]![0] === '$date' && typeof entries[0]![1] === 'string') return new Date(entries[0]![1]);
    return Object.fromEntries(entries.map(([key, v]) => [key, fromJsonable(v)]));
  }
  return value;
}

/** One seeded line: `taxRate` picks the first tax rate with that rate (21 %, 12 %, 6 %, plain 0 %); `taxRateId` any of them. */
export interface SeedLineInput {
  description?: string;
  extendedDescription?: string;
  quantity?: number | string;
  unitPrice: string | number;
  taxRate?: string | number;
  taxRateId?: string;
  /** A percentage off the line (Teamleader's `discount: { type: 'percentage', value }`), e.g. '10'. */
  discountPercent?: string | number;
  section?: string;
}

/** Friendly seed input for an invoice (control.seedInvoice). */
export interface SeedInvoiceInput {
  /** A fixed id (demo data that stays the same on every start); default a random UUID. */
  id?: string;
  customer: { type: CustomerType; id: string };
  /** Default: the sandbox's department. */
  departmentId?: string;
  /** Default: one line "Services", 1 × 100.00 at 21 %. Amounts and rates are decimal strings (or numbers). */
  lines?: SeedLineInput[];
  currency?: string;
  /** Default `{ type: 'after_invoice_date', days: 30 }`. */
  paymentTerm?: { type: 'cash' | 'end_of_month' | 'after_invoice_date'; days?: number };
  customFields?: Array<{ definitionId: string; value: unknown }>;
  subscriptionId?: string;
  dealId?: string;
  projectId?: string;
  purchaseOrderNumber?: string;
  /** `delivery_date`: a date, or 'booking_date' for the date it is booked on. Default none. */
  deliveryDate?: string;
  note?: string;
  forAttentionOf?: string;
  expectedPaymentMethod?: Json;
  /** Book it (assigns a number, status `outstanding`). Default false: a draft. */
  booked?: boolean;
  /** Booking date `YYYY-MM-DD`; default today by the sandbox clock. */
  bookedOn?: string;
  /** Register a payment of the full amount (needs `booked`). */
  paid?: boolean;
}

export interface SeedPartyInput {
  /** A fixed id (seeds only); default a random UUID. */
  id?: string;
  name?: string;
  firstName?: string;
  lastName?: string;
  vatNumber?: string;
  email?: string;
  /** Companies: the `invoicing` e-mail Twikey adds as CC. */
  invoicingEmail?: string;
  language?: string;
  iban?: string;
  bic?: string;
  nationalIdentificationNumber?: string;
  address?: { line1: string; postalCode: string; city: string; country: string };
  customFields?: Array<{ definitionId: string; value: unknown }>;
  status?: 'active' | 'deactivated';
}

export interface SeedCreditNoteInput {
  /** A fixed id; default a random UUID. */
  id?: string;
  /** The credited invoice (booked); default lines are a full credit of it. */
  invoiceId?: string;
  /** Needed when there is no invoice. */
  customer?: { type: CustomerType; id: string };
  departmentId?: string;
  lines?: SeedInvoiceInput['lines'];
  /** Default today by the sandbox clock. */
  date?: string;
}

export interface SeedSubscriptionInput {
  /** A fixed id; default a random UUID. */
  id?: string;
  customer: { type: CustomerType; id: string };
  title?: string;
  departmentId?: string;
  lines?: SeedInvoiceInput['lines'];
  status?: 'active' | 'deactivated';
  startsOn?: string;
  billingCycle?: { unit: 'week' | 'month' | 'year'; period: number; daysInAdvance?: number };
  customFields?: Array<{ definitionId: string; value: unknown }>;
  paymentTerm?: SeedInvoiceInput['paymentTerm'];
}

/** How single-select values are answered (see TeamleaderStore.setSelectValueForm). */
export type SelectValueForm = 'as_stored' | 'id' | 'text';

export interface SeedCustomFieldInput {
  context: (typeof CUSTOM_FIELD_CONTEXTS)[number];
  type: (typeof CUSTOM_FIELD_TYPES)[number];
  label: string;
  /** For single_select / multi_select: the option texts, or `{ id, value }` to fix an option's id. */
  options?: Array<string | { id: string; value: string }>;
  required?: boolean;
  group?: string;
  /** A fixed definition id (e.g. demo data that must stay the same across restarts); random otherwise. */
  id?: string;
}

export interface SeedDepartmentInput {
  name: string;
  vatNumber?: string;
  currency?: string;
  email?: string;
  status?: 'active' | 'archived';
  address?: { line1: string; postalCode: string; city: string; country: string };
  iban?: string;
  bic?: string;
}

/** The fake Teamleader account: its data, the RPC endpoints over it, and the events its changes make. */
export class TeamleaderStore {
  readonly #now: () => Date;
  readonly #baseUrl: () => string;
  readonly #onEvent: (event: { type: TeamleaderEventType; subject: Ref }) => void;
  #departments = new Map<string, StoredDepartment>();
  #parties = new Map<string, StoredParty>();
  #customFields = new Map<string, StoredCustomField>();
  #invoices = new Map<string, StoredInvoice>();
  #creditNotes = new Map<string, StoredCreditNote>();
  #subscriptions = new Map<string, StoredSubscription>();
  #files = new Map<string, StoredFile>();
  #referenceSequence = 0;
  #strictMode = false;
  #pdfMode: PdfMode = 'immediate';
  #filesFailing = false;
  #selectValues: SelectValueForm = 'as_stored';
  /** The next downloads' locations come back expired ('stamp') or die before they are fetched ('link'). */
  #expireLinks: { count: number; how: 'stamp' | 'link' } = { count: 0, how: 'stamp' };
  /** Extra bytes in every PDF served (an image-heavy document). */
  #pdfPadding = 0;

  constructor(input: { now: () => Date; baseUrl: () => string; onEvent: (event: { type: TeamleaderEventType; subject: Ref }) => void }) {
    this.#now = input.now;
    this.#baseUrl = input.baseUrl;
    this.#onEvent = input.onEvent;
    this.reset();
  }

  /** Every record and switch, JSON-able (dates tagged as `{ $date }`), for a restart that goes on where it stopped. */
  exportState(): TeamleaderStoreState {
    return toJsonable({
      departments: [...this.#departments.values()],
      parties: [...this.#parties.values()],
      customFields: [...this.#customFields.values()],
      invoices: [...this.#invoices.values()],
      creditNotes: [...this.#creditNotes.values()],
      subscriptions: [...this.#subscriptions.values()],
      files: [...this.#files.entries()],
      referenceSequence: this.#referenceSequence,
      strictMode: this.#strictMode,
      pdfMode: this.#pdfMode,
      filesFailing: this.#filesFailing,
    }) as TeamleaderStoreState;
  }

  importState(state: TeamleaderStoreState): void {
    const s = fromJsonable(state) as {
      departments: StoredDepartment[];
      parties: StoredParty[];
      customFields: StoredCustomField[];
      invoices: StoredInvoice[];
      creditNotes: StoredCreditNote[];
      subscriptions: StoredSubscription[];
      files: Array<[string, StoredFile]>;
      referenceSequence: number;
      strictMode: boolean;
      pdfMode: PdfMode;
      filesFailing: boolean;
    };
    const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((row) => [row.id, row]));
    this.#departments = byId(s.departments);
    this.#parties = byId(s.parties);
    this.#customFields = byId(s.customFields);
    this.#invoices = byId(s.invoices);
    this.#creditNotes = byId(s.creditNotes);
    this.#subscriptions = byId(s.subscriptions);
    this.#files = new Map(s.files);
    this.#referenceSequence = s.referenceSequence;
    this.#strictMode = s.strictMode;
    this.#pdfMode = s.pdfMode;
    this.#filesFailing = s.filesFailing;
  }

  /** A fixed id from a seed (refused when taken), or a random UUID. */
  #newId(records: Map<string, unknown>, fixed: string | undefined): string {
    if (fixed === undefined) return randomUUID();
    if (records.has(fixed)) throw new RangeError(`id ${fixed} is already taken`);
    return fixed;
  }

  reset(): void {
    this.#departments = new Map([
      [
        SANDBOX_IDS.department,
        {
          id: SANDBOX_IDS.department,
          name: 'Sandbox BV',
          vatNumber: 'BE0899623035',
          currency: 'EUR',
          email: 'billing@sandbox.test',
          status: 'active',
          address: DEFAULT_DEPARTMENT_ADDRESS,
          iban: 'BE68539007547034',
          bic: 'BBRUBEBB',
        },
      ],
    ]);
    this.#parties = new Map();
    this.#customFields = new Map();
    this.#invoices = new Map();
    this.#creditNotes = new Map();
    this.#subscriptions = new Map();
    this.#files = new Map();
    this.#referenceSequence = 0;
    this.#strictMode = false;
    this.#pdfMode = 'immediate';
    this.#filesFailing = false;
    this.#expireLinks = { count: 0, how: 'stamp' };
    this.#pdfPadding = 0;
    this.#selectValues = 'as_stored';
  }

  /**
   * How single-select values are answered: Teamleader does not document whether it is the option's
   * id or its text (issue 14 A1). `id` / `text` turn a stored value of the other form into this one;
   * `as_stored` (default) answers what was written.
   */
  setSelectValueForm(form: SelectValueForm): void {
    if (form !== 'as_stored' && form !== 'id' && form !== 'text') throw new RangeError(`select value form must be as_stored, id or text, got ${String(form)}`);
    this.#selectValues = form;
  }

  #customFieldsJson(values: CustomFieldValue[]): Json[] {
    return customFieldsJson(
      values.map((v) => {
        const definition = this.#customFields.get(v.definitionId);
        if (this.#selectValues === 'as_stored' || definition?.type !== 'single_select' || typeof v.value !== 'string') return v;
        const option = definition.options?.find((o) => o.id === v.value || o.value === v.value);
        if (!option) return v;
        return { ...v, value: this.#selectValues === 'id' ? option.id : option.value };
      }),
    );
  }

  setStrictMode(on: boolean): void {
    this.#strictMode = on;
  }

  setPdfMode(mode: PdfMode): void {
    this.#pdfMode = mode;
  }

  failFileDownloads(on: boolean): void {
    this.#filesFailing = on;
  }

  expireNextDownloadLinks(input: { count: number; how?: 'stamp' | 'link' }): void {
    const how = input.how ?? 'stamp';
    if (how !== 'stamp' && how !== 'link') throw new RangeError(`how must be stamp or link, got ${String(how)}`);
    this.#expireLinks = { count: input.count, how };
  }

  padPdfs(input: { bytes: number }): void {
    this.#pdfPadding = input.bytes;
  }

  markPdfReady(input: { id: string }): void {
    const document = this.#invoices.get(input.id) ?? this.#creditNotes.get(input.id);
    if (!document) throw new RangeError(`no invoice or credit note ${input.id}`);
    document.pdfReady = true;
    if ('fileId' in document && document.status !== 'draft') document.fileId ??= randomUUID();
  }

  /** The RPC endpoints, keyed `resource.action`. */
  readonly endpoints: Record<string, (body: Json) => ApiResult> = {
    'users.me': () =>
      ok({
        id: SANDBOX_IDS.user,
        account: { type: 'account', id: SANDBOX_IDS.account },
        first_name: 'Sandra',
        last_name: 'Box',
        email: 'sandra@sandbox.test',
        email_verification_status: 'confirmed',
        telephones: [],
        language: 'en',
        function: 'Owner',
        time_zone: 'Europe/Brussels',
        preferences: { invoiceable: true, historic_time_tracking_limit: null, whitelabeling: false },
      }),
    'departments.list': (body) => {
      const filter = filterOf(body);
      const ids = optionalIds(filter);
      const statuses = optionalStringArray(filter, 'status', ['active', 'archived']);
      const rows = [...this.#departments.values()].filter((d) => (!ids || ids.includes(d.id)) && (!statuses || statuses.includes(d.status)));
      return ok(rows.map((d) => this.#department(d, false)));
    },
    'departments.info': (body) => ok(this.#department(this.#get(this.#departments, requireString(body, 'id'), 'Department'), true)),
    'taxRates.list': (body) => {
      // Paged like every list; filter.department_id narrows to one department's rates (an unknown one: none).
      const filter = filterOf(body);
      const departmentId = optionalString(filter, 'department_id');
      const rows = TAX_RATES.filter(() => departmentId === undefined || departmentId === SANDBOX_IDS.department).map((rate) => ({
        id: rate.id,
        description: rate.description,
        rate: rate.bp / 10_000,
        department: { type: 'department', id: SANDBOX_IDS.department },
      }));
      return page(body, rows);
    },
    'paymentMethods.list': () => ok(PAYMENT_METHODS.map((m) => ({ ...m }))),
    'customFieldDefinitions.list': (body) => {
      const filter = filterOf(body);
      const ids = optionalIds(filter);
      const context = optionalString(filter, 'context');
      // Teamleader refuses a context it does not know rather than answering an empty list.
      if (context !== undefined && !(CUSTOM_FIELD_CONTEXTS as readonly string[]).includes(context))
        throw badRequest(`filter.context must be one of ${CUSTOM_FIELD_CONTEXTS.join('|')}`);
      const rows = [...this.#customFields.values()].filter((f) => (!ids || ids.includes(f.id)) && (!context || f.context === context));
      return page(
        body,
        rows.map((f) => customFieldJson(f)),
      );
    },
    'customFieldDefinitions.info': (body) => ok(customFieldJson(this.#get(this.#customFields, requireString(body, 'id'), 'Custom field definition'))),
    'companies.add': (body) => created('company', this.#addParty({ type: 'company', body })),
    'companies.update': (body) => this.#updateParty({ type: 'company', body }),
    'companies.info': (body) => ok(this.#party(this.#getParty('company', requireString(body, 'id')), true)),
    'companies.list': (body) => this.#listParties({ type: 'company', body }),
    'contacts.add': (body) => created('contact', this.#addParty({ type: 'contact', body })),
    'contacts.update': (body) => this.#updateParty({ type: 'contact', body }),
    'contacts.info': (body) => ok(this.#party(this.#getParty('contact', requireString(body, 'id')), true)),
    'contacts.list': (body) => this.#listParties({ type: 'contact', body }),
    'invoices.list': (body) => this.#listInvoices(body),
    'invoices.info': (body) => ok(this.#invoice(this.#getInvoice(requireString(body, 'id')), true)),
    'invoices.draft': (body) => created('invoice', this.#draft(body).id),
    'invoices.update': (body) => {
      const invoice = this.#getInvoice(requireString(body, 'id'));
      if (invoice.status !== 'draft') throw badRequest('Only draft invoices can be updated; use invoices.updateBooked');
      this.#applyInvoiceUpdate({ invoice, body });
      return noContent();
    },
    'invoices.updateBooked': (body) => {
      const invoice = this.#getInvoice(requireString(body, 'id'));
      if (invoice.status === 'draft') throw badRequest('The invoice is not booked; use invoices.update');
      if (this.#strictMode) throw new TeamleaderApiError({ status: 403, title: "Booked invoices and credit notes can't be edited (strict mode)" });
      // An update that names no field changes nothing: no new updated_at, no webhook, no re-render
      // (the source plugin's strict-mode probe sends exactly that).
      if (Object.keys(body).every((key) => key === 'id')) return noContent();
      this.#applyInvoiceUpdate({ invoice, body });
      return noContent();
    },
    'invoices.book': (body) => {
      this.#book({ invoice: this.#getInvoice(requireString(body, 'id')), on: parseDate(body.on, 'on') });
      return noContent();
    },
    'invoices.delete': (body) => {
      this.#deleteInvoice(this.#getInvoice(requireString(body, 'id')));
      return noContent();
    },
    'invoices.credit': (body) => {
      const invoice = this.#getInvoice(requireString(body, 'id'));
      const date = body.credit_note_date === undefined ? dateOnly(this.#now()) : parseDate(body.credit_note_date, 'credit_note_date');
      return created('creditNote', this.#credit({ invoice, lines: invoice.lines, date, customer: invoice.customer, departmentId: invoice.departmentId }).id);
    },
    'invoices.download': (body) => ok(this.#download({ kind: 'invoice', id: requireString(body, 'id'), format: body.format })),
    'invoices.registerPayment': (body) => {
      this.#registerPayment({ invoice: this.#getInvoice(requireString(body, 'id')), body });
      return noContent();
    },
    'invoices.removePayments': (body) => {
      this.#removePayments(this.#getInvoice(requireString(body, 'id')));
      return noContent();
    },
    'creditNotes.list': (body) => this.#listCreditNotes(body),
    'creditNotes.info': (body) => ok(this.#creditNote(this.#get(this.#creditNotes, requireString(body, 'id'), 'Credit note'), true)),
    'creditNotes.download': (body) => ok(this.#download({ kind: 'creditNote', id: requireString(body, 'id'), format: body.format })),
    'subscriptions.list': (body) => this.#listSubscriptions(body),
    'subscriptions.info': (body) => ok(this.#subscription(this.#get(this.#subscriptions, requireString(body, 'id'), 'Subscription'), true)),
  };

  // ---- seeds (control) ----

  seedDepartment(input: SeedDepartmentInput): Json {
    const id = randomUUID();
    this.#departments.set(id, {
      id,
      name: input.name,
      vatNumber: input.vatNumber ?? null,
      currency: input.currency ?? 'EUR',
      email: input.email ?? null,
      status: input.status ?? 'active',
      address: input.address ?? null,
      iban: input.iban ?? null,
      bic: input.bic ?? null,
    });
    return this.#department(this.#departments.get(id)!, true);
  }

  seedCustomField(input: SeedCustomFieldInput): Json {
    if (!CUSTOM_FIELD_CONTEXTS.includes(input.context)) throw new RangeError(`unknown custom field context ${input.context}`);
    if (!CUSTOM_FIELD_TYPES.includes(input.type)) throw new RangeError(`unknown custom field type ${input.type}`);
    const id = this.#newId(this.#customFields, input.id);
    const select = input.type === 'single_select' || input.type === 'multi_select';
    this.#customFields.set(id, {
      id,
      context: input.context,
      type: input.type,
      label: input.label,
      group: input.group ?? null,
      required: input.required ?? false,
      options: select ? (input.options ?? []).map((option) => (typeof option === 'string' ? { id: randomUUID(), value: option } : { ...option })) : null,
      extraOptionAllowed: select,
    });
    return customFieldJson(this.#customFields.get(id)!);
  }

  seedCompany(input: SeedPartyInput): Json {
    const id = this.#addParty({ type: 'company', body: partyBody({ type: 'company', input }), ...(input.id ? { id: input.id } : {}) });
    return this.#party(this.#parties.get(id)!, true);
  }

  seedContact(input: SeedPartyInput): Json {
    const id = this.#addParty({ type: 'contact', body: partyBody({ type: 'contact', input }), ...(input.id ? { id: input.id } : {}) });
    return this.#party(this.#parties.get(id)!, true);
  }

  /** Changes a company or contact as a user would (fires `company.updated` / `contact.updated`). */
  updateParty(input: { type: CustomerType; id: string; changes: SeedPartyInput }): Json {
    const body = { id: input.id, ...partyBody({ type: input.type, input: input.changes, partial: true }) };
    this.#updateParty({ type: input.type, body });
    return this.#party(this.#getParty(input.type, input.id), true);
  }

  seedInvoice(input: SeedInvoiceInput): Json {
    const invoice = this.#draft(
      {
        invoicee: { customer: input.customer, ...(input.forAttentionOf ? { for_attention_of: { type: 'contact', id: input.forAttentionOf } } : {}) },
        department_id: input.departmentId ?? SANDBOX_IDS.department,
        payment_term: input.paymentTerm ?? { type: 'after_invoice_date', days: 30 },
        grouped_lines: linesBody(input.lines),
        currency: { code: input.currency ?? 'EUR' },
        ...(input.customFields ? { custom_fields: input.customFields.map((f) => ({ id: f.definitionId, value: f.value })) } : {}),
        ...(input.purchaseOrderNumber ? { purchase_order_number: input.purchaseOrderNumber } : {}),
        ...(input.deliveryDate && input.deliveryDate !== 'booking_date' ? { delivery_date: input.deliveryDate } : {}),
        ...(input.note ? { note: input.note } : {}),
        ...(input.dealId ? { deal_id: input.dealId } : {}),
        ...(input.projectId ? { project_id: input.projectId } : {}),
        ...(input.expectedPaymentMethod ? { expected_payment_method: input.expectedPaymentMethod } : {}),
      },
      input.id,
    );
    if (input.subscriptionId) {
      this.#get(this.#subscriptions, input.subscriptionId, 'Subscription');
      invoice.subscriptionId = input.subscriptionId;
    }
    if (input.deliveryDate === 'booking_date') invoice.deliveryDate = input.bookedOn ?? dateOnly(this.#now());
    if (input.booked || input.paid) this.#book({ invoice, on: input.bookedOn ?? dateOnly(this.#now()) });
    if (input.paid) {
      const due = dueCents(invoice);
      this.#registerPayment({ invoice, body: { payment: { amount: due / 100, currency: invoice.currency }, paid_at: dateTime(this.#now()) } });
    }
    return this.#invoice(invoice, true);
  }

  seedCreditNote(input: SeedCreditNoteInput): Json {
    const invoice = input.invoiceId ? this.#getInvoice(input.invoiceId) : null;
    const customer = invoice?.customer ?? input.customer;
    if (!customer) throw new RangeError('seedCreditNote needs invoiceId or customer');
    const lines = input.lines ? parseLines(linesBody(input.lines)) : invoice ? invoice.lines : parseLines(linesBody(undefined));
    const note = this.#credit({
      invoice,
      lines,
      date: input.date ?? dateOnly(this.#now()),
      customer,
      departmentId: invoice?.departmentId ?? input.departmentId ?? SANDBOX_IDS.department,
      ...(input.id ? { id: input.id } : {}),
    });
    return this.#creditNote(note, true);
  }

  seedSubscription(input: SeedSubscriptionInput): Json {
    const customer = parseRef(input.customer, 'customer', CUSTOMER_TYPES);
    this.#getParty(customer.type, customer.id);
    const departmentId = input.departmentId ?? SANDBOX_IDS.department;
    this.#get(this.#departments, departmentId, 'Department');
    const startsOn = input.startsOn ?? dateOnly(this.#now());
    const cycle = input.billingCycle ?? { unit: 'month', period: 1 };
    const now = this.#now();
    const subscription: StoredSubscription = {
      id: this.#newId(this.#subscriptions, input.id),
      title: input.title ?? 'Sandbox subscription',
      note: null,
      status: input.status ?? 'active',
      departmentId,
      customer,
      forAttentionOf: null,
      startsOn,
      endsOn: null,
      nextRenewalDate: nextRenewal({ startsOn, unit: cycle.unit, period: cycle.period }),
      billingCycle: { unit: cycle.unit, period: cycle.period, daysInAdvance: cycle.daysInAdvance ?? 0 },
      lines: parseLines(linesBody(input.lines)),
      currency: 'EUR',
      paymentTerm: parsePaymentTerm(input.paymentTerm ?? { type: 'after_invoice_date', days: 30 }),
      invoiceGeneration: { action: 'book', payment_method: 'direct_debit' },
      customFields: this.#parseCustomFields({ value: input.customFields?.map((f) => ({ id: f.definitionId, value: f.value })), context: 'subscription' }),
      createdAt: now,
      updatedAt: now,
    };
    this.#subscriptions.set(subscription.id, subscription);
    this.#emit('subscription.added', { type: 'subscription', id: subscription.id });
    return this.#subscription(subscription, true);
  }

  /** Changes a subscription (title, custom fields, status); fires `subscription.updated` or `.deactivated`. */
  updateSubscription(input: {
    id: string;
    title?: string;
    status?: 'active' | 'deactivated';
    customFields?: Array<{ definitionId: string; value: unknown }>;
  }): Json {
    const subscription = this.#get(this.#subscriptions, input.id, 'Subscription');
    if (input.title !== undefined) subscription.title = input.title;
    if (input.customFields) {
      subscription.customFields = this.#parseCustomFields({
        value: input.customFields.map((f) => ({ id: f.definitionId, value: f.value })),
        context: 'subscription',
      });
    }
    const deactivated = input.status === 'deactivated' && subscription.status === 'active';
    if (input.status) subscription.status = input.status;
    subscription.updatedAt = this.#now();
    this.#emit(deactivated ? 'subscription.deactivated' : 'subscription.updated', { type: 'subscription', id: subscription.id });
    return this.#subscription(subscription, true);
  }

  deleteSubscription(input: { id: string }): void {
    this.#get(this.#subscriptions, input.id, 'Subscription');
    this.#subscriptions.delete(input.id);
    this.#emit('subscription.deleted', { type: 'subscription', id: input.id });
  }

  invoiceInfo(input: { id: string }): Json {
    return this.#invoice(this.#getInvoice(input.id), true);
  }

  /** GET /files/<token>: the document bytes, or an HTTP status when expired / failing. */
  file(token: string): { status: number; contentType?: string; body: string } {
    const file = this.#files.get(token);
    if (!file || file.expiresAt <= this.#now().getTime()) return { status: 404, body: 'This download link does not exist or has expired.' };
    if (this.#filesFailing) return { status: 503, body: 'File storage unavailable (sandbox switch).' };
    const document = file.kind === 'invoice' ? this.#invoices.get(file.id) : this.#creditNotes.get(file.id);
    if (!document) return { status: 404, body: 'The document was deleted.' };
    const number = 'number' in document ? document.number : null;
    if (file.format !== 'pdf') {
      return {
        status: 200,
        contentType: 'application/xml',
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Invoice><ID>${number ?? document.id}</ID></Invoice>\n`,
      };
    }
    return {
      status: 200,
      contentType: 'application/pdf',
      body: minimalPdf(`${file.kind === 'invoice' ? 'Invoice' : 'Credit note'} ${number ?? document.id}`, this.#pdfPadding),
    };
  }

  // ---- invoices ----

  #draft(body: Json, fixedId?: string): StoredInvoice {
    const invoicee = body.invoicee;
    if (!isObject(invoicee)) throw badRequest('invoicee.customer is required');
    const customer = parseRef(invoicee.customer, 'invoicee.customer', CUSTOMER_TYPES);
    this.#getParty(customer.type, customer.id, 400);
    const forAttentionOf =
      invoicee.for_attention_of === undefined || invoicee.for_attention_of === null
        ? null
        : parseRef(invoicee.for_attention_of, 'invoicee.for_attention_of', ['contact'] as const);
    const departmentId = requireString(body, 'department_id');
    this.#get(this.#departments, departmentId, 'Department', 400);
    if (body.payment_term === undefined) throw badRequest('payment_term is required');
    if (body.grouped_lines === undefined) throw badRequest('grouped_lines is required');
    const now = this.#now();
    const invoice: StoredInvoice = {
      id: this.#newId(this.#invoices, fixedId),
      departmentId,
      number: null,
      sequence: null,
      invoiceDate: body.invoice_date === undefined ? null : parseDate(body.invoice_date, 'invoice_date'),
      dueOn: null,
      status: 'draft',
      customer,
      forAttentionOf,
      lines: parseLines(body.grouped_lines),
      currency: parseCurrency(body.currency),
      paymentTerm: parsePaymentTerm(body.payment_term),
      payments: [],
      creditedCents: 0,
      creditedAt: null,
      purchaseOrderNumber: optionalString(body, 'purchase_order_number') ?? null,
      deliveryDate: body.delivery_date === undefined || body.delivery_date === null ? null : parseDate(body.delivery_date, 'delivery_date'),
      paymentReference: null,
      note: optionalString(body, 'note') ?? null,
      customFields: this.#parseCustomFields({ value: body.custom_fields, context: 'invoice' }),
      subscriptionId: null,
      dealId: optionalString(body, 'deal_id') ?? null,
      projectId: optionalString(body, 'project_id') ?? null,
      expectedPaymentMethod: isObject(body.expected_payment_method) ? body.expected_payment_method : null,
      pdfReady: false,
      fileId: null,
      createdAt: now,
      updatedAt: now,
    };
    this.#invoices.set(invoice.id, invoice);
    this.#emit('invoice.drafted', { type: 'invoice', id: invoice.id });
    return invoice;
  }

  #applyInvoiceUpdate(input: { invoice: StoredInvoice; body: Json }): void {
    const { invoice, body } = input;
    if (body.invoicee !== undefined) {
      if (!isObject(body.invoicee)) throw badRequest('invoicee must be an object');
      if (body.invoicee.customer !== undefined) {
        const customer = parseRef(body.invoicee.customer, 'invoicee.customer', CUSTOMER_TYPES);
        this.#getParty(customer.type, customer.id, 400);
        invoice.customer = customer;
      }
    }
    if (body.department_id !== undefined && invoice.status === 'draft') {
      invoice.departmentId = this.#get(this.#departments, requireString(body, 'department_id'), 'Department', 400).id;
    }
    if (body.payment_term !== undefined) invoice.paymentTerm = parsePaymentTerm(body.payment_term);
    if (body.grouped_lines !== undefined) {
      const lines = parseLines(body.grouped_lines);
      if (invoice.status !== 'draft' && invoice.payments.length > 0) throw badRequest('Lines of an invoice with payments cannot change');
      invoice.lines = lines;
    }
    if (body.purchase_order_number !== undefined) invoice.purchaseOrderNumber = optionalString(body, 'purchase_order_number') ?? null;
    if (body.delivery_date !== undefined) invoice.deliveryDate = body.delivery_date === null ? null : parseDate(body.delivery_date, 'delivery_date');
    if (body.note !== undefined) invoice.note = optionalString(body, 'note') ?? null;
    if (body.invoice_date !== undefined && invoice.status === 'draft') invoice.invoiceDate = parseDate(body.invoice_date, 'invoice_date');
    if (body.custom_fields !== undefined) {
      const given = this.#parseCustomFields({ value: body.custom_fields, context: 'invoice' });
      invoice.customFields = body.custom_fields_update_strategy === 'partial' ? mergeCustomFields(invoice.customFields, given) : given;
    }
    if (body.expected_payment_method !== undefined)
      invoice.expectedPaymentMethod = isObject(body.expected_payment_method) ? body.expected_payment_method : null;
    if (invoice.status !== 'draft') {
      invoice.dueOn = dueDate({ invoiceDate: invoice.invoiceDate!, term: invoice.paymentTerm });
      this.#settle(invoice);
      this.#rerender(invoice);
    }
    invoice.updatedAt = this.#now();
    this.#emit('invoice.updated', { type: 'invoice', id: invoice.id });
  }

  #book(input: { invoice: StoredInvoice; on: string }): void {
    const { invoice, on } = input;
    if (invoice.status !== 'draft') throw badRequest('The invoice is already booked');
    const year = on.slice(0, 4);
    const taken = [...this.#invoices.values()].filter((other) => other.departmentId === invoice.departmentId && other.number?.startsWith(`${year} /`));
    const sequence = Math.max(0, ...taken.map((other) => other.sequence ?? 0)) + 1;
    invoice.sequence = sequence;
    invoice.number = `${year} / ${sequence}`;
    invoice.invoiceDate = on;
    invoice.dueOn = dueDate({ invoiceDate: on, term: invoice.paymentTerm });
    invoice.status = 'outstanding';
    this.#referenceSequence += 1;
    invoice.paymentReference = structuredReference(this.#referenceSequence);
    invoice.updatedAt = this.#now();
    this.#rerender(invoice);
    this.#settle(invoice);
    this.#emit('invoice.booked', { type: 'invoice', id: invoice.id });
  }

  #deleteInvoice(invoice: StoredInvoice): void {
    if (invoice.status !== 'draft') {
      const last = [...this.#invoices.values()]
        .filter((other) => other.departmentId === invoice.departmentId && other.number?.slice(0, 4) === invoice.number!.slice(0, 4))
        .every((other) => (other.sequence ?? 0) <= invoice.sequence!);
      if (!last) throw badRequest('Only drafts or the last booked invoice can be deleted');
      if ([...this.#creditNotes.values()].some((note) => note.invoiceId === invoice.id)) throw badRequest('A credited invoice cannot be deleted');
    }
    this.#invoices.delete(invoice.id);
    this.#emit('invoice.deleted', { type: 'invoice', id: invoice.id });
  }

  #registerPayment(input: { invoice: StoredInvoice; body: Json }): void {
    const { invoice, body } = input;
    if (invoice.status === 'draft') throw badRequest('Payments can only be registered on booked invoices');
    if (!isObject(body.payment)) throw badRequest('payment is required');
    const cents = toCents(body.payment.amount, 'payment.amount');
    if (cents <= 0) throw badRequest('payment.amount must be positive');
    if (body.payment.currency !== invoice.currency) throw badRequest(`payment.currency must be the invoice currency ${invoice.currency}`);
    const paidAt = dateTime(parseDateTime(body.paid_at, 'paid_at'));
    const paymentMethodId = optionalString(body, 'payment_method_id') ?? null;
    if (paymentMethodId && !PAYMENT_METHODS.some((m) => m.id === paymentMethodId)) throw badRequest('payment_method_id does not exist');
    invoice.payments.push({ paidAt, cents, currency: invoice.currency, paymentMethodId });
    this.#settle(invoice);
    invoice.updatedAt = this.#now();
    this.#emit('invoice.paymentRegistered', { type: 'invoice', id: invoice.id });
  }

  #removePayments(invoice: StoredInvoice): void {
    if (invoice.status === 'draft') throw badRequest('The invoice is not booked');
    invoice.payments = [];
    this.#settle(invoice);
    this.#rerender(invoice);
    invoice.updatedAt = this.#now();
    this.#emit('invoice.paymentRemoved', { type: 'invoice', id: invoice.id });
  }

  #credit(input: {
    invoice: StoredInvoice | null;
    lines: Line[];
    date: string;
    customer: Ref<CustomerType>;
    departmentId: string;
    id?: string;
  }): StoredCreditNote {
    const { invoice } = input;
    if (invoice && invoice.status === 'draft') throw badRequest('Only booked invoices can be credited');
    const year = input.date.slice(0, 4);
    const count = [...this.#creditNotes.values()].filter((note) => note.departmentId === input.departmentId && note.number.startsWith(`${year} /`)).length;
    const now = this.#now();
    const note: StoredCreditNote = {
      id: this.#newId(this.#creditNotes, input.id),
      departmentId: input.departmentId,
      number: `${year} / ${count + 1}`,
      date: input.date,
      invoiceId: invoice?.id ?? null,
      customer: input.customer,
      lines: input.lines.map((line) => ({ ...line })),
      currency: invoice?.currency ?? 'EUR',
      pdfReady: this.#pdfMode === 'immediate',
      createdAt: now,
      updatedAt: now,
    };
    this.#creditNotes.set(note.id, note);
    if (invoice) {
      // A credit note lowers what is still due on the invoice it credits.
      invoice.creditedCents += totals(note.lines).inclusive;
      invoice.creditedAt = dateTime(now);
      this.#settle(invoice);
      invoice.updatedAt = now;
    }
    this.#emit('creditNote.booked', { type: 'creditNote', id: note.id });
    return note;
  }

  /** Status follows what is still due: nothing left → `matched`. */
  #settle(invoice: StoredInvoice): void {
    if (invoice.status === 'draft') return;
    invoice.status = dueCents(invoice) <= 0 ? 'matched' : 'outstanding';
  }

  /** Booking and removing payments render the PDF again; in `deferred` mode it waits for markPdfReady. */
  #rerender(invoice: StoredInvoice): void {
    invoice.pdfReady = this.#pdfMode === 'immediate';
    invoice.fileId = invoice.pdfReady ? randomUUID() : null;
  }

  #download(input: { kind: 'invoice' | 'creditNote'; id: string; format: unknown }): Json {
    const formats = input.kind === 'invoice' ? ['pdf', 'ubl/e-fff', 'ubl/peppol_bis_3'] : ['pdf', 'ubl/e-fff'];
    if (typeof input.format !== 'string' || !formats.includes(input.format)) throw badRequest(`format must be one of ${formats.join(', ')}`);
    const document = input.kind === 'invoice' ? this.#getInvoice(input.id) : this.#get(this.#creditNotes, input.id, 'Credit note');
    if ('status' in document && document.status === 'draft') throw badRequest('Draft invoices have no document');
    if (!document.pdfReady) throw badRequest('The document is not rendered yet, try again later');
    const token = randomBytes(18).toString('base64url');
    const now = this.#now().getTime();
    let expiresAt = now + FILE_TTL_MS;
    let stamp = expiresAt;
    if (this.#expireLinks.count > 0) {
      this.#expireLinks.count--;
      // Either way the location is dead; 'stamp' also says so in `expires`, 'link' looks valid until fetched.
      expiresAt = now;
      if (this.#expireLinks.how === 'stamp') stamp = now - 1000;
    }
    this.#files.set(token, { kind: input.kind, id: input.id, format: input.format, expiresAt });
    return { location: `${this.#baseUrl()}/files/${token}`, expires: dateTime(new Date(stamp)) };
  }

  #listInvoices(body: Json): ApiResult {
    const filter = filterOf(body);
    const ids = optionalIds(filter);
    const statuses = filter.status === undefined ? undefined : statusArray(filter.status);
    const since = filter.updated_since === undefined ? undefined : parseDateTime(filter.updated_since, 'filter.updated_since').getTime();
    const after = filter.invoice_date_after === undefined ? undefined : parseDate(filter.invoice_date_after, 'filter.invoice_date_after');
    const before = filter.invoice_date_before === undefined ? undefined : parseDate(filter.invoice_date_before, 'filter.invoice_date_before');
    const customer = filter.customer === undefined ? undefined : parseRef(filter.customer, 'filter.customer', CUSTOMER_TYPES);
    const exact: Array<[string, (i: StoredInvoice) => string | null]> = [
      ['invoice_number', (i) => i.number],
      ['department_id', (i) => i.departmentId],
      ['deal_id', (i) => i.dealId],
      ['project_id', (i) => i.projectId],
      ['subscription_id', (i) => i.subscriptionId],
      ['purchase_order_number', (i) => i.purchaseOrderNumber],
      ['payment_reference', (i) => i.paymentReference],
    ];
    const wanted = exact.map(([field, get]) => [optionalString(filter, field), get] as const);
    const term = optionalString(filter, 'term')?.toLowerCase();
    const rows = [...this.#invoices.values()].filter((invoice) => {
      if (ids && !ids.includes(invoice.id)) return false;
      if (statuses && !statuses.includes(invoice.status)) return false;
      if (since !== undefined && invoice.updatedAt.getTime() < since) return false;
      if (after && (!invoice.invoiceDate || invoice.invoiceDate < after)) return false;
      if (before && (!invoice.invoiceDate || invoice.invoiceDate > before)) return false;
      if (customer && (invoice.customer.type !== customer.type || invoice.customer.id !== customer.id)) return false;
      if (wanted.some(([value, get]) => value !== undefined && get(invoice) !== value)) return false;
      if (term) {
        const haystack = [invoice.number, invoice.purchaseOrderNumber, invoice.paymentReference, this.#invoiceeName(invoice.customer)];
        if (!haystack.some((text) => text?.toLowerCase().includes(term))) return false;
      }
      return true;
    });
    const sort = parseSort(body, ['invoice_number', 'invoice_date']);
    rows.sort((a, b) => {
      const byField = sort.field === 'invoice_date' ? compareNullable(a.invoiceDate, b.invoiceDate) : compareNumbers(a, b);
      return (sort.order === 'desc' ? -byField : byField) || a.createdAt.getTime() - b.createdAt.getTime();
    });
    return page(
      body,
      rows.map((invoice) => this.#invoice(invoice, false)),
    );
  }

  #invoice(invoice: StoredInvoice, full: boolean): Json {
    const t = totals(invoice.lines);
    const currency = invoice.currency;
    const due = Math.max(0, dueCents(invoice));
    const party = this.#parties.get(invoice.customer.id);
    const matched = invoice.status === 'matched';
    const lastPayment =
      [invoice.creditedAt, ...invoice.payments.map((p) => p.paidAt)]
        .filter((at): at is string => at !== null)
        .sort()
        .at(-1) ?? null;
    const item: Json = {
      id: invoice.id,
      department: { type: 'department', id: invoice.departmentId },
      invoice_number: invoice.number,
      invoice_date: invoice.invoiceDate,
      status: invoice.status,
      due_on: invoice.dueOn,
      paid: matched,
      paid_at: matched ? lastPayment : null,
      sent: false,
      purchase_order_number: invoice.purchaseOrderNumber,
      payment_reference: invoice.paymentReference,
      invoicee: {
        name: this.#invoiceeName(invoice.customer),
        vat_number: (party?.fields.vat_number as string | null | undefined) ?? null,
        customer: { ...invoice.customer },
        for_attention_of: invoice.forAttentionOf ? { name: this.#invoiceeName(invoice.forAttentionOf), contact: { ...invoice.forAttentionOf } } : null,
        ...(full
          ? {
              email: party ? invoicingEmail(party) : null,
              national_identification_number: (party?.fields.national_identification_number as string | null | undefined) ?? null,
            }
          : {}),
      },
      total: {
        tax_exclusive: money({ cents: t.exclusive, currency }),
        tax_inclusive: money({ cents: t.inclusive, currency }),
        payable: money({ cents: t.inclusive, currency }),
        taxes: t.taxes.map((tax) => ({ rate: tax.bp / 10_000, taxable: money({ cents: tax.taxable, currency }), tax: money({ cents: tax.tax, currency }) })),
        due: money({ cents: due, currency }),
        ...(full
          ? {
              tax_exclusive_before_discount: money({ cents: t.exclusiveBeforeDiscount, currency }),
              tax_inclusive_before_discount: money({ cents: t.inclusiveBeforeDiscount, currency }),
              withheld_taxes: [],
            }
          : {}),
      },
      currency_exchange_rate: null,
      created_at: dateTime(invoice.createdAt),
      updated_at: dateTime(invoice.updatedAt),
      web_url: `${this.#baseUrl()}/invoice_detail.php?id=${invoice.id}`,
      file: invoice.fileId ? { type: 'file', id: invoice.fileId } : null,
      deal: invoice.dealId ? { type: 'deal', id: invoice.dealId } : null,
      project: invoice.projectId ? { type: 'nextgenProject', id: invoice.projectId } : null,
      delivery_date: invoice.deliveryDate ?? null,
    };
    // As observed on the developer portal: `subscription` is on list items only.
    if (!full) return { ...item, subscription: invoice.subscriptionId ? { type: 'subscription', id: invoice.subscriptionId } : null };
    return {
      ...item,
      discounts: [],
      grouped_lines: groupedLinesJson({ lines: invoice.lines, currency }),
      payment_term: { ...invoice.paymentTerm },
      payments: invoice.payments.map((p) => ({ paid_at: p.paidAt, payment: money({ cents: p.cents, currency: p.currency }) })),
      note: invoice.note,
      currency,
      expected_payment_method: invoice.expectedPaymentMethod,
      on_hold_since: null,
      custom_fields: this.#customFieldsJson(invoice.customFields),
      document_template: { type: 'documentTemplate', id: 'b7d2a6f0-0000-4000-8000-000000000001' },
      peppol_status: null,
    };
  }

  // ---- credit notes ----

  #listCreditNotes(body: Json): ApiResult {
    const filter = filterOf(body);
    const ids = optionalIds(filter);
    const since = filter.updated_since === undefined ? undefined : parseDateTime(filter.updated_since, 'filter.updated_since').getTime();
    const after = filter.credit_note_date_after === undefined ? undefined : parseDate(filter.credit_note_date_after, 'filter.credit_note_date_after');
    const before = filter.credit_note_date_before === undefined ? undefined : parseDate(filter.credit_note_date_before, 'filter.credit_note_date_before');
    const customer = filter.customer === undefined ? undefined : parseRef(filter.customer, 'filter.customer', CUSTOMER_TYPES);
    const invoiceId = optionalString(filter, 'invoice_id');
    const departmentId = optionalString(filter, 'department_id');
    const rows = [...this.#creditNotes.values()].filter(
      (note) =>
        (!ids || ids.includes(note.id)) &&
        (since === undefined || note.updatedAt.getTime() >= since) &&
        (!after || note.date >= after) &&
        // Unlike invoices, the "before" bound of credit notes is exclusive.
        (!before || note.date < before) &&
        (!customer || (note.customer.type === customer.type && note.customer.id === customer.id)) &&
        (!invoiceId || note.invoiceId === invoiceId) &&
        (!departmentId || note.departmentId === departmentId),
    );
    return page(
      body,
      rows.map((note) => this.#creditNote(note, false)),
    );
  }

  #creditNote(note: StoredCreditNote, full: boolean): Json {
    const t = totals(note.lines);
    const currency = note.currency;
    const party = this.#parties.get(note.customer.id);
    const item: Json = {
      id: note.id,
      department: { type: 'department', id: note.departmentId },
      credit_note_number: note.number,
      credit_note_date: note.date,
      status: 'booked',
      invoice: note.invoiceId ? { type: 'invoice', id: note.invoiceId } : null,
      paid: note.invoiceId !== null,
      paid_at: note.invoiceId !== null ? dateTime(note.createdAt) : null,
      invoicee: {
        name: this.#invoiceeName(note.customer),
        vat_number: (party?.fields.vat_number as string | null | undefined) ?? null,
        customer: { ...note.customer },
        ...(full ? { email: party ? invoicingEmail(party) : null } : {}),
      },
      total: {
        tax_exclusive: money({ cents: t.exclusive, currency }),
        tax_inclusive: money({ cents: t.inclusive, currency }),
        payable: money({ cents: t.inclusive, currency }),
        taxes: t.taxes.map((tax) => ({ rate: tax.bp / 10_000, taxable: money({ cents: tax.taxable, currency }), tax: money({ cents: tax.tax, currency }) })),
      },
      created_at: dateTime(note.createdAt),
      updated_at: dateTime(note.updatedAt),
    };
    if (!full) return item;
    return {
      ...item,
      discounts: [],
      grouped_lines: groupedLinesJson({ lines: note.lines, currency }),
      currency,
      currency_exchange_rate: null,
      document_template: { type: 'documentTemplate', id: 'b7d2a6f0-0000-4000-8000-000000000002' },
    };
  }

  // ---- subscriptions ----

  #listSubscriptions(body: Json): ApiResult {
    const filter = filterOf(body);
    const ids = optionalIds(filter);
    const statuses = optionalStringArray(filter, 'status', ['active', 'deactivated']);
    const customer = filter.customer === undefined ? undefined : parseRef(filter.customer, 'filter.customer', CUSTOMER_TYPES);
    const invoiceId = optionalString(filter, 'invoice_id');
    const fromInvoice = invoiceId === undefined ? undefined : (this.#invoices.get(invoiceId)?.subscriptionId ?? null);
    const departmentId = optionalString(filter, 'department_id');
    const rows = [...this.#subscriptions.values()].filter(
      (s) =>
        (!ids || ids.includes(s.id)) &&
        (!statuses || statuses.includes(s.status)) &&
        (!customer || (s.customer.type === customer.type && s.customer.id === customer.id)) &&
        (fromInvoice === undefined || s.id === fromInvoice) &&
        (!departmentId || s.departmentId === departmentId),
    );
    const sort = parseSort(body, ['title', 'created_at', 'status']);
    if (body.sort !== undefined) {
      const key = (s: StoredSubscription): string => (sort.field === 'title' ? s.title : sort.field === 'status' ? s.status : s.createdAt.toISOString());
      rows.sort((a, b) => (sort.order === 'desc' ? -1 : 1) * key(a).localeCompare(key(b)));
    }
    return page(
      body,
      rows.map((s) => this.#subscription(s, false)),
    );
  }

  #subscription(s: StoredSubscription, full: boolean): Json {
    const t = totals(s.lines);
    const currency = s.currency;
    const item: Json = {
      id: s.id,
      title: s.title,
      note: s.note,
      status: s.status,
      department: { type: 'department', id: s.departmentId },
      invoicee: { customer: { ...s.customer }, for_attention_of: s.forAttentionOf ? { type: 'contact', id: s.forAttentionOf.id } : null },
      project: null,
      starts_on: s.startsOn,
      ends_on: s.endsOn,
      next_renewal_date: s.nextRenewalDate,
      billing_cycle: { periodicity: { unit: s.billingCycle.unit, period: s.billingCycle.period }, days_in_advance: s.billingCycle.daysInAdvance },
      total: {
        tax_exclusive: money({ cents: t.exclusive, currency }),
        tax_inclusive: money({ cents: t.inclusive, currency }),
        taxes: t.taxes.map((tax) => ({ rate: tax.bp / 10_000, taxable: money({ cents: tax.taxable, currency }), tax: money({ cents: tax.tax, currency }) })),
      },
      web_url: `${this.#baseUrl()}/subscription_detail.php?id=${s.id}`,
    };
    if (!full) return item;
    return {
      ...item,
      payment_term: { ...s.paymentTerm },
      grouped_lines: groupedLinesJson({ lines: s.lines, currency }),
      invoice_generation: structuredClone(s.invoiceGeneration),
      custom_fields: this.#customFieldsJson(s.customFields),
      document_template: { type: 'documentTemplate', id: 'b7d2a6f0-0000-4000-8000-000000000001' },
      currency,
    };
  }

  // ---- companies and contacts ----

  #addParty(input: { type: CustomerType; body: Json; id?: string }): string {
    const fields = normaliseParty({ type: input.type, body: input.body });
    const customFields = this.#parseCustomFields({ value: input.body.custom_fields, context: input.type });
    const now = this.#now();
    const id = this.#newId(this.#parties, input.id);
    this.#parties.set(id, { id, type: input.type, fields, customFields, addedAt: now, updatedAt: now });
    this.#emit(`${input.type}.added`, { type: input.type, id });
    return id;
  }

  #updateParty(input: { type: CustomerType; body: Json }): ApiResult {
    const party = this.#getParty(input.type, requireString(input.body, 'id'));
    const { id: _id, custom_fields: customFields, ...changes } = input.body;
    const merged = { ...party.fields, ...normaliseParty({ type: input.type, body: { ...party.fields, ...changes } }) };
    party.fields = merged;
    if (customFields !== undefined)
      party.customFields = mergeCustomFields(party.customFields, this.#parseCustomFields({ value: customFields, context: input.type }));
    party.updatedAt = this.#now();
    this.#emit(`${input.type}.updated`, { type: input.type, id: party.id });
    return noContent();
  }

  #listParties(input: { type: CustomerType; body: Json }): ApiResult {
    const filter = filterOf(input.body);
    const ids = optionalIds(filter);
    const since = filter.updated_since === undefined ? undefined : parseDateTime(filter.updated_since, 'filter.updated_since').getTime();
    const term = optionalString(filter, 'term')?.toLowerCase();
    const withCustomFields = includes(input.body, 'custom_fields');
    const rows = [...this.#parties.values()].filter(
      (p) =>
        p.type === input.type &&
        (!ids || ids.includes(p.id)) &&
        (since === undefined || p.updatedAt.getTime() >= since) &&
        (!term || JSON.stringify([p.fields.name, p.fields.first_name, p.fields.last_name, p.fields.emails, p.fields.vat_number]).toLowerCase().includes(term)),
    );
    return page(
      input.body,
      rows.map((p) => {
        const { custom_fields: custom, ...rest } = this.#party(p, true);
        return withCustomFields ? { ...rest, custom_fields: custom } : rest;
      }),
    );
  }

  #party(party: StoredParty, _full: boolean): Json {
    return {
      id: party.id,
      ...structuredClone(party.fields),
      custom_fields: this.#customFieldsJson(party.customFields),
      added_at: dateTime(party.addedAt),
      updated_at: dateTime(party.updatedAt),
      web_url: `${this.#baseUrl()}/${party.type}_detail.php?id=${party.id}`,
    };
  }

  #invoiceeName(ref: Ref): string | null {
    const party = this.#parties.get(ref.id);
    if (!party) return null;
    if (party.type === 'company') return (party.fields.name as string | null) ?? null;
    return [party.fields.first_name, party.fields.last_name].filter((part) => typeof part === 'string' && part !== '').join(' ') || null;
  }

  #department(d: StoredDepartment, full: boolean): Json {
    const item: Json = {
      id: d.id,
      name: d.name,
      vat_number: d.vatNumber,
      currency: d.currency,
      emails: d.email ? [{ type: 'primary', email: d.email }] : [],
      status: d.status,
    };
    if (!full) return item;
    const address = d.address === undefined ? DEFAULT_DEPARTMENT_ADDRESS : d.address;
    return {
      ...item,
      address: address ? { line_1: address.line1, postal_code: address.postalCode, city: address.city, country: address.country } : null,
      telephones: [],
      website: null,
      iban: d.iban === undefined ? 'BE68539007547034' : d.iban,
      bic: d.bic === undefined ? 'BBRUBEBB' : d.bic,
      fiscal_regime: 'RF01',
    };
  }

  // ---- shared ----

  #parseCustomFields(input: { value: unknown; context: StoredCustomField['context'] }): CustomFieldValue[] {
    if (input.value === undefined || input.value === null) return [];
    if (!Array.isArray(input.value)) throw badRequest('custom_fields must be an array');
    return input.value.map((entry, i) => {
      // Writes send `{ id, value }`; reads show `{ definition: { type, id }, value }`. Both are accepted.
      const id = isObject(entry) ? (typeof entry.id === 'string' ? entry.id : isObject(entry.definition) ? entry.definition.id : undefined) : undefined;
      if (typeof id !== 'string' || !isObject(entry)) throw badRequest(`custom_fields[${i}] must be {id, value}`);
      const definition = this.#customFields.get(id);
      if (!definition) throw badRequest(`custom_fields[${i}]: custom field definition ${id} does not exist`);
      if (definition.context !== input.context)
        throw badRequest(`custom_fields[${i}]: definition ${id} belongs to ${definition.context}, not ${input.context}`);
      return { definitionId: id, value: structuredClone(entry.value ?? null) };
    });
  }

  #getInvoice(id: string): StoredInvoice {
    return this.#get(this.#invoices, id, 'Invoice');
  }

  #getParty(type: CustomerType, id: string, status: 400 | 404 = 404): StoredParty {
    const party = this.#parties.get(id);
    if (!party || party.type !== type) throw new TeamleaderApiError({ status, title: `${type === 'company' ? 'Company' : 'Contact'} ${id} not found` });
    return party;
  }

  #get<T>(map: Map<string, T>, id: string, what: string, status: 400 | 404 = 404): T {
    const found = map.get(id);
    if (!found) throw status === 400 ? badRequest(`${what} ${id} does not exist`) : notFound(`${what} ${id} not found`);
    return found;
  }

  #emit(type: TeamleaderEventType, subject: Ref): void {
    this.#onEvent({ type, subject });
  }
}

// ---- module helpers ----

const DEFAULT_DEPARTMENT_ADDRESS = { line1: 'Sandboxstraat 1', postalCode: '9000', city: 'Gent', country: 'BE' };

/** A Belgian account's usual rates; the 0 % ones differ only by what their description says (as in Teamleader). */
const TAX_RATES = [
  { id: SANDBOX_IDS.taxRate21, description: '21%', bp: 2100 },
  { id: SANDBOX_IDS.taxRate12, description: '12%', bp: 1200 },
  { id: SANDBOX_IDS.taxRate6, description: '6%', bp: 600 },
  { id: SANDBOX_IDS.taxRate0, description: '0%', bp: 0 },
  { id: SANDBOX_IDS.taxRate0Exempt, description: '0% Vrijgesteld (art. 44)', bp: 0 },
  { id: SANDBOX_IDS.taxRate0ReverseCharge, description: '0% Medecontractant', bp: 0 },
  { id: SANDBOX_IDS.taxRate0IntraCommunity, description: '0% Intracommunautaire levering', bp: 0 },
  { id: SANDBOX_IDS.taxRate0Export, description: '0% Export buiten EU', bp: 0 },
];

const PAYMENT_METHODS = [
  { id: SANDBOX_IDS.paymentMethodTransfer, name: 'Bank transfer', status: 'active' },
  { id: SANDBOX_IDS.paymentMethodDirectDebit, name: 'Twikey', status: 'active' },
];

function ok(data: unknown): ApiResult {
  return { status: 200, data };
}

function created(type: string, id: string): ApiResult {
  return { status: 201, data: { type, id } };
}

function noContent(): ApiResult {
  return { status: 204 };
}

function filterOf(body: Json): Json {
  if (body.filter === undefined) return {};
  if (!isObject(body.filter)) throw badRequest('filter must be an object');
  return body.filter;
}

function optionalIds(filter: Json): string[] | undefined {
  if (filter.ids === undefined) return undefined;
  if (!Array.isArray(filter.ids) || filter.ids.some((id) => typeof id !== 'string')) throw badRequest('filter.ids must be an array of ids');
  return filter.ids as string[];
}

function optionalStringArray(filter: Json, field: string, allowed: string[]): string[] | undefined {
  const value = filter[field];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || !allowed.includes(v))) {
    throw badRequest(`filter.${field} must be an array of ${allowed.join('|')}`);
  }
  return value as string[];
}

function statusArray(value: unknown): string[] {
  // Since 2018 the status filter takes an array only.
  if (!Array.isArray(value)) throw badRequest('filter.status must be an array');
  return optionalStringArray({ status: value }, 'status', [...INVOICE_STATUSES])!;
}

function includes(body: Json, what: string): boolean {
  return (
    typeof body.includes === 'string' &&
    body.includes
      .split(',')
      .map((part) => part.trim())
      .includes(what)
  );
}

/** `page: { size ≤ 100 (default 20), number ≥ 1 }`; `meta` only when `includes` asks for `pagination`. */
function page(body: Json, rows: unknown[]): ApiResult {
  const given = body.page === undefined ? {} : body.page;
  if (!isObject(given)) throw badRequest('page must be {size, number}');
  const size = given.size === undefined ? 20 : given.size;
  const number = given.number === undefined ? 1 : given.number;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 100) throw badRequest('page.size must be a whole number from 1 to 100');
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1) throw badRequest('page.number must be a whole number from 1');
  const data = rows.slice((number - 1) * size, number * size);
  return includes(body, 'pagination') ? { status: 200, data, meta: { page: { size, number }, matches: rows.length } } : { status: 200, data };
}

function parseSort(body: Json, fields: string[]): { field: string; order: 'asc' | 'desc' } {
  if (body.sort === undefined) return { field: fields[0]!, order: 'asc' };
  const first: unknown = Array.isArray(body.sort) ? body.sort[0] : undefined;
  if (!isObject(first) || typeof first.field !== 'string' || !fields.includes(first.field))
    throw badRequest(`sort must be [{field: ${fields.join('|')}, order?: asc|desc}]`);
  const order = first.order ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw badRequest('sort[].order must be asc or desc');
  return { field: first.field, order };
}

function compareNullable(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

/** "2024 / 12" sorts by year, then number; drafts (no number) last. */
function compareNumbers(a: StoredInvoice, b: StoredInvoice): number {
  if (a.number === null || b.number === null) return compareNullable(a.number, b.number);
  return a.number.slice(0, 4).localeCompare(b.number.slice(0, 4)) || (a.sequence ?? 0) - (b.sequence ?? 0);
}

function parseCurrency(value: unknown): string {
  if (value === undefined) return 'EUR';
  const code = typeof value === 'string' ? value : isObject(value) ? value.code : undefined;
  if (typeof code !== 'string' || !/^[A-Z]{3}$/.test(code)) throw badRequest('currency must be {code: "EUR"}');
  return code;
}

function parsePaymentTerm(value: unknown): PaymentTerm {
  if (!isObject(value) || !PAYMENT_TERM_TYPES.includes(value.type as PaymentTerm['type']))
    throw badRequest(`payment_term.type must be ${PAYMENT_TERM_TYPES.join('|')}`);
  const type = value.type as PaymentTerm['type'];
  if (type === 'cash') return { type };
  const days = value.days ?? 0;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 0) throw badRequest('payment_term.days must be a whole number >= 0');
  return { type, days };
}

function dueDate(input: { invoiceDate: string; term: PaymentTerm }): string {
  const { term } = input;
  if (term.type === 'cash') return input.invoiceDate;
  if (term.type === 'end_of_month') return addDays(endOfMonth(input.invoiceDate), term.days ?? 0);
  return addDays(input.invoiceDate, term.days ?? 0);
}

function nextRenewal(input: { startsOn: string; unit: 'week' | 'month' | 'year'; period: number }): string {
  if (input.unit === 'week') return addDays(input.startsOn, 7 * input.period);
  const at = new Date(`${input.startsOn}T00:00:00Z`);
  const months = input.unit === 'month' ? input.period : 12 * input.period;
  return dateOnly(new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + months, at.getUTCDate())));
}

function parseLines(value: unknown): Line[] {
  if (!Array.isArray(value)) throw badRequest('grouped_lines must be an array');
  const lines: Line[] = [];
  value.forEach((group, g) => {
    if (!isObject(group) || !Array.isArray(group.line_items)) throw badRequest(`grouped_lines[${g}].line_items is required`);
    const section = isObject(group.section) && typeof group.section.title === 'string' ? group.section.title : null;
    group.line_items.forEach((item: unknown, i: number) => {
      const at = `grouped_lines[${g}].line_items[${i}]`;
      if (!isObject(item) || !isObject(item.unit_price)) throw badRequest(`${at}.unit_price is required`);
      const quantity = toCents(item.quantity ?? 1, `${at}.quantity`);
      const taxRateId = isObject(item.tax) ? item.tax.id : item.tax_rate_id;
      if (!TAX_RATES.some((rate) => rate.id === taxRateId)) throw badRequest(`${at}.tax_rate_id must be one of taxRates.list`);
      if (item.unit_price.tax !== undefined && item.unit_price.tax !== 'excluding') throw badRequest(`${at}.unit_price.tax must be excluding`);
      lines.push({
        section,
        description: typeof item.description === 'string' ? item.description : '',
        extendedDescription: typeof item.extended_description === 'string' && item.extended_description !== '' ? item.extended_description : null,
        quantityHundredths: quantity,
        unitPriceCents: toCents(item.unit_price.amount, `${at}.unit_price.amount`),
        taxRateId: taxRateId as string,
        discountHundredthsPercent: parseDiscount(item.discount, `${at}.discount`),
      });
    });
  });
  return lines;
}

/** `discount: null | { type: 'percentage', value: 0…100 }` (Teamleader's line discount) → hundredths of a percent. */
function parseDiscount(value: unknown, at: string): number | null {
  if (value === undefined || value === null) return null;
  if (!isObject(value) || value.type !== 'percentage') throw badRequest(`${at} must be {type: "percentage", value}`);
  const hundredths = toCents(value.value, `${at}.value`);
  if (hundredths < 0 || hundredths > 10_000) throw badRequest(`${at}.value must be a percentage from 0 to 100`);
  return hundredths === 0 ? null : hundredths;
}

/** Seed lines → the API's `grouped_lines`. */
function linesBody(lines: SeedInvoiceInput['lines']): Json[] {
  const given = lines ?? [{ description: 'Services', quantity: 1, unitPrice: '100.00', taxRate: '0.21' }];
  return given.map((line) => {
    let rateId = line.taxRateId;
    if (rateId === undefined) {
      const bp = toBasisPoints(line.taxRate ?? '0.21', 'taxRate');
      rateId = TAX_RATES.find((candidate) => candidate.bp === bp)?.id;
      if (!rateId) throw new RangeError(`taxRate must be one of ${[...new Set(TAX_RATES.map((r) => r.bp / 10_000))].join(', ')}`);
    } else if (!TAX_RATES.some((rate) => rate.id === rateId)) throw new RangeError(`taxRateId ${rateId} is not one of the sandbox's tax rates`);
    return {
      section: { title: line.section ?? '' },
      line_items: [
        {
          quantity: Number(line.quantity ?? 1),
          description: line.description ?? 'Services',
          ...(line.extendedDescription ? { extended_description: line.extendedDescription } : {}),
          unit_price: { amount: String(line.unitPrice), tax: 'excluding' },
          tax_rate_id: rateId,
          ...(line.discountPercent !== undefined ? { discount: { type: 'percentage', value: String(line.discountPercent) } } : {}),
        },
      ],
    };
  });
}

/** n / d rounded half away from zero, in integers (d > 0). */
function roundDiv(n: number, d: number): number {
  const sign = n < 0 ? -1 : 1;
  return sign * Math.floor((Math.abs(n) * 2 + d) / (2 * d));
}

/** quantity × unit price, to the cent, before the line's discount. */
function lineCentsBeforeDiscount(line: Line): number {
  return roundDiv(line.quantityHundredths * line.unitPriceCents, 100);
}

/** The line's total excl. VAT: before discount minus the discount, each rounded to the cent. */
function lineCents(line: Line): number {
  const before = lineCentsBeforeDiscount(line);
  return before - roundDiv(before * (line.discountHundredthsPercent ?? 0), 10_000);
}

/**
 * A document's totals from its lines: taxable amounts per rate (lines' totals after discount, summed),
 * the VAT per rate computed once on that sum (not per line), so `taxes` adds up to the document's VAT.
 * Rates are grouped by their value, as Teamleader's `total.taxes[]` shows them: two 0 % rates are one entry.
 */
function totals(lines: Line[]): {
  exclusive: number;
  inclusive: number;
  exclusiveBeforeDiscount: number;
  inclusiveBeforeDiscount: number;
  taxes: Array<{ bp: number; taxable: number; tax: number }>;
} {
  const byRate = new Map<number, { taxable: number; before: number }>();
  for (const line of lines) {
    const bp = TAX_RATES.find((rate) => rate.id === line.taxRateId)!.bp;
    const sums = byRate.get(bp) ?? { taxable: 0, before: 0 };
    byRate.set(bp, { taxable: sums.taxable + lineCents(line), before: sums.before + lineCentsBeforeDiscount(line) });
  }
  const rates = [...byRate.entries()].sort(([a], [b]) => b - a);
  const taxes = rates.map(([bp, sums]) => ({ bp, taxable: sums.taxable, tax: taxOf({ taxableCents: sums.taxable, basisPoints: bp }) }));
  const exclusive = taxes.reduce((sum, tax) => sum + tax.taxable, 0);
  const exclusiveBeforeDiscount = rates.reduce((sum, [, sums]) => sum + sums.before, 0);
  const taxBefore = rates.reduce((sum, [bp, sums]) => sum + taxOf({ taxableCents: sums.before, basisPoints: bp }), 0);
  return {
    exclusive,
    inclusive: exclusive + taxes.reduce((sum, tax) => sum + tax.tax, 0),
    exclusiveBeforeDiscount,
    inclusiveBeforeDiscount: exclusiveBeforeDiscount + taxBefore,
    taxes,
  };
}

function dueCents(invoice: StoredInvoice): number {
  return totals(invoice.lines).inclusive - invoice.payments.reduce((sum, p) => sum + p.cents, 0) - invoice.creditedCents;
}

function groupedLinesJson(input: { lines: Line[]; currency: string }): Json[] {
  const groups: Array<{ section: string | null; items: Line[] }> = [];
  for (const line of input.lines) {
    const last = groups.at(-1);
    if (last && last.section === line.section) last.items.push(line);
    else groups.push({ section: line.section, items: [line] });
  }
  return groups.map((group) => ({
    section: { title: group.section ?? '' },
    line_items: group.items.map((line) => {
      const bp = TAX_RATES.find((rate) => rate.id === line.taxRateId)!.bp;
      const exclusive = lineCents(line);
      const before = lineCentsBeforeDiscount(line);
      const inclusive = exclusive + taxOf({ taxableCents: exclusive, basisPoints: bp });
      const inclusiveBefore = before + taxOf({ taxableCents: before, basisPoints: bp });
      const discount = line.discountHundredthsPercent ?? null;
      return {
        product: null,
        product_category: null,
        quantity: line.quantityHundredths / 100,
        description: line.description,
        extended_description: line.extendedDescription ?? null,
        unit: null,
        unit_price: { amount: line.unitPriceCents / 100, tax: 'excluding' },
        tax: { type: 'taxRate', id: line.taxRateId },
        discount: discount === null ? null : { type: 'percentage', value: discount / 100 },
        total: {
          tax_exclusive: money({ cents: exclusive, currency: input.currency }),
          tax_exclusive_before_discount: money({ cents: before, currency: input.currency }),
          tax_inclusive: money({ cents: inclusive, currency: input.currency }),
          tax_inclusive_before_discount: money({ cents: inclusiveBefore, currency: input.currency }),
        },
        withheld_tax: null,
      };
    }),
  }));
}

function customFieldJson(f: StoredCustomField): Json {
  return {
    id: f.id,
    context: f.context,
    type: f.type,
    label: f.label,
    group: f.group,
    required: f.required,
    ...(f.options ? { configuration: { options: f.options.map((o) => ({ ...o })), extra_option_allowed: f.extraOptionAllowed } } : {}),
  };
}

function customFieldsJson(values: CustomFieldValue[]): Json[] {
  return values.map((v) => ({ definition: { type: 'customFieldDefinition', id: v.definitionId }, value: structuredClone(v.value) }));
}

function mergeCustomFields(current: CustomFieldValue[], given: CustomFieldValue[]): CustomFieldValue[] {
  const merged = new Map(current.map((v) => [v.definitionId, v]));
  for (const v of given) merged.set(v.definitionId, v);
  return [...merged.values()];
}

function invoicingEmail(party: StoredParty): string | null {
  const emails = Array.isArray(party.fields.emails) ? (party.fields.emails as Array<{ type: string; email: string }>) : [];
  return (emails.find((e) => e.type === 'invoicing') ?? emails.find((e) => e.type === 'primary'))?.email ?? null;
}

/** companies.add / contacts.add body → the stored fields, with Teamleader's defaults filled in. */
function normaliseParty(input: { type: CustomerType; body: Json }): Json {
  const b = input.body;
  const text = (field: string): string | null => optionalString(b, field) ?? null;
  const list = (field: string): unknown[] => {
    const value = b[field];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw badRequest(`${field} must be an array`);
    return structuredClone(value);
  };
  const status = text('status') ?? 'active';
  if (status !== 'active' && status !== 'deactivated') throw badRequest('status must be active|deactivated');
  const common: Json = {
    status,
    vat_number: text('vat_number'),
    national_identification_number: text('national_identification_number'),
    emails: list('emails'),
    telephones: list('telephones'),
    website: text('website'),
    addresses: list('addresses'),
    iban: text('iban'),
    bic: text('bic'),
    payment_term: isObject(b.payment_term) ? structuredClone(b.payment_term) : null,
    invoicing_preferences: isObject(b.invoicing_preferences) ? structuredClone(b.invoicing_preferences) : { electronic_invoicing_address: null },
    remarks: text('remarks'),
    tags: list('tags'),
    marketing_mails_consent: b.marketing_mails_consent === true,
  };
  if (input.type === 'company') {
    const name = text('name');
    if (!name) throw badRequest('Company name must not be empty');
    return {
      name,
      business_type: isObject(b.business_type) ? structuredClone(b.business_type) : null,
      language: text('language') ?? 'nl',
      preferred_currency: text('preferred_currency') ?? 'EUR',
      responsible_user: null,
      ...common,
    };
  }
  const lastName = text('last_name');
  if (!lastName) throw badRequest('Contact last_name must not be empty');
  return {
    first_name: text('first_name'),
    last_name: lastName,
    salutation: text('salutation'),
    gender: text('gender') ?? 'unknown',
    birthdate: text('birthdate'),
    language: text('language') ?? 'en',
    companies: [],
    ...common,
  };
}

/** Seed input (camelCase) → the body companies.add / contacts.add takes. */
function partyBody(input: { type: CustomerType; input: SeedPartyInput; partial?: boolean }): Json {
  const s = input.input;
  const body: Json = {};
  if (input.type === 'company') {
    if (s.name !== undefined || !input.partial) body.name = s.name ?? 'Sandbox Customer NV';
  } else {
    if (s.firstName !== undefined || !input.partial) body.first_name = s.firstName ?? 'Sam';
    if (s.lastName !== undefined || !input.partial) body.last_name = s.lastName ?? 'Customer';
  }
  if (s.email !== undefined || s.invoicingEmail !== undefined) {
    body.emails = [
      ...(s.email ? [{ type: 'primary', email: s.email }] : []),
      ...(s.invoicingEmail && input.type === 'company' ? [{ type: 'invoicing', email: s.invoicingEmail }] : []),
    ];
  }
  if (s.vatNumber !== undefined) body.vat_number = s.vatNumber;
  if (s.language !== undefined) body.language = s.language;
  if (s.iban !== undefined) body.iban = s.iban;
  if (s.bic !== undefined) body.bic = s.bic;
  if (s.status !== undefined) body.status = s.status;
  if (s.nationalIdentificationNumber !== undefined) body.national_identification_number = s.nationalIdentificationNumber;
  if (s.address) {
    body.addresses = [
      {
        type: input.type === 'company' ? 'invoicing' : 'primary',
        address: { line_1: s.address.line1, postal_code: s.address.postalCode, city: s.address.city, country: s.address.country },
      },
    ];
  }
  if (s.customFields) body.custom_fields = s.customFields.map((f) => ({ id: f.definitionId, value: f.value }));
  return body;
}

/** A small but valid one-page PDF (A4, Helvetica, the title as text): object offsets in the xref table are exact, so readers open it. */
function minimalPdf(title: string, padding = 0): string {
  const text = title.replace(/[^\x20-\x7e]/g, '?').replace(/[()\\]/g, '');
  const content = `BT /F1 18 Tf 72 770 Td (${text}) Tj ET\n`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    `<< /Length ${content.length} >>\nstream\n${content}endstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    // Unreferenced filler: the size of an image-heavy document, still a valid file.
    ...(padding > 0 ? [`<< /Length ${padding} >>\nstream\n${'0'.repeat(padding)}\nendstream`] : []),
  ];
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return pdf;
}
