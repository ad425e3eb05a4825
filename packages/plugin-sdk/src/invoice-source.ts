import type { Money } from '@tollgate/money';
import type { AccountingDetails } from './accounting-document.js';

export type SourceDocumentKind = 'invoice' | 'credit_note';
export type SourceCustomerType = 'contact' | 'company';

/** Which connection of a source, and the integration settings a source needs to read documents. */
export interface SourceConnection {
  /** Our connection id (one Teamleader account linked to one Tollgate account). */
  id: string;
  /** The Tollgate account: a source plugin keeps its own credentials per account. */
  accountId: string;
  /** The account at the source (Teamleader's account id). */
  sourceAccountId: string;
  /** The source's invoice custom field that names a collection profile (S-2); null = none configured. */
  profileFieldId: string | null;
  /** The source's subscription custom field that names a collection profile (S-2); absent/null = none. */
  subscriptionProfileFieldId?: string | null;
}

export interface SourceAddress {
  line1?: string;
  postalCode?: string;
  city?: string;
  /** ISO 3166 alpha-2 */
  country?: string;
}

/** A customer as the source has it (S-4): the customer number is the source id, never written back. */
export interface SourceCustomer {
  sourceId: string;
  type: SourceCustomerType;
  name: string;
  email?: string;
  address?: SourceAddress;
  vatNumber?: string;
  /** ISO 639-1, when the source knows it. */
  language?: string;
  /** Raw value of the profile custom field on the customer (an option id or a text), if any. */
  profileField?: string | null;
  /** ISO timestamp of the source's last change, when the source gives it (sweeps continue from it). */
  updatedAt?: string;
}

/** A booked invoice or credit note, normalised. Amounts are decimal strings (exact), in the document's currency. */
export interface SourceDocument {
  sourceId: string;
  kind: SourceDocumentKind;
  /** The number as the source shows it ('2026 / 12'); the importer prefixes credit notes with "CN". */
  number: string;
  departmentId: string;
  /** outstanding → 'booked', matched → 'paid' (S-3: only booked documents are imported). */
  status: 'booked' | 'paid';
  customer: { sourceId: string; type: SourceCustomerType };
  /** ISO 4217 code of the document (only EUR documents can be collected; others are imported as not collectable). */
  currency: string;
  totalExclVat: string;
  totalInclVat: string;
  /** What is still to be paid. */
  amountDue: string;
  issuedOn: string; // YYYY-MM-DD
  dueOn: string; // YYYY-MM-DD
  paymentTermDays: number | null;
  subscriptionId: string | null;
  /** Credit notes: the invoice they credit. */
  creditedInvoiceId: string | null;
  /** Raw value of the profile custom field on the document, if any. */
  profileField: string | null;
  /** ISO timestamp of the source's last change. */
  updatedAt: string;
  /**
   * Lines, VAT, parties and references for accounting exports (P-6, since API 2.6). Optional: a
   * source that cannot read them leaves it out, and its documents cannot be exported.
   */
  accounting?: AccountingDetails;
}

export interface SourceSubscription {
  sourceId: string;
  title: string;
  status: string;
  paymentTermDays: number | null;
  customer: { sourceId: string; type: SourceCustomerType };
  /** Raw value of the profile custom field on the subscription, if any (S-2: between the document's and the customer's). */
  profileField?: string | null;
}

/** What a source's webhook said happened (S-3, S-4). */
export interface SourceEvent {
  type: 'document.booked' | 'document.updated' | 'document.deleted' | 'customer.updated' | 'subscription.updated';
  /** The source's account id the event is about: the host finds the connection by it. */
  sourceAccountId: string;
  kind?: SourceDocumentKind;
  customerType?: SourceCustomerType;
  sourceId: string;
  /** Unique per delivery when the source gives one; replays are recognised by it. */
  eventId?: string;
}

/** A custom field the source lets users fill in on invoices (S-2: the field that names a profile). */
export interface SourceCustomField {
  id: string;
  label: string;
  /** The source's type name, e.g. single_select, single_line. */
  type: string;
  /** For select fields: the options, each with its id and the text users see; null for other types. */
  options: Array<{ id: string; label: string }> | null;
  /** Where the field is defined at the source: 'invoice', 'subscription', … (absent when the source does not say). */
  context?: string;
}

/**
 * A document's PDF as the source renders it (S-6). `not_ready`: the source has not rendered it yet
 * (Teamleader answers 400/404 to `invoices.download` right after booking); the core asks again later.
 */
export type SourcePdf = { status: 'ready'; bytes: Uint8Array; contentType?: string } | { status: 'not_ready'; reason?: string };

/** Where booked invoices come from (Teamleader Focus, ...). One vendor per plugin. */
export interface InvoiceSource {
  /** Kebab-case, unique: 'teamleader'. */
  readonly id: string;
  readonly label: string;

