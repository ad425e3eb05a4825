import {
  DownloadDelivery,
  EmailDelivery,
  ExportRunService,
  ExportTargetService,
  registerAccountingExports,
  SftpDelivery,
  type AccountingExporterDirectory,
} from '@tollgate/accounting-exports';
import { CLOCK, type Clock } from '@tollgate/clock';
import { registerDatabase, type Database, type JobQueue } from '@tollgate/db';
import {
  EVENT_DELIVERER,
  EVENT_LOG,
  registerEvents,
  WEBHOOK_ENDPOINTS,
  type EventDeliverer,
  type EventDeliveryOptions,
  type EventLog,
  type WebhookEndpoints,
} from '@tollgate/events';
import { FundingService, registerFunding, type FundingOptions, type PaymentProviderDirectory } from '@tollgate/funding';
import { SecretSealer, type PaymentProvider } from '@tollgate/plugin-sdk';
import { FILE_STORE, type FileStore } from '@tollgate/files';
import {
  ACCOUNTING_DOCUMENTS,
  InvoiceImporter,
  InvoiceSyncInbox,
  registerInvoiceSync,
  type AccountingDocumentReader,
  type InvitationOptions,
  type DirectDebitCollectorDirectory,
  type InvoiceSourceDirectory,
  type InvoiceSyncOptions,
  type OneOffPaymentProvider,
} from '@tollgate/invoice-sync';
import { LetterService, registerLetters, type LetterRenderer, type PostalCarrierDirectory } from '@tollgate/letters';
import { countriesFor, registerPlans, type PlansConfig } from '@tollgate/plans';
import { NotificationService, registerNotifications, SmtpMailTransport, type MailTransport } from '@tollgate/notifications';
import { PriceCatalog, registerWallet, WalletService, type WalletOptions } from '@tollgate/wallet';
import { registerWalletAlerts, type WalletAlertOptions, type WalletAlertService } from '@tollgate/wallet-alerts';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { HostConfig } from './config/host-config.js';
import { AccountNotifier } from './funding/account-notifier.js';
import { AccountPlans } from './plans/account-plans.js';

/**
 * The framework-free domain services of one host, in a tsyringe child container (never the global
 * one), filled by the packages' own register…() functions. Made before plugins start (they get the
 * wallet), bridged into Nest by AppModule, used as is by the CLI. One WalletService per host: its
 * per-wallet command queues (group commit) only work when every caller shares it.
 */
export interface CoreServices {
  container: DependencyContainer;
  wallet: WalletService;
  catalog: PriceCatalog;
  funding: FundingService;
  notifications: NotificationService;
  notifier: AccountNotifier;
  /** Alerts accounts set on their wallet (W-13); checked in every wallet transaction that moves a balance. */
  walletAlerts: WalletAlertService;
  /** Accounts' plans (W-11): coreServices.plans, the plan routes, funding's plan rules. */
  plans: AccountPlans;
  importer: InvoiceImporter;
  /** coreServices.invoiceSync: what source plugins report. */
  invoiceSync: InvoiceSyncInbox;
  /** false when no SMTP server is configured: mails wait in the outbox. */
  mailConfigured: boolean;
  /** Events out: the log, its deliveries, the accounts' webhook endpoints. */
  events: { log: EventLog; deliverer: EventDeliverer; endpoints: WebhookEndpoints };
  /** Letters by post (P-5); absent without a job queue (the CLI). */
  letters?: LetterService;
  /** Export runs (P-6); absent without a job queue (the CLI). */
  accountingExports?: { runs: ExportRunService; targets: ExportTargetService };
}

const NO_PROVIDERS: PaymentProviderDirectory = { get: () => undefined, list: () => [] };
const NO_SOURCES: InvoiceSourceDirectory = { get: () => undefined };

/** Until SMTP is configured nothing is sent (the sweep does not deliver); this is never called. */
const NO_SMTP: MailTransport = {
  send: () => Promise.reject(new Error('SMTP is not configured (mail.smtp in tollgate.config.json, or SMTP_URL)')),
};

