import { coreServices, definePlugin, httpRoutesExtensionPoint, invoiceSourcesExtensionPoint } from '@tollgate/plugin-sdk';
import { TeamleaderClient, TeamleaderOAuth, TeamleaderTokenManager, TokenCipher } from '@tollgate/teamleader';
import { resolveSettings, sourceTeamleaderOptions } from './options.js';
import { sourceTeamleaderMigrations } from './source-teamleader.migrations.js';
import { PLUGIN_PATH, sourceTeamleaderRoutes, WEBHOOK_EVENTS_JOB } from './source-teamleader.routes.js';
import { TeamleaderConnectionsStore } from './teamleader-connections.store.js';
import { TeamleaderInvoiceSource } from './teamleader.source.js';
import { deliverWebhookEvents } from './webhook-events.job.js';

/**
 * The source-teamleader plugin: adds the invoice source 'teamleader' (Teamleader Focus) and the
 * routes to connect an account by OAuth and to receive Teamleader's webhooks.
 */
export const sourceTeamleaderPlugin = definePlugin({
  id: 'source-teamleader',
  compatibility: '^2.0.0',
  description: 'Teamleader Focus as an invoice source (booked invoices, credit notes, customers, subscriptions, webhooks)',
  options: sourceTeamleaderOptions,
  register(env) {
    env.registerMigrations({ migrations: sourceTeamleaderMigrations });
    env.registerInit({
      deps: {
        sources: invoiceSourcesExtensionPoint,
        routes: httpRoutesExtensionPoint,
        database: coreServices.database,
        clock: coreServices.clock,
        logger: coreServices.logger,
        host: coreServices.host,
        jobs: coreServices.jobs,
        invoiceSync: coreServices.invoiceSync,
      },
      async init({ sources, routes, database, clock, logger, host, jobs, invoiceSync }) {
        const options = env.options;
        const settings = resolveSettings({ options, sandbox: host.sandbox });
        if (settings.usesSandboxDefaults.tokenKey)
          logger.warn('source-teamleader: sealing tokens with the fixed sandbox key (set tokenKey outside development)');
        if (settings.usesSandboxDefaults.credentials)
          logger.warn(`source-teamleader: no credentials, using the Teamleader sandbox at ${settings.apiBaseUrl ?? '?'}`);
        const oauth = () =>
          new TeamleaderOAuth({
            clientId: settings.clientId,
            clientSecret: settings.clientSecret,
            redirectUri: options.redirectUri ?? `${host.baseUrl}${PLUGIN_PATH}/oauth/callback`,
            ...(settings.authBaseUrl && { authBaseUrl: settings.authBaseUrl }),
            clock,
          });
        const connections = new TeamleaderConnectionsStore({
          database,
          clock,
          onReconsentNeeded: ({ accountId }) => invoiceSync.reconsentNeeded({ accountId, sourceId: 'teamleader' }),
        });
        const cipher = new TokenCipher({ keys: { k1: settings.tokenKey }, currentKeyId: 'k1' });
        const tokens = new TeamleaderTokenManager({ store: connections, cipher, oauth: { refresh: (input) => oauth().refresh(input) }, clock });
        const client = new TeamleaderClient({
          tokens,
          clock,
          ...(settings.apiBaseUrl && { apiBaseUrl: settings.apiBaseUrl }),
          ...(options.retry && { retry: options.retry }),
        });
        const source = new TeamleaderInvoiceSource({ client, connections, database, clock, logger });
        sources.add(source);
        routes.add(
          ...sourceTeamleaderRoutes({
            database,
            clock,
            host,
            logger,
            connections,
            tokens,
            client,
            source,
            oauth,
            scopes: options.scopes,
            returnUrl: options.returnUrl,
            invoiceSync,
            jobs,
          }),
        );
        // Webhook events go to the core's import right after they arrive (the route enqueues) and
        // every minute for retries; the core's own sweep catches whatever never arrived.
        await jobs.work({
          name: WEBHOOK_EVENTS_JOB,
          handler: async () => void (await deliverWebhookEvents({ database, clock, invoiceSync, logger, sourceId: source.id })),
        });
        await jobs.schedule({ name: WEBHOOK_EVENTS_JOB, everyMinutes: 1 });
      },
    });
  },
});

export default sourceTeamleaderPlugin;
