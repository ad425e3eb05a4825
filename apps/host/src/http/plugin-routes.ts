import { Body, Controller, Inject, Injectable, Param, Query, Req, RequestMapping, RequestMethod, Res, type Type } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ValidationError } from '@tollgate/errors';
import type { AccountCaller, RouteRequest, RouteResponse, RouteUpload, StandardSchemaV1, UploadedFile } from '@tollgate/plugin-sdk';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../accounts/roles.js';
import { HOST_STATE, type HostState } from '../host-state.js';
import type { MountedRoute } from '../plugins/plugin-host.js';
import { idempotencyKey } from '../wallet/idempotency.js';
import { Auth, MinRole } from './auth.js';
import { FILE_BODY_LIMIT } from './body-limit.js';
import { Accepts } from './json-body.guard.js';
import { toErrorResponse } from './error.filter.js';
import { requestFingerprint, RouteIdempotency, type StoredResponse } from './route-idempotency.js';
import { readUpload, type UploadRouteConfig } from '../uploads/upload-body.js';
import { validateInput } from './validation.pipe.js';

type PluginRequest = FastifyRequest & { rawBody?: Buffer; caller?: Caller };

/**
 * Runs a plugin route's handler once the core pipeline has let the request through: the global
 * AuthGuard (authentication, then the route's role) and the validation pipe (params, query, body)
 * have run, as for every core route; this adds the idempotency step and turns the handler's
 * RouteResponse into the reply. Whatever it throws goes to the global ErrorFilter.
 */
@Injectable()
export class PluginRouteRunner {
  constructor(
    @Inject(HOST_STATE) private readonly state: HostState,
    @Inject(RouteIdempotency) private readonly idempotency: RouteIdempotency,
  ) {}

  async run(mounted: MountedRoute, input: { req: PluginRequest; reply: FastifyReply; params: unknown; query: unknown; body: unknown }): Promise<FastifyReply> {
    const { route } = mounted;
    const { req, reply } = input;
    const caller =
      req.caller?.kind === 'account'
        ? ({ accountId: req.caller.accountId, role: req.caller.role, keyId: req.caller.keyId, userId: req.caller.userId } satisfies AccountCaller)
        : undefined;
    // An upload route's body is read here, after the guards (key, role) and the params/query pipe: a
    // key without the role never has its file read. The file's hash stands for it in the idempotency fingerprint.
    let body = input.body;
    let file: UploadedFile | undefined;
    if (route.upload) {
      const read = await readUpload({ body: req.body, request: req, reply, upload: route.upload });
      file = read.file;
      body = await this.#fields(route.upload, read.fields);
    }
    const request: RouteRequest<unknown, unknown, unknown> = {
      body,
      query: input.query,
      params: input.params,
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v])),
      rawBody: req.rawBody,
      idempotencyKey: undefined,
      ...(file ? { file } : {}),
      ...(caller ? { caller } : {}),
    } as RouteRequest<unknown, unknown, unknown>;

    const key = route.idempotency && caller ? this.#key(req.headers['idempotency-key'], route.idempotency === 'required') : undefined;
    if (!key || !caller) return send(reply, normalize(await route.handler(request)));

    const scope = { accountId: caller.accountId, key };
    const claim = await this.idempotency.claim({
      ...scope,
      operation: `${route.method} ${mounted.url}`,
      fingerprint: requestFingerprint({
        method: route.method,
        route: mounted.url,
        params: req.params ?? {},
        query: req.query ?? {},
        body: file ? { fields: body, file: file.sha256 } : (req.body ?? null),
      }),
    });
    if (claim.kind === 'replay') return send(reply, { ...claim.response, headers: { ...claim.response.headers, 'idempotent-replayed': 'true' } });

    let response: StoredResponse;
    try {
      response = normalize(await route.handler({ ...request, idempotencyKey: key }));
    } catch (error) {
      // A refusal (4xx) is the request's answer and is kept; a 5xx or a crash is not: the retry runs again.
      const { status, body } = toErrorResponse(error);
      await this.#settle(scope, claim.token, status >= 500 ? undefined : { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body });
      throw error;
    }
    await this.#settle(scope, claim.token, response.status >= 500 ? undefined : response);
    return send(reply, response);
  }

  /** An upload's text fields through the route's `upload.fields` schema; without one, any field is a 400 (a raw upload has none). */
  async #fields(upload: RouteUpload, fields: Record<string, string>): Promise<unknown> {
    if (upload.fields) return validateInput({ value: fields, schema: upload.fields });
    const unexpected = Object.keys(fields);
    if (!unexpected.length) return {};
    const details = unexpected.map((name) => ({ path: [name], message: 'This route takes no fields besides "file".' }));
    throw new ValidationError({ message: `Unexpected fields: ${unexpected.join(', ')}`, details });
  }

  /** The Idempotency-Key header, checked as the core checks it (1 to 200 printable characters). */
  #key(header: string | string[] | undefined, required: boolean): string | undefined {
    if (header === undefined) {
      if (required)
        throw new ValidationError({
          code: 'idempotency_key_required',
          message: 'This route needs an Idempotency-Key header: a retry with the same key gets the first response and runs nothing twice.',
        });
      return undefined;
    }
    idempotencyKey({ header, body: undefined, required });
    return Array.isArray(header) ? header[0] : header;
  }

  async #settle(scope: { accountId: string; key: string }, token: string, response: StoredResponse | undefined): Promise<void> {
    try {
      if (response) await this.idempotency.complete({ ...scope, token, response });
      else await this.idempotency.abandon({ ...scope, token });
    } catch (err) {
      // The handler's outcome stands; the key stays "running" until its in-flight timeout.
      this.state.logger.error({ err, accountId: scope.accountId }, 'plugin route: idempotency key not settled');
    }
  }
}

