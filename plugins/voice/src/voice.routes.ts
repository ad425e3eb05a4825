import { defineRoute, type PluginRoute } from '@tollgate/plugin-sdk';
import { z } from 'zod';
import { callbackReceipt, callsPage, callView } from './voice.responses.js';
import { parseForm, SIGNATURE_HEADER, SIGNATURE_SETTINGS_HEADER, type FormParams } from './twilio-webhook-signature.js';
import type { VoiceCallsService } from './voice-calls.service.js';

const callParams = z.object({ id: z.string().min(1).max(64) });

/** Form fields of a callback, read from the exact bytes received (what the signature covers); a repeated field keeps every value. */
function formParams(input: { rawBody: Buffer | undefined; body: unknown }): FormParams {
  if (input.rawBody) return parseForm(input.rawBody.toString('utf8'));
  if (input.body && typeof input.body === 'object')
    return Object.fromEntries(Object.entries(input.body).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]));
  return {};
}

/** Routes mounted under /v1/plugins/voice. */
export function voiceRoutes(input: { calls: VoiceCallsService }): PluginRoute[] {
  const { calls } = input;
  return [
    defineRoute({
      method: 'POST',
      path: '/calls',
      auth: 'account',
      // Spends money: the default role for a write (admin) stands.
      idempotency: 'required',
      summary: 'Place an outbound call, paid per started minute (Idempotency-Key header required: a retry never dials twice)',
      body: z.strictObject({
        to: z.string().trim().min(1).max(40),
        from: z.string().trim().min(1).max(40).optional(),
      }),
      responses: {
        201: { description: 'The call, placed', body: callView },
        200: { description: 'The call this Idempotency-Key already placed', body: callView },
        422: { description: 'caller_id_missing, insufficient_funds (nothing was held), no_price' },
      },
      async handler({ caller, body, idempotencyKey }) {
        // The host replays a stored response; the key also goes to the call row, which dedupes a
        // retry after a 5xx (not stored by the host) so the number is never dialled twice.
        const { created, call } = await calls.placeCall({
          accountId: caller.accountId,
          to: body.to,
          ...(body.from ? { from: body.from } : {}),
          idempotencyKey,
        });
        return { status: created ? 201 : 200, body: call };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/calls',
      auth: 'account',
      summary: "The account's calls, newest first",
      responses: { 200: { description: 'A page of calls', body: callsPage } },
      query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), before: z.string().min(1).max(64).optional() }),
      async handler({ caller, query }) {
        return { body: await calls.listCalls({ accountId: caller.accountId, limit: query.limit, ...(query.before ? { before: query.before } : {}) }) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/calls/:id',
      auth: 'account',
      summary: 'One call: status, duration, minutes charged, amount',
      responses: { 200: { description: 'The call', body: callView } },
      params: callParams,
      async handler({ caller, params }) {
        return { body: await calls.getCall({ accountId: caller.accountId, callId: params.id }) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/calls/:id/hangup',
      auth: 'account',
      summary: 'End a call; it is charged for the minutes it lasted',
      responses: {
        200: { description: 'The call (unchanged if it had already ended)', body: callView },
        409: { description: 'call_not_started: the call has not reached the provider yet' },
      },
      params: callParams,
      async handler({ caller, params }) {
        return { body: await calls.hangUp({ accountId: caller.accountId, callId: params.id }) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/status-callbacks',
      auth: 'public',
      summary:
        'Call status callbacks from the provider (form-encoded, X-Twilio-Signature by the auth token or a SharedKey named in X-Twilio-Webhooks-Signature-Settings)',
      responses: { 200: { description: 'Received', body: callbackReceipt }, 403: { description: 'A bad or missing X-Twilio-Signature' } },
      async handler({ headers, rawBody, body }) {
        const result = await calls.handleStatusCallback({
          signature: headers[SIGNATURE_HEADER],
          settings: headers[SIGNATURE_SETTINGS_HEADER],
          params: formParams({ rawBody, body }),
        });
        return { status: 200, body: result };
      },
    }),
  ] as PluginRoute[];
}
