/**
 * The error answers of every operation in the OpenAPI document, added once when the document is
 * built (core and plugin routes alike), from what the request pipeline really does:
 *   - 401 and 403 on every route that takes a key (AuthGuard: no or unknown key; wrong kind of key
 *     or a role below the route's);
 *   - 400 where the route takes input (path, query, Idempotency-Key header or body: the validation pipe);
 *   - 413 for a body (over 1 MiB), and 415 for a body on a keyed route (JsonBodyGuard);
 *   - 404 where a keyed route names a resource by id in its path (unknown, or another account's);
 *   - 409 where the route takes an Idempotency-Key (a key reused for another request, or in use).
 * Controllers declare the others they can answer (409, 422, …) with a description of the codes;
 * they get the same `Error` body. Response objects are documented as open: a client must accept
 * properties it does not know (new ones are added without a new API version).
 */

type Schema = Record<string, unknown>;
type Response = { description?: string; content?: Record<string, { schema?: Schema }> };
type Parameter = { in?: string; name?: string };
type Operation = {
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: unknown;
  responses?: Record<string, Response>;
};
type Document = { paths: Record<string, Record<string, unknown>>; components?: { schemas?: Record<string, unknown> } };

export const ERROR_SCHEMA = {
  type: 'object',
  description: 'Every refusal and failure: a stable machine-readable code, a human message, and details where they help (e.g. the invalid fields).',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string', description: 'Stable code, e.g. validation_failed, insufficient_funds, not_found' },
        message: { type: 'string' },
        details: { description: 'Depends on the code: the invalid fields for validation_failed, the conflicting key for idempotency_key_reused, …' },
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

const ERROR_REF = { $ref: '#/components/schemas/Error' };

const GENERIC: Record<string, string> = {
  '400': 'Invalid input (validation_failed, invalid_text, …): nothing was changed',
  '401': 'No API key, or an unknown or revoked one (unauthorized)',
  '403': 'The wrong kind of key (admin_only, account_key_required) or a role below the route’s (insufficient_role)',
  '404': 'No such resource for this caller (another account’s ids are not found either)',
  '409': 'The Idempotency-Key was used for a different request (idempotency_key_reused) or is still running (idempotency_key_in_use)',
  '413': 'The body is over 1 MiB, or 8 MiB for a route that takes files (payload_too_large)',
  '415': 'The body is not JSON (unsupported_media_type)',
};

/** Path parameters that name a resource (a 404 when it is not the caller's). */
const ID_PARAM = /id$/i;

export function describeErrorResponses(openApi: { paths: object; components?: object }): void {
  const document = openApi as Document;
  document.components ??= {};
  document.components.schemas = { ...document.components.schemas, Error: ERROR_SCHEMA };
  for (const operations of Object.values(document.paths)) {
    for (const value of Object.values(operations)) {
      const op = value as Operation;
      const responses = (op.responses ??= {});
      const keyed = (op.security?.length ?? 0) > 0;
      const params = op.parameters ?? [];
      const statuses = new Set<string>();
      if (keyed) statuses.add('401').add('403');
      if (params.length > 0 || op.requestBody) statuses.add('400');
      if (op.requestBody) statuses.add('413');
      if (op.requestBody && keyed) statuses.add('415');
      if (keyed && params.some((p) => p.in === 'path' && ID_PARAM.test(p.name ?? ''))) statuses.add('404');
      if (params.some((p) => p.in === 'header' && p.name?.toLowerCase() === 'idempotency-key')) statuses.add('409').add('400');
      for (const status of statuses) responses[status] ??= { description: GENERIC[status]! };
      for (const [status, response] of Object.entries(responses)) {
        if (/^[45]\d\d$/.test(status) && !response.content) {
          response.description ||= GENERIC[status] ?? 'Refused';
          response.content = { 'application/json': { schema: ERROR_REF } };
        } else if (/^2\d\d$/.test(status)) {
          for (const media of Object.values(response.content ?? {})) if (media.schema) openObjects(media.schema);
        }
      }
    }
  }
}

/** Drops `additionalProperties: false` from a response schema: answers may gain properties. */
function openObjects(schema: unknown): void {
  if (Array.isArray(schema)) {
    for (const item of schema) openObjects(item);
    return;
  }
  if (!schema || typeof schema !== 'object') return;
  const node = schema as Schema;
  if (node.additionalProperties === false) delete node.additionalProperties;
  for (const child of Object.values(node)) openObjects(child);
}
