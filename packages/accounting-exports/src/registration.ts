import { UnavailableError } from '@tollgate/errors';
import { ACCOUNTING_DOCUMENTS, type AccountingDocumentReader } from '@tollgate/invoice-sync';
import type { DependencyContainer } from 'tsyringe';
import {
  ACCOUNTING_EXPORTERS,
  ACCOUNTING_EXPORTS_OPTIONS,
  EXPORT_DELIVERIES,
  type AccountingExporterDirectory,
  type AccountingExportsOptions,
} from './accounting-exports.types.js';
import type { ExportDelivery } from './export-delivery.js';
import { ExportRunService } from './export-run.service.js';
import { ExportTargetService } from './export-target.service.js';

/** Until invoice sync registers its reader, runs fail clearly instead of the container failing to resolve. */
const NO_READER: AccountingDocumentReader = {
  list: () =>
    Promise.reject(new UnavailableError({ code: 'accounting_documents_unavailable', message: 'No accounting document reader is registered on this host.' })),
  backfill: () =>
    Promise.reject(new UnavailableError({ code: 'accounting_documents_unavailable', message: 'No accounting document reader is registered on this host.' })),
};

/**
 * Registers export runs in a (child) container that already has DATABASE, JOB_QUEUE, CLOCK,
 * FILE_STORE, the wallet (registerWallet) and invoice sync (registerInvoiceSync, which provides
 * ACCOUNTING_DOCUMENTS). `deliveries` are the ways out (DownloadDelivery, EmailDelivery, SftpDelivery).
 */
export function registerAccountingExports(input: {
  container: DependencyContainer;
  exporters: AccountingExporterDirectory;
  deliveries: readonly ExportDelivery[];
  options: AccountingExportsOptions;
}): void {
  const byKind = new Map(input.deliveries.map((d) => [d.kind as string, d]));
  input.container.register(ACCOUNTING_EXPORTERS, { useValue: input.exporters });
  input.container.register(EXPORT_DELIVERIES, { useValue: { get: (kind: string) => byKind.get(kind) } });
  input.container.register(ACCOUNTING_EXPORTS_OPTIONS, { useValue: input.options });
  if (!input.container.isRegistered(ACCOUNTING_DOCUMENTS, true)) input.container.register(ACCOUNTING_DOCUMENTS, { useValue: NO_READER });
  input.container.registerSingleton(ExportTargetService);
  input.container.registerSingleton(ExportRunService);
}
