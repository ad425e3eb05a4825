/**
 * Every error a caller can act on is a TollgateError with a stable, documented code.
 * The host turns it into `{ error: { code, message, details? } }` with `status` as the HTTP status.
 */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export class TollgateError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;

  constructor(input: { code: string; message: string; status?: number; details?: unknown; cause?: unknown }) {
    super(input.message, input.cause === undefined ? undefined : { cause: input.cause });
    this.name = new.target.name;
    this.code = input.code;
    this.status = input.status ?? 500;
    this.details = input.details;
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

type Init = { message: string; code?: string; details?: unknown; cause?: unknown };

/** 400: the input is malformed or breaks a rule; `details` lists the offending fields. */
export class ValidationError extends TollgateError {
  constructor(input: Init) {
    super({ code: 'validation_failed', status: 400, ...input });
  }
}

/** 401: no credentials, or credentials that do not match anything. */
export class UnauthorizedError extends TollgateError {
  constructor(input: Partial<Init> = {}) {
    super({ code: 'unauthorized', status: 401, message: 'A valid API key is required (Authorization: Bearer <key>).', ...input });
  }
}

/** 403: known caller, not allowed to do this. */
export class ForbiddenError extends TollgateError {
  constructor(input: Init) {
    super({ code: 'forbidden', status: 403, ...input });
  }
}

/** 404: does not exist, or belongs to another account (we never say which). */
export class NotFoundError extends TollgateError {
  constructor(input: Init) {
    super({ code: 'not_found', status: 404, ...input });
  }
}

/** 409: conflicts with the current state (a reused idempotency key, a duplicate). */
export class ConflictError extends TollgateError {
  constructor(input: Init) {
    super({ code: 'conflict', status: 409, ...input });
  }
}

/** 422: well-formed, but the domain refuses it (not enough credit, hold already captured). */
export class UnprocessableError extends TollgateError {
  constructor(input: Init & { code: string }) {
    super({ status: 422, ...input });
  }
}

/** 503: a dependency (database, provider) is not available right now; safe to retry. */
export class UnavailableError extends TollgateError {
  constructor(input: Init) {
    super({ code: 'unavailable', status: 503, ...input });
  }
}

/** A configuration problem found at start-up; the host prints the message and exits non-zero. */
export class ConfigError extends TollgateError {
  constructor(input: Init) {
    super({ code: 'config_invalid', status: 500, ...input });
  }
}

export function isTollgateError(value: unknown): value is TollgateError {
  return value instanceof TollgateError;
}
