import type { Readable } from 'node:stream';
import type { Clock } from '@tollgate/clock';
import type { PluginEvents } from './events.js';
import type { PluginDatabase, Transaction } from './database.js';
import type { InvoiceSyncSink } from './invoice-source.js';
import type { Logger } from './logger.js';
import type { PaymentEventSink } from './payment-provider.js';
import type { PluginPlans } from './plans.js';
import { createServiceRef } from './refs.js';
import type { Reservation, SpendInput, SpendResult } from './spend-channel.js';
import type { AllowanceStatus, Balance, CaptureResult, Hold, Price, QuotaStatus, Quote, QuoteInput, ReleaseResult, ReversalResult } from './wallet.js';

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

/** A file kept by `PluginFiles`: its key (as the plugin named it), size, SHA-256 (hex) and type. */
export interface PluginStoredFile {
  key: string;
  size: number;
  sha256: string;
  contentType: string;
}

/**
 * Durable file storage for a plugin (since API 2.7): the host's file store (a local folder by default,
 * S3-compatible storage when configured), with every key kept under the plugin's own prefix so two
 * plugins never see each other's files. Keys are relative paths ('acc_1/exp_2.pdf'); '..', absolute
 * paths and empty segments are refused. A put under an existing key replaces the file whole.
 */
export interface PluginFiles {
  put(input: { key: string; body: Buffer | Readable; contentType: string }): Promise<PluginStoredFile>;
  /** null when nothing is stored under the key. */
  read(input: { key: string }): Promise<{ file: PluginStoredFile; body: Buffer } | null>;
  /** The bytes as a stream (for a download route); null when nothing is stored under the key. */
  open(input: { key: string }): Promise<{ file: PluginStoredFile; stream: Readable } | null>;
  stat(input: { key: string }): Promise<PluginStoredFile | null>;
  /** Missing is not an error. */
  delete(input: { key: string }): Promise<void>;
}

/** What the host knows about itself, for plugins that build URLs or check the mode. */
export interface HostInfo {
  /** Base URL the host is reachable at, e.g. 'http://localhost:3000'. Read it when you need it (not once at init): without a configured baseUrl the host sets the real port when it starts listening. */
  baseUrl: string;
  /** true when external services are the bundled sandboxes (H-4). */
  sandbox: boolean;
}

/**
 * The wallet as a plugin sees it: reads, an affordability quote, and one way to spend — the
 * runner that drives a SpendChannel (quote → hold → execute → capture, or release and
 * compensate). Every money move's idempotency key is derived from the spend's key.
 */
export interface PluginWallet {
  balance(input: { accountId: string }): Promise<Balance>;
  /** What `units` would cost now and whether the wallet covers it; moves no money. */
  quote(input: QuoteInput): Promise<Quote>;
  getHold(input: { accountId: string; holdId: string }): Promise<Hold | null>;
  /** The channel's free monthly quota this month (W-8); null when the channel has none. Since API 2.7. */
  quota(input: { accountId: string; channel: string }): Promise<QuotaStatus | null>;
  /** The plan's monthly allowance of the channel this month (issue 22); null when the account's plan has none. Since API 2.8. */
  allowance(input: { accountId: string; channel: string }): Promise<AllowanceStatus | null>;

