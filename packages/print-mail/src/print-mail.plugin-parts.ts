import type { Clock, Logger, PostalCarrier, SpendChannel } from '@tollgate/plugin-sdk';
import { createPrintMailCarrier } from './print-mail.carrier.js';
import { PrintMailClient } from './print-mail.client.js';
import { resolvePrintMailSettings, type PrintMailPluginOptions } from './print-mail.options.js';
import { createPostalSpendChannels, type PostalChargeRequest, type PostalPriceList } from './postal-channels.js';

/**
 * What a print-and-mail plugin registers, built from its options: postal-be and postal-nl differ only
 * in id, label, country and prices, so their `init` is this one call (their descriptors stay their own).
 */
export function printMailCarrierParts(input: {
  id: string;
  label: string;
  country: string;
  prices: PostalPriceList;
  options: PrintMailPluginOptions;
  sandbox: boolean;
  clock: Clock;
  logger: Logger;
}): { carrier: PostalCarrier; channels: SpendChannel<PostalChargeRequest>[] } {
  const { id, label, country, options } = input;
  const settings = resolvePrintMailSettings({ pluginId: id, options, sandbox: input.sandbox });
  if (settings.sandboxDefaults.length > 0)
    input.logger.warn(`${id}: using the print-mail sandbox's ${settings.sandboxDefaults.join(', ')} (${settings.baseUrl})`);
  const client = new PrintMailClient({
    baseUrl: settings.baseUrl,
    apiKey: settings.apiKey,
    retries: options.retries,
    timeoutMs: options.timeoutMs,
    maxRetryAfterSeconds: options.maxRetryAfterSeconds,
  });
  return {
    carrier: createPrintMailCarrier({ id, label, country, client, webhookSecret: settings.webhookSecret, clock: input.clock }),
    channels: createPostalSpendChannels({ carrierId: id, label, country, prices: input.prices }),
  };
}
