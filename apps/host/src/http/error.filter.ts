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
  if (isTollgateError(error)) return { status: error.status, body: error.toBody() };
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
