import { TollgateError } from '@tollgate/errors';

type Init = { message: string; details?: unknown; cause?: unknown };

/**
 * Teamleader answered with an error. `status` is Teamleader's HTTP status and `titles` its
 * `errors[].title` list (the only part of the error body the docs promise).
 */
export class TeamleaderError extends TollgateError {
  readonly titles: string[];
  readonly action: string | null;

  constructor(input: Init & { code?: string; status: number; titles?: string[]; action?: string | null }) {
    super({ code: input.code ?? 'teamleader_error', status: input.status, message: input.message, details: input.details, cause: input.cause });
    this.titles = input.titles ?? [];
    this.action = input.action ?? null;
  }
}

/** 400 from Teamleader: invalid data or a reference to something that does not exist. */
export class TeamleaderValidationError extends TeamleaderError {
  constructor(input: Init & { titles?: string[]; action?: string | null }) {
    super({ ...input, code: 'teamleader_validation_failed', status: 400 });
  }
}

/** 401 that survived one refresh-and-retry. */
export class TeamleaderUnauthorizedError extends TeamleaderError {
  constructor(input: Init & { titles?: string[]; action?: string | null }) {
    super({ ...input, code: 'teamleader_unauthorized', status: 401 });
  }
}

/** 403: not allowed, usually a scope the integration lacks. */
export class TeamleaderForbiddenError extends TeamleaderError {
  constructor(input: Init & { titles?: string[]; action?: string | null }) {
    super({ ...input, code: 'teamleader_forbidden', status: 403 });
  }
}

export class TeamleaderNotFoundError extends TeamleaderError {
  constructor(input: Init & { titles?: string[]; action?: string | null }) {
    super({ ...input, code: 'teamleader_not_found', status: 404 });
  }
}

/** Still 429 after the allowed attempts; `retryAt` is when Teamleader said the window frees up. */
export class TeamleaderRateLimitedError extends TeamleaderError {
  readonly retryAt: string | null;

  constructor(input: Init & { titles?: string[]; action?: string | null; retryAt?: string | null }) {
    super({ ...input, code: 'teamleader_rate_limited', status: 429 });
    this.retryAt = input.retryAt ?? null;
  }
}

/**
 * Teamleader is down, slow or unreachable (5xx, timeouts, network errors) after the retries.
 * `outcomeUnknown` is true when a write that may not be repeated might have been applied.
 */
export class TeamleaderUnavailableError extends TeamleaderError {
  readonly upstreamStatus: number | null;
  readonly outcomeUnknown: boolean;

  constructor(input: Init & { titles?: string[]; action?: string | null; upstreamStatus?: number | null; outcomeUnknown?: boolean }) {
    super({ ...input, code: 'teamleader_unavailable', status: 503 });
    this.upstreamStatus = input.upstreamStatus ?? null;
    this.outcomeUnknown = input.outcomeUnknown ?? false;
  }
}

/**
 * The connection's refresh token no longer works (invalid_grant, revoked, uninstalled) or it
 * was never connected: a user must go through the OAuth consent again.
 */
export class ReconsentNeededError extends TollgateError {
  readonly connectionId: string;
  readonly reason: string;

  constructor(input: { connectionId: string; reason: string; cause?: unknown }) {
    super({
      code: 'teamleader_reconsent_needed',
      status: 409,
      message: `Teamleader connection ${input.connectionId} needs to be authorised again (${input.reason}).`,
      details: { connectionId: input.connectionId, reason: input.reason },
      cause: input.cause,
    });
    this.connectionId = input.connectionId;
    this.reason = input.reason;
  }
}

/**
 * The token endpoint refused a grant with a 4xx other than 408/429 and other than `invalid_grant`
 * (e.g. 400 `invalid_request`, 401 `invalid_client`/`invalid_token`): Teamleader's error bodies are
 * undocumented, and a dead refresh token is not always answered `invalid_grant`. `upstreamStatus`
 * and `error` say what it answered.
 */
export class TokenRefusedError extends TeamleaderError {
  readonly upstreamStatus: number;
  readonly error: string;
  readonly description: string | null;

  constructor(input: Init & { upstreamStatus: number; error: string; description?: string | null }) {
    super({ ...input, code: 'teamleader_token_refused', status: input.upstreamStatus, titles: [input.error] });
    this.upstreamStatus = input.upstreamStatus;
    this.error = input.error;
    this.description = input.description ?? null;
  }

  /** For the connection's re-consent reason: `HTTP 400 invalid_request (…)`. */
  get reason(): string {
    return `HTTP ${this.upstreamStatus} ${this.error}${this.description ? ` (${this.description})` : ''}`;
  }
}

/** The token endpoint refused the grant (RFC 6749 `invalid_grant`): used, expired or revoked. */
export class InvalidGrantError extends TollgateError {
  constructor(input: Init) {
    super({ code: 'teamleader_invalid_grant', status: 400, ...input });
  }
}

/** The user declined on Teamleader's consent screen, or the callback carried another OAuth error. */
export class AuthorizationDeniedError extends TollgateError {
  readonly error: string;

  constructor(input: { error: string; description?: string }) {
    super({
      code: 'teamleader_authorization_denied',
      status: 403,
      message: `Teamleader authorisation failed: ${input.error}${input.description ? ` (${input.description})` : ''}.`,
      details: { error: input.error },
    });
    this.error = input.error;
  }
}

/** Stored tokens could not be decrypted: tampered with, wrong key, or an unknown key id. */
export class TokenDecryptionError extends TollgateError {
  constructor(input: Init) {
    super({ code: 'teamleader_token_undecryptable', status: 500, ...input });
  }
}
