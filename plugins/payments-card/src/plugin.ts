import { coreServices, definePlugin, paymentProvidersExtensionPoint } from '@tollgate/plugin-sdk';
import { paymentsCardOptions } from './options.js';
import { paymentsCardMigrations } from './payments-card.migrations.js';
import { StripeCardProvider } from './stripe-card.provider.js';

/**
 * The payments-card plugin: adds the payment provider 'payments-card' (card top-ups through a
 * Stripe-compatible processor). Its webhook is served by the host at
 * POST /v1/payments/webhooks/payments-card, which hands the raw body to `parseWebhook`.
 */
export const paymentsCardPlugin = definePlugin({
  id: 'payments-card',
  compatibility: '^2.0.0',
  description: 'Card payments (Stripe-compatible processor) for wallet top-ups',
  options: paymentsCardOptions,
  register(env) {
    env.registerMigrations({ migrations: paymentsCardMigrations });
    env.registerInit({
      deps: {
        providers: paymentProvidersExtensionPoint,
        database: coreServices.database,
        clock: coreServices.clock,
        logger: coreServices.logger,
      },
      init({ providers, database, clock, logger }) {
        providers.add(new StripeCardProvider({ options: env.options, database, clock, logger }));
      },
    });
  },
});

export default paymentsCardPlugin;
