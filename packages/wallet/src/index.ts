// Contracts plugins implement.
export type { ChannelPrice, Reservation, SpendChannel, SpendInput, SpendOutcome, SpendQuote, SpendResult, SpendStepInput } from './spend-channel.js';
export type { PaymentEvent, PaymentEventSink, PaymentMethodKind, PaymentMethodSetup, PaymentProvider, PaymentStatus } from './payment-provider.js';

// The wallet domain.
export { walletMigrations } from './wallet.migrations.js';
export { TRIAL_KEY, WalletService, WALLET_OPTIONS, type SpendingCap, type WalletOptions, type WalletTransactionHook } from './wallet.service.js';
export type { Book, Posting, TxRow, WalletChanges, WalletEvent } from './wallet-state.js';
export { PriceCatalog, type Price } from './price-catalog.js';
export { registerWallet } from './registration.js';
export { checkInvariants, type InvariantProblem, type InvariantReport } from './invariants.js';
export { relayWalletEvents, type OutboxEvent } from './wallet-outbox.js';
export { appliesTo, compareForChannel, compareLots, KIND_PRIORITY } from './lot-order.js';
export { monthStart } from './quota-period.js';
export { addMonths, monthFor, rollOver, type AllowanceMonth, type AllowanceRule, type CarriedUnits } from './allowance-period.js';
export {
  CaptureExceedsHoldError,
  HoldNotFoundError,
  HoldNotPendingError,
  IdempotencyKeyReusedError,
  InsufficientFundsError,
  InvalidScopeError,
  NotClawableError,
  SpendingCapExceededError,
  RefundBelowFeeError,
  RefundExceedsRefundableError,
  WalletBlockedError,
  NoPriceError,
  NotReversibleError,
  TransactionNotFoundError,
  UnknownChannelError,
  WalletNotFoundError,
  type AutoRefillNote,
} from './wallet.errors.js';
export {
  HISTORY_LINE_TYPES,
  LOT_KINDS,
  TRANSACTION_TYPES,
  type Balance,
  type CaptureResult,
  type HoldResult,
  type Quote,
  type ReleaseResult,
  type ReversalResult,
  type ChargeResult,
  type ClawbackResult,
  type RefundResult,
  type GrantResult,
  type HistoryEntry,
  type HistoryLine,
  type HistoryLineType,
  type Hold,
  type HoldStatus,
  type Lot,
  type LotKind,
  type LotShare,
  type QuotaUsage,
  type TransactionType,
} from './wallet.types.js';
export { SpendFailedError, SpendRunner, type SpendMoves, type SpendRunnerWallet } from './spend-runner.js';