  /**
   * The whole spend now: quote → hold → execute → capture (immediate) or a pending hold (deferred);
   * a channel without `execute` is charged in one move. Refusals: 422 insufficient_funds and
   * 409 wallet_blocked (nothing held), 502 spend_failed when `execute` threw (hold released).
   */
  spend<TRequest, TResult>(input: SpendInput<TRequest>): Promise<SpendResult<TResult>>;
  /** Quote → hold only, for work that runs later (an SMS sent tomorrow); `complete` runs it. */
  reserve<TRequest>(input: SpendInput<TRequest>): Promise<Reservation>;
  /** Execute → capture (or release) for a reservation, with the same key. Safe to call again after `retry`. */
  complete<TRequest, TResult>(input: {
    accountId: string;
    channelId: string;
    request: TRequest;
    idempotencyKey: string;
    holdId: string;
  }): Promise<SpendResult<TResult>>;
  /** A deferred spend's final cost: captures the price of `units` (default the whole hold), releases the rest. */
  settle(input: { accountId: string; holdId: string; idempotencyKey: string; units?: string }): Promise<CaptureResult>;
  /** Gives a reservation or pending spend back; null when the hold had already ended (expired, captured, released). */
  cancel(input: { accountId: string; holdId: string; idempotencyKey: string }): Promise<ReleaseResult | null>;
  /** Pays a completed spend back (the work failed after it was paid: an undelivered text). */
  refund(input: { accountId: string; transactionId: string; idempotencyKey: string; reason: string }): Promise<ReversalResult>;
}

/**
 * The price catalog as a plugin sees it: read only (a channel declares its prices in its descriptor).
 * With `accountId`, the row of that account's plan (since API 2.4); without, the default list.
 */
export interface PluginPriceCatalog {
  /** The price in force at `at` (default now) for the country, else the channel's '*' price. */
  priceAt(input: { channel: string; country?: string | null; at?: Date; accountId?: string }): Promise<Price | undefined>;
}

/** Languages an account is served in (e-mails, documents, texts). */
export type AccountLocale = 'nl' | 'fr' | 'en' | 'de';

/** An account as a plugin may read it: enough to address its customers in the right language and zone. */
export interface PluginAccount {
  id: string;
  name: string;
  locale: AccountLocale;
  /** IANA zone of the account's calendar days (e.g. 'Europe/Brussels'). */
  timeZone: string;
}

/** A user of an account as a plugin may read it (since API 2.4). */
export interface PluginUser {
  id: string;
  accountId: string;
  name: string;
  role: 'owner' | 'admin' | 'member';
}

/** Accounts, read only: plugins never change an account. */
export interface PluginAccounts {
  /** null when no such account exists. */
  get(input: { accountId: string }): Promise<PluginAccount | null>;
  /** A user of the account; null when the account has no such user. Since API 2.4. */
  getUser(input: { accountId: string; userId: string }): Promise<PluginUser | null>;
}

export const coreServices = {
  logger: createServiceRef<Logger>({ id: 'core.logger' }),
  clock: createServiceRef<Clock>({ id: 'core.clock' }),
  /** The plugin's own schema on the host's database (its migrations run there too). */
  database: createServiceRef<PluginDatabase>({ id: 'core.database' }),
  jobs: createServiceRef<PluginJobs>({ id: 'core.jobs' }),
  host: createServiceRef<HostInfo>({ id: 'core.host' }),
  wallet: createServiceRef<PluginWallet>({ id: 'core.wallet' }),
  priceCatalog: createServiceRef<PluginPriceCatalog>({ id: 'core.priceCatalog' }),
  /** The host's accounts, read only (name, locale, time zone); since plugin API 2.1. */
  accounts: createServiceRef<PluginAccounts>({ id: 'core.accounts' }),
  /** Where a payment provider reports events it learnt without a webhook (bank return files, settlement dates). */
  payments: createServiceRef<PaymentEventSink>({ id: 'core.payments' }),
  /** Where an invoice source reports consent, lost consent, disconnects and webhook events. */
  invoiceSync: createServiceRef<InvoiceSyncSink>({ id: 'core.invoiceSync' }),
  /** Subscribe to wallet, purchase and invoice events (at least once, in a sequence per account); since plugin API 2.2. */
  events: createServiceRef<PluginEvents>({ id: 'core.events' }),
  /** Each account's plan (edition) and its rules; since plugin API 2.4. */
  plans: createServiceRef<PluginPlans>({ id: 'core.plans' }),
  /** Durable files under the plugin's own prefix (uploads, scans); since plugin API 2.7. */
  files: createServiceRef<PluginFiles>({ id: 'core.files' }),
} as const;
