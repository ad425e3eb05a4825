import { randomBytes } from 'node:crypto';
import {
  NotFoundError,
  TollgateError,
  defineRoute,
  type Clock,
  type InvoiceSyncSink,
  type PluginJobs,
  type Queryable,
  type HostInfo,
  type Logger,
  type PluginRoute,
} from '@tollgate/plugin-sdk';
import { AuthorizationDeniedError, ReconsentNeededError, type TeamleaderClient, type TeamleaderOAuth, type TeamleaderTokenManager } from '@tollgate/teamleader';
import { z } from 'zod';
import type { ConnectionRow, TeamleaderConnectionsStore } from './teamleader-connections.store.js';
import { consentResult, connectStart, disconnected, teamleaderConnection, webhookReceipt } from './source-teamleader.responses.js';
import { checkStrictMode, strictModeView } from './strict-mode.js';
import { WEBHOOK_TYPES } from './teamleader-mapping.js';
import type { TeamleaderInvoiceSource } from './teamleader.source.js';

export const PLUGIN_PATH = '/v1/plugins/source-teamleader';
const STATE_TTL_MS = 10 * 60 * 1000;

export interface RouteDeps {
  database: Queryable;
  clock: Clock;
  host: HostInfo;
  logger: Logger;
  connections: TeamleaderConnectionsStore;
  tokens: TeamleaderTokenManager;
  client: TeamleaderClient;
  source: TeamleaderInvoiceSource;
  /** Built per call: the redirect URI may depend on the host's base URL, known only once it listens. */
  oauth: () => TeamleaderOAuth;
  scopes: string[] | undefined;
  /** Where the callback sends the browser when set (`?teamleader=connected&connectionId=…` or `?teamleader=error&code=…`); else it answers JSON. */
  returnUrl: string | undefined;
  /** The core's invoice sync: told about consent and disconnects. */
  invoiceSync: InvoiceSyncSink;
  jobs: PluginJobs;
}

/** The job that hands stored webhook events to the core (see webhook-events.job.ts). */
export const WEBHOOK_EVENTS_JOB = 'webhook-events';

const random = (bytes: number) => randomBytes(bytes).toString('base64url');
export const webhookUrl = ({ host, token }: { host: HostInfo; token: string }) => `${host.baseUrl}${PLUGIN_PATH}/webhooks?token=${encodeURIComponent(token)}`;

function describe(row: ConnectionRow, syncConnectionId?: string) {
  return {
    id: row.id,
    ...(syncConnectionId && { syncConnectionId }),
    teamleaderAccountId: row.teamleaderAccountId,
    status: row.reconsentReason === null ? 'connected' : 'reconsent_needed',
    reconsentReason: row.reconsentReason,
    connectedAt: row.createdAt,
    strictMode: strictModeView(row.strictMode),
  };
}

const badRequest = (code: string, message: string) => new TollgateError({ code, status: 400, message });

