// Import, customers, profiles and collection land with the invoice-sync issues; these are the
// contracts source and exporter plugins implement.
export type { AccountingExporter } from './accounting-exporter.js';
export type {
  InvoiceSource,
  SourceAddress,
  SourceConnection,
  SourceCustomer,
  SourceCustomerType,
  SourceDocument,
  SourceDocumentKind,
  SourceEvent,
  SourceInvoice,
  SourceSubscription,
} from './invoice-source.js';