export function createCoreServices(input: {
  db: Database;
  clock: Clock;
  jobs?: JobQueue;
  walletOptions?: WalletOptions;
  /** Alerts: where a fault while checking them inside a wallet transaction is reported (the money still moves). */
  walletAlertOptions?: WalletAlertOptions;
  providers?: PaymentProviderDirectory;
  mail?: HostConfig['mail'];
  fundingOptions?: FundingOptions;
  transport?: MailTransport;
  sources?: InvoiceSourceDirectory;
  /** Direct-debit collectors plugins add (S-9), read when used. */
  collectors?: DirectDebitCollectorDirectory;
  invoiceSyncOptions?: InvoiceSyncOptions;
  /** S-7: the payment link's base URL (the host's baseUrl). */
  invitations?: Pick<InvitationOptions, 'baseUrl'>;
  eventOptions?: EventDeliveryOptions;
  /** Where durable files go; default a local folder given by the caller (tests: a temporary one). */
  files: FileStore;
  /** The config's `plans` section (default plan, config-defined plans); checked here too. */
  plans?: PlansConfig;
  /** Letters by post (P-5): the carriers plugins add (read when used), the renderer, the host's knobs. */
  letters?: {
    carriers: PostalCarrierDirectory;
    renderer: LetterRenderer;
    baseUrl: () => string;
    options?: { maxSubmitAttempts?: number; retrySeconds?: number; pollMinutes?: number; holdDays?: number };
  };
  /** Export runs (P-6): the exporters plugins add (read when used) and the config's accountingExports section. */
  accountingExports?: {
    exporters: AccountingExporterDirectory;
    options: HostConfig['accountingExports'];
    /** Instead of invoice sync's reader (tests). */
    documents?: AccountingDocumentReader;
  };
}): CoreServices {
  const container = rootContainer.createChildContainer();
  container.register(CLOCK, { useValue: input.clock });
  container.register(FILE_STORE, { useValue: input.files });
  registerDatabase({ container, db: input.db, ...(input.jobs ? { jobQueue: input.jobs } : {}) });
  // New wallets open on the config's default plan (W-11) unless the account is made with another.
  const walletOptions = { ...input.walletOptions, ...(input.plans?.default ? { defaultPlan: input.plans.default } : {}) };
  registerWallet({ container, options: walletOptions });
  const smtp = input.mail?.smtp;
  const transport =
    input.transport ??
    (smtp
      ? SmtpMailTransport.fromConfig({
          host: smtp.host,
          port: smtp.port,
          secure: smtp.secure,
          ...(smtp.user ? { user: smtp.user, pass: smtp.pass ?? '' } : {}),
        })
      : NO_SMTP);
  registerNotifications({ container, transport, options: { from: input.mail?.from ?? 'Tollgate <no-reply@localhost>' } });
  const notifications = container.resolve(NotificationService);
  const notifier = new AccountNotifier({ db: input.db, notifications });
  // W-13: the alerts' hook joins every wallet transaction; their e-mails go out like the funding ones.
  const walletAlerts = registerWalletAlerts({
    container,
    wallet: container.resolve(WalletService),
    notifier,
    ...(input.walletAlertOptions ? { options: input.walletAlertOptions } : {}),
  });
  const plans = new AccountPlans({
    db: input.db,
    wallet: container.resolve(WalletService),
    directory: registerPlans({ container, ...(input.plans ? { config: input.plans } : {}) }),
  });
  registerFunding({
    container,
    providers: input.providers ?? NO_PROVIDERS,
    notifier,
    planRules: plans,
    ...(input.fundingOptions ? { options: input.fundingOptions } : {}),
  });
  registerEvents({
    container,
    options: input.eventOptions ?? { sandbox: true },
    // W-12: an endpoint disabled after a long run of failures is told to the account's owners and admins.
    onEndpointDisabled: ({ tx, accountId, endpointId, url, failingSince }) =>
      notifier.notify({
        tx,
        accountId,
        eventKey: `webhook_endpoint_disabled:${endpointId}:${failingSince.toISOString()}`,
        template: 'webhook_endpoint_disabled',
        data: { url, failingSince: `${failingSince.toISOString().slice(0, 16).replace('T', ' ')} UTC` },
      }),
  });
  const providers = input.providers ?? NO_PROVIDERS;
  registerInvoiceSync({
    container,
    sources: input.sources ?? NO_SOURCES,
    ...(input.collectors ? { collectors: input.collectors } : {}),
    ...(input.invoiceSyncOptions ? { options: input.invoiceSyncOptions } : {}),
    // The payment link page takes cards through the first card provider that makes one-off payments.
    paymentLinkProviders: {
      card: () =>
        providers
          .list()
          .find((p): p is PaymentProvider & OneOffPaymentProvider => p.methods.includes('card') && !!p.createOneOffPayment && !!p.getOneOffPayment),
    },
    invitations: {
      baseUrl: input.invitations?.baseUrl ?? (() => 'http://localhost:3000'),
      // S-7: invitations go through the same outbox as the account mails, with the PDF attached.
      mailer: {
        queue: async (mail) => {
          await notifications.enqueue({
            tx: mail.tx,
            accountId: mail.accountId,
            eventKey: mail.eventKey,
            template: 'invoice_invitation',
            locale: mail.locale,
            recipients: [mail.recipient],
            data: mail.data,
            attachments: [mail.attachment],
          });
        },
        outcomes: (query) => notifications.outcomes(query),
      },
      // The sender customers know: the account's name (when no beneficiary is set).
      accountName: async ({ accountId }) =>
        (await input.db.query<{ name: string }>('select name from accounts where id = $1', [accountId])).rows[0]?.name ?? null,
    },
  });
  const letters = input.letters;
  if (letters && input.jobs) {
    registerLetters({
      container,
      carriers: letters.carriers,
      renderer: letters.renderer,
      options: {
        ...letters.options,
        baseUrl: letters.baseUrl,
        // The countries a plan allows for post (docs/plans.md: rules.countries.post); null = no limit.
        planCountries: async ({ accountId }) => {
          const plan = await plans.forAccount({ accountId });
          return plan ? countriesFor({ rules: plan.rules, channel: 'post' }) : [];
        },
        account: async ({ accountId }) => {
          const { rows } = await input.db.query<{ locale: 'nl' | 'fr' | 'en' | 'de'; time_zone: string }>(
            'select locale, time_zone from accounts where id = $1',
            [accountId],
          );
          return rows[0] ? { locale: rows[0].locale, timeZone: rows[0].time_zone } : null;
        },
      },
    });
  }
  const exportsInput = input.accountingExports;
  if (exportsInput && input.jobs) {
    const o = exportsInput.options;
    if (exportsInput.documents) container.register(ACCOUNTING_DOCUMENTS, { useValue: exportsInput.documents });
    registerAccountingExports({
      container,
      exporters: exportsInput.exporters,
      deliveries: [
        new DownloadDelivery(),
        new EmailDelivery({
          // Without SMTP an e-mail delivery fails clearly (mail_not_configured) instead of waiting.
          transport: () => ((input.transport ?? smtp) ? transport : null),
          from: input.mail?.from ?? 'Tollgate <no-reply@localhost>',
          maxBytes: o.emailMaxMegabytes * 1024 * 1024,
        }),
        new SftpDelivery({ connectTimeoutMs: o.sftpConnectTimeoutSeconds * 1000, operationTimeoutMs: o.sftpOperationTimeoutSeconds * 1000 }),
      ],
      options: {
        sealer: o.sealingKey ? new SecretSealer({ keys: { k1: o.sealingKey }, currentKeyId: 'k1', format: 'tgx1' }) : null,
        holdDays: o.holdDays,
      },
    });
  }
  return {
    container,
    ...(letters && input.jobs ? { letters: container.resolve(LetterService) } : {}),
    ...(exportsInput && input.jobs
      ? { accountingExports: { runs: container.resolve(ExportRunService), targets: container.resolve(ExportTargetService) } }
      : {}),
    wallet: container.resolve(WalletService),
    catalog: container.resolve(PriceCatalog),
    funding: container.resolve(FundingService),
    notifications,
    notifier,
    walletAlerts,
    plans,
    importer: container.resolve(InvoiceImporter),
    invoiceSync: container.resolve(InvoiceSyncInbox),
    mailConfigured: Boolean(input.transport ?? smtp),
    events: {
      log: container.resolve<EventLog>(EVENT_LOG),
      deliverer: container.resolve<EventDeliverer>(EVENT_DELIVERER),
      endpoints: container.resolve<WebhookEndpoints>(WEBHOOK_ENDPOINTS),
    },
  };
}
