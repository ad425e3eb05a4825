import type { AccountingExporter, InvoiceSource } from '@tollgate/invoice-sync';
import type { PaymentProvider, SpendChannel } from '@tollgate/wallet';
import type { PluginRoute } from './http-route.js';
import { createExtensionPoint } from './refs.js';

/** Every extension point is an `add` list; the host refuses a second entry with an id already taken. */
export interface Registry<T> {
  add(...items: T[]): void;
}

export const spendChannelsExtensionPoint = createExtensionPoint<Registry<SpendChannel>>({ id: 'wallet.spendChannels' });
export const paymentProvidersExtensionPoint = createExtensionPoint<Registry<PaymentProvider>>({ id: 'wallet.paymentProviders' });
export const invoiceSourcesExtensionPoint = createExtensionPoint<Registry<InvoiceSource>>({ id: 'invoiceSync.invoiceSources' });
export const accountingExportersExtensionPoint = createExtensionPoint<Registry<AccountingExporter>>({ id: 'invoiceSync.accountingExporters' });
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- routes of every shape go into one list
export const httpRoutesExtensionPoint = createExtensionPoint<Registry<PluginRoute<any, any, any>>>({ id: 'host.httpRoutes' });
