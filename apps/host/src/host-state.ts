import type { ExportRunService, ExportTargetService } from '@tollgate/accounting-exports';
import type { ExportRunJobs } from './accounting-exports/export-run-jobs.js';
import type { EventJobs } from './events/event-jobs.js';
import type { Clock } from '@tollgate/clock';
import type { Database, JobQueue } from '@tollgate/db';
import type { Logger } from 'pino';
import type { HostConfig } from './config/host-config.js';
import type { CoreServices } from './core-container.js';
import type { RouteIdempotency } from './http/route-idempotency.js';
import type { InvoicePdfJobs } from './invoice-sync/invoice-pdf-jobs.js';
import type { InvoiceSyncJobs } from './invoice-sync/invoice-sync-jobs.js';
import type { LetterService } from '@tollgate/letters';
import type { LetterJobs } from './letters/letter-jobs.js';
import type { PluginHost } from './plugins/plugin-host.js';
import type { BillingDocumentService } from '@tollgate/wallet-invoices';
import type { BillingDocumentJobs } from './wallet-invoices/billing-document-jobs.js';

/** What the Nest app is built around: made before Nest starts, handed in as one provider. */
export interface HostState {
  config: HostConfig;
  db: Database;
  jobs: JobQueue | undefined;
  clock: Clock;
  logger: Logger;
  pluginHost: PluginHost;
  /** The domain services (wallet, catalog) in their tsyringe child container; shared with plugins. */
  core: CoreServices;
  /** Sweeps, background manual imports and summary mails of invoice sync. */
  invoiceSyncJobs: InvoiceSyncJobs;
  /** S-6: the PDF schedule's rounds, the PDF service, and the downloads in flight. */
  invoicePdfJobs: InvoicePdfJobs;
  /** Events out: relay and delivery rounds (routes kick one after a replay or a re-enabled endpoint). */
  eventJobs?: EventJobs;
  /** Letters by post (P-5): the service and its jobs (a route kicks a round after a cancel). */
  letters: { service: LetterService; jobs: LetterJobs };
  /** Export runs (P-6): targets, runs and their jobs. */
  accountingExports: { runs: ExportRunService; targets: ExportTargetService; jobs: ExportRunJobs };
  /** W-13: the wallet's invoices and credit notes, and their render-and-mail jobs. */
  billing: { documents: BillingDocumentService; jobs: BillingDocumentJobs };
  /** Idempotency keys of plugin routes (the wallet sweep deletes old ones). */
  routeIdempotency: RouteIdempotency;
  /** The host's public address (config.baseUrl, else the listening port once known): links in pages and mails. */
  hostInfo?: { baseUrl: string };
  pluginApiVersion: string;
  startedAt: number;
}

export const HOST_STATE = Symbol.for('tollgate.HostState');

/** The host's public address without a trailing slash: what links in pages and mails start with. */
export function publicBaseUrl(state: Pick<HostState, 'hostInfo' | 'config'>): string {
  return (state.hostInfo?.baseUrl ?? state.config.baseUrl ?? `http://localhost:${state.config.port}`).replace(/\/$/, '');
}
