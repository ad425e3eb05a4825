import type { Clock } from '@tollgate/clock';
import { nestedSchemaName, scopeDatabase, type Database, type JobQueue, type MigrationSet, type ScopedDatabase } from '@tollgate/db';
import {
  accountingExportersExtensionPoint,
  directDebitCollectorsExtensionPoint,
  coreServices,
  dashboardPanelProblem,
  dashboardPanelsExtensionPoint,
  EVENT_TYPES,
  isEventType,
  type PluginEvents,
  httpRoutesExtensionPoint,
  invoiceSourcesExtensionPoint,
  paymentProvidersExtensionPoint,
  postalCarriersExtensionPoint,
  spendChannelsExtensionPoint,
  type AccountingExporter,
  type DashboardPanel,
  type DirectDebitCollector,
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
  type PluginAccount,
  type PluginUser,
  type PluginAccounts,
  type PluginPlans,
  type PluginPriceCatalog,
  type PluginWallet,
  type PluginRoute,
  type PostalCarrier,
  type Role,
  type SpendChannel,
  defaultMinRole,
} from '@tollgate/plugin-sdk';
import { Money } from '@tollgate/money';
import { SpendRunner, type Price, type PriceCatalog, type WalletService } from '@tollgate/wallet';
import type { RegisteredHandler } from '@tollgate/events';
import { ExtensionRegistry } from './extension-registry.js';
import { PluginJobRunner } from './plugin-jobs.js';
import { pluginFiles } from './plugin-files.js';
import type { FileStore } from '@tollgate/files';
import { MAX_UPLOAD_BYTES } from '../uploads/upload-body.js';
import { UPLOAD_MEDIA_TYPES } from '../uploads/media-sniff.js';
import { PluginLoadError, type LoadedPlugin } from './plugin-loader.js';
import { checkPanelBindings, type RegisteredPanel } from './dashboard-panels.js';

/** A channel's declared unit price: what the catalog stores (numeric(18,6)). */
const PRICE = /^\d{1,12}(\.\d{1,6})?$/;
/** '2026-01-01' or a full ISO date-time with an offset. */
/** A plan (edition) id, as the wallet takes it: 'classic', 'focus', or one the config defines. */
const PLAN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- routes of every shape
type AnyRoute = PluginRoute<any, any, any, any, any>;

