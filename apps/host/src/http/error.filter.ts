import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { isTollgateError, type ErrorBody } from '@tollgate/errors';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
};

/** Turns anything thrown into `{ error: { code, message, details? } }` with the right status. */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (isTollgateError(error)) return { status: error.status, body: callerFacing(error.toBody()) };
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : typeof (response as { message?: unknown }).message === 'string'
          ? (response as { message: string }).message
          : error.message;
    return { status, body: { error: { code: CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'invalid_request'), message } } };
  }
  // Fastify's own errors (malformed JSON, wrong content type, body too large) carry a statusCode.
  const statusCode = (error as { statusCode?: unknown })?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return { status: statusCode, body: { error: { code: CODE_BY_STATUS[statusCode] ?? 'invalid_request', message: (error as Error).message } } };
  }
  return { status: 500, body: { error: { code: 'internal_error', message: 'Internal server error' } } };
}

/** The namespaces the host puts before a caller's idempotency key (wallet/idempotency.ts); never shown back. */
const KEY_NAMESPACE = /^api:/;

/**
 * The wallet and funding report a reused key as they store it (`api:buy-5`); the caller sent
 * `buy-5`, so that is what the message and details name.
 */
function callerFacing(body: ErrorBody): ErrorBody {
  const details = body.error.details as { key?: unknown; operation?: unknown } | undefined;
  if (body.error.code !== 'idempotency_key_reused' || typeof details?.key !== 'string' || !KEY_NAMESPACE.test(details.key)) return body;
  const key = details.key.replace(KEY_NAMESPACE, '');
  const operation = typeof details.operation === 'string' ? details.operation : 'other';
  return {
    error: {
      ...body.error,
      message: `Idempotency key ${JSON.stringify(key)} was already used for a different ${operation} request.`,
      details: { ...details, key },
    },
  };
}

@Catch()
export class ErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body } = toErrorResponse(exception);
    if (status >= 500) this.logger.error({ err: exception }, 'request failed');
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
