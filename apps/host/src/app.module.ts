import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { FundingService } from '@tollgate/funding';
import {
  BankStatementService,
  CollectionRefService,
  CollectionSettingsService,
  ConnectionService,
  CustomerService,
  InvitationService,
  DirectDebitService,
  InvoiceImporter,
  InvoicePaymentService,
  InvoiceQueries,
  AccountingDocumentsService,
  InvoiceWritebackService,
  MandateService,
  PaymentLinkService,
  ProfileService,
} from '@tollgate/invoice-sync';
import { NotificationService } from '@tollgate/notifications';
import { PriceCatalog, WalletService } from '@tollgate/wallet';
import { WalletAlertService } from '@tollgate/wallet-alerts';
import type { DependencyContainer } from 'tsyringe';
import { AccountController, AdminController } from './accounts/accounts.controller.js';
import { AccountsService } from './accounts/accounts.service.js';
import { DashboardController } from './dashboard/dashboard.controller.js';
import { HealthController } from './health/health.controller.js';
import { OwnPasswordController, SessionsController } from './sessions/sessions.controller.js';
import { SessionsService } from './sessions/sessions.service.js';
import { HOST_STATE, type HostState } from './host-state.js';
import { AuthGuard } from './http/auth.js';
import { JsonBodyGuard } from './http/json-body.guard.js';
import { ErrorFilter } from './http/error.filter.js';
import { PluginRouteRunner, pluginRoutesController } from './http/plugin-routes.js';
import { RouteIdempotency } from './http/route-idempotency.js';
import { AdminFundingController, FundingController, PaymentWebhooksController } from './funding/funding.controller.js';
import { NotificationsController } from './funding/notifications.controller.js';
import { AdminEventsController, EventsController } from './events/events.controller.js';
import { DirectDebitController } from './invoice-sync/direct-debit.controller.js';
import { InvoicePdfsController } from './invoice-sync/invoice-pdfs.controller.js';
import { InvoiceSyncController } from './invoice-sync/invoice-sync.controller.js';
import { PayPageController } from './invoice-sync/pay-page.controller.js';
import { InvoicePaymentsController } from './invoice-sync/invoice-payments.controller.js';
import { AccountingExportsController } from './accounting-exports/accounting-exports.controller.js';
import { AdminBillingController, BillingController } from './wallet-invoices/billing.controller.js';
import { LettersController, PostalWebhooksController } from './letters/letters.controller.js';
import { walletAccountHooks } from './wallet/account-wallets.js';
import { AdminPlansController, PlansController } from './plans/plans.controller.js';
import { AdminCatalogController, AdminWalletController, CatalogController, WalletController } from './wallet/wallet.controller.js';
import { WalletAlertsController } from './wallet-alerts/wallet-alerts.controller.js';

/**
 * The one bridge from Nest to the framework-free domain packages: a tsyringe child container per
 * host (never the global one), filled by the packages' own register…() functions (see
 * createCoreServices: it is made before Nest, because plugins get the same wallet at start-up).
 */
export const CORE_CONTAINER = Symbol.for('tollgate.CoreContainer');

class CoreContainerLifecycle implements OnApplicationShutdown {
  constructor(private readonly child: DependencyContainer) {}
  async onApplicationShutdown(): Promise<void> {
    await this.child.dispose();
  }
}

@Module({})
export class AppModule {
  static register(state: HostState): DynamicModule {
    return {
      module: AppModule,
      controllers: [
        HealthController,
        SessionsController,
        OwnPasswordController,
        AccountController,
        AdminController,
        WalletController,
        WalletAlertsController,
        CatalogController,
        AdminCatalogController,
        AdminWalletController,
        PlansController,
        AdminPlansController,
        FundingController,
        AdminFundingController,
        PaymentWebhooksController,
        NotificationsController,
        InvoiceSyncController,
        DirectDebitController,
        PayPageController,
        InvoicePaymentsController,
        InvoicePdfsController,
        EventsController,
        AdminEventsController,
        LettersController,
        PostalWebhooksController,
        AccountingExportsController,
        BillingController,
        AdminBillingController,
        DashboardController,
        // Plugin routes are Nest routes too: one request pipeline (guard, validation pipe, error filter) for all.
        ...(state.pluginHost.routes.length ? [pluginRoutesController(state.pluginHost.routes)] : []),
      ],
      providers: [
        { provide: HOST_STATE, useValue: state },
        { provide: CORE_CONTAINER, useValue: state.core.container },
        { provide: CoreContainerLifecycle, useFactory: (child: DependencyContainer) => new CoreContainerLifecycle(child), inject: [CORE_CONTAINER] },
        { provide: WalletService, useFactory: (c: DependencyContainer) => c.resolve(WalletService), inject: [CORE_CONTAINER] },
        { provide: PriceCatalog, useFactory: (c: DependencyContainer) => c.resolve(PriceCatalog), inject: [CORE_CONTAINER] },
        { provide: FundingService, useFactory: (c: DependencyContainer) => c.resolve(FundingService), inject: [CORE_CONTAINER] },
        { provide: WalletAlertService, useFactory: (c: DependencyContainer) => c.resolve(WalletAlertService), inject: [CORE_CONTAINER] },
        { provide: NotificationService, useFactory: (c: DependencyContainer) => c.resolve(NotificationService), inject: [CORE_CONTAINER] },
        ...[
          ConnectionService,
          ProfileService,
          CustomerService,
          InvoiceQueries,
          InvoiceImporter,
          InvitationService,
          CollectionSettingsService,
          InvoicePaymentService,
          InvoiceWritebackService,
          BankStatementService,
          MandateService,
          DirectDebitService,
          PaymentLinkService,
          CollectionRefService,
          AccountingDocumentsService,
        ].map((token) => ({
          provide: token,
          useFactory: (c: DependencyContainer) => c.resolve(token as never),
          inject: [CORE_CONTAINER],
        })),
        {
          provide: AccountsService,
          useFactory: (wallet: WalletService) =>
            new AccountsService({
              db: state.db,
              clock: state.clock,
              hooks: walletAccountHooks({ wallet }),
              keyCache: { ttlMs: state.config.auth.keyCacheMs },
            }),
          inject: [WalletService],
        },
        {
          provide: SessionsService,
          useFactory: (accounts: AccountsService) =>
            new SessionsService({
              db: state.db,
              clock: state.clock,
              accounts,
              options: { maxAgeMs: state.config.auth.sessionMaxAgeHours * 3_600_000, idleMs: state.config.auth.sessionIdleHours * 3_600_000 },
            }),
          inject: [AccountsService],
        },
        { provide: RouteIdempotency, useValue: state.routeIdempotency },
        PluginRouteRunner,
        { provide: APP_GUARD, useClass: AuthGuard },
        // After authentication and the role: a key without the role hears 403 before 415.
        { provide: APP_GUARD, useClass: JsonBodyGuard },
        { provide: APP_FILTER, useFactory: () => new ErrorFilter(state.logger) },
      ],
    };
  }
}
