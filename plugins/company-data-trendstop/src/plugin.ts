import {
  coreServices,
  dashboardPanelsExtensionPoint,
  definePlugin,
  httpRoutesExtensionPoint,
  SecretSealer,
  spendChannelsExtensionPoint,
} from '@tollgate/plugin-sdk';
import { normaliseEnterpriseNumber, TrendsTopClient } from '@tollgate/trendstop';
import { CompanyDataChannel } from './company-data.channel.js';
import { companyDataMigrations } from './company-data.migrations.js';
import { companyDataPanels } from './company-data.panels.js';
import { companyDataRoutes } from './company-data.routes.js';
import { CompanyDataService } from './company-data.service.js';
import { channelPrices, companyDataOptions, resolveSettings } from './options.js';
import type { TrendsTopApiFactory } from './trendstop-api.js';

/** The envelope name of a sealed Trends Top key (`tts1.<keyId>.<iv>.<body>.<tag>`). */
const SEALED_FORMAT = 'tts1';

/**
 * The company-data-trendstop plugin: Trends Top company data for Belgian companies, a paid
 * channel ('company-data', unit 'company', immediate settlement). Tests run it against
 * tooling/sandbox-trendstop (options baseUrl, partnerApiKey, retries: 0), never a fake.
 */
export const companyDataPlugin = definePlugin({
  id: 'company-data-trendstop',
  compatibility: '^2.9.0',
  description: 'Trends Top company data for Belgian companies: free availability, bought once per account, per-user switch, own subscription',
  options: companyDataOptions,
  register(env) {
    const options = env.options;
    env.registerMigrations({ migrations: companyDataMigrations });
    env.registerInit({
      deps: {
        channels: spendChannelsExtensionPoint,
        routes: httpRoutesExtensionPoint,
        panels: dashboardPanelsExtensionPoint,
        db: coreServices.database,
        clock: coreServices.clock,
        host: coreServices.host,
        wallet: coreServices.wallet,
        plans: coreServices.plans,
        accounts: coreServices.accounts,
        logger: coreServices.logger,
      },
      init({ channels, routes, panels, db, clock, host, wallet, plans, accounts, logger }) {
        const settings = resolveSettings({ options, sandbox: host.sandbox });
        if (settings.usesSandboxDefaults.sealingKey)
          logger.warn('company-data-trendstop: sealing subscription keys with the fixed sandbox key (set sealingKey outside development)');
        if (settings.usesSandboxDefaults.partnerApiKey)
          logger.warn(`company-data-trendstop: using the Trends Top sandbox's partner key at ${settings.baseUrl}`);
        const client: TrendsTopApiFactory = ({ apiKey }) => new TrendsTopClient({ baseUrl: settings.baseUrl, apiKey, retries: options.retries });
        const service = new CompanyDataService({
          db,
          clock,
          wallet,
          plans,
          accounts,
          logger,
          partner: client({ apiKey: settings.partnerApiKey }),
          client,
          sealer: new SecretSealer({ keys: { k1: settings.sealingKey }, currentKeyId: 'k1', format: SEALED_FORMAT }),
          config: { freeRefreshDays: options.freeRefreshDays },
          normalise: normaliseEnterpriseNumber,
        });
        channels.add(new CompanyDataChannel({ prices: channelPrices(options), fetch: (step) => service.fetchExport(step) }));
        routes.add(...companyDataRoutes({ service }));
        panels.add(...companyDataPanels);
      },
    });
  },
});

export default companyDataPlugin;
