export {
  DEFAULT_BANK_TOKEN,
  SANDBOX_BANK_BIC,
  startBankSandbox,
  type BankSandbox,
  type BankSandboxControl,
  type BankSandboxInput,
  type BankSandboxState,
  type ForcedRejection,
  type RejectionKind,
  type SandboxFile,
  type SandboxNotification,
  type SandboxReport,
  type SandboxTransaction,
} from './bank-sandbox.server.js';
export { CAMT_054_NAMESPACE, buildCamt054, type NotifiedEntry, type NotifiedTransaction } from './camt054.builder.js';
export { PAIN_002_NAMESPACE, buildPain002, type RejectedBatch, type RejectedCollection, type ReportReason } from './pain002.builder.js';
export {
  PAIN_008_NAMESPACE,
  Pain008Error,
  readPain008,
  type CollectionInFile,
  type Pain008Batch,
  type Pain008File,
  type Pain008Transaction,
  type SequenceType,
} from './pain008.reader.js';
export { EEA_COUNTRIES, NON_EEA_SEPA_COUNTRIES, isValidCreditorId, judgeFile, type Failure, type StatusReason, type Verdict } from './sepa-rules.js';
export { NON_EEA_IBANS, SETTLING_IBANS, TEST_IBANS, hasValidIbanChecksum, normaliseIban, outcomeFor, type TestOutcome } from './test-ibans.js';
export { validatePain008Xsd, validateXsd, type SchemaName } from './xsd.js';
