import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '@tollgate/errors';
import { PLUGIN_API_VERSION, formatIssues, isPlugin, type Plugin } from '@tollgate/plugin-sdk';
import semver from 'semver';
import type { HostConfig, PluginEntry } from '../config/host-config.js';

export interface LoadedPlugin {
  plugin: Plugin;
  /** Where it came from, as written in the config. */
  source: string;
  options: unknown;
}

export class PluginLoadError extends ConfigError {
  constructor(input: { source: string; message: string; cause?: unknown }) {
    super({ code: 'plugin_invalid', message: `plugin ${input.source}: ${input.message}`, cause: input.cause });
  }
}

/** Resolves a config entry to an importable specifier: paths relative to the config file, names from there or from the host. */
function specifierFor(entry: PluginEntry, configDir: string): string {
  const pkg = entry.package;
  if (pkg.startsWith('.') || isAbsolute(pkg)) return pathToFileURL(resolve(configDir, pkg)).href;
  try {
    return pathToFileURL(createRequire(resolve(configDir, 'tollgate.config.json')).resolve(pkg)).href;
  } catch {
    return pkg; // resolved from the host's own dependencies (the bundled plugins)
  }
}

/**
 * Imports every enabled plugin named in the config and checks it before anything starts:
 * a default-exported definePlugin descriptor, a compatibility range that includes the plugin API
 * version, options that pass the plugin's schema, and an id no other plugin uses.
 */
export async function loadPlugins(input: {
  config: Pick<HostConfig, 'plugins' | 'configDir'>;
  importer?: (specifier: string) => Promise<unknown>;
}): Promise<LoadedPlugin[]> {
  const importer = input.importer ?? ((s: string) => import(s));
  const loaded: LoadedPlugin[] = [];
  const byId = new Map<string, string>();

  for (const entry of input.config.plugins) {
    if (!entry.enabled) continue;
    const source = entry.package;
    let mod: unknown;
    try {
      mod = await importer(specifierFor(entry, input.config.configDir));
    } catch (cause) {
      const code = (cause as { code?: string }).code;
      const hint =
        code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
          ? 'not found (is the package installed and built?)'
          : `failed to import: ${(cause as Error).message}`;
      throw new PluginLoadError({ source, message: hint, cause });
    }
    const plugin = (mod as { default?: unknown }).default;
    if (!isPlugin(plugin)) {
      throw new PluginLoadError({ source, message: 'does not default-export a plugin made with definePlugin() from @tollgate/plugin-sdk' });
    }
    const label = plugin.id === source ? source : `${plugin.id} (${source})`;
    if (!semver.validRange(plugin.compatibility)) {
      throw new PluginLoadError({ source: label, message: `compatibility ${JSON.stringify(plugin.compatibility)} is not a semver range` });
    }
    if (!semver.satisfies(PLUGIN_API_VERSION, plugin.compatibility)) {
      throw new PluginLoadError({ source: label, message: `requires plugin API ${plugin.compatibility}, this host provides ${PLUGIN_API_VERSION}` });
    }
    const other = byId.get(plugin.id);
    if (other !== undefined) {
      throw new PluginLoadError({ source: label, message: `id "${plugin.id}" is already used by ${other}` });
    }
    byId.set(plugin.id, source);

    let options: unknown = entry.options;
    if (plugin.options) {
      const result = await plugin.options['~standard'].validate(entry.options ?? {});
      if (result.issues) {
        throw new PluginLoadError({ source: label, message: `invalid options: ${formatIssues(result.issues)}` });
      }
      options = result.value;
    } else if (entry.options !== undefined) {
      throw new PluginLoadError({ source: label, message: 'takes no options, but the config gives some' });
    }
    loaded.push({ plugin, source, options });
  }
  return loaded;
}
