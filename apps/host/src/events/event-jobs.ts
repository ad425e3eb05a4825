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

// What the wallet records in its outbox and emits after its commits: its own events and plan moves.
const WALLET_TYPES = Object.keys(EVENT_TYPES).filter((t) => t.startsWith('wallet.') || t === 'account.plan_changed');

/**
 * Events out, in the background, in two lanes that never wait for each other: the relay (outboxes
 * into the log) and the deliveries. A wallet commit on this host starts the relay at once, and a
 * relay that moved events starts the deliveries; a timer (every `pollMs`, default 2 s) starts both,
 * for what other hosts recorded and retries that came due. A lane never runs twice at once on a
 * host; several hosts share the work through the relay lock and the delivery leases.
 * `runOnce` (tests, on their own clock) runs relay and deliveries in turn until nothing is left.
 */
export class EventJobs {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<EventRoundResult> | undefined;
  // Kicks run lanes only once started: a test host (no workers) runs rounds itself, on its clock.
  #started = false;
  #kickScheduled = false;
  #prunedAt = Number.NEGATIVE_INFINITY;
  readonly #lanes = {
    relay: { running: undefined as Promise<void> | undefined, again: false },
    deliver: { running: undefined as Promise<void> | undefined, again: false },
  };
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
    this.#timer ??= setInterval(() => {
      this.#lane('relay');
      this.#lane('deliver');
    }, this.deps.pollMs ?? 2000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#started = false;
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const type of WALLET_TYPES) this.deps.wallet.events.off(type, this.#onWalletEvent);
    await Promise.all([this.#lanes.relay.running, this.#lanes.deliver.running, this.#running?.catch(() => undefined)]);
    this.deps.deliverer.close();
  }

  /** Asks for a relay soon; commits in the same tick share one, and one during a relay runs another after it. */
  kick(): void {
    if (!this.#started || this.#kickScheduled) return;
    this.#kickScheduled = true;
    setImmediate(() => {
      this.#kickScheduled = false;
      if (this.#started) this.#lane('relay');
    });
  }

  #lane(name: 'relay' | 'deliver'): void {
    const lane = this.#lanes[name];
    if (lane.running) {
      lane.again = true;
      return;
    }
    const work = name === 'relay' ? () => this.#relayPass() : () => this.#deliverPass();
    lane.running = (async () => {
      do {
        lane.again = false;
        while (this.#started && (await work())) {
          // a full pass: go again at once
        }
      } while (lane.again && this.#started);
    })()
      .catch((err: unknown) => this.deps.logger.error({ err, lane: name }, 'events lane failed'))
      .finally(() => {
        lane.running = undefined;
      });
  }

  /** Relays both outboxes; starts the deliveries when it moved anything. Never loops: a kick brings it back. */
  async #relayPass(): Promise<boolean> {
    const moved = (await this.deps.walletJobs.relayEvents()) + (await this.deps.log.relayOutbox());
    if (moved) this.#lane('deliver');
    return false;
  }

  /** One delivery round (and the hourly prune); true while it made progress. */
  async #deliverPass(): Promise<boolean> {
    await this.#pruneIfDue().catch((err: unknown) => this.deps.logger.error({ err }, 'events prune failed'));
    const r = await this.deps.deliverer.deliverDue();
    if (r.parked || r.failed || r.disabled.length) this.deps.logger.warn({ ...r }, 'events: deliveries parked, failed or endpoints disabled');
    return r.delivered + r.retried + r.parked + r.failed > 0;
  }

  async #pruneIfDue(): Promise<PruneResult | undefined> {
    const now = this.deps.clock.now().getTime();
    if (now - this.#prunedAt < PRUNE_EVERY_MS) return undefined;
    this.#prunedAt = now;
    return pruneEvents({ db: this.deps.db, before: new Date(now - (this.deps.retentionDays ?? 30) * 86_400_000) });
  }

  /** Relays and delivers until nothing is left that is due (bounded); joins a round in flight. */
  runOnce(): Promise<EventRoundResult> {
    this.#running ??= this.#rounds().finally(() => {
      this.#running = undefined;
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
    await step('prune', async () => {
      const pruned = await this.#pruneIfDue();
      if (pruned) total.pruned = pruned;
    });
    if (total.parked || total.failed || total.disabled.length) this.deps.logger.warn({ ...total }, 'events: deliveries parked, failed or endpoints disabled');
    return total;
  }
}
