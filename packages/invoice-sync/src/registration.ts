import type { DependencyContainer } from 'tsyringe';
import { CollectionRefService } from './collection-refs.js';
import { ConnectionService } from './connection.service.js';
import { CustomerService } from './customer.service.js';
import { InvoiceImporter } from './invoice-importer.js';
import { InvoicePdfService } from './invoice-pdf.service.js';
import { InvoiceQueries } from './invoice-query.service.js';
import { INVOICE_SOURCES, INVOICE_SYNC_OPTIONS, type InvoiceSourceDirectory, type InvoiceSyncOptions } from './invoice-sync.types.js';
import { ProfileService } from './profile.service.js';
import { InvoiceSyncInbox } from './invoice-sync.sink.js';

/** Registers invoice sync in a (child) container that already has DATABASE and CLOCK. */
export function registerInvoiceSync(input: { container: DependencyContainer; sources: InvoiceSourceDirectory; options?: InvoiceSyncOptions }): void {
  input.container.register(INVOICE_SOURCES, { useValue: input.sources });
  input.container.register(INVOICE_SYNC_OPTIONS, { useValue: input.options ?? {} });
  input.container.registerSingleton(ConnectionService);
  input.container.registerSingleton(ProfileService);
  input.container.registerSingleton(CustomerService);
  input.container.registerSingleton(InvoiceQueries);
  input.container.registerSingleton(InvoiceImporter);
  input.container.registerSingleton(InvoiceSyncInbox);
  input.container.registerSingleton(CollectionRefService);
  input.container.registerSingleton(InvoicePdfService);
}
