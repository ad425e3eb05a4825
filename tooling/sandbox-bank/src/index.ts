export {
  DEFAULT_BANK_TOKEN,
  SANDBOX_BANK_BIC,
  startBankSandbox,
  type BankSandbox,
  type BankSandboxControl,
  type BankSandboxInput,
  type BankSandboxState,
  type RejectionKind,
  type SandboxFile,
  type SandboxReport,
  type SandboxTransaction,
} from './bank-sandbox.server.js';
export { PAIN_002_NAMESPACE, buildPain002, type RejectedCollection } from './pain002.builder.js';
export { PAIN_008_NAMESPACE, Pain008Error, readPain008, type CollectionInFile, type Pain008File, type SequenceType } from './pain008.reader.js';
export { SETTLING_IBANS, TEST_IBANS, hasValidIbanChecksum, normaliseIban, outcomeFor, type TestOutcome } from './test-ibans.js';
