import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { SystemClock, type Clock } from '@tollgate/clock';
import { JobQueue, migrate, type Database } from '@tollgate/db';
import { PLUGIN_API_VERSION } from '@tollgate/plugin-sdk';
import { eventMigrations, type EventDeliverer, type EventLog, type WebhookEndpoints } from '@tollgate/events';
import { fundingMigrations, type FundingService } from '@tollgate/funding';
import {
  AccountingDocumentsService,
  ConnectionService,
  InvitationService,
  InvoicePdfService,
  DirectDebitService,
  InvoicePaymentService,
  InvoiceWritebackService,
  invoiceSyncMigrations,
  ProfileService,
  type InvoiceImporter,
} from '@tollgate/invoice-sync';
import { accountingExportMigrations, type ExportRunService, type ExportTargetService } from '@tollgate/accounting-exports';
import type { AccountingDocumentReader } from '@tollgate/invoice-sync';
import { letterMigrations, type LetterRenderer, type LetterService } from '@tollgate/letters';
import { notificationMigrations, type MailTransport } from '@tollgate/notifications';
import { walletMigrations, type PriceCatalog, type WalletService } from '@tollgate/wallet';
import { walletAlertMigrations, type WalletAlertService } from '@tollgate/wallet-alerts';
import { BILLING_DOCUMENT_QUEUE, walletInvoiceMigrations, type BillingDocumentService } from '@tollgate/wallet-invoices';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FileStore } from '@tollgate/files';
import type { Logger } from 'pino';
import { AccountsService } from './accounts/accounts.service.js';
import { hostMigrations } from './accounts/host.migrations.js';
import { AppModule } from './app.module.js';
import type { HostConfig } from './config/host-config.js';
import { openConfiguredFileStore, type ConfiguredFileStore } from './files/configured-file-store.js';
import { createCoreServices } from './core-container.js';
import type { HostState } from './host-state.js';
import { acceptAnyBodyType } from './http/json-body.guard.js';
import { installBodyLimit, DRAIN_LIMIT } from './http/body-limit.js';
import { installUploadBodies } from './uploads/upload-body.js';
import { toErrorResponse } from './http/error.filter.js';
import { describeErrorResponses } from './http/openapi-responses.js';
import { describePluginRoutes } from './http/plugin-routes.js';
import { defaultDashboardDir, installDashboard } from './dashboard/dashboard-static.js';
import { SESSION_COOKIE } from './sessions/session-cookie.js';
import { SessionsService } from './sessions/sessions.service.js';
import { RequestLogController } from './http/request-log.js';
import { RouteIdempotency } from './http/route-idempotency.js';
import { RequestValidationPipe } from './http/validation.pipe.js';
import { createLogger, PinoNestLogger } from './logger.js';
import { loadPlugins, type LoadedPlugin } from './plugins/plugin-loader.js';
import { PluginHost } from './plugins/plugin-host.js';
import { openConfiguredDatabase } from './open-database.js';
import { ConfigError } from '@tollgate/errors';
import { openMissingWallets } from './wallet/account-wallets.js';
import type { AccountPlans } from './plans/account-plans.js';
import { WalletJobs } from './wallet/wallet-jobs.js';
import { WalletAlertJobs } from './wallet-alerts/wallet-alert-jobs.js';
import { portInUse } from './http/port-check.js';
import { FundingJobs } from './funding/funding-jobs.js';
import { DirectDebitJobs } from './invoice-sync/direct-debit-jobs.js';
import { InvoicePdfJobs } from './invoice-sync/invoice-pdf-jobs.js';
import { InvoiceSyncJobs } from './invoice-sync/invoice-sync-jobs.js';
import { InvoiceWritebackJobs } from './invoice-sync/invoice-writeback-jobs.js';
import { EventJobs } from './events/event-jobs.js';
import { ExportRunJobs } from './accounting-exports/export-run-jobs.js';
import { LetterJobs } from './letters/letter-jobs.js';
import { configuredLetterRenderer } from './letters/letter-renderer.js';
import { BillingDocumentJobs } from './wallet-invoices/billing-document-jobs.js';
import { ChromiumBillingPdfRenderer } from './wallet-invoices/billing-pdf-renderer.js';

