// Import, customers, profiles and collection land with the invoice-sync issues; these are the
// contracts source and exporter plugins implement.
export type { AccountingExporter } from './accounting-exporter.js';
export type { InvoiceSource, SourceInvoice } from './invoice-source.js';
