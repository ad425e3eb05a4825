export { TrendsTopClient, type TrendsTopClientConfig } from './trendstop.client.js';
export { formatEnterpriseNumber, normaliseEnterpriseNumber } from './enterprise-number.js';
export {
  InvalidEnterpriseNumberError,
  TrendsTopAuthError,
  TrendsTopError,
  TrendsTopExportRightsError,
  TrendsTopIdempotencyConflictError,
  TrendsTopNoDataError,
  TrendsTopRateLimitedError,
  TrendsTopResponseError,
  TrendsTopTimeoutError,
  TrendsTopUnavailableError,
} from './trendstop.errors.js';
export type { CompanyAvailability, CompanyExport, TrendsTopSubscription } from './trendstop.schemas.js';