/** How long closing waits for requests in flight before it drops their connections. */
const HTTP_CLOSE_GRACE_MS = 10_000;

/**
 * Closes the HTTP server: idle keep-alive connections at once, requests in flight when they end,
 * and after the grace period every connection left (a client that stopped reading a stream would
 * otherwise hold close() forever).
 */
async function closeHttp(app: NestFastifyApplication | undefined, graceMs: number): Promise<void> {
  if (!app) return;
  const server = app.getHttpServer() as { closeAllConnections?: () => void };
  const force = setTimeout(() => server.closeAllConnections?.(), graceMs).unref();
  try {
    await app.close();
  } catch {
    // closing anyway
  } finally {
    clearTimeout(force);
  }
}

/** Every operation that takes a key takes the session cookie as well (docs/api.md, Sessions). */
function acceptSessionCookie(document: { paths: object }): void {
  for (const operations of Object.values(document.paths as Record<string, Record<string, { security?: Array<Record<string, unknown>> }>>)) {
    for (const op of Object.values(operations)) {
      if (op.security?.some((s) => 'bearer' in s) && !op.security.some((s) => 'session' in s)) op.security.push({ session: [] });
    }
  }
}

/** How often queued last uses of API keys are written (each key's is queued at most once a minute). */
const LAST_USE_FLUSH_MS = 15_000;

export interface CreateHostInput {
  config: HostConfig;
  /** Already loaded plugins; default: load the ones the config names. */
  plugins?: LoadedPlugin[];
  clock?: Clock;
  /** An open database to use (tests); default: open the configured one. */
  db?: Database;
  logger?: Logger;
  /** pg-boss maintenance timers; tests turn them off to stay deterministic. Default true. */
  superviseJobs?: boolean;
  /**
   * The host's own background work: the wallet sweep every minute (expire holds and lots, relay
   * wallet events to the 'wallet.events' queue, delete old idempotency keys). Default true; tests
   * turn it off and call `walletJobs.runOnce()` or the wallet's methods themselves.
   */
  workers?: boolean;
  /** Mail transport to use instead of the configured SMTP server (tests). */
  mailTransport?: MailTransport;
  /** The letter renderer to use instead of the configured Chromium pool (closed with the host). */
  letterRenderer?: LetterRenderer;
  /** The accounting document reader export runs use instead of invoice sync's (tests, until a source provides details). */
  accountingDocuments?: AccountingDocumentReader;
}

/** A route as Fastify mounted it (core and plugin routes alike; HEAD twins of GET routes included). */
export interface MountedHttpRoute {
  method: string;
  url: string;
}

