import type { JobQueue } from '@tollgate/db';
import type { FundingService } from '@tollgate/funding';
import type { NotificationService } from '@tollgate/notifications';
import type { WalletService } from '@tollgate/wallet';
import type { Logger } from 'pino';
import { WALLET_EVENTS_QUEUE } from '../wallet/wallet-jobs.js';
import type { AccountNotifier } from './account-notifier.js';

/** Wallet events that become e-mails (C-6); the rest come from the funding flows themselves. */
const WALLET_NOTICES: Record<string, string> = { 'wallet.low_balance': 'low_balance', 'wallet.depleted': 'depleted' };

export interface FundingSweepResult {
  refills: number;
  resumed: number;
  walletEvents: number;
  mailsSent: number;
  errors: number;
}

/**
 * The funding side's background work: consume relayed wallet events (notifications), start
 * auto-refills on the spot when a charge takes a balance under its minimum (in process), and
 * once a minute the funding sweep and the mail outbox. `runOnce` is what tests call.
 */
export class FundingJobs {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<FundingSweepResult> | undefined;
  readonly #refilling = new Set<string>();
  readonly #onWalletEvent = (event: { type: string; accountId: string; payload: Record<string, unknown> }) => {
    // A spend took the balance down: maybe the account's auto-refill is due (C-3). One check per account at a time.
    if (this.#refilling.has(event.accountId)) return;
    this.#refilling.add(event.accountId);
    void this.deps.funding
      .maybeRefill({ accountId: event.accountId })
      .catch((err: unknown) => this.deps.logger.warn({ err, accountId: event.accountId }, 'auto-refill failed to start'))
      .finally(() => this.#refilling.delete(event.accountId));
  };

  constructor(
    private readonly deps: {
      jobs: JobQueue;
      funding: FundingService;
      notifications: NotificationService;
      notifier: AccountNotifier;
      wallet: WalletService;
      logger: Logger;
      intervalMs?: number;
      deliverMail: boolean;
    },
  ) {}

  /** Listens to the wallet in process (refill triggers); always on, also in tests. */
  listen(): void {
    for (const type of ['wallet.charged', 'wallet.hold_placed', 'wallet.clawed_back', 'wallet.credits_refunded'])
      this.deps.wallet.events.on(type, this.#onWalletEvent);
  }

  /** Queue worker and the minute timer (unref'd). */
  async start(): Promise<void> {
    await this.deps.jobs.createQueue({ name: WALLET_EVENTS_QUEUE });
    await this.deps.jobs.work({
      name: WALLET_EVENTS_QUEUE,
      handler: async (jobs) => {
        for (const job of jobs) await this.handleWalletEvent(job.data as WalletEventJob);
      },
    });
    this.#timer ??= setInterval(() => void this.runOnce(), this.deps.intervalMs ?? 60_000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const type of ['wallet.charged', 'wallet.hold_placed', 'wallet.clawed_back', 'wallet.credits_refunded'])
      this.deps.wallet.events.off(type, this.#onWalletEvent);
    await this.#running?.catch(() => undefined);
  }

  runOnce(): Promise<FundingSweepResult> {
    this.#running ??= this.#sweep().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** One relayed wallet event; the event id is the notification key, so a redelivery mails nobody twice. */
  async handleWalletEvent(event: WalletEventJob): Promise<void> {
    const template = WALLET_NOTICES[event.type];
    if (!template) return;
    await this.deps.notifier.notifyNow({ accountId: event.accountId, eventKey: `wallet_event:${event.id}`, template, data: event.payload });
  }

  async #sweep(): Promise<FundingSweepResult> {
    const result: FundingSweepResult = { refills: 0, resumed: 0, walletEvents: 0, mailsSent: 0, errors: 0 };
    const step = async (name: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (err) {
        result.errors++;
        this.deps.logger.error({ err, step: name }, 'funding sweep step failed');
      }
    };
    await step('funding', async () => {
      Object.assign(result, await this.deps.funding.sweep());
    });
    await step('wallet_events', async () => {
      await this.deps.jobs.createQueue({ name: WALLET_EVENTS_QUEUE });
      const { completed } = await this.deps.jobs.drain({ name: WALLET_EVENTS_QUEUE, handler: (job) => this.handleWalletEvent(job.data as WalletEventJob) });
      result.walletEvents = completed;
    });
    if (this.deps.deliverMail) {
      await step('mail', async () => {
        result.mailsSent = (await this.deps.notifications.deliverDue({})).sent;
      });
    }
    return result;
  }
}

interface WalletEventJob {
  id: string;
  accountId: string;
  type: string;
  payload: Record<string, unknown>;
}
