import type { Clock } from '@tollgate/clock';
import type { Database, Transaction } from '@tollgate/db';
import type { InvoiceSyncSink } from '@tollgate/invoice-sync';
import type { PaymentEventSink, PriceCatalog, SpendRunner, WalletService } from '@tollgate/wallet';
import type { Logger } from './logger.js';
import { createServiceRef } from './refs.js';

/**
 * Durable jobs for a plugin. Queue names are prefixed with the plugin id by the host, so two
 * plugins never share a queue. `tx` enqueues inside the caller's transaction (outbox).
 */
export interface PluginJobs {
  send(input: { name: string; data: object; tx?: Transaction; singletonKey?: string; startAfter?: Date }): Promise<string | null>;
  work(input: { name: string; handler: (job: { id: string; data: unknown }) => Promise<void> }): Promise<void>;
  /**
   * Runs the job `name` (its `work` handler) every `everyMinutes`, once per period across all hosts.
   * Use it for "what is due now?" sweeps: keep business times (send the day before, settle after
   * 5 days) in your tables and compare them with coreServices.clock in the handler — never rely on
   * `startAfter` for them (it runs on the database's clock, not the host's). In tests the harness
   * (`TestHost.runJobs`) runs every scheduled job once, on the test's clock.
   */
  schedule(input: { name: string; everyMinutes: number }): Promise<void>;
}

/** What the host knows about itself, for plugins that build URLs or check the mode. */
export interface HostInfo {
  /** Base URL the host is reachable at, e.g. 'http://localhost:3000'. Read it when you need it (not once at init): without a configured baseUrl the host sets the real port when it starts listening. */
  baseUrl: string;
  /** true when external services are the bundled sandboxes (H-4). */
  sandbox: boolean;
}

/** The wallet as a plugin sees it: move money with idempotency keys, read balances. */
export type PluginWallet = Pick<WalletService, 'charge' | 'hold' | 'capture' | 'release' | 'reverse' | 'balance' | 'getHold'> & Pick<SpendRunner, 'spend'>;

/** The price catalog as a plugin sees it: a plugin seeds its own channel's prices and quota at init. */
export type PluginPriceCatalog = Pick<PriceCatalog, 'setPrice' | 'setQuota' | 'priceAt'>;

export const coreServices = {
  logger: createServiceRef<Logger>({ id: 'core.logger' }),
  clock: createServiceRef<Clock>({ id: 'core.clock' }),
  /** The shared database (PGlite or PostgreSQL). Plugins keep their tables prefixed with their id. */
  database: createServiceRef<Pick<Database, 'query' | 'transaction' | 'engine'>>({ id: 'core.database' }),
  jobs: createServiceRef<PluginJobs>({ id: 'core.jobs' }),
  host: createServiceRef<HostInfo>({ id: 'core.host' }),
  wallet: createServiceRef<PluginWallet>({ id: 'core.wallet' }),
  priceCatalog: createServiceRef<PluginPriceCatalog>({ id: 'core.priceCatalog' }),
  /** Where a payment provider reports events it learnt without a webhook (bank return files, settlement dates). */
  payments: createServiceRef<PaymentEventSink>({ id: 'core.payments' }),
  /** Where an invoice source reports consent, lost consent, disconnects and webhook events. */
  invoiceSync: createServiceRef<InvoiceSyncSink>({ id: 'core.invoiceSync' }),
} as const;
