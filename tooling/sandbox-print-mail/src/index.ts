export {
  CALLBACK_BACKOFF_SECONDS,
  IDEMPOTENCY_KEY_TTL_SECONDS,
  FAILURE_KINDS,
  SANDBOX_KEYS,
  SANDBOX_WEBHOOK_SECRET,
  startPrintMailSandbox,
  type CallbackDelivery,
  type FailureKind,
  type FailureRule,
  type LetterEventRecord,
  type LetterRecord,
  type PrintMailSandbox,
  type PrintMailSandboxControl,
  type PrintMailSandboxInput,
  type PrintMailSandboxState,
  type ProcessResult,
  type SandboxRequest,
} from './print-mail-sandbox.server.js';
export { EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signCallback } from './callback-signature.js';
export { DEFAULT_TIMINGS, LETTER_STATUSES, type LetterFate, type LifecycleTimings, type SandboxLetterStatus } from './lifecycle.js';
export { MAX_METADATA_PAIRS, MAX_SHEETS, PRODUCTS, SERVICE_COUNTRIES, type Product, type SandboxAddress } from './letter-input.js';
export { A4_POINTS, checkLetterPdf } from './pdf-check.js';
export { VENDOR_PRICE_CENTS, vendorQuote, type VendorQuote } from './vendor-prices.js';
export { makeTestPdf, startCallbackReceiver, type ReceivedCallback } from './test-fixtures.js';