export interface TollgateHost {
  app: NestFastifyApplication;
  /** Every route the HTTP server serves, as Fastify registered them (for audits and tests). */
  routes: readonly MountedHttpRoute[];
  db: Database;
  jobs: JobQueue;
  /** The configured file store (local folder or S3); plugins' files are under `plugins/<id>/` in it. */
  files: FileStore;
  pluginHost: PluginHost;
  accounts: AccountsService;
  /** People's sign-in and sessions (the dashboard); operators set passwords through it. */
  sessions: SessionsService;
  /** The one wallet of this host (the HTTP API and the plugins share it). */
  wallet: WalletService;
  catalog: PriceCatalog;
  walletJobs: WalletJobs;
  funding: FundingService;
  fundingJobs: FundingJobs;
  /** Alerts accounts set (W-13): the service and the days-left sweep (`jobs.runOnce` in tests). */
  walletAlerts: { service: WalletAlertService; jobs: WalletAlertJobs };
  /** Accounts' plans (W-11): what each is on, moving between them. */
  plans: AccountPlans;
  /** Events out (W-10, W-12): relay and delivery rounds (`runOnce` in tests), the log, and the webhook endpoints. */
  events: { jobs: EventJobs; log: EventLog; deliverer: EventDeliverer; endpoints: WebhookEndpoints };
  /** Invoice import (S-3): the importer and its background work (sweeps, manual imports, summary mails). */
  invoiceSync: {
    importer: InvoiceImporter;
    jobs: InvoiceSyncJobs;
    connections: ConnectionService;
    profiles: ProfileService;
    invitations: InvitationService;
    /** S-9: the daily direct-debit collection (`runOnce` in tests). */
    directDebitJobs: DirectDebitJobs;
    /** S-5: payments of imported invoices, and the queue writing them back to the source (`writebackJobs.runOnce` in tests). */
    payments: InvoicePaymentService;
    writebacks: InvoiceWritebackService;
    writebackJobs: InvoiceWritebackJobs;
    /** S-6: the PDFs (`read` for attachments) and their schedule's rounds (`runOnce` in tests). */
    pdfs: InvoicePdfService;
    pdfJobs: InvoicePdfJobs;
    /** P-6: imported documents with their accounting details (the ACCOUNTING_DOCUMENTS reader), and their backfill. */
    accounting: AccountingDocumentsService;
  };
  /** Letters by post (P-5): the service and its background work (`jobs.runOnce` in tests). */
  letters: { service: LetterService; jobs: LetterJobs };
  /** Export runs (P-6): targets, runs and their background work (`jobs.runOnce` in tests). */
  accountingExports: { runs: ExportRunService; targets: ExportTargetService; jobs: ExportRunJobs };
  /** W-13: invoices and credit notes of the wallet, and their render-and-mail jobs (`jobs.runOnce` in tests). */
  billing: { documents: BillingDocumentService; jobs: BillingDocumentJobs };
  logger: Logger;
  /** Starts listening on config.port (0 = any free port); resolves to the base URL. */
  listen(): Promise<string>;
  /** Stops HTTP, plugins (reverse order), the job queue and the database. Idempotent. */
  close(): Promise<void>;
}

/**
 * Builds a host: load and check plugins → open the database → migrate (host, wallet, then each
 * plugin in its own schema) → start the job queue → wallet and catalog (open missing wallets) → init plugins (sync
 * their channels' free quotas) → wallet sweep → Nest app with the core API, plugin routes and /docs.
 * Everything that can be wrong with the config fails here, before a port is opened.
 */
