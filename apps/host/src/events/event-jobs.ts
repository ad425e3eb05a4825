import type { Clock } from '@tollgate/clock';
import type { Database } from '@tollgate/db';
import { pruneEvents, type EventDeliverer, type EventLog, type PruneResult } from '@tollgate/events';
import { EVENT_TYPES } from '@tollgate/plugin-sdk';
import type { WalletService } from '@tollgate/wallet';
import type { Logger } from 'pino';
import type { WalletJobs } from '../wallet/wallet-jobs.js';

export interface EventRoundResult {
  relayedWallet: number;
  relayedOutbox: number;
  delivered: number;
  retried: number;
  parked: number;
  failed: number;
  disabled: string[];
  /** Set on the round that pruned (at most once an hour). */
  pruned?: PruneResult;
  errors: number;
}

const PRUNE_EVERY_MS = 3_600_000;

const WALLET_TYPES = Object.keys(EVENT_TYPES).filter((t) => t.startsWith('wallet.'));

/**
 * Events out, in the background: relay the outboxes into the log, then deliver what is due.
 * A wallet commit on this host starts a round at once (low lag); a timer (every `pollMs`, default
 * 2 s) catches events recorded by other hosts and retries that came due. Rounds never overlap
 * on one host; several hosts share the work through the relay lock and the delivery leases.
 * `runOnce` is what tests call, on their own clock.
 */
export class EventJobs {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<EventRoundResult> | undefined;
  #again = false;
  #kickScheduled = false;
  #prunedAt = Number.NEGATIVE_INFINITY;
  // Kicks run rounds only once started: a test host (no workers) runs them itself, on its clock.
  #started = false;
  readonly #onWalletEvent = () => this.kick();

  constructor(
    private readonly deps: {
      db: Database;
      clock: Clock;
      log: EventLog;
      deliverer: EventDeliverer;
      /** Events, ended deliveries and their attempts are kept this long. Default 30. */
      retentionDays?: number;
      walletJobs: WalletJobs;
      wallet: WalletService;
      logger: Logger;
      pollMs?: number;
      /** Rounds one `runOnce` makes while there is still work (a backlog after an outage). Default 20. */
      maxRounds?: number;
    },
  ) {}

  start(): void {
    this.#started = true;
    for (const type of WALLET_TYPES) this.deps.wallet.events.on(type, this.#onWalletEvent);
    this.#timer ??= setInterval(() => this.kick(), this.deps.pollMs ?? 2000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#started = false;
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const type of WALLET_TYPES) this.deps.wallet.events.off(type, this.#onWalletEvent);
    await this.#running?.catch(() => undefined);
  }

  /** Asks for a round soon; commits in the same tick share one. A kick during a round runs another after it. */
  kick(): void {
    if (!this.#started) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#kickScheduled) return;
    this.#kickScheduled = true;
    setImmediate(() => {
      this.#kickScheduled = false;
      void this.runOnce().catch(() => undefined);
    });
  }

  /** Relays and delivers until nothing is left that is due (bounded); joins a round in flight. */
  runOnce(): Promise<EventRoundResult> {
    this.#running ??= this.#rounds().finally(() => {
      this.#running = undefined;
      if (this.#again && this.#started) {
        this.#again = false;
        this.kick();
      }
    });
    return this.#running;
  }

  async #rounds(): Promise<EventRoundResult> {
    const total: EventRoundResult = { relayedWallet: 0, relayedOutbox: 0, delivered: 0, retried: 0, parked: 0, failed: 0, disabled: [], errors: 0 };
    const step = async (name: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (err) {
        total.errors++;
        this.deps.logger.error({ err, step: name }, 'events round step failed');
      }
    };
    for (let round = 0; round < (this.deps.maxRounds ?? 20); round++) {
      let relayed = 0;
      let progressed = 0;
      await step('relay_wallet', async () => {
        relayed += await this.deps.walletJobs.relayEvents();
      });
      total.relayedWallet += relayed;
      await step('relay_outbox', async () => {
        const n = await this.deps.log.relayOutbox();
        total.relayedOutbox += n;
        relayed += n;
      });
      await step('deliver', async () => {
        const r = await this.deps.deliverer.deliverDue();
        total.delivered += r.delivered;
        total.retried += r.retried;
        total.parked += r.parked;
        total.failed += r.failed;
        total.disabled.push(...r.disabled);
        progressed = r.delivered + r.retried + r.parked + r.failed;
      });
      if (!relayed && !progressed) break;
    }
    const now = this.deps.clock.now().getTime();
    if (now - this.#prunedAt >= PRUNE_EVERY_MS) {
      await step('prune', async () => {
        total.pruned = await pruneEvents({ db: this.deps.db, before: new Date(now - (this.deps.retentionDays ?? 30) * 86_400_000) });
        this.#prunedAt = now;
      });
    }
    if (total.parked || total.failed || total.disabled.length) this.deps.logger.warn({ ...total }, 'events: deliveries parked, failed or endpoints disabled');
    return total;
  }
}
