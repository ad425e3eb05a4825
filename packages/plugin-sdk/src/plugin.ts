import type { Migration } from './database.js';
import type { Dep } from './refs.js';
import type { InferOutput, StandardSchemaV1 } from './standard-schema.js';

/** The plugin API version. A plugin's `compatibility` semver range must include it. */
export const PLUGIN_API_VERSION = '2.9.0';

const PLUGIN_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

type Resolved<D> = { [K in keyof D]: D[K] extends Dep<infer T> ? T : never };

export interface InitRegistration<D extends Record<string, Dep<unknown>>> {
  deps: D;
  init(deps: Resolved<D>): void | Promise<void>;
}

/** What `register` receives: the plugin's validated options and the hooks to wire it up. */
export interface PluginEnv<O> {
  readonly pluginId: string;
  readonly options: O;
  /** Declares what the plugin needs; the host calls `init` with them after every plugin registered. */
  registerInit<D extends Record<string, Dep<unknown>>>(registration: InitRegistration<D>): void;
  /** The plugin's tables, in its own schema (`coreServices.database`); applied in id order at start, recorded under `plugin:<id>`. */
  registerMigrations(input: { migrations: readonly Migration[] }): void;
  /** Called on shutdown, in reverse plugin order. */
  onShutdown(hook: () => void | Promise<void>): void;
}

export interface PluginDefinition<S extends StandardSchemaV1 | undefined> {
  /** Kebab-case, unique in a host: 'sms-reminders'. */
  id: string;
  /** Semver range of PLUGIN_API_VERSION this plugin works with, e.g. '^2.0.0'. */
  compatibility: string;
  description?: string;
  /** Schema of the plugin's options (zod or any Standard Schema); validated before the host starts. */
  options?: S;
  register(env: PluginEnv<S extends StandardSchemaV1 ? InferOutput<S> : undefined>): void;
}

export interface Plugin<S extends StandardSchemaV1 | undefined = StandardSchemaV1 | undefined> extends Readonly<PluginDefinition<S>> {
  readonly $$type: '@tollgate/Plugin';
}

/**
 * Declares a plugin. A plugin package default-exports the result:
 * `export default definePlugin({ id, compatibility: '^2.0.0', options, register(env) {...} })`.
 */
export function definePlugin<S extends StandardSchemaV1 | undefined = undefined>(definition: PluginDefinition<S>): Plugin<S> {
  if (typeof definition?.id !== 'string' || !PLUGIN_ID.test(definition.id)) {
    throw new TypeError(`definePlugin: id must be kebab-case (a-z, 0-9, '-'), got ${JSON.stringify(definition?.id)}`);
  }
  if (typeof definition.compatibility !== 'string' || definition.compatibility.trim() === '') {
    throw new TypeError(`definePlugin(${definition.id}): compatibility must be a semver range such as '^2.0.0'`);
  }
  if (typeof definition.register !== 'function') {
    throw new TypeError(`definePlugin(${definition.id}): register must be a function`);
  }
  return Object.freeze({ ...definition, $$type: '@tollgate/Plugin' as const });
}

export function isPlugin(value: unknown): value is Plugin {
  return (value as { $$type?: unknown } | null)?.$$type === '@tollgate/Plugin';
}
