export { PrintMailClient, type CreateLetterInput, type PrintMailAddress, type PrintMailClientConfig } from './print-mail.client.js';
export {
  PrintMailAuthError,
  PrintMailError,
  PrintMailIdempotencyConflictError,
  PrintMailNotCancellableError,
  PrintMailNotFoundError,
  PrintMailRejectedError,
  PrintMailResponseError,
  PrintMailSignatureError,
  PrintMailTimeoutError,
  PrintMailUnavailableError,
  type PrintMailFieldProblem,
} from './print-mail.errors.js';
export {
  PRINT_MAIL_PRODUCTS,
  PRINT_MAIL_STATUSES,
  type PrintMailEvent,
  type PrintMailLetter,
  type PrintMailProduct,
  type PrintMailQuote,
  type PrintMailStatus,
} from './print-mail.schemas.js';
export {
  PRINT_MAIL_SIGNATURE_HEADER,
  PRINT_MAIL_TIMESTAMP_HEADER,
  SIGNATURE_TOLERANCE_SECONDS,
  parsePrintMailEvent,
  verifyPrintMailSignature,
} from './webhook-signature.js';
export { PRINT_MAIL_MAX_SHEETS, createPrintMailCarrier, type PrintMailCarrierInput } from './print-mail.carrier.js';
export {
  POSTAL_CHANNEL_KINDS,
  createPostalSpendChannels,
  postalChannelId,
  type PostalChannelKind,
  type PostalChargeRequest,
  type PostalPriceList,
} from './postal-channels.js';
export {
  PRINT_MAIL_SANDBOX_API_KEY,
  PRINT_MAIL_SANDBOX_BASE_URL,
  PRINT_MAIL_SANDBOX_WEBHOOK_SECRET,
  printMailPluginOptions,
  resolvePrintMailSettings,
  type PrintMailPluginOptions,
  type PrintMailSettings,
} from './print-mail.options.js';
export { printMailCarrierParts } from './print-mail.plugin-parts.js';
