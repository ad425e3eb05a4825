import { JOB_QUEUE, type JobQueue } from '@tollgate/db';
import { WalletService } from '@tollgate/wallet';
import type { DependencyContainer } from 'tsyringe';
import { BillingDocumentService } from './billing-documents.service.js';
import { DocumentIssuer } from './document-issuer.js';
import { BILLING_PDF_RENDERER, WALLET_INVOICE_OPTIONS, type BillingPdfRenderer, type WalletInvoiceOptions } from './wallet-invoices.types.js';

/**
 * Registers the billing documents in a (child) container that already has DATABASE, CLOCK, FILE_STORE,
 * the wallet and notifications, and adds the issuing hook to the wallet (at start-up, before traffic).
 */
export function registerWalletInvoices(input: { container: DependencyContainer; options: WalletInvoiceOptions; renderer: BillingPdfRenderer }): void {
  input.container.register(WALLET_INVOICE_OPTIONS, { useValue: input.options });
  input.container.register(BILLING_PDF_RENDERER, { useValue: input.renderer });
  input.container.registerSingleton(BillingDocumentService);
  const jobs = input.container.isRegistered(JOB_QUEUE) ? input.container.resolve<JobQueue>(JOB_QUEUE) : null;
  input.container.resolve(WalletService).addTransactionHook(new DocumentIssuer({ options: input.options, jobs }));
}
