import type { Clock } from '@tollgate/clock';
import { nestedSchemaName, scopeDatabase, type Database, type JobQueue, type MigrationSet, type ScopedDatabase } from '@tollgate/db';
import {
  accountingExportersExtensionPoint,
  coreServices,
  httpRoutesExtensionPoint,
  invoiceSourcesExtensionPoint,
  paymentProvidersExtensionPoint,
  spendChannelsExtensionPoint,
  type AccountingExporter,
  type Dep,
  type HostInfo,
  type InitRegistration,
  type InvoiceSource,
  type InvoiceSyncSink,
  type Logger,
  type Migration,
  type PaymentEventSink,
  type PaymentProvider,
  type PluginDatabase,
  type PluginPriceCatalog,
  type PluginWallet,
  type PluginRoute,
  type SpendChannel,
} from '@tollgate/plugin-sdk';
import { SpendRunner, type PriceCatalog, type WalletService } from '@tollgate/wallet';
import { ExtensionRegistry } from './extension-registry.js';
import { PluginJobRunner } from './plugin-jobs.js';
import { PluginLoadError, type LoadedPlugin } from './plugin-loader.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- routes of every shape
type AnyRoute = PluginRoute<any, any, any>;

export interface MountedRoute {
  pluginId: string;
  route: AnyRoute;
  /** '/v1/plugins/<plugin id><route path>' */
  url: string;
}

export interface PluginHostServices {
  logger: Logger;
  clock: Clock;
  db: Database;
  jobs?: JobQueue;
  host: HostInfo;
  /** The host's one wallet instance (plugins get `coreServices.wallet`, a view of it). */
  wallet: WalletService;
  catalog: PriceCatalog;
  /** The funding service's inbox for provider events (coreServices.payments). */
  payments?: PaymentEventSink;
  /** The invoice-sync core's inbox for source plugins (coreServices.invoiceSync). */
  invoiceSync?: InvoiceSyncSink;
  /** false in tests: plugin jobs do not poll, `runJobs` runs them. Default true. */
  workers?: boolean;
  /** Lets a charge or hold refused for lack of credit wait for an in-flight card auto-refill (C-3). */
  spendWithRefill?: <T>(input: { accountId: string; attempt: (provisional: boolean) => Promise<T> }) => Promise<T>;
}

interface PluginState {
  loaded: LoadedPlugin;
  inits: InitRegistration<Record<string, Dep<unknown>>>[];
  migrations: Migration[];
  shutdownHooks: Array<() => void | Promise<void>>;
}

/**
 * Runs the plugin lifecycle the Backstage way: every plugin `register`s first (declaring its
 * init, migrations and shutdown hooks), then the host calls each `init` with the services and
 * extension points it asked for, in config order, and freezes the registries.
 */
export class PluginHost {
  readonly spendChannels = new ExtensionRegistry<SpendChannel>('spend channel');
  readonly paymentProviders = new ExtensionRegistry<PaymentProvider>('payment provider');
  readonly invoiceSources = new ExtensionRegistry<InvoiceSource>('invoice source');
  readonly accountingExporters = new ExtensionRegistry<AccountingExporter>('accounting exporter');
  readonly routes: MountedRoute[] = [];
  readonly #states: PluginState[] = [];
  #spendRunner: SpendRunner | undefined;
  #jobRunner: PluginJobRunner | undefined;
  #db: Database | undefined;
  // Each plugin's connection to its own schema, made on first use.
  readonly #databases = new Map<string, { scoped: ScopedDatabase; view: PluginDatabase }>();

  /** Tests (workers off): run scheduled jobs once and drain every plugin queue (see PluginJobRunner). */
  runJobs(input: { maxRounds?: number } = {}): Promise<{ completed: number; failed: number }> {
    return this.#jobRunner ? this.#jobRunner.runJobs(input) : Promise.resolve({ completed: 0, failed: 0 });
  }
  #phase: 'new' | 'registered' | 'started' | 'stopped' = 'new';

  constructor(readonly plugins: readonly LoadedPlugin[]) {}

