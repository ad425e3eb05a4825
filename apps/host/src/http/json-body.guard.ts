import { Inject, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TollgateError } from '@tollgate/errors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { UploadRouteConfig } from '../uploads/upload-body.js';
import { AUTH_KEY, type AuthMode } from './auth.js';

/** `application/json`, `application/problem+json`, with or without parameters (charset). */
const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/i;

const ACCEPTS_KEY = 'tollgate:accepts';
/** Body media types a route takes besides JSON (a plugin route's `accepts`). */
export const Accepts = (types: readonly string[]) => SetMetadata(ACCEPTS_KEY, types);

/** 415 unsupported_media_type: an API body that is not JSON (or one of the route's other types). */
export class UnsupportedMediaTypeError extends TollgateError {
  constructor(input: { received: string | undefined; accepted: readonly string[] }) {
    const list = input.accepted.join(', ');
    super({
      code: 'unsupported_media_type',
      status: 415,
      message: `This route takes ${list} request bodies; this one was ${input.received ? JSON.stringify(input.received) : 'sent without a Content-Type'}.`,
      details: { accepted: input.accepted, received: input.received ?? null },
    });
  }
}

/** `text/plain; charset=utf-8` → `text/plain`. */
const essence = (type: string) => type.split(';')[0]!.trim().toLowerCase();

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
    // Upload routes take files of any declared type: their bytes decide (415 with the route's types, uploads/upload-body.ts).
    if ((request.routeOptions.config as UploadRouteConfig | undefined)?.upload) return true;
    if (!hasBody(request)) return true;
    const type = request.headers['content-type'];
    if (type !== undefined && JSON_TYPE.test(type)) return true;
    const others = this.reflector.getAllAndOverride<readonly string[] | undefined>(ACCEPTS_KEY, [context.getHandler(), context.getClass()]) ?? [];
    if (type !== undefined && others.some((t) => essence(t) === essence(type))) return true;
    throw new UnsupportedMediaTypeError({ received: type, accepted: ['application/json', ...others] });
  }
}

/**
 * Fastify answers an unknown content type itself, before routing: without a key check and in its
 * own words. A catch-all parser keeps such bodies as text so the request reaches the guards, and
 * the caller hears 401/403 first, then this guard's 415, in the API's error shape.
 */
export function acceptAnyBodyType(fastify: FastifyInstance): void {
  // As text: the routes that take other types (`accepts`) take files such as XML or CSV.
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
}
