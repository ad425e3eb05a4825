import { SystemClock } from '@tollgate/clock';
import { ConfigError } from '@tollgate/errors';
import type { EventDeliveryOptions } from '@tollgate/events';
import { AccountsService } from '../accounts/accounts.service.js';
import type { HostConfig } from '../config/host-config.js';
import { openConfiguredFileStore } from '../files/configured-file-store.js';
import { createCoreServices } from '../core-container.js';
import { createHost } from '../create-host.js';
import { openConfiguredDatabase } from '../open-database.js';
import { loadPlugins } from '../plugins/plugin-loader.js';
import { PluginHost } from '../plugins/plugin-host.js';
import { walletAccountHooks } from '../wallet/account-wallets.js';
import { SessionsService } from '../sessions/sessions.service.js';
import type { OperatorResult } from './operator-client.js';
import { hostOperatorContext, migrateAll, operatorCommands, runOperatorCommand, type OperatorContext } from './operator-commands.js';

/**
 * The event options a host on this config uses (create-host.ts): above all `sandbox`, so a webhook
 * URL added from the command line passes the same SSRF policy as one added over HTTP.
 */
export function localEventOptions(config: HostConfig): EventDeliveryOptions {
  const { webhookTimeoutMs, webhookRetryHours, disableAfterHours, handlerMaxAttempts } = config.events;
  return { sandbox: config.sandbox, webhookTimeoutMs, webhookRetryHours, disableAfterHours, handlerMaxAttempts };
}

/** The core services on the configured database, without HTTP or started plugins (fast). */
async function withDatabase<T>(config: HostConfig, fn: (ctx: OperatorContext) => Promise<T>): Promise<T> {
  const plugins = await loadPlugins({ config });
  const pluginHost = new PluginHost(plugins);
  pluginHost.register();
  const db = await openConfiguredDatabase(config);
  // No bucket check: a command here may not touch files at all, and must stay fast.
  const files = await openConfiguredFileStore(config, { check: false });
  try {
    await migrateAll({ db, pluginHost });
    const clock = new SystemClock();
    const core = createCoreServices({
      db,
      clock,
      files: files.store,
      mail: config.mail,
      fundingOptions: config.funding,
      plans: config.plans,
      eventOptions: localEventOptions(config),
      billing: { config: config.billing, renderer: { render: () => Promise.reject(new Error('rendered by a running host')) } },
    });
    const accounts = new AccountsService({ db, clock, hooks: walletAccountHooks({ wallet: core.wallet }) });
    const sessions = new SessionsService({ db, clock, accounts });
    return await fn({ db, accounts, sessions, funding: core.funding, plans: core.plans, importer: core.importer, pluginHost, events: core.events });
  } finally {
    files.close();
    await db.close();
  }
}

/**
 * A whole host without HTTP (plugins started, no background workers) for commands that need the
 * payment providers or invoice sources: buying, payment methods and imports go through the same code as the API.
 */
async function withHost<T>(config: HostConfig, fn: (ctx: OperatorContext) => Promise<T>): Promise<T> {
  if (!config.plugins.some((p) => p.enabled !== false)) {
    throw new ConfigError({
      code: 'no_plugins',
      message:
        'This command needs the payment providers or invoice sources, and no plugins are configured here. Under `pnpm start` the dev stack configures them: start it and run the command again (it then runs inside the running host).',
    });
  }
  const host = await createHost({ config, workers: false });
  try {
    return await fn(hostOperatorContext(host));
  } finally {
    await host.close();
  }
}

/** Runs a command in this process, when no host serves the data folder's operator socket. */
export function runLocally(input: { config: HostConfig; name: string; input: unknown }): Promise<OperatorResult> {
  const run = operatorCommands[input.name]?.needs === 'host' ? withHost : withDatabase;
  return run(input.config, (ctx) => runOperatorCommand({ ctx, name: input.name, input: input.input }));
}
