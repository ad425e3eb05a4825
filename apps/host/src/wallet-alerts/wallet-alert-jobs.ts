import type { WalletAlertService } from '@tollgate/wallet-alerts';
import type { Logger } from 'pino';

export interface WalletAlertSweepResult {
  accounts: number;
  triggered: number;
  rearmed: number;
  deletedKeys: number;
  errors: number;
}

/**
 * The alerts' background work: days-left alerts change with time alone (their burn window moves
 * at midnight in each wallet's time zone), so every few minutes each is checked again; old create
 * keys are forgotten. Safe on several hosts at once (each account is checked under its wallet
 * row lock, and only the armed → triggered update fires). `runOnce` is what tests call.
 */
export class WalletAlertJobs {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<WalletAlertSweepResult> | undefined;

  constructor(private readonly deps: { alerts: WalletAlertService; logger: Logger; intervalMs?: number }) {}

  /** Starts the timer (unref'd: it never keeps the process alive). */
  start(): void {
    this.#timer ??= setInterval(() => void this.runOnce(), this.deps.intervalMs ?? 5 * 60_000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /** One sweep; one already running is joined, not doubled. */
  runOnce(): Promise<WalletAlertSweepResult> {
    this.#running ??= this.#sweep().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #sweep(): Promise<WalletAlertSweepResult> {
    const result: WalletAlertSweepResult = { accounts: 0, triggered: 0, rearmed: 0, deletedKeys: 0, errors: 0 };
    try {
      Object.assign(result, await this.deps.alerts.sweep());
    } catch (err) {
      result.errors++;
      this.deps.logger.error({ err, step: 'days_left' }, 'wallet alert sweep step failed');
    }
    try {
      result.deletedKeys = await this.deps.alerts.deleteOldKeys();
    } catch (err) {
      result.errors++;
      this.deps.logger.error({ err, step: 'delete_keys' }, 'wallet alert sweep step failed');
    }
    if (result.triggered || result.rearmed || result.deletedKeys) this.deps.logger.info({ ...result }, 'wallet alert sweep');
    return result;
  }
}
