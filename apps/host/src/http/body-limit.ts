import { Transform, type Readable } from 'node:stream';
import { TollgateError } from '@tollgate/errors';
import type { FastifyInstance } from 'fastify';

/** What the API accepts in one request body. */
export const BODY_LIMIT = 1_048_576;
/**
 * What a route that takes files (a plugin route's `accepts`) accepts: a bank's day of camt.054 for
 * a few thousand collections is already over 1 MiB. Set per route as Fastify route config.
 */
export const FILE_BODY_LIMIT = 8 * BODY_LIMIT;
/**
 * How much of a too-large body the host still reads (and throws away) so the client gets its 413.
 * Answering while a client is still sending, then closing, resets the connection: the client sees
 * EPIPE/ECONNRESET instead of the answer. Past this, the connection is closed (Fastify's own limit).
 */
export const DRAIN_LIMIT = 16 * BODY_LIMIT;

export class PayloadTooLargeError extends TollgateError {
  /** Fastify reads the status of a body parser's error from here. */
  readonly statusCode = 413;
  constructor(limit: number) {
    super({ code: 'payload_too_large', status: 413, message: `The request body is larger than ${limit} bytes.`, details: { limit } });
  }
}

/**
 * Enforces BODY_LIMIT (or the route's own `bodyLimit` config) before parsing. A body within the limit by its Content-Length passes untouched
 * (no per-request stream); a longer or chunked one is counted, and once past the limit the rest is
 * read and dropped, then the request fails with 413 in the API's error shape.
 */
export function installBodyLimit(instance: FastifyInstance, defaultLimit = BODY_LIMIT): void {
  instance.addHook('preParsing', async (request, _reply, payload) => {
    const config = request.routeOptions.config as { bodyLimit?: number; upload?: true } | undefined;
    // Upload routes count their own bytes against the route's maxBytes (uploads/upload-body.ts).
    if (config?.upload) return payload;
    const limit = config?.bodyLimit ?? defaultLimit;
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared <= limit) return payload;
    return drainPast(payload, limit);
  });
}

function drainPast(payload: Readable, limit: number): Readable {
  let received = 0;
  const limited = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      callback(null, received > limit ? undefined : chunk);
    },
    flush(callback) {
      callback(received > limit ? new PayloadTooLargeError(limit) : null);
    },
  });
  payload.on('error', (error) => limited.destroy(error));
  return payload.pipe(limited);
}