  /**
   * Booked invoices and credit notes, one page at a time, oldest change first. `updatedSince` for
   * the sweep, `issuedSince` (YYYY-MM-DD) for a manual import of the last N days; `cursor`
   * continues (an interrupted import resumes from the last cursor it saved).
   */
  listDocuments(input: { connection: SourceConnection; updatedSince?: Date; issuedSince?: string; cursor?: string | null; pageSize?: number }): Promise<{
    documents: SourceDocument[];
    nextCursor: string | null;
    /** Optional: the page's customers, fetched in batches; the importer uses them instead of one getCustomer per document. */
    customers?: SourceCustomer[];
  }>;
  getDocument(input: { connection: SourceConnection; kind: SourceDocumentKind; sourceId: string }): Promise<SourceDocument | null>;
  getCustomer(input: { connection: SourceConnection; type: SourceCustomerType; sourceId: string }): Promise<SourceCustomer | null>;
  /**
   * Customers changed since a time, one page at a time (S-4): the sweep refreshes the ones already
   * imported, so a customer change whose webhook was lost still arrives. Optional: without it,
   * customers follow webhooks and their next document only.
   */
  listCustomers?(input: {
    connection: SourceConnection;
    updatedSince: Date;
    cursor?: string | null;
    pageSize?: number;
  }): Promise<{ customers: SourceCustomer[]; nextCursor: string | null }>;
  getSubscription(input: { connection: SourceConnection; sourceId: string }): Promise<SourceSubscription | null>;
  /**
   * The custom fields defined for invoices at the source, read live (every page), so a user can pick
   * the profile field and its options by name. Optional: a source without custom fields leaves it out.
   */
  listCustomFields?(input: { connection: SourceConnection }): Promise<SourceCustomField[]>;
  /**
   * One custom field definition by id, whatever its context (invoice, subscription, …), with its
   * options: the importer matches a select field's value on the option id or its text. Optional.
   */
  getCustomField?(input: { connection: SourceConnection; id: string }): Promise<SourceCustomField | null>;
  /** Verifies and parses a webhook delivery; throws a ValidationError on a bad one. */
  parseWebhook?(input: {
    headers: Readonly<Record<string, string | undefined>>;
    rawBody: Buffer;
    query: Readonly<Record<string, string | undefined>>;
  }): Promise<SourceEvent[]>;
  /**
   * The document's PDF (S-6), fetched by the core on a schedule after import, with backoff while it
   * is `not_ready`. Throw on an outage or refusal (the core retries, a bounded number of times).
   * Optional: without it, no PDFs are fetched for the source's invoices.
   */
  fetchPdf?(input: { connection: SourceConnection; kind: SourceDocumentKind; sourceId: string }): Promise<SourcePdf>;
  /** Writes a payment (or its reversal) back to the source. Idempotent per `paymentId`. */
  writeStatus(input: {
    connection: SourceConnection;
    sourceInvoiceId: string;
    paymentId: string;
    status: 'paid' | 'unpaid';
    paidAmount?: Money;
    paidAt?: Date;
  }): Promise<void>;
}

/** Older name of SourceDocument. */
export type SourceInvoice = SourceDocument;

export type SyncConnectionStatus = 'connected' | 'reconsent_needed' | 'disconnected';

/** A connection as the core keeps it (what `coreServices.invoiceSync` answers). */
export interface SyncConnection {
  id: string;
  accountId: string;
  sourceId: string;
  sourceAccountId: string;
  status: SyncConnectionStatus;
  defaultProfileId: string | null;
  autoImport: boolean;
  profileFieldId: string | null;
  /** S-2: the subscription field (profileFieldId is the invoice field). */
  subscriptionProfileFieldId?: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type EventOutcome = 'new' | 'updated' | 'ignored' | 'failed' | 'refreshed' | 'not_found' | 'duplicate' | 'unknown_account' | 'auto_import_off';

/** What the core did with one reported webhook event. */
export interface HandledEvent {
  eventId: string | null;
  type: SourceEvent['type'];
  sourceAccountId: string;
  sourceId: string;
  outcome: EventOutcome;
  reason?: string;
  runId?: string;
}

/**
 * What a source plugin tells the core (`coreServices.invoiceSync`): the OAuth part and the webhook
 * receiver live in the plugin, the connection's lifecycle and the import in the core.
 */
export interface InvoiceSyncSink {
  /** Consent given: links the account to the source account (a reconnect revives the old connection). */
  connected(input: { accountId: string; sourceId: string; sourceAccountId: string }): Promise<SyncConnection>;
  /** The source refused our tokens: imports stop until the user consents again. */
  reconsentNeeded(input: { accountId: string; sourceId: string }): Promise<SyncConnection | null>;
  /** The plugin forgot the account's credentials. Imported customers and invoices are kept. */
  disconnected(input: { accountId: string; sourceId: string }): Promise<SyncConnection | null>;
  /** Verified webhook events. Each event id is handled once; `failed` ones should be reported again later. */
  report(input: { sourceId: string; events: readonly SourceEvent[] }): Promise<{ results: HandledEvent[] }>;
}
