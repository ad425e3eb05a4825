// The invoice-sync domain (S-1…S-4, S-8, S-10) and the contracts source and exporter plugins implement.
export type { AccountingExporter } from './accounting-exporter.js';
export { ACCOUNTING_DOCUMENTS, type AccountingDocumentFilter, type AccountingDocumentReader, type MissingAccountingDetails } from './accounting-documents.js';
export { AccountingDocumentsService, storeAccountingDetails } from './accounting-documents.service.js';
export type {
  InvoiceSource,
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
} from './invoice-source.js';
export { assertCollectable, collectionBlockedReasonFor, COLLECTION_CURRENCY } from './invoice-collectability.js';
export { CollectionRefService, type CollectionRefs } from './collection-refs.js';
export { CollectionSettingsService, type CollectionSettings } from './collection-settings.service.js';
export {
  INVITATION_LOCALES,
  INVITATION_OPTIONS,
  InvitationService,
  invitationLocale,
  type Invitation,
  type InvitationLocale,
  type InvitationMailData,
  type InvitationMailer,
  type InvitationOptions,
  type InvitationRoundResult,
  type InvitationStatus,
  type InvitationTrigger,
} from './invitation.service.js';
export {
  PAYMENT_LINK_PROVIDERS,
  PaymentLinkProviderError,
  PaymentLinkService,
  type NotPayableReason,
  type OneOffPaymentProvider,
  type PaymentLinkPage,
  type PaymentLinkProviderDirectory,
  type PaymentLinkStatus,
  type StartOutcome,
} from './payment-links.js';
export {
  InvoicePdfService,
  MAX_PDF_DOWNLOAD,
  pdfFilename,
  type InvoicePdfState,
  type MissingPdf,
  type PdfRoundResult,
  type StoredInvoicePdf,
} from './invoice-pdf.service.js';
export {
  findStructuredCommunications,
  formatStructuredCommunication,
  parseStructuredCommunication,
  structuredCommunication,
} from './structured-communication.js';
export { MandateService, mandateView, type Mandate, type MandateRowOutcome, type MandateUpload, type MandateUploadRow } from './mandate.service.js';
export { MAX_MANDATE_ROWS, mandateReportCsv, readMandateCsv, type MandateCsvRow, type MandateSequence } from './mandate-csv.js';
export { DirectDebitService, isValidCreditorId, type DirectDebitCreditorSettings, type DirectDebitRun } from './direct-debit.service.js';
export {
  InvoicePaymentService,
  PAYMENT_METHODS,
  type InvoicePayment,
  type PaymentMethod,
  type RecordPaymentInput,
  type RecordPaymentResult,
  type ReversePaymentResult,
} from './invoice-payments.js';
export { InvoiceWritebackService, type DrainResult, type Writeback, type WritebackAction, type WritebackStatus } from './invoice-writebacks.js';
export { parseBankStatement, type ParsedStatement, type StatementCredit, type StatementKind } from './bank-statement.js';
export { BankStatementService, type BankStatementReport, type StatementLine, type UnmatchedReason } from './bank-statement.service.js';
export { invoiceSyncMigrations } from './invoice-sync.migrations.js';
export { registerInvoiceSync } from './registration.js';
export { ConnectionService, type ConnectionSettings } from './connection.service.js';
export { ProfileService, type ProfileInput } from './profile.service.js';
export { CustomerService } from './customer.service.js';
export { InvoiceQueries } from './invoice-query.service.js';
export { InvoiceSyncInbox, type InvoiceSyncSink } from './invoice-sync.sink.js';
export { InvoiceImporter, displayNumberCandidates, type EventOutcome, type HandledEvent } from './invoice-importer.js';
export {
  AlreadyConnectedError,
  ConnectionNotActiveError,
  ConnectionNotFoundError,
  CustomerNotFoundError,
  CurrencyNotCollectableError,
  DirectDebitCreditorMissingError,
  DirectDebitUnavailableError,
  MandateCsvInvalidError,
  MandateUploadNotFoundError,
  CustomFieldsUnsupportedError,
  ImportRunningError,
  InvalidBankAccountError,
  InvitationAlreadySentError,
  InvitationNotPossibleError,
  InvoiceNotFoundError,
  InvoiceNotPayableError,
  PaymentConflictError,
  PaymentNotFoundError,
  WritebackNotFoundError,
  WritebackNotParkedError,
  NoPdfAvailableError,
  NoProfileConfiguredError,
  PdfNotAvailableError,
  ProfileInUseError,
  ProfileNotFoundError,
  ReconsentRequiredError,
  RunNotFoundError,
  UnknownSourceError,
} from './invoice-sync.errors.js';
export {
  DIRECT_DEBIT_COLLECTORS,
  INVOICE_SOURCES,
  type DirectDebitCollectorDirectory,
  INVOICE_SYNC_OPTIONS,
  type CollectionBlockedReason,
  type Connection,
  type ConnectionStatus,
  type Customer,
  type ImportRun,
  type Invoice,
  type InvoiceEvent,
  type InvoiceSourceDirectory,
  type InvoiceStatus,
  type InvoiceSyncEvents,
  type InvoiceSyncOptions,
  type PdfStatus,
  type Profile,
  type RunFailure,
  type RunFlags,
  type RunStatus,
  type RunTrigger,
} from './invoice-sync.types.js';
export { invoiceForLetter, recordLetterEvent, type InvoiceForLetter } from './invoice-letters.js';
