import type { StandardSchemaV1 } from './standard-schema.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who may call a route: any valid account key, the platform admin key, or anyone (webhooks). */
export type RouteAuth = 'account' | 'admin' | 'public';

export interface RouteRequest<B, Q, P> {
  /** Set for 'account' routes: the caller's account and role. */
  caller?: { accountId: string; role: 'owner' | 'admin' | 'member'; keyId: string };
  body: B;
  query: Q;
  params: P;
  headers: Readonly<Record<string, string | undefined>>;
  /** The exact bytes received (for webhook signatures). */
  rawBody: Buffer | undefined;
}

export interface RouteResponse {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * An HTTP endpoint a plugin serves without knowing the web framework. Paths are mounted as
 * `/v1/plugins/<plugin id><path>`; bodies, queries and params are validated by their schemas
 * and refused with the standard 400 error body before the handler runs.
 */
export interface PluginRoute<B = unknown, Q = unknown, P = unknown> {
  method: HttpMethod;
  /** Starts with '/', `:name` for params: '/meetings/:meetingId'. */
  path: string;
  auth: RouteAuth;
  summary: string;
  body?: StandardSchemaV1<unknown, B>;
  query?: StandardSchemaV1<unknown, Q>;
  params?: StandardSchemaV1<unknown, P>;
  handler(request: RouteRequest<B, Q, P>): Promise<RouteResponse>;
}

/** Helper that keeps the schema and handler types tied together. */
export function defineRoute<B = unknown, Q = unknown, P = unknown>(route: PluginRoute<B, Q, P>): PluginRoute<B, Q, P> {
  return route;
}
