import type { Clock } from '@tollgate/clock';
import type { Database, Transaction } from '@tollgate/db';
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
}

/** What the host knows about itself, for plugins that build URLs or check the mode. */
export interface HostInfo {
  /** Base URL the host is reachable at, e.g. 'http://localhost:3000'. */
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
} as const;
