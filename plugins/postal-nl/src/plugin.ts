import { coreServices, definePlugin, postalCarriersExtensionPoint, spendChannelsExtensionPoint } from '@tollgate/plugin-sdk';
import { printMailCarrierParts, printMailPluginOptions } from '@tollgate/print-mail';
import { POSTAL_NL_PRICES } from './prices.js';

export const POSTAL_NL_ID = 'postal-nl';
export const POSTAL_NL_LABEL = 'Letter by post (the Netherlands)';

/**
 * postal-nl: letters to the Netherlands through the print-and-mail service, paid from the wallet. It keeps no
 * state (the letter channel stores the carrier's letter id); it declares the carrier and its five
 * spend channels (postage standard/priority/registered per letter, printing bw/colour per sheet).
 * Tests run it against tooling/sandbox-print-mail.
 */
export const postalNlPlugin = definePlugin({
  id: POSTAL_NL_ID,
  compatibility: '^2.5.0',
  description: 'Letters by post to the Netherlands (print-and-mail service, paid from the wallet)',
  options: printMailPluginOptions,
  register(env) {
    env.registerInit({
      deps: {
        carriers: postalCarriersExtensionPoint,
        channels: spendChannelsExtensionPoint,
        clock: coreServices.clock,
        host: coreServices.host,
        logger: coreServices.logger,
      },
      init({ carriers, channels, clock, host, logger }) {
        const { carrier, channels: spend } = printMailCarrierParts({
          id: POSTAL_NL_ID,
          label: POSTAL_NL_LABEL,
          country: 'NL',
          prices: POSTAL_NL_PRICES,
          options: env.options,
          sandbox: host.sandbox,
          clock,
          logger,
        });
        carriers.add(carrier);
        channels.add(...spend);
      },
    });
  },
});

export default postalNlPlugin;
