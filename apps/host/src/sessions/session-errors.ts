import { ForbiddenError, TollgateError, UnauthorizedError } from '@tollgate/errors';

/** 401 invalid_credentials: the same answer for an unknown e-mail, a wrong password and an unknown key. */
export class InvalidCredentialsError extends UnauthorizedError {
  constructor() {
    super({ code: 'invalid_credentials', message: 'The e-mail address or password is not right.' });
  }
}

/** 429 too_many_attempts: this e-mail failed too often; `retryAfter` seconds until it may try again. */
export class TooManyAttemptsError extends TollgateError {
  constructor(input: { retryAfter: number }) {
    super({
      code: 'too_many_attempts',
      status: 429,
      message: `Too many failed sign-ins for this e-mail address; try again in ${Math.ceil(input.retryAfter / 60)} minute(s).`,
      details: { retryAfter: input.retryAfter },
    });
  }
}

/** 401: no session, or one that expired, was signed out or lost its key or user. */
export class SessionInvalidError extends UnauthorizedError {
  constructor() {
    super({ message: 'The session is unknown, expired or signed out: sign in again.' });
  }
}

/** 403 csrf_token_invalid: a write with the session cookie needs the session's X-CSRF-Token. */
export class CsrfTokenError extends ForbiddenError {
  constructor() {
    super({ code: 'csrf_token_invalid', message: 'A request with the session cookie that changes something needs the X-CSRF-Token header of the session.' });
  }
}
