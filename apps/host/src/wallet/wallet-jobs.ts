import type { Clock } from '@tollgate/clock';
import { pgArray, type Database, type JobQueue, type Transaction } from '@tollgate/db';
import { EventLog } from '@tollgate/events';
import { relayWalletEvents, TRIAL_KEY, type WalletService } from '@tollgate/wallet';
import type { Logger } from 'pino';
import type { RouteIdempotency } from '../http/route-idempotency.js';

/** The pg-boss queue wallet events are relayed to (W-10): notifications, webhooks and plugins consume it. */
export const WALLET_EVENTS_QUEUE = 'wallet.events';

/** Idempotency keys are kept at least 30 days (documented); the sweep deletes them after 45. */
export const IDEMPOTENCY_KEY_DAYS = 45;
/** openWallet's trial grant is made idempotent by this fixed key: it is kept forever, or the trial credit could be granted twice (W-3). */
const PERMANENT_KEYS = [TRIAL_KEY];

export interface WalletSweepResult {
  expiredHolds: number;
  expiredLots: number;
  relayedEvents: number;
  deletedIdempotencyKeys: number;
  /** Plugin routes' idempotency keys older than 24 hours. */
  deletedRouteIdempotencyKeys: number;
  errors: number;
}

/**
 * The wallet's background work, one sweep a minute on every host (each step is safe to run on
 * several hosts at once): release expired holds (W-6), book expired lots (W-4), relay the outbox
 * to the job queue (W-10) and forget old idempotency keys (the wallet's after 45 days, plugin routes' after 24 hours). `runOnce` is what tests call.
 */
export class WalletJobs {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<WalletSweepResult> | undefined;
  #queue: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      db: Database;
      clock: Clock;
      jobs: JobQueue;
      wallet: WalletService;
      logger: Logger;
      intervalMs?: number;
      routeIdempotency?: RouteIdempotency;
      /** The events-out log (W-10): relayed wallet events are appended to it in the same transaction. */
      eventLog?: EventLog;
    },
  ) {}

  /** Creates the events queue and starts the timer (unref'd: it never keeps the process alive). */
  async start(): Promise<void> {
    await this.#ensureQueue();
    this.#timer ??= setInterval(() => void this.runOnce(), this.deps.intervalMs ?? 60_000);
    this.#timer.unref();
  }

  /** Stops the timer and waits for a sweep in flight. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /** One sweep; a sweep already running is joined, not doubled. Steps fail independently (logged, counted). */
  runOnce(): Promise<WalletSweepResult> {
    this.#running ??= this.#sweep().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  #ensureQueue(): Promise<void> {
    this.#queue ??= this.deps.jobs.createQueue({ name: WALLET_EVENTS_QUEUE }).catch((error: unknown) => {
      this.#queue = undefined;
      throw error;
    });
    return this.#queue;
  }

  async #sweep(): Promise<WalletSweepResult> {
    const result: WalletSweepResult = {
      expiredHolds: 0,
      expiredLots: 0,
      relayedEvents: 0,
      deletedIdempotencyKeys: 0,
      deletedRouteIdempotencyKeys: 0,
      errors: 0,
    };
    const step = async (name: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (err) {
        result.errors++;
        this.deps.logger.error({ err, step: name }, 'wallet sweep step failed');
      }
    };
    await step('expire_holds', async () => {
      result.expiredHolds = await this.deps.wallet.expireHolds();
    });
    await step('expire_lots', async () => {
      result.expiredLots = await this.deps.wallet.expireLots();
    });
    await step('relay_events', async () => {
      result.relayedEvents = await this.relayEvents();
    });
    await step('delete_idempotency_keys', async () => {
      result.deletedIdempotencyKeys = await this.deleteOldIdempotencyKeys();
    });
    if (this.deps.routeIdempotency) {
      const routeKeys = this.deps.routeIdempotency;
      await step('delete_route_idempotency_keys', async () => {
        result.deletedRouteIdempotencyKeys = await routeKeys.deleteExpired();
      });
    }
    if (result.expiredHolds || result.expiredLots || result.relayedEvents || result.deletedIdempotencyKeys || result.deletedRouteIdempotencyKeys)
      this.deps.logger.info({ ...result }, 'wallet sweep');
    return result;
  }

  /**
   * Moves outbox events to the job queue, in pages of `limit`. Each page is enqueued inside the
   * transaction that marks it published, so an event is in the queue iff it is marked: nothing is
   * lost or doubled by a crash in between.
   */
  async relayEvents(input: { limit?: number; maxPages?: number } = {}): Promise<number> {
    await this.#ensureQueue();
    const { db, jobs, clock } = this.deps;
    const limit = input.limit ?? 500;
    let total = 0;
    for (let page = 0; page < (input.maxPages ?? 20); page++) {
      const relayed = await relayWalletEvents({
        db,
        now: clock.now(),
        limit,
        // One relay at a time across hosts, so each account's events get their sequence in the wallet's order.
        ...(this.deps.eventLog ? { before: (tx: Transaction) => EventLog.lock(tx) } : {}),
        publish: async (events, tx) => {
          await this.deps.eventLog?.append(
            tx,
            events.map((e) => ({ source: 'wallet', sourceId: e.id, accountId: e.accountId, type: e.type, data: e.payload, occurredAt: e.createdAt })),
          );
          // One insert for the page: the relay holds the relay lock, every round trip here holds up every host's relay.
          await jobs.sendMany({
            name: WALLET_EVENTS_QUEUE,
            tx,
            data: events.map((event) => ({
              id: event.id,
              accountId: event.accountId,
              type: event.type,
              payload: event.payload,
              createdAt: event.createdAt.toISOString(),
            })),
          });
        },
      });
      total += relayed;
      if (relayed < limit) break;
    }
    return total;
  }

  /** Deletes idempotency keys older than 45 days, a bounded batch per call. */
  async deleteOldIdempotencyKeys(input: { batch?: number } = {}): Promise<number> {
    const before = new Date(this.deps.clock.now().getTime() - IDEMPOTENCY_KEY_DAYS * 86_400_000);
    const { rowCount } = await this.deps.db.query(
      `delete from idempotency_keys where (account_id, key) in (
         select account_id, key from idempotency_keys where created_at < $1 and not (key = any($2::text[])) limit $3)`,
      [before, pgArray(PERMANENT_KEYS), input.batch ?? 5000],
    );
    return rowCount;
  }
}
