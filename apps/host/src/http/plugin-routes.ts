import { formatIssues, type StandardSchemaV1 } from '@tollgate/plugin-sdk';
import { ForbiddenError, ValidationError } from '@tollgate/errors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountsService } from '../accounts/accounts.service.js';
import type { MountedRoute } from '../plugins/plugin-host.js';
import { bearer } from './auth.js';
import { toErrorResponse } from './error.filter.js';

async function validate(part: 'body' | 'query' | 'params', schema: StandardSchemaV1 | undefined, value: unknown): Promise<unknown> {
  if (!schema) return value;
  const result = await schema['~standard'].validate(value);
  if (result.issues) {
    throw new ValidationError({ message: `Invalid ${part}: ${formatIssues(result.issues)}`, details: result.issues.map((i) => ({ part, path: (i.path ?? []).map((p) => (typeof p === 'object' ? p.key : p)), message: i.message })) });
  }
  return result.value;
}

/** Serves plugin routes on the host's Fastify instance, with the same auth and error shape as the core API. */
export function mountPluginRoutes(input: { fastify: FastifyInstance; routes: readonly MountedRoute[]; accounts: AccountsService }): void {
  for (const { route, url } of input.routes) {
    input.fastify.route({
      method: route.method,
      url,
      handler: async (request: FastifyRequest & { rawBody?: Buffer }, reply) => {
        try {
          let caller: { accountId: string; role: 'owner' | 'admin' | 'member'; keyId: string } | undefined;
          if (route.auth !== 'public') {
            const who = await input.accounts.authenticate(bearer(request.headers.authorization));
            if (route.auth === 'admin' && who.kind !== 'admin') throw new ForbiddenError({ code: 'admin_only', message: 'This needs a platform admin key.' });
            if (route.auth === 'account') {
              if (who.kind !== 'account') throw new ForbiddenError({ code: 'account_key_required', message: 'This needs an account API key, not an admin key.' });
              caller = { accountId: who.accountId, role: who.role, keyId: who.keyId };
            }
          }
          const params = await validate('params', route.params, request.params ?? {});
          const query = await validate('query', route.query, request.query ?? {});
          const body = await validate('body', route.body, request.body);
          const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
          const response = await route.handler({ ...(caller ? { caller } : {}), body, query, params, headers, rawBody: request.rawBody });
          void reply.status(response.status ?? 200);
          for (const [name, value] of Object.entries(response.headers ?? {})) void reply.header(name, value);
          return reply.send(response.body ?? null);
        } catch (error) {
          const { status, body } = toErrorResponse(error);
          if (status >= 500) request.log.error({ err: error }, 'plugin route failed');
          return reply.status(status).send(body);
        }
      },
    });
  }
}

/** Adds plugin routes to the OpenAPI document, with JSON Schemas where the schema library provides them. */
export function describePluginRoutes(routes: readonly MountedRoute[]): Record<string, Record<string, object>> {
  const paths: Record<string, Record<string, object>> = {};
  const jsonSchema = (schema: StandardSchemaV1 | undefined): object | undefined => {
    const converter = (schema?.['~standard'] as { jsonSchema?: { input?: (o: { target: string }) => object } } | undefined)?.jsonSchema;
    try {
      return converter?.input?.({ target: 'draft-2020-12' });
    } catch {
      return undefined;
    }
  };
  for (const { pluginId, route, url } of routes) {
    const openApiPath = url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const params = [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const body = jsonSchema(route.body);
    paths[openApiPath] ??= {};
    paths[openApiPath][route.method.toLowerCase()] = {
      tags: [`plugin: ${pluginId}`],
      summary: route.summary,
      ...(route.auth === 'public' ? {} : { security: [{ bearer: [] }] }),
      ...(params.length ? { parameters: params } : {}),
      ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: body } } } } : {}),
      responses: { default: { description: 'See the plugin documentation; errors use the standard error body.' } },
    };
  }
  return paths;
}
