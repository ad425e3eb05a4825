// The host imports the default export: the plugin descriptor made with definePlugin().
export { default, sourceTeamleaderPlugin } from './plugin.js';
export { TeamleaderInvoiceSource } from './teamleader.source.js';
export { TeamleaderConnectionsStore, type ConnectionRow } from './teamleader-connections.store.js';
export { resolveSettings, sourceTeamleaderOptions, SANDBOX_BASE_URL, SANDBOX_CLIENT, type SourceTeamleaderOptions } from './options.js';
export { sourceTeamleaderMigrations } from './source-teamleader.migrations.js';
export { WEBHOOK_TYPES } from './teamleader-mapping.js';
