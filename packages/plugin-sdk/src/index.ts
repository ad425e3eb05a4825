// The only package a plugin imports from Tollgate: contracts, refs, errors and Money. Importing it
// loads no database driver, job queue or DI container (see test/light-import.test.ts).
export { PLUGIN_API_VERSION, definePlugin, isPlugin, type InitRegistration, type Plugin, type PluginDefinition, type PluginEnv } from './plugin.js';
export { createExtensionPoint, createServiceRef, isDep, type Dep, type ExtensionPoint, type ServiceRef } from './refs.js';
export {
  accountingExportersExtensionPoint,
  dashboardPanelsExtensionPoint,
  directDebitCollectorsExtensionPoint,
  httpRoutesExtensionPoint,
  invoiceSourcesExtensionPoint,
  paymentProvidersExtensionPoint,
  postalCarriersExtensionPoint,
  spendChannelsExtensionPoint,
  type Registry,
} from './extension-points.js';
export {
  coreServices,
  type AccountLocale,
  type HostInfo,
  type PluginAccount,
  type PluginAccounts,
  type PluginFiles,
  type PluginJobs,
  type PluginStoredFile,
  type PluginPriceCatalog,
  type PluginUser,
  type PluginWallet,
} from './core-services.js';
export type { AccountPlan, CardFunding, FundingPurpose, PlanAllowance, PlanPaymentMethodRule, PlanRules, PluginPlans } from './plans.js';
export {
  defaultMinRole,
  defineRoute,
  type AccountCaller,
  type HttpMethod,
  type PluginRoute,
  type Role,
  type RouteAuth,
  type RouteIdempotency,
  type RouteRequest,
  type RouteResponse,
  type RouteResponseDoc,
  type RouteUpload,
  type UploadedFile,
} from './http-route.js';
export type { Logger } from './logger.js';
export {
  DASHBOARD_COLUMN_FORMATS,
  DASHBOARD_FIELD_TYPES,
  DASHBOARD_LOCALES,
  DASHBOARD_PANEL_PLACEMENTS,
  DASHBOARD_SAVE_METHODS,
  dashboardPanelProblem,
  defineDashboardPanel,
  type DashboardColumnFormat,
  type DashboardFieldType,
  type DashboardForm,
  type DashboardFormField,
  type DashboardPanel,
  type DashboardPanelPlacement,
  type DashboardTable,
  type DashboardTableColumn,
  type LocalizedText,
} from './dashboard-panel.js';
export { SecretSealer, SecretUnsealError, type SecretSealerConfig } from './secret-sealer.js';
export type { DirectDebitCollected, DirectDebitCollector, DirectDebitCreditor, DirectDebitItem, DirectDebitOutcome } from './direct-debit-collector.js';
export { EVENT_TYPES, isEventType, type EventOf, type EventPayloads, type EventType, type PluginEvents, type TollgateEvent } from './events.js';
export { formatIssues, type InferOutput, type StandardIssue, type StandardResult, type StandardSchemaV1 } from './standard-schema.js';
export type { Engine, IsolationLevel, Migration, PluginDatabase, QueryResult, Queryable, Row, Transaction, TransactionOptions } from './database.js';

// Contracts plugins implement.
export type { ChannelPrice, Reservation, SpendChannel, SpendInput, SpendOutcome, SpendQuote, SpendResult, SpendStepInput } from './spend-channel.js';
export type {
  OneOffPayment,
  OneOffPaymentInput,
  PaymentCreated,
  PaymentEvent,
  PaymentEventSink,
  PaymentMethodKind,
  PaymentMethodSetup,
  PaymentProvider,
  PaymentStatus,
} from './payment-provider.js';
export type {
  EventOutcome,
  HandledEvent,
  InvoiceSource,
  InvoiceSyncSink,
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
  SyncConnection,
  SyncConnectionStatus,
} from './invoice-source.js';
export type { AccountingExporter, ExportFile, ExportRefusal } from './accounting-exporter.js';
export { ExportDocumentChannel, type ExportChargeRequest } from './export-document-channel.js';
export type {
  AccountingAddress,
  AccountingDelivery,
  AccountingDetails,
  AccountingDocument,
  AccountingLine,
  AccountingParty,
  AccountingPayment,
  AccountingReferences,
  AccountingTotals,
  AccountingVatSubtotal,
  PaymentMeansCode,
  VatCategory,
} from './accounting-document.js';
export type { LetterEvent, LetterSpec, LetterStatus, PostalAddress, PostalCarrier, PostalCharge, PostalProduct, PostalQuote } from './postal-carrier.js';
export {
  MAX_ADDRESS_LINE,
  POSTAL_CODE_PATTERNS,
  assertPostalAddress,
  normalisePostalAddress,
  postalAddressLines,
  postalAddressProblems,
  type PostalAddressProblem,
} from './postal-address.js';

// What the wallet gives back, and its refusals.
export {
  LOT_KINDS,
  type Balance,
  type CaptureInput,
  type CaptureResult,
  type ChargeInput,
  type ChargeResult,
  type Hold,
  type HoldInput,
  type HoldResult,
  type HoldStatus,
  type LotKind,
  type LotShare,
  type Price,
  type QuotaStatus,
  type AllowanceStatus,
  type Quote,
  type QuoteAutoRefill,
  type QuoteBreakdown,
  type QuoteCap,
  type QuoteInput,
  type ReleaseInput,
  type ReleaseResult,
  type ReversalResult,
  type ReverseInput,
} from './wallet.js';
export {
  HoldNotFoundError,
  HoldNotPendingError,
  IdempotencyKeyReusedError,
  InsufficientFundsError,
  NoPriceError,
  SpendFailedError,
  SpendingCapExceededError,
  UnknownChannelError,
  WalletBlockedError,
  type AutoRefillNote,
  type SpendingCapDetails,
} from './wallet.errors.js';

// Re-exported so plugins depend on the SDK alone.
export { Money, MoneyError, CURRENCIES, type Currency } from '@tollgate/money';
export {
  ManualClock,
  SystemClock,
  addTarget2BusinessDays,
  isTarget2BusinessDay,
  nextTarget2BusinessDay,
  target2BusinessDaysBetween,
  target2ClosingDays,
  type Clock,
} from '@tollgate/clock';
export {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TollgateError,
  UnauthorizedError,
  UnavailableError,
  UnprocessableError,
  ValidationError,
  type ErrorBody,
} from '@tollgate/errors';