function normalize(response: RouteResponse): StoredResponse {
  return { status: response.status ?? 200, headers: response.headers ?? {}, body: response.body ?? null };
}

function send(reply: FastifyReply, response: StoredResponse): FastifyReply {
  void reply.status(response.status);
  for (const [name, value] of Object.entries(response.headers)) void reply.header(name, value);
  return reply.send(response.body);
}

/**
 * One Nest controller holding every plugin route, built at start-up: each route becomes a handler
 * with the same @Auth/@MinRole metadata and @Param/@Query/@Body schemas a core route declares, so
 * the global AuthGuard, validation pipe and ErrorFilter treat it exactly as they treat core routes.
 */
export function pluginRoutesController(routes: readonly MountedRoute[]): Type<unknown> {
  @ApiExcludeController()
  @Controller()
  class PluginRoutesController {
    constructor(@Inject(PluginRouteRunner) readonly runner: PluginRouteRunner) {}
  }
  const prototype = PluginRoutesController.prototype as unknown as Record<string, unknown>;
  routes.forEach((mounted, index) => {
    const { route } = mounted;
    const name = `route${index}`;
    // Each handler is its own function: Nest keeps route metadata on the function object.
    prototype[name] = function (this: PluginRoutesController, req: PluginRequest, reply: FastifyReply, params: unknown, query: unknown, body: unknown) {
      return this.runner.run(mounted, { req, reply, params, query, body });
    };
    const descriptor = Object.getOwnPropertyDescriptor(prototype, name)!;
    RequestMapping({ path: mounted.url, method: RequestMethod[route.method] })(prototype, name, descriptor);
    Auth(route.auth)(prototype, name, descriptor);
    if (mounted.minRole) MinRole(mounted.minRole)(prototype, name, descriptor);
    if (route.accepts?.length) {
      Accepts(route.accepts)(prototype, name, descriptor);
      RouteConfig({ bodyLimit: FILE_BODY_LIMIT })(prototype, name, descriptor);
    }
    // Fastify leaves an upload route's body unread (uploads/upload-body.ts); the runner reads it.
    if (route.upload) RouteConfig({ upload: true } satisfies UploadRouteConfig)(prototype, name, descriptor);
    Req()(prototype, name, 0);
    Res()(prototype, name, 1);
    (route.params ? Param({ schema: route.params }) : Param())(prototype, name, 2);
    (route.query ? Query({ schema: route.query }) : Query())(prototype, name, 3);
    // An upload route's body (the unread stream) skips the pipe: the runner reads it from the request.
    if (!route.upload) (route.body ? Body({ schema: route.body }) : Body())(prototype, name, 4);
  });
  return PluginRoutesController;
}

type JsonSchema = { type?: string; properties?: Record<string, object>; required?: string[] };

