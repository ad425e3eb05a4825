// The host imports the default export: the plugin descriptor made with definePlugin().
export { default, paymentsCardPlugin } from './plugin.js';
export { StripeCardProvider } from './stripe-card.provider.js';
export { paymentsCardOptions, SANDBOX_API_KEY, type PaymentsCardOptions } from './options.js';
export { paymentsCardMigrations } from './payments-card.migrations.js';
