import type { AccountingExporter } from './accounting-exporter.js';
import type { DashboardPanel } from './dashboard-panel.js';
import type { DirectDebitCollector } from './direct-debit-collector.js';
import type { PluginRoute } from './http-route.js';
import type { InvoiceSource } from './invoice-source.js';
import type { PaymentProvider } from './payment-provider.js';
import type { PostalCarrier } from './postal-carrier.js';
import { createExtensionPoint } from './refs.js';
import type { SpendChannel } from './spend-channel.js';

/** Every extension point is an `add` list; the host refuses a second entry with an id already taken. */
export interface Registry<T> {
  add(...items: T[]): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- channels of every request/result shape go into one list
export const spendChannelsExtensionPoint = createExtensionPoint<Registry<SpendChannel<any, any>>>({ id: 'wallet.spendChannels' });
export const paymentProvidersExtensionPoint = createExtensionPoint<Registry<PaymentProvider>>({ id: 'wallet.paymentProviders' });
export const invoiceSourcesExtensionPoint = createExtensionPoint<Registry<InvoiceSource>>({ id: 'invoiceSync.invoiceSources' });
export const accountingExportersExtensionPoint = createExtensionPoint<Registry<AccountingExporter>>({ id: 'invoiceSync.accountingExporters' });
/** Optional (S-9): collects invoices by direct debit for the invoice side. */
export const directDebitCollectorsExtensionPoint = createExtensionPoint<Registry<DirectDebitCollector>>({ id: 'invoiceSync.directDebitCollectors' });
export const postalCarriersExtensionPoint = createExtensionPoint<Registry<PostalCarrier>>({ id: 'postal.carriers' });
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- routes of every shape go into one list
export const httpRoutesExtensionPoint = createExtensionPoint<Registry<PluginRoute<any, any, any, any, any>>>({ id: 'host.httpRoutes' });
/** Screens and settings panels on the web dashboard (since API 2.9): declarative, bound to the plugin's own routes. */
export const dashboardPanelsExtensionPoint = createExtensionPoint<Registry<DashboardPanel>>({ id: 'host.dashboardPanels' });
