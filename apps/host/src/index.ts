export { loadConfig, hostConfigSchema, type HostConfig, type PluginEntry } from './config/host-config.js';
export { createHost, type CreateHostInput, type MountedHttpRoute, type TollgateHost } from './create-host.js';
export { loadPlugins, PluginLoadError, type LoadedPlugin } from './plugins/plugin-loader.js';
export { PluginHost, type MountedRoute } from './plugins/plugin-host.js';
export { AccountsService, type Account, type ApiKey, type NewApiKey, type User } from './accounts/accounts.service.js';
export type { Caller, Role } from './accounts/roles.js';
export { startOperatorAccess } from './operator/operator-access.js';
export { operatorCommands, runOperatorCommand, type OperatorContext, type OperatorResult } from './operator/operator-commands.js';
export { operatorSocketPath, sendOperatorCommand } from './operator/operator-client.js';
