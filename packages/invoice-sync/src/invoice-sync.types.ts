import type { DirectDebitCollector } from '@tollgate/plugin-sdk';
import type { InvoiceSource, SourceAddress, SourceCustomerType, SourceDocumentKind } from './invoice-source.js';

export const INVOICE_SOURCES = Symbol.for('tollgate.InvoiceSources');
export const DIRECT_DEBIT_COLLECTORS = Symbol.for('tollgate.DirectDebitCollectors');

/** The direct-debit collectors plugins added (S-9), read when used: plugins start after the core. */
export interface DirectDebitCollectorDirectory {
  list(): DirectDebitCollector[];
}
export const INVOICE_SYNC_OPTIONS = Symbol.for('tollgate.InvoiceSyncOptions');

/** The source plugins this host loaded, by id (like funding's payment provider directory). */
export interface InvoiceSourceDirectory {
  get(id: string): InvoiceSource | undefined;
}

export interface InvoiceSyncOptions {
  /** Page size asked of the source. Default 100. */
  pageSize?: number;
  /** A sweep asks for changes since the last sweep's high-water mark minus this. Default 5 minutes. */
  sweepOverlapMinutes?: number;
  /** The first sweep of a connection looks back this far. Default 30 days. */
  sweepInitialDays?: number;
  /** A running run without a heartbeat for this long is taken as dead (host crashed) and interrupted. Default 15. */
  staleRunMinutes?: number;
  /** S-5 write-back: a failed call is parked (retried only by hand) after this many attempts. Default 8. */
  writebackMaxAttempts?: number;
  /** First retry delay of a failed write-back, doubled each attempt up to an hour. Default 30 seconds. */
  writebackBackoffSeconds?: number;
  /** How long a drainer holds a write-back before another host may take it over. Default 120 seconds. */
  writebackLeaseSeconds?: number;
  /** S-6: tries to fetch an invoice's PDF before giving up (until a user asks again). Default 10. */
  pdfMaxAttempts?: number;
  /** S-6: wait after the first failed PDF try, doubling per try (capped at 6 hours). Default 5 minutes. */
  pdfRetryMinutes?: number;
}

export type ConnectionStatus = 'connected' | 'reconsent_needed' | 'disconnected';

export interface Connection {
  id: string;
  accountId: string;
  sourceId: string;
  sourceAccountId: string;
  status: ConnectionStatus;
  defaultProfileId: string | null;
  autoImport: boolean;
  /** S-2: the invoice-context custom field that names a profile (the older name of invoiceProfileFieldId). */
  profileFieldId: string | null;
  /** S-2: the invoice-context custom field that names a profile (same as profileFieldId). */
  invoiceProfileFieldId: string | null;
  /** S-2: the subscription-context custom field that names a profile (read for invoices a subscription made). */
  subscriptionProfileFieldId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Profile {
  id: string;
  accountId: string;
  name: string;
  directDebit: boolean;
  paymentLink: boolean;
  transfer: boolean;
  /** The source's custom-field option id or text that selects this profile. */
  sourceOptionValue: string | null;
  isDefault: boolean;
  /** S-7: e-mail the invoice to the customer once its PDF is there. */
  sendInvitation: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface Customer {
  id: string;
  accountId: string;
  connectionId: string;
  sourceType: SourceCustomerType;
  sourceId: string;
  customerNumber: string;
  name: string;
  email: string | null;
  address: SourceAddress | null;
  vatNumber: string | null;
  language: string | null;
  profileId: string | null;
  localNumberChangedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** booked → (pending while a collection is under way) → paid; back to booked, or expired past the due date, when a payment is reversed. */
export type InvoiceStatus = 'booked' | 'pending' | 'paid' | 'expired';

export interface Invoice {
  id: string;
  accountId: string;
  connectionId: string;
  kind: SourceDocumentKind;
  sourceId: string;
  /** The number as the source shows it. */
  sourceNumber: string;
  /** The display number, unique in the account ("CN" for credit notes, department prefix on a clash). */
  number: string;
  departmentId: string;
  customerId: string;
  currency: string;
  totalExclVat: string;
  totalInclVat: string;
  amountDue: string;
  issuedOn: string;
  dueOn: string;
  paymentTermDays: number | null;
  status: InvoiceStatus;
  profileId: string;
  subscriptionId: string | null;
  creditedInvoiceId: string | null;
  /** False when the invoice cannot be collected here (e.g. not in EUR); see collectionBlockedReason. */
  collectable: boolean;
  /** Why the invoice cannot be collected: 'currency_not_eur'; null when collectable. */
  collectionBlockedReason: CollectionBlockedReason | null;
  /** S-6: whether its PDF is in the file store; `failed` = given up after the capped attempts. */
  pdfStatus: PdfStatus;
  sourceUpdatedAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** Why an imported invoice cannot be collected. */
export type CollectionBlockedReason = 'currency_not_eur';
export type PdfStatus = 'missing' | 'available' | 'failed';

export interface InvoiceEvent {
  at: Date;
  type: string;
  detail: Record<string, unknown>;
}

export type RunTrigger = 'manual' | 'sweep' | 'webhook';
export type RunStatus = 'running' | 'completed' | 'failed' | 'interrupted';

export interface RunFailure {
  sourceId: string;
  kind: SourceDocumentKind;
  /** The number at the source, when the document was read. */
  number?: string;
  reason: string;
}

export interface RunFlags {
  /** S-8: subscriptions whose 0-day payment term makes their invoices expire at once. */
  zeroDaySubscriptions?: Array<{ subscriptionId: string; title: string }>;
  /** Sweeps: imported customers the source changed since the last sweep, refreshed (S-4). */
  customersRefreshed?: number;
}

export interface ImportRun {
  id: string;
  connectionId: string;
  trigger: RunTrigger;
  issuedSince: string | null;
  updatedSince: Date | null;
  /** The interrupted run this one continued. */
  resumedFrom: string | null;
  /** Where the next page starts (saved after each page). */
  cursor: string | null;
  status: RunStatus;
  counts: { new: number; updated: number; ignored: number; failed: number };
  failures: RunFailure[];
  flags: RunFlags;
  /**
   * Sweeps: the run's own start (our clock, not the source's `updated_at`); the next sweep asks for
   * changes since it minus the overlap. Manual and webhook runs: the latest source change seen.
   */
  highWater: Date | null;
  error: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export interface InvoiceSyncEvents {
  /** A run ended (completed, interrupted or failed): the host e-mails its summary. */
  run_finished: [ImportRun];
  /** A source plugin linked (or relinked) an account: the connection as it is now. */
  connected: [Connection];
}