/** Plugin routes in the OpenAPI document: schemas where the schema library converts them, the role and the Idempotency-Key header. */
export function describePluginRoutes(routes: readonly MountedRoute[]): Record<string, Record<string, object>> {
  const paths: Record<string, Record<string, object>> = {};
  const jsonSchema = (schema: StandardSchemaV1 | undefined): JsonSchema | undefined => {
    const converter = (schema?.['~standard'] as { jsonSchema?: { input?: (o: { target: string }) => JsonSchema } } | undefined)?.jsonSchema;
    try {
      return converter?.input?.({ target: 'draft-2020-12' });
    } catch {
      return undefined;
    }
  };
  /** An answer's schema in the document's own dialect (OpenAPI 3.0: `nullable`), or JSON Schema 2020-12. */
  const outputSchema = (schema: StandardSchemaV1): JsonSchema | undefined => {
    const converter = (schema['~standard'] as { jsonSchema?: { output?: (o: { target: string }) => JsonSchema } }).jsonSchema;
    for (const target of ['openapi-3.0', 'draft-2020-12']) {
      try {
        const converted = converter?.output?.({ target });
        if (converted) return converted;
      } catch {
        // This library does not speak that target: try the next.
      }
    }
    return undefined;
  };
  const responsesOf = (route: MountedRoute['route']): Record<string, object> => {
    if (!route.responses) return { '200': { description: 'Not described by the plugin' } };
    return Object.fromEntries(
      Object.entries(route.responses).map(([status, doc]) => {
        const schema = doc.body ? outputSchema(doc.body) : undefined;
        const types = doc.contentType === undefined ? [] : typeof doc.contentType === 'string' ? [doc.contentType] : doc.contentType;
        const content =
          types.length > 0
            ? Object.fromEntries(types.map((type) => [type, { schema: schema ?? { type: 'string' } }]))
            : doc.body
              ? { 'application/json': { schema: schema ?? {} } }
              : undefined;
        return [status, { description: doc.description, ...(content ? { content } : {}) }];
      }),
    );
  };
  for (const { pluginId, route, url, minRole } of routes) {
    const openApiPath = url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const paramSchema = jsonSchema(route.params);
    const pathParams = [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: paramSchema?.properties?.[m[1]!] ?? { type: 'string' },
    }));
    const query = jsonSchema(route.query);
    const queryParams = Object.entries(query?.properties ?? {}).map(([name, schema]) => ({
      name,
      in: 'query',
      required: query?.required?.includes(name) ?? false,
      schema,
    }));
    const idempotencyParams = route.idempotency
      ? [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: route.idempotency === 'required',
            schema: { type: 'string', minLength: 1, maxLength: 200 },
            description:
              'Kept 24 hours: a retry with the same key and request gets the first response (Idempotent-Replayed: true); another request with it is 409 idempotency_key_reused.',
          },
        ]
      : [];
    const filenameParams = route.upload
      ? [{ name: 'X-Filename', in: 'header', required: false, schema: { type: 'string', maxLength: 255 }, description: "A raw upload's file name." }]
      : [];
    const parameters = [...pathParams, ...queryParams, ...idempotencyParams, ...filenameParams];
    const body = jsonSchema(route.body);
    const requestBody = route.upload
      ? uploadRequestBody(route.upload, jsonSchema(route.upload.fields))
      : body
        ? { required: true, content: { 'application/json': { schema: body } } }
        : undefined;
    const who =
      route.auth === 'public' ? 'Public (no API key).' : route.auth === 'admin' ? 'Platform admin key.' : `Account key with the ${minRole} role or higher.`;
    paths[openApiPath] ??= {};
    paths[openApiPath][route.method.toLowerCase()] = {
      tags: [`plugin: ${pluginId}`],
      summary: route.summary,
      description: who,
      ...(route.auth === 'public' ? {} : { security: [{ bearer: [] }] }),
      ...(minRole ? { 'x-min-role': minRole } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      ...(route.upload ? { 'x-max-bytes': route.upload.maxBytes } : {}),
      responses: responsesOf(route),
    };
  }
  return paths;
}

/**
 * An upload route's body in the OpenAPI document: multipart/form-data with a binary `file` part and
 * the route's text fields, or the file itself as the body under each of its types.
 */
function uploadRequestBody(upload: RouteUpload, fields: JsonSchema | undefined): object {
  const binary = { type: 'string', format: 'binary' };
  const multipart = {
    type: 'object',
    required: ['file', ...(fields?.required ?? [])],
    properties: { file: { ...binary, description: `One file: ${upload.types.join(', ')}; at most ${upload.maxBytes} bytes.` }, ...(fields?.properties ?? {}) },
  };
  return {
    required: true,
    description: `One file (${upload.types.join(', ')}, at most ${upload.maxBytes} bytes), typed by its bytes: anything else is 415, a larger one 413.`,
    content: {
      'multipart/form-data': { schema: multipart, encoding: { file: { contentType: upload.types.join(', ') } } },
      ...Object.fromEntries(upload.types.map((type) => [type, { schema: binary }])),
    },
  };
}
