import { EPostClient } from '@tollgate/epost';
import { coreServices, definePlugin, httpRoutesExtensionPoint, postalCarriersExtensionPoint, SecretSealer } from '@tollgate/plugin-sdk';
import { CredentialsStore } from './credentials.store.js';
import { EPostCarrier } from './epost.carrier.js';
import { epostMigrations } from './epost.migrations.js';
import { epostRoutes } from './epost.routes.js';
import { epostOptions, resolveSettings } from './options.js';

/** The envelope name of sealed E-POST credentials (`eps1.<keyId>.<iv>.<body>.<tag>`). */
const SEALED_FORMAT = 'eps1';

/**
 * The postal-de-epost plugin: letters to Germany through the account's own Deutsche Post
 * E-POSTBUSINESS contract. Tests run it against tooling/sandbox-epost, never a fake.
 */
export const epostPlugin = definePlugin({
  id: 'postal-de-epost',
  compatibility: '^2.5.0',
  description: "Letters to Germany through the account's own Deutsche Post E-POST contract (never the wallet)",
  options: epostOptions,
  register(env) {
    const options = env.options;
    env.registerMigrations({ migrations: epostMigrations });
    env.registerInit({
      deps: {
        carriers: postalCarriersExtensionPoint,
        routes: httpRoutesExtensionPoint,
        db: coreServices.database,
        clock: coreServices.clock,
        host: coreServices.host,
        logger: coreServices.logger,
      },
      init({ carriers, routes, db, clock, host, logger }) {
        const settings = resolveSettings({ options, sandbox: host.sandbox });
        if (settings.usesSandboxDefaults.sealingKey)
          logger.warn('postal-de-epost: sealing E-POST credentials with the fixed sandbox key (set sealingKey outside development)');
        if (settings.usesSandboxDefaults.vendorId) logger.warn(`postal-de-epost: using the E-POST sandbox's vendor ID at ${settings.baseUrl}`);
        const credentials = new CredentialsStore({
          db,
          clock,
          sealer: new SecretSealer({ keys: { k1: settings.sealingKey }, currentKeyId: 'k1', format: SEALED_FORMAT }),
          client: (account) =>
            new EPostClient({ baseUrl: settings.baseUrl, vendorId: settings.vendorId, ...account, retries: options.retries, now: () => clock.now() }),
        });
        carriers.add(
          new EPostCarrier({
            db,
            clock,
            credentials,
            testMode: options.testMode,
            registeredLetter: options.registeredLetter,
            registeredCoverSheet: options.registeredCoverSheet,
          }),
        );
        routes.add(...epostRoutes({ credentials }));
      },
    });
  },
});

export default epostPlugin;
