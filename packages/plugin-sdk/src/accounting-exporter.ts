import type { SourceInvoice } from './invoice-source.js';

/** Writes invoices to an accounting program that only accepts imports (a file per export). */
export interface AccountingExporter {
  /** Kebab-case, unique: 'export-ubl', 'export-csv-exact'. */
  readonly id: string;
  readonly label: string;
  /** The file format produced, for the UI: 'UBL 2.1', 'CSV'. */
  readonly format: string;

  export(input: { accountId: string; invoices: readonly SourceInvoice[] }): Promise<{ fileName: string; contentType: string; body: Buffer }>;
}
