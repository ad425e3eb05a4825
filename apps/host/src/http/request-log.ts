import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * Fastify's per-request log lines, made cheap: by default it writes two info lines per request
 * ("incoming request", "request completed"), which under load cost the host more CPU than routing
 * the request. Here: nothing on arrival, one line on completion at debug (error when the response
 * failed). Fastify's other lines (errors, 404s, closing) stay as they are; the error filter logs 5xx.
 */
export class RequestLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) {
      reply.log.error({ err: error, method: request.method, url: request.url, statusCode: reply.statusCode, ms: reply.elapsedTime }, 'request errored');
    } else {
      // A no-op below debug (pino swaps disabled levels for an empty function).
      reply.log.debug({ method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    }
  }
}
