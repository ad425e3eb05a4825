export { fundingMigrations } from './funding.migrations.js';
export { FundingService, type FundingEvents } from './funding.service.js';
export {
  CHECKOUT_CHECK_INTERVAL_MS,
  CHECKOUT_SWEEP_AFTER_MS,
  checkoutReturnUrl,
  checkReturnPath,
  DEFAULT_RETURN_PATH,
  takesHostedPayments,
  type HostedPaymentProvider,
} from './hosted-checkout.js';
export { registerFunding } from './registration.js';
export { FUNDING_OPTIONS, PACK_MAX, PACK_MIN, resolveFundingOptions, type FundingOptions, type ResolvedFundingOptions } from './funding.options.js';
export {
  AmountOutOfRangeError,
  AutoRefillSettingsError,
  FundingKeyReusedError,
  HostedPaymentProviderError,
  InvalidReferralCodeError,
  InvalidReturnPathError,
  NoHostedPaymentProviderError,
  PaymentMethodNotFoundError,
  PurchaseNotFoundError,
  RefundNotFoundError,
  UnknownPackError,
  UnknownProviderError,
} from './funding.errors.js';
export {
  FUNDING_NOTIFIER,
  FUNDING_PLAN_RULES,
  NO_PLAN_RULES,
  PAYMENT_PROVIDERS,
  type AutoRefillMode,
  type AutoRefillPauseReason,
  type AutoRefillSettings,
  type RefillCover,
  type RefillCoverReason,
  type RefillSchedule,
  type IncomingCredit,
  type FundingNotice,
  type FundingNotifier,
  type FundingPlanRules,
  type PaymentMethod,
  type PaymentProviderDirectory,
  type Purchase,
  type PurchaseOrigin,
  type PurchaseStatus,
  type Refund,
} from './funding.types.js';
