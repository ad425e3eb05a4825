import type { DrainResult, InvoiceWritebackService } from '@tollgate/invoice-sync';
import type { Logger } from 'pino';

/**
 * S-5 write-back in the host: drains the payment write-back queue (registerPayment /
 * removePayments at the source) on a timer. Every host drains; the queue's leases keep two hosts
 * off the same row. `runOnce` is what tests call.
 */
export class InvoiceWritebackJobs {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<DrainResult> | undefined;

  constructor(private readonly deps: { writebacks: InvoiceWritebackService; logger: Logger; everyMs?: number }) {}

  start(): void {
    this.#timer ??= setInterval(
      () => void this.runOnce().catch((err: unknown) => this.deps.logger.error({ err }, 'payment write-back drain failed')),
      this.deps.everyMs ?? 30_000,
    );
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /** One drain of every due write-back (one at a time on this host). */
  runOnce(): Promise<DrainResult> {
    this.#running ??= this.deps.writebacks.drain({ limit: 500 }).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }
}
