import { TollgateError } from '@tollgate/errors';

type Init = { message: string; details?: unknown; cause?: unknown };

/** Trends Top (the company-data vendor) answered with something the caller must act on. */
export class TrendsTopError extends TollgateError {
  /** The vendor's HTTP status, or null when none came (network, timeout). */
  readonly upstreamStatus: number | null;

  constructor(input: Init & { code: string; status: number; upstreamStatus?: number | null }) {
    super({ code: input.code, status: input.status, message: input.message, details: input.details, cause: input.cause });
    this.upstreamStatus = input.upstreamStatus ?? null;
  }
}

/** Not a KBO enterprise number (10 digits, first 0 or 1, check digits 97 − first eight mod 97). */
export class InvalidEnterpriseNumberError extends TollgateError {
  constructor(input: { value: unknown; reason: string }) {
    super({
      code: 'invalid_enterprise_number',
      status: 400,
      message: `Not a Belgian enterprise number (${input.reason}).`,
      details: { value: typeof input.value === 'string' ? input.value.slice(0, 40) : null, reason: input.reason },
    });
  }
}

/** The vendor is down, failing (5xx) or unreachable, after the retries. */
export class TrendsTopUnavailableError extends TrendsTopError {
  constructor(input: Init & { upstreamStatus?: number | null }) {
    super({ ...input, code: 'company_data_unavailable', status: 503 });
  }
}

/** No answer in time: the per-attempt timeout after the retries, or the caller's signal (then without retrying). */
export class TrendsTopTimeoutError extends TrendsTopUnavailableError {
  readonly reason: 'timeout' | 'aborted';

  constructor(input: Init & { reason: 'timeout' | 'aborted' }) {
    super(input);
    this.reason = input.reason;
  }
}

/** Still 429 after the retries, or told to wait longer than the client may. */
export class TrendsTopRateLimitedError extends TrendsTopError {
  /** The vendor's last Retry-After, or null when it gave none. */
  readonly retryAfterSeconds: number | null;

  constructor(input: Init & { retryAfterSeconds: number | null }) {
    super({ ...input, code: 'company_data_rate_limited', status: 429, upstreamStatus: 429, details: { retryAfterSeconds: input.retryAfterSeconds } });
    this.retryAfterSeconds = input.retryAfterSeconds;
  }
}

/** The API key was refused (401, or a 403 that is not about export rights): a configuration to fix, not a retry. */
export class TrendsTopAuthError extends TrendsTopError {
  constructor(input: Init & { upstreamStatus: number }) {
    super({ ...input, code: 'company_data_auth_failed', status: 502 });
  }
}

/** The key's subscription may not export (its formula has no export rights). */
export class TrendsTopExportRightsError extends TrendsTopError {
  readonly formula: string | null;

  constructor(input: Init & { formula: string | null }) {
    super({ ...input, code: 'export_rights_required', status: 403, upstreamStatus: 403, details: { formula: input.formula } });
    this.formula = input.formula;
  }
}

/** The vendor knows the company by name only: nothing to export (nothing billed). */
export class TrendsTopNoDataError extends TrendsTopError {
  constructor(input: Init & { enterpriseNumber: string }) {
    super({ ...input, code: 'company_data_no_data', status: 422, upstreamStatus: 422, details: { enterpriseNumber: input.enterpriseNumber } });
  }
}

/** The Idempotency-Key was used before for another company. */
export class TrendsTopIdempotencyConflictError extends TrendsTopError {
  constructor(input: Init) {
    super({ ...input, code: 'idempotency_key_reused', status: 409, upstreamStatus: 409 });
  }
}

/** An answer that does not fit the protocol (not JSON, wrong shape, an unexpected status). */
export class TrendsTopResponseError extends TrendsTopError {
  constructor(input: Init & { upstreamStatus: number | null }) {
    super({ ...input, code: 'company_data_bad_response', status: 502 });
  }
}
