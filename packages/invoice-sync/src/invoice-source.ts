// The contract lives in the SDK (source plugins implement it); the importer drives it.
export type {
  SourceAddress,
  SourceConnection,
  SourceCustomer,
  SourceCustomerType,
  SourceCustomField,
  SourceDocument,
  SourceDocumentKind,
  SourceEvent,
  SourceInvoice,
  SourcePdf,
  SourceSubscription,
  InvoiceSource,
} from '@tollgate/plugin-sdk';
