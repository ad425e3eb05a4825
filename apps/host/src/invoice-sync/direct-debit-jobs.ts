import type { Clock } from '@tollgate/clock';
import type { JobQueue } from '@tollgate/db';
import type { DirectDebitService } from '@tollgate/invoice-sync';
import type { Logger } from 'pino';

export const DIRECT_DEBIT_QUEUE = 'invoice-sync.direct-debit';

export interface DirectDebitSweepResult {
  accounts: number;
  collected: number;
  settled: number;
  returned: number;
  errors: number;
}

/**
 * S-9's durable daily job: once a day (UTC) each account with a creditor gets a collection run;
 * the bank's answers are applied on every round. The timer only enqueues: a job keyed by the
 * day (singleton) runs on one host, and a collection twice the same day finds nothing new anyway
 * (each invoice is claimed once). `runOnce` is what tests call.
 */
export class DirectDebitJobs {
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: { jobs: JobQueue; clock: Clock; directDebit: DirectDebitService; logger: Logger; intervalMs?: number }) {}

  async start(): Promise<void> {
    await this.deps.jobs.createQueue({ name: DIRECT_DEBIT_QUEUE, retryLimit: 3, retryDelaySeconds: 300 });
    await this.deps.jobs.work({
      name: DIRECT_DEBIT_QUEUE,
      handler: async () => {
        await this.runOnce();
      },
    });
    const enqueue = () =>
      void this.deps.jobs
        .send({ name: DIRECT_DEBIT_QUEUE, data: {}, singletonKey: `day:${this.deps.clock.now().toISOString().slice(0, 10)}` })
        .catch((err: unknown) => this.deps.logger.warn({ err }, 'direct-debit job not queued'));
    this.#timer ??= setInterval(enqueue, this.deps.intervalMs ?? 60 * 60_000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Applies the bank's answers, then collects for every account not yet collected today by the schedule. */
  async runOnce(): Promise<DirectDebitSweepResult> {
    const result: DirectDebitSweepResult = { accounts: 0, collected: 0, settled: 0, returned: 0, errors: 0 };
    try {
      const applied = await this.deps.directDebit.applyOutcomes();
      result.settled += applied.settled;
      result.returned += applied.returned;
    } catch (err) {
      result.errors++;
      this.deps.logger.error({ err }, 'direct-debit answers not applied');
    }
    const today = this.deps.clock.now().toISOString().slice(0, 10);
    for (const accountId of await this.deps.directDebit.accountsToCollect()) {
      result.accounts++;
      try {
        if (await this.deps.directDebit.collectedOn({ accountId, day: today })) continue;
        const run = await this.deps.directDebit.collect({ accountId, trigger: 'schedule' });
        result.collected += run.itemCount;
        if (run.error) result.errors++;
      } catch (err) {
        result.errors++;
        this.deps.logger.error({ err, accountId }, 'direct-debit collection failed');
      }
    }
    return result;
  }
}
