export {
  EPostClient,
  REGISTERED_LETTER_KINDS,
  isEPostError,
  maskEkp,
  type EPostClientConfig,
  type EPostCredentials,
  type RegisteredLetterKind,
  type UploadedLetter,
  type UploadLetterInput,
} from './epost.client.js';
export {
  EPostError,
  EPostInvalidCredentialsError,
  EPostRateLimitedError,
  EPostRejectedError,
  EPostResponseError,
  EPostTimeoutError,
  EPostUnavailableError,
} from './epost.errors.js';
export { LETTER_STATUS_IDS, type EPostLetterStatus, type EPostMessage, type LetterIdent } from './epost.schemas.js';