export interface MountedRoute {
  pluginId: string;
  route: AnyRoute;
  /** '/v1/plugins/<plugin id><route path>' */
  url: string;
  /** 'account' routes: the route's minRole, or the default for its method (defaultMinRole). */
  minRole: Role | undefined;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const ROLES = ['member', 'admin', 'owner'];

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
  /** coreServices.plans: each account's plan and its rules (W-11). */
  plans?: PluginPlans;
  /** The host's file store (coreServices.files gives each plugin a view under `plugins/<id>/`). */
  files?: FileStore;
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
  readonly postalCarriers = new ExtensionRegistry<PostalCarrier>('postal carrier');
  readonly directDebitCollectors = new ExtensionRegistry<DirectDebitCollector>('direct debit collector');
  readonly routes: MountedRoute[] = [];
  /** Dashboard panels (API 2.9), in the order added; their routes are checked once every init ran. */
  readonly dashboardPanels: RegisteredPanel[] = [];
  /** What plugins subscribed to through coreServices.events (during init; fixed once started). */
  readonly eventSubscriptions: RegisteredHandler[] = [];
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
      .map((s) => ({
        namespace: `plugin:${s.loaded.plugin.id}`,
        schema: pluginSchemaName({ db: input.db, pluginId: s.loaded.plugin.id }),
        migrations: s.migrations,
      }));
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
      const view: PluginDatabase = {
        engine: scoped.engine,
        schema: scoped.schema,
        query: scoped.query.bind(scoped),
        transaction: scoped.transaction.bind(scoped),
      };
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
    for (const registry of [
      this.spendChannels,
      this.paymentProviders,
      this.invoiceSources,
      this.accountingExporters,
      this.postalCarriers,
      this.directDebitCollectors,
    ])
      registry.freeze();
    // After every init: a plugin may add its panels before its routes.
    checkPanelBindings({ panels: this.dashboardPanels, routes: this.routes });
    await this.#syncPrices(services.catalog);
    await this.#syncQuotas(services.catalog);
    await this.#syncTags(services.catalog);
    this.#phase = 'started';
  }

  /**
   * A channel's declared prices are written to the catalog at every start-up: the same row again
   * is harmless; a different price (or unit) for a date that already has one refuses the start,
   * naming the channel, the date and both prices: the catalog never changes a price in place
   * (W-7), so a new price needs a new date. Rows are checked before any is written. A row is
   * identified by its country, plan and date: a plan's row (`plan`, API 2.4) and the default list's
   * row ('*') for the same date are two rows.
   */
  async #syncPrices(catalog: PriceCatalog): Promise<void> {
    const seeds: Array<{
      pluginId: string;
      channel: SpendChannel;
      unitPrice: string;
      country: string | undefined;
      plan: string | undefined;
      effectiveFrom: Date;
      label: string;
    }> = [];
    for (const { item: channel, pluginId } of this.spendChannels.entries()) {
      if (channel.prices === undefined) continue;
      const refuse = (message: string): never => {
        throw new PluginLoadError({ source: pluginId, message: `spend channel "${channel.id}": ${message}` });
      };
      if (!Array.isArray(channel.prices)) return refuse(`prices must be an array, got ${JSON.stringify(channel.prices)}`);
      for (const price of channel.prices) {
        // Checked field by field: a plugin in plain JavaScript gets no help from the types.
        const unitPrice: unknown = price?.unitPrice;
        if (typeof unitPrice !== 'string' || !PRICE.test(unitPrice))
          return refuse(`unitPrice must be a decimal string with at most 6 decimals such as "0.18", got ${JSON.stringify(unitPrice)}`);
        const from: unknown = price.effectiveFrom;
        const effectiveFrom = from instanceof Date ? from : typeof from === 'string' && ISO_DATE.test(from) ? new Date(from) : null;
        // new Date('2025-02-30') is 2 March: the calendar date written must exist.
        const real =
          effectiveFrom !== null &&
          !Number.isNaN(effectiveFrom.getTime()) &&
          (typeof from !== 'string' || new Date(`${from.slice(0, 10)}T00:00:00Z`).toISOString().startsWith(from.slice(0, 10)));
        if (!effectiveFrom || !real) return refuse(`effectiveFrom must be an ISO date or date-time, or a Date; got ${JSON.stringify(from)}`);
        const country: unknown = price.country;
        if (country !== undefined && (typeof country !== 'string' || !/^[A-Z]{2}$/.test(country)))
          return refuse(`country must be an ISO 3166 alpha-2 code such as "BE", got ${JSON.stringify(country)}`);
        const code = typeof country === 'string' ? country : undefined;
        const plan: unknown = price.plan;
        if (plan !== undefined && (typeof plan !== 'string' || plan.length > 64 || !PLAN.test(plan)))
          return refuse(`plan must be a plan id such as "classic" (absent for the default list), got ${JSON.stringify(plan)}`);
        const planId = typeof plan === 'string' ? plan : undefined;
        seeds.push({
          pluginId,
          channel,
          unitPrice,
          country: code,
          plan: planId,
          effectiveFrom,
          label: `${code ? `${code} ` : ''}${planId ? `plan ${planId} ` : ''}from ${effectiveFrom.toISOString()}`,
        });
      }
    }
    const existing = new Map<string, Price[]>();
    for (const seed of seeds) {
      const { channel, pluginId } = seed;
      let rows = existing.get(channel.id);
      if (!rows) existing.set(channel.id, (rows = await catalog.list({ channel: channel.id })));
      const same = rows.find(
        (p) => p.country === (seed.country ?? '*') && (p.plan ?? '*') === (seed.plan ?? '*') && p.effectiveFrom.getTime() === seed.effectiveFrom.getTime(),
      );
      if (same && (!same.unitPrice.equals(Money.of(seed.unitPrice, 'EUR', { maxDecimals: 6 })) || same.unit !== channel.unit)) {
        throw new PluginLoadError({
          source: pluginId,
          message: `spend channel "${channel.id}": declares ${seed.unitPrice} per ${channel.unit} ${seed.label}, but the catalog already has ${same.unitPrice.toString()} per ${same.unit} from that date; prices are never changed in place: give the new price a later effectiveFrom`,
        });
      }
      try {
        await catalog.setPrice({
          channel: channel.id,
          unit: channel.unit,
          unitPrice: seed.unitPrice,
          effectiveFrom: seed.effectiveFrom,
          ...(seed.country ? { country: seed.country } : {}),
          ...(seed.plan ? { plan: seed.plan } : {}),
        });
      } catch (cause) {
        throw new PluginLoadError({
          source: pluginId,
          message: `spend channel "${channel.id}": cannot seed its price ${seed.unitPrice} ${seed.label}: ${(cause as Error).message}`,
          cause,
        });
      }
    }
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
        throw new PluginLoadError({
          source: pluginId,
          message: `spend channel "${channel.id}": freeMonthlyQuota must be a number >= 0, got ${JSON.stringify(quota)}`,
        });
      }
      try {
        await catalog.setQuota({ channel: channel.id, freeUnits: String(quota) });
      } catch (cause) {
        throw new PluginLoadError({
          source: pluginId,
          message: `spend channel "${channel.id}": cannot set its free quota: ${(cause as Error).message}`,
          cause,
        });
      }
    }
  }

  /**
   * A channel's declared tags (since API 2.8, e.g. 'postal') replace its tags in the catalog at every
   * start-up, like its quota; channels that declare none keep what an operator set.
   */
  async #syncTags(catalog: PriceCatalog): Promise<void> {
    for (const { item: channel, pluginId } of this.spendChannels.entries()) {
      const tags = channel.tags;
      if (tags === undefined) continue;
      if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string' || !/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(t))) {
        throw new PluginLoadError({ source: pluginId, message: `spend channel "${channel.id}": tags must be kebab-case strings, got ${JSON.stringify(tags)}` });
      }
      await catalog.setTags({ channel: channel.id, tags });
    }
  }

  /**
   * The wallet as plugins see it: reads, an affordability quote, and the spend runner (quote →
   * hold → execute → capture, or release and compensate). No raw charge/hold/capture: every money
   * move a plugin makes is a step of a spend, keyed from the spend's key. Hold and charge wait for
   * an in-flight card auto-refill when the credit runs short (C-3).
   */
  #pluginWallet(services: PluginHostServices): PluginWallet {
    const { wallet, spendWithRefill } = services;
    this.#spendRunner ??= new SpendRunner({
      db: services.db,
      clock: services.clock,
      channel: (id) => this.spendChannels.get(id),
      wallet: {
        charge: (input) =>
          spendWithRefill
            ? spendWithRefill({ accountId: input.accountId, attempt: (provisional) => wallet.charge({ ...input, provisional }) })
            : wallet.charge(input),
        hold: (input) =>
          spendWithRefill
            ? spendWithRefill({ accountId: input.accountId, attempt: (provisional) => wallet.hold({ ...input, provisional }) })
            : wallet.hold(input),
        capture: (input) => wallet.capture(input),
        release: (input) => wallet.release(input),
        reverse: (input) => wallet.reverse(input),
        getHold: (input) => wallet.getHold(input),
      },
    });
    const runner = this.#spendRunner;
    return {
      balance: (input) => wallet.balance(input),
      quote: (input) => wallet.quote(input),
      getHold: (input) => wallet.getHold(input),
      quota: async ({ accountId, channel }) => (await wallet.quotas({ accountId })).find((q) => q.channel === channel) ?? null,
      allowance: async ({ accountId, channel }) => (await wallet.allowances({ accountId })).find((a) => a.channel === channel) ?? null,
      spend: (input) => runner.spend(input),
      reserve: (input) => runner.reserve(input),
      complete: (input) => runner.complete(input),
      settle: (input) => runner.settle(input),
      cancel: (input) => runner.cancel(input),
      refund: (input) => runner.refund(input),
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

  #subscribe(pluginId: string, input: { name: string; types: readonly string[]; handler: unknown; maxAttempts?: number }): void {
    const fail = (message: string) => new PluginLoadError({ source: pluginId, message: `events.subscribe: ${message}` });
    if (this.#phase !== 'registered') throw fail('subscribe during init, not later');
    if (typeof input?.name !== 'string' || !/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(input.name))
      throw fail(`name must be kebab-case, got ${JSON.stringify(input?.name)}`);
    const target = `${pluginId}/${input.name}`;
    if (this.eventSubscriptions.some((s) => s.target === target)) throw fail(`"${input.name}" is subscribed twice`);
    if (!Array.isArray(input.types) || !input.types.length) throw fail(`"${input.name}" names no event types`);
    const unknown = input.types.filter((t) => !isEventType(t));
    if (unknown.length) throw fail(`"${input.name}" names unknown event types: ${unknown.join(', ')} (known: ${Object.keys(EVENT_TYPES).join(', ')})`);
    if (typeof input.handler !== 'function') throw fail(`"${input.name}" has no handler`);
    if (input.maxAttempts !== undefined && (!Number.isInteger(input.maxAttempts) || input.maxAttempts < 1 || input.maxAttempts > 50))
      throw fail(`"${input.name}": maxAttempts must be a whole number from 1 to 50`);
    this.eventSubscriptions.push({
      target,
      types: [...new Set(input.types)] as RegisteredHandler['types'],
      handler: input.handler as RegisteredHandler['handler'],
      ...(input.maxAttempts ? { maxAttempts: input.maxAttempts } : {}),
    });
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
        return this.#pluginWallet(services);
      case coreServices.priceCatalog.id:
        // Read only: a channel's prices come from its descriptor (seeded at start-up), not from plugin code.
        // With accountId, the row of that account's plan (API 2.4); the fields are named so a plugin cannot ask for another plan's list.
        return {
          priceAt: ({ channel, country, at, accountId }) =>
            services.catalog.priceAt({ channel, country: country ?? null, ...(at ? { at } : {}), ...(accountId !== undefined ? { accountId } : {}) }),
        } satisfies PluginPriceCatalog;
      case coreServices.accounts.id:
        return accountsView(services.db);
      case coreServices.plans.id: {
        const plans = services.plans;
        if (!plans) throw new PluginLoadError({ source: pluginId, message: 'asks for the plans service, which this host runs without' });
        return { forAccount: (input) => plans.forAccount(input) } satisfies PluginPlans;
      }
      case coreServices.payments.id:
        if (!services.payments) throw new PluginLoadError({ source: pluginId, message: 'asks for the payments service, which this host runs without' });
        return services.payments;
      case coreServices.files.id:
        if (!services.files) throw new PluginLoadError({ source: pluginId, message: 'asks for the file store, which this host runs without' });
        return pluginFiles({ store: services.files, pluginId });
      case coreServices.events.id:
        return { subscribe: (subscription) => this.#subscribe(pluginId, subscription as never) } satisfies PluginEvents;
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
      case directDebitCollectorsExtensionPoint.id:
        return this.directDebitCollectors.forPlugin(pluginId);
      case postalCarriersExtensionPoint.id:
        return this.postalCarriers.forPlugin(pluginId);
      case httpRoutesExtensionPoint.id:
        return { add: (...routes: AnyRoute[]) => routes.forEach((route) => this.#addRoute(pluginId, route)) };
      case dashboardPanelsExtensionPoint.id:
        return { add: (...panels: DashboardPanel[]) => panels.forEach((panel) => this.#addPanel(pluginId, panel)) };
      default:
        throw new PluginLoadError({ source: pluginId, message: `asks for unknown service or extension point "${dep.id}"` });
    }
  }

  #addPanel(pluginId: string, panel: DashboardPanel): void {
    const id = (panel as { id?: unknown } | null)?.id;
    const refuse = (why: string) => new PluginLoadError({ source: pluginId, message: `dashboard panel ${JSON.stringify(id)}: ${why}` });
    if (this.#phase !== 'registered') throw refuse('cannot be added after start-up (add it in init)');
    // Checked again here: a plugin in plain JavaScript may skip defineDashboardPanel.
    const problem = dashboardPanelProblem(panel);
    if (problem) throw refuse(problem);
    if (this.dashboardPanels.some((p) => p.pluginId === pluginId && p.panel.id === panel.id)) throw refuse('is added twice');
    this.dashboardPanels.push({ pluginId, panel });
  }

  #addRoute(pluginId: string, route: AnyRoute): void {
    if (this.#phase !== 'registered') throw new PluginLoadError({ source: pluginId, message: 'cannot add HTTP routes after start-up' });
    if (typeof route?.path !== 'string' || !route.path.startsWith('/')) {
      throw new PluginLoadError({ source: pluginId, message: `route path must start with '/', got ${JSON.stringify(route?.path)}` });
    }
    const url = `/v1/plugins/${pluginId}${route.path === '/' ? '' : route.path}`;
    const refuse = (why: string) => new PluginLoadError({ source: pluginId, message: `route ${route.method} ${url}: ${why}` });
    if (!METHODS.includes(route.method)) throw refuse(`method must be one of ${METHODS.join(', ')}`);
    if (!['account', 'admin', 'public'].includes(route.auth)) throw refuse(`auth must be 'account', 'admin' or 'public', got ${JSON.stringify(route.auth)}`);
    if (typeof route.handler !== 'function') throw refuse('has no handler');
    // Roles and idempotency keys belong to an account: on other routes they would silently do nothing.
    if (route.minRole !== undefined && (route.auth !== 'account' || !ROLES.includes(route.minRole)))
      throw refuse(`minRole ${JSON.stringify(route.minRole)} needs auth 'account' and one of ${ROLES.join(', ')}`);
    if (route.idempotency !== undefined && (route.auth !== 'account' || !['required', 'optional'].includes(route.idempotency))) {
      throw refuse(`idempotency ${JSON.stringify(route.idempotency)} needs auth 'account' and 'required' or 'optional'`);
    }
    for (const [status, doc] of Object.entries((route.responses ?? {}) as Record<string, { description?: unknown; body?: unknown }>)) {
      if (!/^[1-5]\d\d$/.test(status) || typeof doc?.description !== 'string' || (doc.body !== undefined && !hasStandardSchema(doc.body)))
        throw refuse(`responses[${status}] needs an HTTP status, a description and, if any, a body schema (Standard Schema)`);
    }
    if (route.upload !== undefined) checkUpload(route, refuse);
    if (this.routes.some((r) => r.url === url && r.route.method === route.method)) throw refuse('is registered twice');
    this.routes.push({ pluginId, route, url, minRole: route.auth === 'account' ? (route.minRole ?? defaultMinRole(route.method)) : undefined });
  }

  /** What GET /plugins shows: each plugin and what it added. */
  describe(): Array<{
    id: string;
    package: string;
    description?: string;
    compatibility: string;
    spendChannels: object[];
    paymentProviders: object[];
    invoiceSources: object[];
    accountingExporters: object[];
    postalCarriers: object[];
    routes: string[];
  }> {
    const of = <T extends { id: string }>(registry: ExtensionRegistry<T>, pluginId: string, pick: (item: T) => object) =>
      registry
        .entries()
        .filter((e) => e.pluginId === pluginId)
        .map((e) => pick(e.item));
    return this.plugins.map(({ plugin, source }) => ({
      id: plugin.id,
      package: source,
      ...(plugin.description ? { description: plugin.description } : {}),
      compatibility: plugin.compatibility,
      spendChannels: of(this.spendChannels, plugin.id, (c) => ({
        id: c.id,
        label: c.label,
        unit: c.unit,
        settlement: c.settlement,
        ...(c.countries ? { countries: c.countries } : {}),
        ...(c.freeMonthlyQuota !== undefined ? { freeMonthlyQuota: c.freeMonthlyQuota } : {}),
        ...(c.tags ? { tags: c.tags } : {}),
      })),
      paymentProviders: of(this.paymentProviders, plugin.id, (p) => ({ id: p.id, label: p.label, methods: p.methods })),
      invoiceSources: of(this.invoiceSources, plugin.id, (s) => ({ id: s.id, label: s.label })),
      accountingExporters: of(this.accountingExporters, plugin.id, (e) => ({
        id: e.id,
        label: e.label,
        format: e.format,
        channel: e.channel,
        layout: e.layout,
      })),
      postalCarriers: of(this.postalCarriers, plugin.id, (c) => ({
        id: c.id,
        label: c.label,
        countries: c.countries,
        products: c.products,
        billing: c.billing,
      })),
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
    throw new PluginLoadError({
      source: input.pluginId,
      message: `its schema name would be longer than PostgreSQL's 63 characters: shorten the plugin id`,
      cause,
    });
  }
}

/** An upload route (API 2.7): one file of known types, at most 32 MiB, on a method with a body, and nothing else as its body. */
function checkUpload(route: AnyRoute, refuse: (why: string) => PluginLoadError): void {
  const upload = route.upload as Partial<NonNullable<AnyRoute['upload']>> | null;
  if (upload === null || typeof upload !== 'object') throw refuse('upload must be an object { types, maxBytes, fields? }');
  if (route.body !== undefined || route.accepts !== undefined)
    throw refuse('upload cannot go with body or accepts: the file is the body (multipart text fields go in upload.fields)');
  if (!['POST', 'PUT', 'PATCH'].includes(route.method)) throw refuse('an upload route is a POST, PUT or PATCH');
  const known: readonly string[] = UPLOAD_MEDIA_TYPES;
  if (!Array.isArray(upload.types) || !upload.types.length || upload.types.some((t) => !known.includes(t)))
    throw refuse(`upload.types must list one or more of ${UPLOAD_MEDIA_TYPES.join(', ')}, got ${JSON.stringify(upload.types)}`);
  if (typeof upload.maxBytes !== 'number' || !Number.isInteger(upload.maxBytes) || upload.maxBytes < 1 || upload.maxBytes > MAX_UPLOAD_BYTES)
    throw refuse(`upload.maxBytes must be a whole number of bytes from 1 to ${MAX_UPLOAD_BYTES} (32 MiB), got ${JSON.stringify(upload.maxBytes)}`);
  if (upload.fields !== undefined && !hasStandardSchema(upload.fields)) throw refuse('upload.fields must be a schema (Standard Schema: zod, valibot, …)');
}

/** A Standard Schema (zod, valibot, …): an object with a `~standard.validate` function. */
function hasStandardSchema(value: unknown): boolean {
  const standard = (value as { '~standard'?: { validate?: unknown } } | null)?.['~standard'];
  return typeof standard?.validate === 'function';
}

/** coreServices.accounts: a read-only view of the host's accounts table (plugins never write it). */
function accountsView(db: Database): PluginAccounts {
  return {
    async get({ accountId }) {
      const { rows } = await db.query<{ id: string; name: string; locale: PluginAccount['locale']; time_zone: string }>(
        'select id, name, locale, time_zone from accounts where id = $1',
        [accountId],
      );
      const r = rows[0];
      return r ? { id: r.id, name: r.name, locale: r.locale, timeZone: r.time_zone } : null;
    },
    async getUser({ accountId, userId }) {
      const { rows } = await db.query<{ id: string; account_id: string; name: string; role: PluginUser['role'] }>(
        'select id, account_id, name, role from users where account_id = $1 and id = $2',
        [accountId, userId],
      );
      const r = rows[0];
      return r ? { id: r.id, accountId: r.account_id, name: r.name, role: r.role } : null;
    },
  };
}
