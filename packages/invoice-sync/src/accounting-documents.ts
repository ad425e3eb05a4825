import type { AccountingDocument, SourceDocumentKind } from '@tollgate/plugin-sdk';
import type { InvoiceStatus } from './invoice-sync.types.js';

/** Token of the AccountingDocumentReader (registered by registerInvoiceSync). */
export const ACCOUNTING_DOCUMENTS = Symbol.for('tollgate.AccountingDocuments');

/** Which imported documents to read (P-6): every filter is optional and they combine with AND. */
export interface AccountingDocumentFilter {
  accountId: string;
  /** Our invoice ids; when given, the other filters still apply. */
  ids?: readonly string[];
  /** Inclusive YYYY-MM-DD bounds on the issue date. */
  issuedFrom?: string;
  issuedTo?: string;
  kinds?: readonly SourceDocumentKind[];
  statuses?: readonly InvoiceStatus[];
  /** Opaque, from the previous page's `nextCursor`; pages run oldest issue date first, then by id. */
  cursor?: string | null;
  /** Default 100, at most 500. */
  limit?: number;
}

/** A document selected but not exportable yet: its accounting details were never read from the source. */
export interface MissingAccountingDetails {
  invoiceId: string;
  number: string;
  reason: 'no_accounting_details';
}

/**
 * Imported invoices and credit notes as exporters take them: the stored collection fields joined with
 * the accounting details the importer read (lines, VAT, parties). Framework-free; the export runs and
 * the wallet's own invoices (issue 22) read through it.
 */
export interface AccountingDocumentReader {
  list(filter: AccountingDocumentFilter): Promise<{
    documents: AccountingDocument[];
    missing: MissingAccountingDetails[];
    nextCursor: string | null;
  }>;
  /**
   * Reads the accounting details of already imported documents that lack them from their source
   * (`getDocument`), oldest first, at most `limit` (default 200) per call; idempotent.
   */
  backfill(input: { accountId: string; limit?: number }): Promise<{ filled: number; failed: number; remaining: number }>;
}
