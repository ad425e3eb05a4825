// The host imports the default export: the plugin descriptor made with definePlugin().
export { default, paymentsSepaPlugin } from './plugin.js';
export {
  SEPA_PROVIDER_ID,
  SepaDirectDebitProvider,
  type DebtorAddress,
  type ReportResult,
  type SepaBatch,
  type SepaReportSummary,
  type StatementResult,
  type UnmatchedLine,
  type SubmitResult,
  type TickResult,
} from './sepa-direct-debit.provider.js';
export { paymentsSepaOptions, type PaymentsSepaOptions } from './options.js';
export { PAIN_008_FORMAT, buildPain008, type Pain008Creditor, type Pain008Transaction } from './pain008.js';
export { PAIN_002_NAMESPACE, parsePain002, showReason, type Pain002Batch, type Pain002Report, type Pain002Transaction, type SepaReason } from './pain002.js';
export { parseCamt, type CamtDocument, type CamtKind, type CamtLine } from './camt.js';
export { sepaMigrations } from './sepa.migrations.js';
