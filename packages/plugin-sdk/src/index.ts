// The only package a plugin imports from Tollgate. Everything a plugin may use is re-exported here.
export { PLUGIN_API_VERSION, definePlugin, isPlugin, type InitRegistration, type Plugin, type PluginDefinition, type PluginEnv } from './plugin.js';
export { createExtensionPoint, createServiceRef, isDep, type Dep, type ExtensionPoint, type ServiceRef } from './refs.js';
export {
  accountingExportersExtensionPoint,
  httpRoutesExtensionPoint,
  invoiceSourcesExtensionPoint,
  paymentProvidersExtensionPoint,
  spendChannelsExtensionPoint,
  type Registry,
} from './extension-points.js';
export { coreServices, type HostInfo, type PluginJobs, type PluginPriceCatalog, type PluginWallet } from './core-services.js';
export { defineRoute, type HttpMethod, type PluginRoute, type RouteAuth, type RouteRequest, type RouteResponse } from './http-route.js';
export type { Logger } from './logger.js';
export { formatIssues, type InferOutput, type StandardIssue, type StandardResult, type StandardSchemaV1 } from './standard-schema.js';

// Re-exported so plugins depend on the SDK alone.
export { Money, MoneyError, CURRENCIES, type Currency } from '@tollgate/money';
export { ManualClock, SystemClock, type Clock } from '@tollgate/clock';
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
export type { Database, Migration, Transaction, Queryable } from '@tollgate/db';
export type { PaymentEvent, PaymentEventSink, PaymentMethodKind, PaymentMethodSetup, PaymentProvider, PaymentStatus, SpendChannel, SpendOutcome, SpendQuote, SpendResult, Balance, Hold, LotKind } from '@tollgate/wallet';
export { InsufficientFundsError, SpendFailedError, WalletBlockedError } from '@tollgate/wallet';
export type {
  AccountingExporter,
  HandledEvent,
  InvoiceSource,
  InvoiceSyncSink,
  SourceAddress,
  SourceConnection,
  SourceCustomer,
  SourceCustomerType,
  SourceDocument,
  SourceDocumentKind,
  SourceEvent,
  SourceInvoice,
  SourceSubscription,
} from '@tollgate/invoice-sync';
