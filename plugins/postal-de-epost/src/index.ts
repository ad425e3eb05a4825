// The host imports the default export: the plugin descriptor made with definePlugin().
export { default, epostPlugin } from './plugin.js';
export { epostOptions, resolveSettings, SANDBOX_BASE_URL, SANDBOX_VENDOR_ID, type EPostOptions } from './options.js';
export { CARRIER_ID, EPostCarrier, rejectionReason, toLetterEvent } from './epost.carrier.js';
export { CredentialsStore, type AccountCredentials, type CredentialsView, type EPostClientFactory } from './credentials.store.js';
export { epostMigrations } from './epost.migrations.js';
export { PLUGIN_PATH } from './epost.routes.js';
