// The light part of the host (config and port checks, no Nest, no database driver): a launcher
// such as the dev stack can refuse a bad start in a fraction of a second, before loading the rest.
export { loadConfig, type HostConfig, type PluginEntry } from './config/host-config.js';
export { assertPortFree, portInUse } from './http/port-check.js';