export async function createHost(input: CreateHostInput): Promise<TollgateHost> {
  const { config } = input;
  const logger = input.logger ?? createLogger({ level: config.logLevel });
  const clock = input.clock ?? new SystemClock();
  // Where start-up time goes (issue 20), at debug level: LOG_LEVEL=debug shows one line per phase.
  let phaseStart = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    logger.debug({ phase: name, ms: Math.round(now - phaseStart) }, `start-up phase ${name}`);
    phaseStart = now;
  };
  const plugins = input.plugins ?? (await loadPlugins({ config }));
  const pluginHost = new PluginHost(plugins);
  pluginHost.register();

  const ownsDb = !input.db;
  phase('plugins loaded');
  const db = input.db ?? (await openConfiguredDatabase(config));
  phase('database opened');
  let jobs: JobQueue | undefined;
  let app: NestFastifyApplication | undefined;
  let walletJobs: WalletJobs | undefined;
  let fundingJobs: FundingJobs | undefined;
  let walletAlertJobs: WalletAlertJobs | undefined;
  let invoiceSyncJobs: InvoiceSyncJobs | undefined;
  let directDebitJobs: DirectDebitJobs | undefined;
  let writebackJobs: InvoiceWritebackJobs | undefined;
  let invoicePdfJobs: InvoicePdfJobs | undefined;
  let eventJobs: EventJobs | undefined;
  let letterJobs: LetterJobs | undefined;
  let exportRunJobs: ExportRunJobs | undefined;
  let billingJobs: BillingDocumentJobs | undefined;
  // Starts Chromium on the first invoice only.
  const billingRenderer = new ChromiumBillingPdfRenderer({ renderTimeoutMs: config.billing.renderTimeoutMs });
  // Made once per host; it starts Chromium only when the first letter is rendered.
  const letterRenderer = input.letterRenderer ?? configuredLetterRenderer(config);
  let accounts: AccountsService | undefined;
  let files: ConfiguredFileStore | undefined;
  // Background sweeps, then HTTP (no new requests), then the keys' queued last uses, then plugins in reverse order, then jobs and the database.
  const cleanup = async () => {
    await walletJobs?.stop().catch(() => undefined);
    await eventJobs?.stop().catch(() => undefined);
    await fundingJobs?.stop().catch(() => undefined);
    await walletAlertJobs?.stop().catch(() => undefined);
    await invoiceSyncJobs?.stop().catch(() => undefined);
    await directDebitJobs?.stop().catch(() => undefined);
    await writebackJobs?.stop().catch(() => undefined);
    // Cuts PDF and ZIP downloads in flight: a slow or stalled client must not hold the shutdown open.
    await invoicePdfJobs?.stop().catch(() => undefined);
    await letterJobs?.stop().catch(() => undefined);
    await exportRunJobs?.stop().catch(() => undefined);
    await billingJobs?.stop().catch(() => undefined);
    await closeHttp(app, HTTP_CLOSE_GRACE_MS);
    await letterRenderer.close().catch((err: unknown) => logger.warn({ err }, 'could not close the letter renderer'));
    await billingRenderer.close().catch((err: unknown) => logger.warn({ err }, 'could not close the invoice renderer'));
    await accounts?.close().catch((err: unknown) => logger.warn({ err }, 'could not record the last use of API keys'));
    await pluginHost.stop(logger);
    await jobs?.stop({ graceful: false }).catch(() => undefined);
    await pluginHost.closeDatabases().catch(() => undefined);
    files?.close();
    if (ownsDb) await db.close();
  };

  try {
    // An S3 bucket is checked first: a missing bucket or a refused key stops the start with a clear ConfigError.
    files = await openConfiguredFileStore(config);
    logger.info({ files: files.describe }, 'file store');
    phase('file store checked');
    const { applied, moved } = await migrate({
      db,
      sets: [
        hostMigrations,
        walletMigrations,
        walletAlertMigrations,
        eventMigrations,
        fundingMigrations,
        notificationMigrations,
        walletInvoiceMigrations,
        invoiceSyncMigrations,
        letterMigrations,
        accountingExportMigrations,
        ...pluginHost.migrationSets({ db }),
      ],
    });
    if (applied.length) logger.info({ applied }, 'migrations applied');
    phase('migrations');
    for (const m of moved) logger.info({ plugin: m.namespace, schema: m.schema, moved: m.objects }, "moved the plugin's tables into its own schema");

    jobs = JobQueue.create({ db, clock, supervise: input.superviseJobs ?? true, onError: (err) => logger.warn({ err }, 'job queue error') });
    await jobs.start();
    // The wallet transaction of a purchase queues the invoice's render job: the queue exists before any traffic.
    await jobs.createQueue({ name: BILLING_DOCUMENT_QUEUE, retryLimit: 5, retryDelaySeconds: 30, retryBackoff: true });
    phase('job queue started');

    const providers = { get: (id: string) => pluginHost.paymentProviders.get(id), list: () => pluginHost.paymentProviders.entries().map((e) => e.item) };
    const sources = { get: (id: string) => pluginHost.invoiceSources.get(id) };
    const { sweepMinutes, writebackEverySeconds, pdfMinutes, ...invoiceSyncOptions } = config.invoiceSync;
    const { pollMs: eventPollMs, retentionDays: eventRetentionDays, ...eventOptions } = config.events;
    // Plugins hold on to this object: when no baseUrl is configured, listen() fills in the real port.
    const hostInfo = { baseUrl: config.baseUrl ?? `http://localhost:${config.port}`, sandbox: config.sandbox };
    const core = createCoreServices({
      db,
      invitations: { baseUrl: () => hostInfo.baseUrl },
      files: files.store,
      clock,
      jobs,
      providers,
      sources,
      collectors: { list: () => pluginHost.directDebitCollectors.entries().map((e) => e.item) },
      invoiceSyncOptions,
      eventOptions: { ...eventOptions, sandbox: config.sandbox },
      mail: config.mail,
      fundingOptions: config.funding,
      plans: config.plans,
      billing: { config: config.billing, renderer: billingRenderer },
      letters: {
        carriers: { get: (id) => pluginHost.postalCarriers.get(id), list: () => pluginHost.postalCarriers.entries().map((e) => e.item) },
        renderer: letterRenderer,
        baseUrl: () => hostInfo.baseUrl,
        options: {
          maxSubmitAttempts: config.letters.maxSubmitAttempts,
          retrySeconds: config.letters.retrySeconds,
          pollMinutes: config.letters.pollMinutes,
          holdDays: config.letters.holdDays,
        },
      },
      accountingExports: {
        exporters: { get: (id) => pluginHost.accountingExporters.get(id), list: () => pluginHost.accountingExporters.entries().map((e) => e.item) },
        options: config.accountingExports,
        ...(input.accountingDocuments ? { documents: input.accountingDocuments } : {}),
      },
      ...(config.wallet.maxGrant ? { walletOptions: { maxGrant: config.wallet.maxGrant } } : {}),
      walletAlertOptions: { onError: (err, context) => logger.error({ err, ...context }, 'wallet alerts could not be checked in a wallet transaction') },
      ...(input.mailTransport ? { transport: input.mailTransport } : {}),
    });
    if (!core.mailConfigured) logger.info('SMTP is not configured: e-mails wait in the outbox (mail.smtp in the config, or SMTP_URL)');
    const opened = await openMissingWallets({ db, wallet: core.wallet });
    if (opened) logger.info({ opened }, 'opened wallets of accounts that had none');
    // W-11: an account on a plan the config no longer defines could not be priced or checked: refuse to start.
    const lostPlans = await core.plans.undefinedPlansInUse();
    if (lostPlans.length)
      throw new ConfigError({
        message: `config: accounts are on plans the config does not define: ${lostPlans.join(', ')} (plans: ${core.plans.directory.ids().join(', ')}); define them again under plans.definitions, or move those accounts first`,
      });
    // Issue 22: each plan's monthly allowances, as the config defines them now, for the wallet to spend.
    await core.plans.syncAllowances();

    await pluginHost.start({
      logger,
      clock,
      db,
      jobs,
      host: hostInfo,
      wallet: core.wallet,
      catalog: core.catalog,
      payments: { report: ({ providerId, events }) => core.funding.handlePaymentEvents({ providerId, events }) },
      spendWithRefill: (spend) => core.funding.spendWithRefill(spend),
      plans: core.plans,
      invoiceSync: core.invoiceSync,
      files: files.store,
      workers: input.workers ?? true,
    });
    phase('plugins started');

    const routeIdempotency = new RouteIdempotency({ db, clock });
    walletJobs = new WalletJobs({ db, clock, jobs, wallet: core.wallet, logger, routeIdempotency, eventLog: core.events.log });
    if (input.workers ?? true) await walletJobs.start();
    // Plugins have subscribed during init: from now on the log fans events out to them too.
    core.events.log.setHandlers(pluginHost.eventSubscriptions);
    core.events.deliverer.setHandlers(pluginHost.eventSubscriptions);
    eventJobs = new EventJobs({
      db,
      clock,
      log: core.events.log,
      deliverer: core.events.deliverer,
      walletJobs,
      wallet: core.wallet,
      logger,
      pollMs: eventPollMs,
      retentionDays: eventRetentionDays,
    });
    if (input.workers ?? true) eventJobs.start();
    fundingJobs = new FundingJobs({
      jobs,
      funding: core.funding,
      notifications: core.notifications,
      notifier: core.notifier,
      wallet: core.wallet,
      logger,
      deliverMail: core.mailConfigured,
    });
    fundingJobs.listen();
    if (input.workers ?? true) await fundingJobs.start();
    walletAlertJobs = new WalletAlertJobs({ alerts: core.walletAlerts, logger });
    if (input.workers ?? true) walletAlertJobs.start();
    invoiceSyncJobs = new InvoiceSyncJobs({
      db,
      importer: core.importer,
      notifier: core.notifier,
      sources,
      logger,
      sweepMinutes,
      invitations: core.container.resolve(InvitationService),
      accounting: core.container.resolve(AccountingDocumentsService),
    });
    invoiceSyncJobs.listen();
    if (input.workers ?? true) invoiceSyncJobs.start();
    directDebitJobs = new DirectDebitJobs({ jobs, clock, directDebit: core.container.resolve(DirectDebitService), logger });
    if (input.workers ?? true) await directDebitJobs.start();
    writebackJobs = new InvoiceWritebackJobs({ writebacks: core.container.resolve(InvoiceWritebackService), logger, everyMs: writebackEverySeconds * 1000 });
    if (input.workers ?? true) writebackJobs.start();
    invoicePdfJobs = new InvoicePdfJobs({ pdfs: core.container.resolve(InvoicePdfService), importer: core.importer, logger, minutes: pdfMinutes });
    if (input.workers ?? true) invoicePdfJobs.start();
    letterJobs = new LetterJobs({ jobs, letters: core.letters!, logger, sweepSeconds: config.letters.sweepSeconds });
    // The submit queue exists on every host (letters are queued in their own transaction), workers or not.
    await letterJobs.prepare();
    if (input.workers ?? true) await letterJobs.start();
    exportRunJobs = new ExportRunJobs({ jobs, runs: core.accountingExports!.runs, logger, sweepSeconds: config.accountingExports.sweepSeconds });
    await exportRunJobs.prepare();
    if (input.workers ?? true) await exportRunJobs.start();
    billingJobs = new BillingDocumentJobs({ jobs, documents: core.billing, logger, sweepSeconds: config.billing.sweepSeconds });
    if (input.workers ?? true) await billingJobs.start();

    phase('workers started');
    const state: HostState = {
      config,
      db,
      jobs,
      clock,
      logger,
      pluginHost,
      core,
      invoiceSyncJobs,
      invoicePdfJobs,
      eventJobs,
      letters: { service: core.letters!, jobs: letterJobs },
      accountingExports: { ...core.accountingExports!, jobs: exportRunJobs },
      billing: { documents: core.billing, jobs: billingJobs },
      routeIdempotency,
      hostInfo,
      pluginApiVersion: PLUGIN_API_VERSION,
      startedAt: Date.now(),
    };
    // One debug line per request instead of two info lines (see RequestLogController).
    const adapter = new FastifyAdapter({
      loggerInstance: logger,
      bodyLimit: DRAIN_LIMIT,
      logController: new RequestLogController(),
      // A path Fastify cannot decode ('%', '%ED%A0%80') is refused before routing: answer in the API's error shape.
      frameworkErrors: (error: Error, _request: FastifyRequest, reply: FastifyReply) => {
        const { status, body } = toErrorResponse(error);
        void reply.code(status).send(status === 400 ? { error: { ...body.error, code: 'invalid_url' } } : body);
      },
    });
    installBodyLimit(adapter.getInstance());
    installUploadBodies(adapter.getInstance());
    acceptAnyBodyType(adapter.getInstance());
    const routes: MountedHttpRoute[] = [];
    adapter.getInstance().addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) routes.push({ method, url: route.url });
    });
    app = await NestFactory.create<NestFastifyApplication>(AppModule.register(state), adapter, {
      logger: new PinoNestLogger(logger),
      rawBody: true,
      abortOnError: false,
    });
    app.useGlobalPipes(new RequestValidationPipe());
    if (config.dashboard.enabled) {
      const dashboardDir = config.dashboard.dir ?? defaultDashboardDir();
      await installDashboard(adapter.getInstance(), { dir: dashboardDir });
      logger.info({ dir: dashboardDir }, 'dashboard served at /app');
    }

    // Plugin routes are mounted by AppModule (a controller built from pluginHost.routes), behind the same guard, pipe and filter.
    const liveAccounts = app.get(AccountsService);
    accounts = liveAccounts;
    // Authentication only reads; the keys' last uses (at most one a minute per key) are written here.
    if (input.workers ?? true) {
      liveAccounts.startLastUseFlush({ intervalMs: LAST_USE_FLUSH_MS, onError: (err) => logger.warn({ err }, 'could not record the last use of API keys') });
    }

    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Tollgate API')
        .setDescription('Prepaid credits and invoice collection. Amounts are decimal strings; errors are `{ error: { code, message, details? } }`.')
        .setVersion('1')
        .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An account key (tgk_…) or a platform admin key (tga_…)' }, 'bearer')
        .addCookieAuth(
          SESSION_COOKIE,
          { type: 'apiKey', in: 'cookie', description: 'A session from POST /auth/sessions; writes also need the X-CSRF-Token header' },
          'session',
        )
        .build(),
    );
    Object.assign(document.paths, describePluginRoutes(pluginHost.routes));
    acceptSessionCookie(document);
    describeErrorResponses(document);
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json' });

    await app.init();
    phase('HTTP app built (Nest, OpenAPI)');
    const nestApp = app;
    const liveJobs = jobs;
    const liveWalletJobs = walletJobs;
    const liveFundingJobs = fundingJobs;
    const liveWalletAlertJobs = walletAlertJobs;
    const liveInvoiceSyncJobs = invoiceSyncJobs;
    const liveDirectDebitJobs = directDebitJobs;
    const liveWritebackJobs = writebackJobs;
    const liveInvoicePdfJobs = invoicePdfJobs;
    const liveEventJobs = eventJobs;
    const liveLetterJobs = letterJobs;
    const liveExportRunJobs = exportRunJobs;
    const liveBillingJobs = billingJobs;
    let closing: Promise<void> | undefined;
    return {
      app: nestApp,
      routes,
      db,
      jobs: liveJobs,
      files: files.store,
      pluginHost,
      accounts: liveAccounts,
      sessions: nestApp.get(SessionsService),
      wallet: core.wallet,
      catalog: core.catalog,
      walletJobs: liveWalletJobs,
      funding: core.funding,
      fundingJobs: liveFundingJobs,
      walletAlerts: { service: core.walletAlerts, jobs: liveWalletAlertJobs },
      plans: core.plans,
      events: { jobs: liveEventJobs, ...core.events },
      invoiceSync: {
        importer: core.importer,
        jobs: liveInvoiceSyncJobs,
        directDebitJobs: liveDirectDebitJobs,
        connections: core.container.resolve(ConnectionService),
        profiles: core.container.resolve(ProfileService),
        invitations: core.container.resolve(InvitationService),
        payments: core.container.resolve(InvoicePaymentService),
        writebacks: core.container.resolve(InvoiceWritebackService),
        writebackJobs: liveWritebackJobs,
        pdfs: liveInvoicePdfJobs.pdfs,
        pdfJobs: liveInvoicePdfJobs,
        accounting: core.container.resolve(AccountingDocumentsService),
      },
      letters: { service: core.letters!, jobs: liveLetterJobs },
      accountingExports: { ...core.accountingExports!, jobs: liveExportRunJobs },
      billing: { documents: core.billing, jobs: liveBillingJobs },
      logger,
      async listen() {
        try {
          await nestApp.listen({ port: config.port, host: config.host });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw portInUse({ port: config.port, variable: 'PORT' });
          throw error;
        }
        const address = nestApp.getHttpServer().address();
        const port = typeof address === 'object' && address ? address.port : config.port;
        if (!config.baseUrl) hostInfo.baseUrl = `http://127.0.0.1:${port}`;
        return `http://127.0.0.1:${port}`;
      },
      close() {
        closing ??= cleanup();
        return closing;
      },
    };
  } catch (error) {
    await cleanup().catch(() => undefined);
    throw error;
  }
}
