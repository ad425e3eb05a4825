import type { AccountingDocument } from './accounting-document.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** A document the exporter could not write, and the rule it broke ('BR-CO-16', 'PEPPOL-EN16931-R003', 'winbooks-customer-number'). */
export interface ExportRefusal {
  documentId: string;
  rule: string;
  /** What the rule says and what is missing, for the run's report. */
  message: string;
}

/** A file to deliver; `documentIds` are the documents it carries (a batch file carries many). */
export interface ExportFile {
  /** A safe file name, unique within the run: 'invoice-2026-00012.xml', 'winbooks-act.txt'. */
  name: string;
  contentType: string;
  body: Uint8Array;
  documentIds: string[];
}

/**
 * Writes invoices and credit notes to an accounting program that only accepts imports (P-6). One
 * vendor format per exporter; the plugin also adds the spend channel named by `channel`, priced per
 * exported document (unit 'document'). The core picks the documents, holds the price for the run,
 * calls `render`, delivers the files and captures only what was delivered: an exporter never moves
 * money and never delivers. (API 2.6 replaced the unused `export` of earlier versions, which no
 * plugin implemented.)
 */
export interface AccountingExporter {
  /** Kebab-case, unique: 'peppol-ubl', 'winbooks', 'twinfield'. An export target names it. */
  readonly id: string;
  readonly label: string;
  /** The file format produced, for the UI: 'UBL 2.1 (Peppol BIS Billing 3.0)', 'WinBooks ACT (text)'. */
  readonly format: string;
  /** The spend channel charged per exported document. */
  readonly channel: string;
  /** 'document': one file per document (UBL); 'batch': one file for all the documents of a render. */
  readonly layout: 'document' | 'batch';
  /**
   * Settings a target of this exporter may carry (journal code, GL accounts, office code…), checked
   * when the target is saved; `render` receives them validated.
   */
  readonly targetOptions?: StandardSchemaV1<unknown, Record<string, unknown>>;

  /**
   * Writes the documents. Each document ends either in exactly one file's
   * `documentIds` or in `refused` (with the rule that failed): never both, never neither. A document
   * refused costs nothing. Throw only when nothing could be written (the run is retried).
   */
  render(input: {
    accountId: string;
    documents: readonly AccountingDocument[];
    options: Readonly<Record<string, unknown>>;
  }): Promise<{ files: ExportFile[]; refused: ExportRefusal[] }>;
}
