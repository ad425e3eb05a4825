import { TollgateError, ValidationError } from '@tollgate/errors';

type Init = { message: string; details?: unknown; cause?: unknown };

/** The print-and-mail service answered with something the caller must act on. */
export class PrintMailError extends TollgateError {
  /** The vendor's HTTP status, or null when none came (network, timeout). */
  readonly upstreamStatus: number | null;
  /** The vendor's own error code (`address_invalid`, `pdf_not_a4`…), or null. */
  readonly vendorCode: string | null;

  constructor(input: Init & { code: string; status: number; upstreamStatus?: number | null; vendorCode?: string | null }) {
    super({ code: input.code, status: input.status, message: input.message, details: input.details, cause: input.cause });
    this.upstreamStatus = input.upstreamStatus ?? null;
    this.vendorCode = input.vendorCode ?? null;
  }
}

/** The service is down, failing (5xx, 429) or unreachable after the retries: safe to retry later with the same Idempotency-Key. */
export class PrintMailUnavailableError extends PrintMailError {
  /** The service's last Retry-After, or null. */
  readonly retryAfterSeconds: number | null;

  constructor(input: Init & { upstreamStatus?: number | null; retryAfterSeconds?: number | null }) {
    super({ ...input, code: 'print_mail_unavailable', status: 503, details: { retryAfterSeconds: input.retryAfterSeconds ?? null } });
    this.retryAfterSeconds = input.retryAfterSeconds ?? null;
  }
}

/** No answer in time: the per-attempt timeout after the retries, or the caller's signal (then without retrying). */
export class PrintMailTimeoutError extends PrintMailUnavailableError {
  readonly reason: 'timeout' | 'aborted';

  constructor(input: Init & { reason: 'timeout' | 'aborted' }) {
    super(input);
    this.reason = input.reason;
  }
}

/** The API key was refused: a configuration to fix, not a retry. */
export class PrintMailAuthError extends PrintMailError {
  constructor(input: Init & { upstreamStatus: number }) {
    super({ ...input, code: 'print_mail_auth_failed', status: 502 });
  }
}

export interface PrintMailFieldProblem {
  field: string;
  message: string;
}

/** 422: the service refuses the letter as it is (address, destination, PDF, sheets, fields); `fields` say where. */
export class PrintMailRejectedError extends PrintMailError {
  readonly fields: PrintMailFieldProblem[];

  constructor(input: Init & { vendorCode: string; fields: PrintMailFieldProblem[] }) {
    super({ ...input, code: 'print_mail_rejected', status: 422, upstreamStatus: 422, details: { vendorCode: input.vendorCode, fields: input.fields } });
    this.fields = input.fields;
  }
}

/** The Idempotency-Key was used before for a different letter. */
export class PrintMailIdempotencyConflictError extends PrintMailError {
  constructor(input: Init) {
    super({ ...input, code: 'idempotency_key_reused', status: 409, upstreamStatus: 422, vendorCode: 'idempotency_key_reused' });
  }
}

/** No such letter for this key. */
export class PrintMailNotFoundError extends PrintMailError {
  constructor(input: Init & { letterId: string }) {
    super({ ...input, code: 'print_mail_letter_not_found', status: 404, upstreamStatus: 404, details: { letterId: input.letterId } });
  }
}

/** Too late to cancel: the letter is printed (or further). */
export class PrintMailNotCancellableError extends PrintMailError {
  readonly letterStatus: string | null;

  constructor(input: Init & { letterStatus: string | null }) {
    super({ ...input, code: 'letter_not_cancellable', status: 409, upstreamStatus: 409, details: { status: input.letterStatus } });
    this.letterStatus = input.letterStatus;
  }
}

/** An answer that does not fit the protocol (not JSON, wrong shape, an unexpected status). */
export class PrintMailResponseError extends PrintMailError {
  constructor(input: Init & { upstreamStatus: number | null; vendorCode?: string | null }) {
    super({ ...input, code: 'print_mail_bad_response', status: 502 });
  }
}

/** A status callback that cannot be trusted (signature, timestamp) or read: refused, never half-believed. */
export class PrintMailSignatureError extends ValidationError {
  constructor(input: { message: string; code?: 'invalid_signature' | 'invalid_webhook_body'; details?: unknown }) {
    super({ code: input.code ?? 'invalid_signature', message: input.message, details: input.details });
  }
}
