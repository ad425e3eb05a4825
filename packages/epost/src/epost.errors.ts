import { TollgateError } from '@tollgate/errors';

type Init = { message: string; details?: unknown; cause?: unknown };

/** The E-POSTBUSINESS API answered something the caller must act on; `vendorCode` is its Error code (E001, E306…). */
export class EPostError extends TollgateError {
  /** The API's HTTP status, or null when none came (network, timeout). */
  readonly upstreamStatus: number | null;
  /** The API's own code from its Error object, when it sent one. */
  readonly vendorCode: string | null;

  constructor(input: Init & { code: string; status: number; upstreamStatus?: number | null; vendorCode?: string | null }) {
    super({ code: input.code, status: input.status, message: input.message, details: input.details, cause: input.cause });
    this.upstreamStatus = input.upstreamStatus ?? null;
    this.vendorCode = input.vendorCode ?? null;
  }
}

/** Login refused: unknown vendor ID or EKP, wrong password or secret (E001/E002), or the EKP is blocked (E004). Not retried. */
export class EPostInvalidCredentialsError extends EPostError {
  constructor(input: Init & { vendorCode: string | null }) {
    super({ ...input, code: 'epost_credentials_invalid', status: 422, upstreamStatus: 401, details: { vendorCode: input.vendorCode } });
  }
}

/** The API is down or failing (5xx), or unreachable, after the retries. */
export class EPostUnavailableError extends EPostError {
  constructor(input: Init & { upstreamStatus?: number | null; vendorCode?: string | null }) {
    super({ ...input, code: 'epost_unavailable', status: 503 });
  }
}

/** No answer in time: the per-attempt timeout after the retries, or the caller's signal (then without retrying). */
export class EPostTimeoutError extends EPostUnavailableError {
  readonly reason: 'timeout' | 'aborted';

  constructor(input: Init & { reason: 'timeout' | 'aborted' }) {
    super(input);
    this.reason = input.reason;
  }
}

/** The API refused the letter (400): unreadable PDF, wrong format, address outside the window, option rules. Nothing was sent. */
export class EPostRejectedError extends EPostError {
  /** The API's description of what is wrong. */
  readonly vendorDescription: string;

  constructor(input: Init & { vendorCode: string | null; vendorDescription: string }) {
    super({
      ...input,
      code: 'epost_letter_rejected',
      status: 422,
      upstreamStatus: 400,
      details: { vendorCode: input.vendorCode, vendorDescription: input.vendorDescription },
    });
    this.vendorDescription = input.vendorDescription;
  }
}

/** Still 429 after the retries (status queries: one per 5 s per customer). */
export class EPostRateLimitedError extends EPostError {
  constructor(input: Init & { vendorCode?: string | null }) {
    super({ ...input, code: 'epost_rate_limited', status: 429, upstreamStatus: 429 });
  }
}

/** An answer that does not fit the protocol (not JSON, wrong shape, an unexpected status). */
export class EPostResponseError extends EPostError {
  constructor(input: Init & { upstreamStatus: number | null; vendorCode?: string | null }) {
    super({ ...input, code: 'epost_bad_response', status: 502 });
  }
}