/** The OAuth connect flow, the connection's status, and the webhook receiver. */
export function sourceTeamleaderRoutes(deps: RouteDeps): PluginRoute[] {
  const { database: db, clock, host, connections, tokens, client, source, logger } = deps;

  const connect = defineRoute({
    method: 'GET',
    path: '/connect',
    auth: 'account',
    // A GET that starts linking the account's bookkeeping: managing the connection is an admin's job.
    minRole: 'admin',
    summary: 'Start connecting Teamleader Focus: returns the consent URL',
    responses: { 200: { description: 'The consent URL', body: connectStart } },
    async handler({ caller }) {
      await db.query('DELETE FROM source_teamleader_oauth_states WHERE expires_at < $1', [clock.now().toISOString()]);
      const state = random(32);
      const expiresAt = new Date(clock.now().getTime() + STATE_TTL_MS).toISOString();
      await db.query('INSERT INTO source_teamleader_oauth_states (state, account_id, expires_at) VALUES ($1, $2, $3)', [state, caller.accountId, expiresAt]);
      return { status: 200, body: { authorizeUrl: deps.oauth().authorizationUrl({ state, ...(deps.scopes && { scopes: deps.scopes }) }), expiresAt } };
    },
  });

  const callback = defineRoute({
    method: 'GET',
    path: '/oauth/callback',
    auth: 'public',
    summary: 'Teamleader redirects here after consent',
    responses: {
      200: { description: 'Connected (when the plugin has no returnUrl)', body: consentResult },
      302: { description: 'To the returnUrl, with ?teamleader=connected&connectionId=… or ?teamleader=error&code=…' },
      400: { description: 'access_denied, authorization_failed, invalid_state' },
    },
    query: z.looseObject({ code: z.string().optional(), state: z.string().optional(), error: z.string().optional(), error_description: z.string().optional() }),
    async handler(request) {
      if (!deps.returnUrl) return { status: 200, body: { connection: await finishConsent(request.query) } };
      // A browser is on this page: send it back to the product with the outcome in the query.
      const back = new URL(deps.returnUrl);
      try {
        const connection = await finishConsent(request.query);
        back.searchParams.set('teamleader', 'connected');
        back.searchParams.set('connectionId', connection.syncConnectionId ?? connection.id);
      } catch (error) {
        if (!(error instanceof TollgateError)) throw error;
        back.searchParams.set('teamleader', 'error');
        back.searchParams.set('code', error.code);
      }
      return { status: 302, headers: { location: back.toString() }, body: null };
    },
  });

  /** Checks the state, exchanges the code, links the account in the core, registers the webhooks. */
  async function finishConsent(query: { code?: string | undefined; state?: string | undefined; error?: string | undefined }) {
    // Consume the state whatever happens next: it is single-use.
    const state = query.state ?? '';
    const { rows } = await db.query<{ account_id: string; expires_at: Date | string }>(
      'DELETE FROM source_teamleader_oauth_states WHERE state = $1 RETURNING account_id, expires_at',
      [state],
    );
    if (query.error)
      throw badRequest(query.error === 'access_denied' ? 'access_denied' : 'authorization_failed', `Teamleader authorization failed: ${query.error}.`);
    const found = rows[0];
    if (!found || new Date(found.expires_at).getTime() <= clock.now().getTime())
      throw badRequest('invalid_state', 'Unknown or expired OAuth state; start again at /connect.');

    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (typeof value === 'string') params.set(key, value);
    let pair;
    try {
      pair = await deps.oauth().exchangeCode({ callback: params, expectedState: state });
    } catch (error) {
      if (error instanceof AuthorizationDeniedError) throw badRequest('access_denied', error.message);
      throw error;
    }
    const row = await connections.ensure({ accountId: found.account_id, newId: `tlc_${random(12)}`, newWebhookToken: random(32) });
    await tokens.connect({ connectionId: row.id, tokens: pair });
    const api = client.connection({ connectionId: row.id });
    const me = await api.usersMe();
    let linked;
    try {
      // The core refuses a second Teamleader account while the first is linked (disconnect first).
      linked = await deps.invoiceSync.connected({ accountId: found.account_id, sourceId: source.id, sourceAccountId: me.account.id });
    } catch (error) {
      // The pair just stored belongs to that other account: it must not be used for the linked one.
      await connections.markReconsentNeeded({ connectionId: row.id, reason: 'consent_for_another_teamleader_account' });
      throw error;
    }
    await connections.setTeamleaderAccount({ id: row.id, teamleaderAccountId: me.account.id });
    // Registration is idempotent per (url, type); list first as the notes advise.
    const url = webhookUrl({ host, token: row.webhookToken });
    const registered = new Set((await api.listWebhooks()).filter((hook) => hook.url === url).flatMap((hook) => hook.types));
    const missing = WEBHOOK_TYPES.filter((type) => !registered.has(type));
    if (missing.length > 0) await api.registerWebhook({ url, types: missing });
    // Strict mode decides whether only Tollgate changes payment state in Teamleader: probe it now
    // (never fails the connect; an unknown state is shown with its warning).
    await checkStrictMode({ client, connections, connectionId: row.id, clock, logger });
    const saved = (await connections.byId({ id: row.id })) as ConnectionRow;
    return describe(saved, linked.id);
  }

  const show = defineRoute({
    method: 'GET',
    path: '/connection',
    auth: 'account',
    summary: 'The Teamleader connection of the account: connected or reconsent_needed',
    responses: { 200: { description: 'The connection', body: teamleaderConnection }, 404: { description: 'This account has no Teamleader connection' } },
    async handler({ caller }) {
      const row = await connections.byAccount({ accountId: caller.accountId });
      if (!row || row.version === 0) throw new NotFoundError({ message: 'This account has no Teamleader connection.' });
      return { status: 200, body: describe(row) };
    },
  });

  const strictModeCheck = defineRoute({
    method: 'POST',
    path: '/connection/strict-mode-check',
    auth: 'account',
    // It writes to Teamleader (an empty invoices.updateBooked): an admin's call, like connecting.
    minRole: 'admin',
    summary: "Check Teamleader's strict mode again (booked invoices locked); answers the connection with the result",
    responses: {
      200: { description: 'The connection, with strictMode as just probed', body: teamleaderConnection },
      404: { description: 'This account has no Teamleader connection' },
      409: { description: 'reconsent_needed: the connection needs consent again before anything can be checked' },
    },
    async handler({ caller }) {
      const row = await connections.byAccount({ accountId: caller.accountId });
      if (!row || row.version === 0) throw new NotFoundError({ message: 'This account has no Teamleader connection.' });
      if (row.reconsentReason !== null)
        throw new TollgateError({
          code: 'reconsent_needed',
          status: 409,
          message: 'Teamleader needs consent again (GET /v1/plugins/source-teamleader/connect).',
        });
      await checkStrictMode({ client, connections, connectionId: row.id, clock, logger });
      return { status: 200, body: describe((await connections.byId({ id: row.id }))!) };
    },
  });

  const disconnect = defineRoute({
    method: 'DELETE',
    path: '/connection',
    auth: 'account',
    summary: 'Disconnect Teamleader: unregister the webhooks and forget the tokens',
    responses: { 200: { description: 'Disconnected', body: disconnected }, 404: { description: 'This account has no Teamleader connection' } },
    async handler({ caller }) {
      const row = await connections.byAccount({ accountId: caller.accountId });
      if (!row) throw new NotFoundError({ message: 'This account has no Teamleader connection.' });
      try {
        await client.connection({ connectionId: row.id }).unregisterWebhook({ url: webhookUrl({ host, token: row.webhookToken }), types: [...WEBHOOK_TYPES] });
      } catch (error) {
        // Without consent the webhooks cannot be removed; Teamleader drops them with the integration.
        if (!(error instanceof ReconsentNeededError)) throw error;
        logger.warn({ connectionId: row.id }, 'Teamleader webhooks not unregistered: re-consent needed');
      }
      await connections.remove({ id: row.id });
      await deps.invoiceSync.disconnected({ accountId: row.accountId, sourceId: source.id });
      return { status: 200, body: { disconnected: true, id: row.id } };
    },
  });

  const webhooks = defineRoute({
    method: 'POST',
    path: '/webhooks',
    auth: 'public',
    summary: 'Teamleader webhook receiver (authenticated by the ?token= of the registered URL)',
    responses: { 200: { description: 'Stored for the import', body: webhookReceipt } },
    query: z.looseObject({ token: z.string().optional() }),
    async handler({ headers, rawBody, query }) {
      const events = await source.parseWebhook({ headers, rawBody: rawBody ?? Buffer.alloc(0), query: { token: query.token } });
      const connection = await connections.byWebhookToken({ token: query.token ?? '' });
      let stored = 0;
      for (const event of events) {
        // The same id within the replay window: while the first copy waits, this one is a replay and
        // is dropped. Once the first was handed over (or while it is being handed over), it may be a
        // new change of the same record: the event is armed again, with a new generation, so the core
        // reads the record once more. A replay costs one re-read, never a lost change.
        const result = await db.query(
          `INSERT INTO source_teamleader_webhook_events AS e (event_id, connection_id, teamleader_account_id, type, event, received_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (event_id) DO UPDATE SET
             rearm = e.processed_at IS NULL,
             generation = CASE WHEN e.processed_at IS NOT NULL THEN e.generation + 1 ELSE e.generation END,
             attempts = CASE WHEN e.processed_at IS NOT NULL THEN 0 ELSE e.attempts END,
             next_attempt_at = CASE WHEN e.processed_at IS NOT NULL THEN NULL ELSE e.next_attempt_at END,
             outcome = CASE WHEN e.processed_at IS NOT NULL THEN NULL ELSE e.outcome END,
             processed_at = NULL
           WHERE e.processed_at IS NOT NULL OR e.attempts > 0`,
          [event.eventId, connection?.id ?? '', event.sourceAccountId, event.type, JSON.stringify(event), clock.now().toISOString()],
        );
        stored += result.rowCount;
      }
      // Answer Teamleader at once; the job imports (and retries) in the background.
      if (stored > 0) await deps.jobs.send({ name: WEBHOOK_EVENTS_JOB, data: {} });
      return { status: 200, body: { received: events.length, stored } };
    },
  });

  return [connect, callback, show, strictModeCheck, disconnect, webhooks] as PluginRoute[];
}
