import type { StandardSchemaV1 } from './standard-schema.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who may call a route: an account API key, the platform admin key, or anyone (signed webhooks). */
export type RouteAuth = 'account' | 'admin' | 'public';

/** Roles of an account's keys and users, least first: a member reads, an admin acts, the owner owns. */
export type Role = 'member' | 'admin' | 'owner';

/** The caller of an 'account' route, authenticated by the host. */
export interface AccountCaller {
  accountId: string;
  role: Role;
  keyId: string;
  /** The user the key belongs to (the one who created it); null for a key made without a user. Since API 2.4. */
  userId: string | null;
}

/** Whether a route takes an Idempotency-Key header. */
export type RouteIdempotency = 'required' | 'optional';

export type RouteRequest<B, Q, P, A extends RouteAuth = RouteAuth, K extends RouteIdempotency | undefined = RouteIdempotency | undefined> = {
  body: B;
  query: Q;
  params: P;
  headers: Readonly<Record<string, string | undefined>>;
  /** The exact bytes received (for webhook signatures). */
  rawBody: Buffer | undefined;
  /** The caller's Idempotency-Key (routes with `idempotency`), as sent; always set on 'required' routes. */
  idempotencyKey: K extends 'required' ? string : string | undefined;
  /** The uploaded file of an `upload` route (since API 2.7); undefined on other routes. */
  file?: UploadedFile;
} & (A extends 'account' ? { caller: AccountCaller } : { caller?: undefined });

/**
 * One file sent to an `upload` route, either as the whole body (`Content-Type: application/pdf`) or
 * as the `file` part of a `multipart/form-data` body (Stripe's and Mindee's way). The host reads the
 * first bytes to learn the real type: a file whose bytes are not one of the route's types is a 415,
 * whatever the client called it.
 */
export interface UploadedFile {
  bytes: Buffer;
  /** The type the bytes are, as sniffed by the host (always one of the route's `upload.types`). */
  contentType: string;
  /** What the client said it was (the body's or the part's Content-Type); may differ in parameters or be generic. */
  declaredType: string | null;
  /** The multipart part's filename, or the `X-Filename` header of a raw upload; null when none was given. */
  filename: string | null;
  size: number;
  /** Hex SHA-256 of `bytes`. */
  sha256: string;
}

/** What an `upload` route takes (since API 2.7). */
export interface RouteUpload {
  /** Media types taken, by what the bytes are: 'application/pdf', 'image/jpeg', 'image/png', 'image/heic'. */
  types: readonly string[];
  /** Largest file taken, in bytes (413 payload_too_large above it); at most 32 MiB. */
  maxBytes: number;
  /**
   * The other parts of a multipart body, as text fields, validated like a body (400 on a bad field).
   * A raw upload has none: the schema then sees `{}`; put such options in the query instead.
   */
  fields?: StandardSchemaV1;
}

export interface RouteResponse {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * One answer of a route, for the OpenAPI document (`GET /docs/json`): a success status with the
 * schema of its JSON `body` (omit `body` for an answer without one, e.g. 204; set `contentType` for
 * a non-JSON body such as text/csv, or several for a file whose type varies, since API 2.7), or an
 * error status (409, 422, …) with only a description of its codes: errors always have the standard error body.
 */
export interface RouteResponseDoc {
  description: string;
  body?: StandardSchemaV1;
  contentType?: string | readonly string[];
}

/**
 * An HTTP endpoint a plugin serves without knowing the web framework. It is mounted at
 * `/v1/plugins/<plugin id><path>` and passes the same pipeline as the host's own routes, in this
 * order: authentication → role → input validation (params, query, body: a 400 with the standard
 * error body) → idempotency → handler → the one error shape `{ error: { code, message, details? } }`.
 */
export interface PluginRoute<
  B = unknown,
  Q = unknown,
  P = unknown,
  A extends RouteAuth = RouteAuth,
  K extends RouteIdempotency | undefined = RouteIdempotency | undefined,
> {
  method: HttpMethod;
  /** Starts with '/', `:name` for params: '/meetings/:meetingId'. */
  path: string;
  auth: A;
  /**
   * 'account' routes: the least role a key needs (403 insufficient_role before the input is read).
   * Default: 'member' for GET, 'admin' for every other method: spending money or sending messages
   * needs an admin or owner key. Lower it only for a write that costs nothing and sends nothing.
   */
  minRole?: Role;
  /**
   * 'account' routes: take an `Idempotency-Key` header ('required': 400 without one). The host keeps
   * the first response per account and key for 24 hours: the same key and body replays it
   * (`Idempotent-Replayed: true`), another body is 409 idempotency_key_reused, and a retry while the
   * first is still running is 409 idempotency_key_in_use. A 5xx is not kept: the retry runs again.
   */
  idempotency?: K;
  summary: string;
  /**
   * 'account' and 'admin' routes: the body media types taken besides JSON, e.g. `['text/plain',
   * 'application/xml']` for a file upload (the handler gets such a body as a string). Any other
   * type is `415 unsupported_media_type`. Public routes take whatever their vendor sends. Such a
   * route takes bodies up to 8 MiB (a bank's day of camt.054), other routes 1 MiB.
   */
  accepts?: readonly string[];
  /**
   * The route takes one file (since API 2.7): the body is the file's bytes with its type, or a
   * `multipart/form-data` body with a `file` part; the handler reads it from `request.file`, and
   * `body` holds the multipart's other fields (validated by `upload.fields`). Not with `body` or `accepts`.
   * An unknown type is `415 unsupported_media_type` with the accepted types in `details.accepted`.
   */
  upload?: RouteUpload;
  body?: StandardSchemaV1<unknown, B>;
  query?: StandardSchemaV1<unknown, Q>;
  params?: StandardSchemaV1<unknown, P>;
  /**
   * Optional (plugin API 2.0 routes without it still load): what the route answers, by status, for
   * the OpenAPI document. The host adds the errors its pipeline answers (401, 403, 400, 404, 409,
   * 413, 415); list here only the route's own, such as 409 or 422. Not checked at run time: the
   * bundled plugins' e2e test checks real answers against these schemas.
   */
  responses?: Readonly<Record<number, RouteResponseDoc>>;
  handler(request: RouteRequest<B, Q, P, A, K>): Promise<RouteResponse>;
}

/** The default `minRole` of an 'account' route with this method. */
export function defaultMinRole(method: HttpMethod): Role {
  return method === 'GET' ? 'member' : 'admin';
}

/** Keeps the schema and handler types tied together; `auth: 'account'` makes `caller` non-optional, `idempotency: 'required'` the key. */
export function defineRoute<B = unknown, Q = unknown, P = unknown, A extends RouteAuth = RouteAuth, K extends RouteIdempotency | undefined = undefined>(
  route: PluginRoute<B, Q, P, A, K>,
): PluginRoute<B, Q, P, A, K> {
  return route;
}
