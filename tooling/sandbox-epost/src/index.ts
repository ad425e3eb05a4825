export {
  DEFAULT_TIMINGS,
  REGISTERED_LETTER_KINDS,
  SANDBOX_ACCOUNTS,
  SANDBOX_COUNTRIES,
  SANDBOX_VENDOR_ID,
  startEPostSandbox,
  type EPostLetterStatus,
  type EPostSandbox,
  type EPostSandboxControl,
  type EPostSandboxInput,
  type EPostSandboxState,
  type PlannedRejection,
  type ReceivedLetter,
  type RegisteredLetterKind,
  type SandboxAccount,
  type SandboxRequest,
  type StatusTimings,
} from './epost-sandbox.server.js';
export { ADDRESS_ZONE_MM, checkLetterPdf, EDGE_CLEAR_MM, LetterCheckError, MAX_PAGES, MAX_PDF_BYTES, type EPostMessage } from './letter-checks.js';
export { inspectPdf, parseBbox, type PdfPage, type PdfWord } from './pdf-inspect.js';
export { A4_PT, renderTestLetterPdf, type TestLetterInput } from './test-letter.js';
