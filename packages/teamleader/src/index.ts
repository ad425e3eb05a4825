export { parseReset, RateLimitBudget, type BudgetReservation, type RateLimitBudgetConfig } from './rate-limit-budget.js';
export { TeamleaderApi } from './teamleader-api.js';
export { TEAMLEADER_API_BASE_URL, TeamleaderClient, type AccessTokenSource, type CallInput, type TeamleaderClientConfig } from './teamleader.client.js';
export {
  AuthorizationDeniedError,
  InvalidGrantError,
  ReconsentNeededError,
  TeamleaderError,
  TeamleaderForbiddenError,
  TeamleaderNotFoundError,
  TeamleaderRateLimitedError,
  TeamleaderUnauthorizedError,
  TeamleaderUnavailableError,
  TeamleaderValidationError,
  TokenDecryptionError,
  TokenRefusedError,
} from './teamleader.errors.js';
export { jsonDecimal, parseTeamleaderJson, plainDecimal } from './teamleader-json.js';
export { TEAMLEADER_AUTH_BASE_URL, TeamleaderOAuth, type TeamleaderOAuthConfig } from './teamleader-oauth.js';
export type * from './teamleader.types.js';
export { TokenCipher, type TokenCipherConfig } from './token-cipher.js';
export { TeamleaderTokenManager, type TokenManagerConfig } from './token-manager.js';
export { InMemoryTokenStore, type SaveResult, type StoredTokens, type TeamleaderTokens, type TokenStore } from './token-store.js';
