// The letter channel (P-5, issue 17): requests → rendered, paid, posted letters through PostalCarrier plugins.
export { letterMigrations } from './letters.migrations.js';
export { LetterService, requestHash, type LetterRoundResult } from './letter.service.js';
export { registerLetters } from './registration.js';
export { FINAL_STATES, IN_FLIGHT_STATES, LETTER_STATES, isFinal, transition, type LetterState, type MoneyMove, type Transition } from './letter-lifecycle.js';
export {
  InvoicePdfUnavailableError,
  LetterContentRequiredError,
  LetterKeyReusedError,
  LetterNotCancellableError,
  LetterNotFoundError,
  PostalCountryNotOfferedError,
  SenderRequiredError,
} from './letters.errors.js';
export {
  LETTER_RENDERER,
  LETTER_SUBMIT_QUEUE,
  LETTERS_OPTIONS,
  POSTAL_CARRIERS,
  type Letter,
  type LetterCharge,
  type LetterEventRecord,
  type LetterQuote,
  type LetterRenderer,
  type LetterRequest,
  type LettersOptions,
  type PostalCarrierDirectory,
  type RenderedLetter,
  type RenderLetterInput,
} from './letters.types.js';
