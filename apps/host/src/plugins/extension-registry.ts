import type { Registry } from '@tollgate/plugin-sdk';
import { PluginLoadError } from './plugin-loader.js';

const ITEM_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Collects what plugins add to one extension point (spend channels, payment providers...).
 * Ids are unique across all plugins; nothing can be added once the host has started.
 */
export class ExtensionRegistry<T extends { readonly id: string }> {
  readonly #items = new Map<string, { item: T; pluginId: string }>();
  #frozen = false;

  constructor(readonly kind: string) {}

  forPlugin(pluginId: string): Registry<T> {
    return { add: (...items: T[]) => items.forEach((item) => this.#add(pluginId, item)) };
  }

  #add(pluginId: string, item: T): void {
    if (this.#frozen) {
      throw new PluginLoadError({ source: pluginId, message: `cannot add ${this.kind} "${item?.id}" after start-up (add it in init)` });
    }
    if (typeof item?.id !== 'string' || !ITEM_ID.test(item.id)) {
      throw new PluginLoadError({ source: pluginId, message: `${this.kind} id must be kebab-case, got ${JSON.stringify(item?.id)}` });
    }
    const taken = this.#items.get(item.id);
    if (taken) {
      const by = taken.pluginId === pluginId ? 'this plugin already' : `plugin ${taken.pluginId}`;
      throw new PluginLoadError({ source: pluginId, message: `${this.kind} id "${item.id}" collides: ${by} registered it` });
    }
    this.#items.set(item.id, { item, pluginId });
  }

  freeze(): void {
    this.#frozen = true;
  }

  get(id: string): T | undefined {
    return this.#items.get(id)?.item;
  }

  entries(): Array<{ item: T; pluginId: string }> {
    return [...this.#items.values()];
  }
}
