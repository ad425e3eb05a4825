import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TollgateError } from '@tollgate/errors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AUTH_KEY, type AuthMode } from './auth.js';

/** `application/json`, `application/problem+json`, with or without parameters (charset). */
const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/i;

/** 415 unsupported_media_type: an API body that is not JSON. */
export class UnsupportedMediaTypeError extends TollgateError {
  constructor(received: string | undefined) {
    super({
      code: 'unsupported_media_type',
      status: 415,
      message: `Request bodies must be JSON (Content-Type: application/json); this one was ${received ? JSON.stringify(received) : 'sent without a Content-Type'}.`,
      details: { accepted: ['application/json'], received: received ?? null },
    });
  }
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return request.headers['transfer-encoding'] !== undefined;
}

/**
 * Runs after AuthGuard (guards run in order): an account or admin route takes JSON only. Without
 * this, Fastify parses a form body and the caller is told about an "unrecognized key" instead of
 * the real mistake. Public routes (signed webhooks) keep whatever their vendor sends.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  constructor(@Inject(Reflector) private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const mode = this.reflector.getAllAndOverride<AuthMode | undefined>(AUTH_KEY, [context.getHandler(), context.getClass()]) ?? 'account';
    if (mode === 'public') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!hasBody(request)) return true;
    const type = request.headers['content-type'];
    if (type !== undefined && JSON_TYPE.test(type)) return true;
    throw new UnsupportedMediaTypeError(type);
  }
}

/**
 * Fastify answers an unknown content type itself, before routing: without a key check and in its
 * own words. A catch-all parser keeps such bodies as bytes so the request reaches the guards, and
 * the caller hears 401/403 first, then this guard's 415, in the API's error shape.
 */
export function acceptAnyBodyType(fastify: FastifyInstance): void {
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}
