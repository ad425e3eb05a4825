import type { DependencyContainer } from 'tsyringe';
import { ACCOUNTING_DOCUMENTS } from './accounting-documents.js';
import { AccountingDocumentsService } from './accounting-documents.service.js';
import { CollectionRefService } from './collection-refs.js';
import { CollectionSettingsService } from './collection-settings.service.js';
import { INVITATION_OPTIONS, InvitationService, type InvitationOptions } from './invitation.service.js';
import { ConnectionService } from './connection.service.js';
import { CustomerService } from './customer.service.js';
import { InvoiceImporter } from './invoice-importer.js';
import { InvoicePdfService } from './invoice-pdf.service.js';
import { InvoiceQueries } from './invoice-query.service.js';
import { DirectDebitService } from './direct-debit.service.js';
import {
  DIRECT_DEBIT_COLLECTORS,
  INVOICE_SOURCES,
  INVOICE_SYNC_OPTIONS,
  type DirectDebitCollectorDirectory,
  type InvoiceSourceDirectory,
  type InvoiceSyncOptions,
} from './invoice-sync.types.js';
import { MandateService } from './mandate.service.js';
import { ProfileService } from './profile.service.js';
import { InvoiceSyncInbox } from './invoice-sync.sink.js';
import { InvoicePaymentService } from './invoice-payments.js';
import { InvoiceWritebackService } from './invoice-writebacks.js';
import { PAYMENT_LINK_PROVIDERS, PaymentLinkService, type PaymentLinkProviderDirectory } from './payment-links.js';
import { BankStatementService } from './bank-statement.service.js';

/** Without a mailer nothing can be invited: the service refuses to queue (a host always passes one). */
const NO_INVITATIONS: InvitationOptions = {
  baseUrl: () => 'http://localhost:3000',
  mailer: {
    queue: () => Promise.reject(new Error('invitations need a mailer: registerInvoiceSync({ invitations: { mailer, baseUrl } })')),
    outcomes: () => Promise.resolve([]),
  },
};

/**
 * Registers invoice sync in a (child) container that already has DATABASE and CLOCK. Invitations
 * (S-7) also need FILE_STORE there and `invitations` (the mailer, the host's base URL).
 */
export function registerInvoiceSync(input: {
  container: DependencyContainer;
  sources: InvoiceSourceDirectory;
  options?: InvoiceSyncOptions;
  /** Card providers for the payment link page (default: none, the page offers no card payment). */
  paymentLinkProviders?: PaymentLinkProviderDirectory;
  invitations?: InvitationOptions;
  /** Direct-debit collectors (S-9); none = collecting answers direct_debit_unavailable. */
  collectors?: DirectDebitCollectorDirectory;
}): void {
  input.container.register(INVOICE_SOURCES, { useValue: input.sources });
  input.container.register(DIRECT_DEBIT_COLLECTORS, { useValue: input.collectors ?? { list: () => [] } });
  input.container.register(INVOICE_SYNC_OPTIONS, { useValue: input.options ?? {} });
  input.container.registerSingleton(ConnectionService);
  input.container.registerSingleton(ProfileService);
  input.container.registerSingleton(CustomerService);
  input.container.registerSingleton(InvoiceQueries);
  input.container.registerSingleton(InvoiceImporter);
  input.container.registerSingleton(InvoiceSyncInbox);
  input.container.registerSingleton(CollectionRefService);
  input.container.registerSingleton(InvoicePdfService);
  input.container.register(INVITATION_OPTIONS, { useValue: input.invitations ?? NO_INVITATIONS });
  input.container.registerSingleton(CollectionSettingsService);
  input.container.registerSingleton(InvitationService);
  input.container.registerSingleton(MandateService);
  input.container.registerSingleton(DirectDebitService);
  input.container.registerSingleton(InvoicePaymentService);
  input.container.registerSingleton(InvoiceWritebackService);
  input.container.register(PAYMENT_LINK_PROVIDERS, { useValue: input.paymentLinkProviders ?? { card: () => undefined } });
  input.container.registerSingleton(PaymentLinkService);
  input.container.registerSingleton(BankStatementService);
  input.container.registerSingleton(AccountingDocumentsService);
  // The reader exporters and export runs take (P-6): the same instance under the contract's token.
  input.container.register(ACCOUNTING_DOCUMENTS, { useFactory: (c) => c.resolve(AccountingDocumentsService) });
}
