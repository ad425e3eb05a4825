import { coreServices, definePlugin, postalCarriersExtensionPoint, spendChannelsExtensionPoint } from '@tollgate/plugin-sdk';
import { createPostalSpendChannels, createPrintMailCarrier, PrintMailClient, printMailPluginOptions, resolvePrintMailSettings } from '@tollgate/print-mail';
import { POSTAL_BE_PRICES } from './prices.js';

export const POSTAL_BE_ID = 'postal-be';
export const POSTAL_BE_LABEL = 'Letter by post (Belgium)';

/**
 * postal-be: letters to Belgium through the print-and-mail service, paid from the wallet. It keeps no
 * state (the letter channel stores the carrier's letter id); it declares the carrier and its five
 * spend channels (postage standard/priority/registered per letter, printing bw/colour per sheet).
 * Tests run it against tooling/sandbox-print-mail.
 */
export const postalBePlugin = definePlugin({
  id: POSTAL_BE_ID,
  compatibility: '^2.5.0',
  description: 'Letters by post to Belgium (print-and-mail service, paid from the wallet)',
  options: printMailPluginOptions,
  register(env) {
    const options = env.options;
    env.registerInit({
      deps: {
        carriers: postalCarriersExtensionPoint,
        channels: spendChannelsExtensionPoint,
        clock: coreServices.clock,
        host: coreServices.host,
        logger: coreServices.logger,
      },
      init({ carriers, channels, clock, host, logger }) {
        const settings = resolvePrintMailSettings({ pluginId: POSTAL_BE_ID, options, sandbox: host.sandbox });
        if (settings.sandboxDefaults.length > 0)
          logger.warn(`${POSTAL_BE_ID}: using the print-mail sandbox's ${settings.sandboxDefaults.join(', ')} (${settings.baseUrl})`);
        const client = new PrintMailClient({
          baseUrl: settings.baseUrl,
          apiKey: settings.apiKey,
          retries: options.retries,
          timeoutMs: options.timeoutMs,
          maxRetryAfterSeconds: options.maxRetryAfterSeconds,
        });
        carriers.add(createPrintMailCarrier({ id: POSTAL_BE_ID, label: POSTAL_BE_LABEL, country: 'BE', client, webhookSecret: settings.webhookSecret, clock }));
        channels.add(...createPostalSpendChannels({ carrierId: POSTAL_BE_ID, label: POSTAL_BE_LABEL, country: 'BE', prices: POSTAL_BE_PRICES }));
      },
    });
  },
});

export default postalBePlugin;