  /** Calls every plugin's register(). Safe to call before the database is open. */
  register(): void {
    if (this.#phase !== 'new') throw new Error('PluginHost.register called twice');
    for (const loaded of this.plugins) {
      const state: PluginState = { loaded, inits: [], migrations: [], shutdownHooks: [] };
      const id = loaded.plugin.id;
      try {
        loaded.plugin.register({
          pluginId: id,
          options: loaded.options as never,
          registerInit: (registration) => {
            state.inits.push(registration as unknown as InitRegistration<Record<string, Dep<unknown>>>);
          },
          registerMigrations: ({ migrations }) => {
            state.migrations.push(...migrations);
          },
          onShutdown: (hook) => {
            state.shutdownHooks.push(hook);
          },
        });
      } catch (cause) {
        if (cause instanceof PluginLoadError) throw cause;
        throw new PluginLoadError({ source: id, message: `register failed: ${(cause as Error).message}`, cause });
      }
      this.#states.push(state);
    }
    this.#phase = 'registered';
  }

  /**
   * Each plugin's migrations, as one set per plugin, namespaced `plugin:<id>`, run in the plugin's
   * schema (created for every plugin that has migrations or asks for coreServices.database).
   */
  migrationSets(input: { db: Database }): MigrationSet[] {
    return this.#states
      .filter((s) => s.migrations.length > 0 || s.inits.some((init) => Object.values(init.deps).some((dep) => dep.id === coreServices.database.id)))
      .map((s) => ({ namespace: `plugin:${s.loaded.plugin.id}`, schema: pluginSchemaName({ db: input.db, pluginId: s.loaded.plugin.id }), migrations: s.migrations }));
  }

  /** A plugin's `coreServices.database` (the same connection it got), for tests and tools that read its tables. */
  pluginDatabase(pluginId: string): PluginDatabase {
    if (!this.#db) throw new Error('PluginHost.pluginDatabase before start');
    if (!this.plugins.some((p) => p.plugin.id === pluginId)) throw new Error(`no plugin "${pluginId}" is loaded`);
    return this.#databaseOf(pluginId, this.#db);
  }

  #databaseOf(pluginId: string, db: Database): PluginDatabase {
    let entry = this.#databases.get(pluginId);
    if (!entry) {
      const scoped = scopeDatabase({ db, schema: pluginSchemaName({ db, pluginId }) });
      // Not the scoped database itself: a plugin has no business closing it. (Not frozen: the bench meters its calls.)
      const view: PluginDatabase = { engine: scoped.engine, schema: scoped.schema, query: scoped.query.bind(scoped), transaction: scoped.transaction.bind(scoped) };
      entry = { scoped, view };
      this.#databases.set(pluginId, entry);
    }
    return entry.view;
  }

  /** Closes the plugins' connections (their pools on PostgreSQL); after stop() and the job queue. */
  async closeDatabases(): Promise<void> {
    const entries = [...this.#databases.values()];
    this.#databases.clear();
    await Promise.all(entries.map((e) => e.scoped.close()));
  }

  async start(services: PluginHostServices): Promise<void> {
    if (this.#phase !== 'registered') throw new Error(`PluginHost.start in phase ${this.#phase}`);
    this.#db = services.db;
    for (const state of this.#states) {
      const id = state.loaded.plugin.id;
      for (const registration of state.inits) {
        const resolved: Record<string, unknown> = {};
        for (const [name, dep] of Object.entries(registration.deps)) {
          resolved[name] = this.#resolve(id, dep, services);
        }
        try {
          await registration.init(resolved as never);
        } catch (cause) {
          if (cause instanceof PluginLoadError) throw cause;
          throw new PluginLoadError({ source: id, message: `init failed: ${(cause as Error).message}`, cause });
        }
      }
    }
    for (const registry of [this.spendChannels, this.paymentProviders, this.invoiceSources, this.accountingExporters]) registry.freeze();
    await this.#syncQuotas(services.catalog);
    this.#phase = 'started';
  }

  /**
   * A channel's declared free monthly quota (W-8) is written to the catalog at every start-up, so
   * the plugin's code is the source of truth (Medusa's "sync providers at boot"); a quota set by
   * an operator for such a channel lasts until the next start. Channels that declare none are left alone.
   */
  async #syncQuotas(catalog: PriceCatalog): Promise<void> {
    for (const { item: channel, pluginId } of this.spendChannels.entries()) {
      const quota = channel.freeMonthlyQuota;
      if (quota === undefined) continue;
      if (typeof quota !== 'number' || !Number.isFinite(quota) || quota < 0) {
        throw new PluginLoadError({ source: pluginId, message: `spend channel "${channel.id}": freeMonthlyQuota must be a number >= 0, got ${JSON.stringify(quota)}` });
      }
      try {
        await catalog.setQuota({ channel: channel.id, freeUnits: String(quota) });
      } catch (cause) {
        throw new PluginLoadError({ source: pluginId, message: `spend channel "${channel.id}": cannot set its free quota: ${(cause as Error).message}`, cause });
      }
    }
  }

  /** The wallet as plugins see it: money moves with idempotency keys, and `spend` for the whole quote → hold → execute → capture flow. */
  #pluginWallet(wallet: WalletService, spendWithRefill?: PluginHostServices['spendWithRefill']): PluginWallet {
    type ChargeInput = Parameters<WalletService['charge']>[0];
    type HoldInput = Parameters<WalletService['hold']>[0];
    const charge = (input: ChargeInput) => (spendWithRefill ? spendWithRefill({ accountId: input.accountId, attempt: (provisional) => wallet.charge({ ...input, provisional }) }) : wallet.charge(input));
    const hold = (input: HoldInput) => (spendWithRefill ? spendWithRefill({ accountId: input.accountId, attempt: (provisional) => wallet.hold({ ...input, provisional }) }) : wallet.hold(input));
    this.#spendRunner ??= new SpendRunner({ wallet: { hold, capture: wallet.capture.bind(wallet), release: wallet.release.bind(wallet) }, channel: (id) => this.spendChannels.get(id) });
    const runner = this.#spendRunner;
    return {
      charge,
      hold,
      capture: wallet.capture.bind(wallet),
      release: wallet.release.bind(wallet),
      reverse: wallet.reverse.bind(wallet),
      balance: wallet.balance.bind(wallet),
      getHold: wallet.getHold.bind(wallet),
      spend: runner.spend.bind(runner),
    };
  }

  /** Runs shutdown hooks in reverse order; one failing hook does not stop the others. */
  async stop(logger: Logger): Promise<void> {
    if (this.#phase === 'stopped') return;
    this.#phase = 'stopped';
    this.#jobRunner?.stop();
    for (const state of [...this.#states].reverse()) {
      for (const hook of [...state.shutdownHooks].reverse()) {
        try {
          await hook();
        } catch (error) {
          logger.error({ err: error, plugin: state.loaded.plugin.id }, 'plugin shutdown hook failed');
        }
      }
    }
  }

  #resolve(pluginId: string, dep: Dep<unknown>, services: PluginHostServices): unknown {
    switch (dep.id) {
      case coreServices.logger.id:
        return services.logger.child({ plugin: pluginId });
      case coreServices.clock.id:
        return services.clock;
      case coreServices.database.id:
        return this.#databaseOf(pluginId, services.db);
      case coreServices.host.id:
        return services.host;
      case coreServices.jobs.id:
        if (!services.jobs) throw new PluginLoadError({ source: pluginId, message: 'asks for the job queue, which this host runs without' });
        this.#jobRunner ??= new PluginJobRunner(services.jobs, { workers: services.workers ?? true, now: () => services.clock.now() });
        return this.#jobRunner.forPlugin(pluginId);
      case coreServices.wallet.id:
        return this.#pluginWallet(services.wallet, services.spendWithRefill);
      case coreServices.priceCatalog.id:
        return {
          setPrice: services.catalog.setPrice.bind(services.catalog),
          setQuota: services.catalog.setQuota.bind(services.catalog),
          priceAt: services.catalog.priceAt.bind(services.catalog),
        } satisfies PluginPriceCatalog;
      case coreServices.payments.id:
        if (!services.payments) throw new PluginLoadError({ source: pluginId, message: 'asks for the payments service, which this host runs without' });
        return services.payments;
      case coreServices.invoiceSync.id:
        if (!services.invoiceSync) throw new PluginLoadError({ source: pluginId, message: 'asks for the invoice-sync service, which this host runs without' });
        return services.invoiceSync;
      case spendChannelsExtensionPoint.id:
        return this.spendChannels.forPlugin(pluginId);
      case paymentProvidersExtensionPoint.id:
        return this.paymentProviders.forPlugin(pluginId);
      case invoiceSourcesExtensionPoint.id:
        return this.invoiceSources.forPlugin(pluginId);
      case accountingExportersExtensionPoint.id:
        return this.accountingExporters.forPlugin(pluginId);
      case httpRoutesExtensionPoint.id:
        return { add: (...routes: AnyRoute[]) => routes.forEach((route) => this.#addRoute(pluginId, route)) };
      default:
        throw new PluginLoadError({ source: pluginId, message: `asks for unknown service or extension point "${dep.id}"` });
    }
  }

  #addRoute(pluginId: string, route: AnyRoute): void {
    if (this.#phase !== 'registered') throw new PluginLoadError({ source: pluginId, message: 'cannot add HTTP routes after start-up' });
    if (typeof route?.path !== 'string' || !route.path.startsWith('/')) {
      throw new PluginLoadError({ source: pluginId, message: `route path must start with '/', got ${JSON.stringify(route?.path)}` });
    }
    const url = `/v1/plugins/${pluginId}${route.path === '/' ? '' : route.path}`;
    if (this.routes.some((r) => r.url === url && r.route.method === route.method)) {
      throw new PluginLoadError({ source: pluginId, message: `route ${route.method} ${url} is registered twice` });
    }
    this.routes.push({ pluginId, route, url });
  }

  /** What GET /plugins shows: each plugin and what it added. */
  describe(): Array<{ id: string; package: string; description?: string; compatibility: string; spendChannels: object[]; paymentProviders: object[]; invoiceSources: object[]; accountingExporters: object[]; routes: string[] }> {
    const of = <T extends { id: string }>(registry: ExtensionRegistry<T>, pluginId: string, pick: (item: T) => object) =>
      registry.entries().filter((e) => e.pluginId === pluginId).map((e) => pick(e.item));
    return this.plugins.map(({ plugin, source }) => ({
      id: plugin.id,
      package: source,
      ...(plugin.description ? { description: plugin.description } : {}),
      compatibility: plugin.compatibility,
      spendChannels: of(this.spendChannels, plugin.id, (c) => ({ id: c.id, label: c.label, unit: c.unit, settlement: c.settlement, ...(c.countries ? { countries: c.countries } : {}), ...(c.freeMonthlyQuota !== undefined ? { freeMonthlyQuota: c.freeMonthlyQuota } : {}) })),
      paymentProviders: of(this.paymentProviders, plugin.id, (p) => ({ id: p.id, label: p.label, methods: p.methods })),
      invoiceSources: of(this.invoiceSources, plugin.id, (s) => ({ id: s.id, label: s.label })),
      accountingExporters: of(this.accountingExporters, plugin.id, (e) => ({ id: e.id, label: e.label, format: e.format })),
      routes: this.routes.filter((r) => r.pluginId === plugin.id).map((r) => `${r.route.method} ${r.url}`),
    }));
  }
}

/**
 * A plugin's schema: `plugin_<id with - as _>`, after the host database's own schema when it was
 * opened with one (tests: `t_ab12cd34ef56_plugin_sms_reminders`).
 */
export function pluginSchemaName(input: { db: Database; pluginId: string }): string {
  try {
    return nestedSchemaName({ db: input.db, name: `plugin_${input.pluginId.replace(/-/g, '_')}` });
  } catch (cause) {
    throw new PluginLoadError({ source: input.pluginId, message: `its schema name would be longer than PostgreSQL's 63 characters: shorten the plugin id`, cause });
  }
}

/** Queue names are namespaced per plugin; queues are created on first use. */
