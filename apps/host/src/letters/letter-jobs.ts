import type { JobQueue } from '@tollgate/db';
import { LETTER_SUBMIT_QUEUE, type LetterRoundResult, type LetterService } from '@tollgate/letters';
import type { Logger } from 'pino';

/**
 * The letters' background work on every host: the durable submit jobs (queued in the transaction
 * that stores a letter; pg-boss hands each to one host) and, every `sweepSeconds`, a round of due
 * retries, status polls and repairs (LetterService.runDue, kept on the letter rows so any host can
 * run it). `runOnce` is what tests call instead of waiting.
 */
export class LetterJobs {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<LetterRoundResult & { jobs: number }> | undefined;

  constructor(
    private readonly deps: {
      jobs: JobQueue;
      letters: LetterService;
      logger: Logger;
      sweepSeconds: number;
    },
  ) {}

  async prepare(): Promise<void> {
    await this.deps.jobs.createQueue({ name: LETTER_SUBMIT_QUEUE });
  }

  async start(): Promise<void> {
    await this.prepare();
    await this.deps.jobs.work({
      name: LETTER_SUBMIT_QUEUE,
      handler: async (jobs) => {
        for (const job of jobs) await this.#submit(job.data as { letterId: string });
      },
    });
    this.#timer ??= setInterval(
      () => void this.runOnce().catch((err: unknown) => this.deps.logger.warn({ err }, 'letters round failed')),
      this.deps.sweepSeconds * 1000,
    );
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /** Queued submit jobs, then one round of due work. */
  runOnce(): Promise<LetterRoundResult & { jobs: number }> {
    this.#running ??= (async () => {
      await this.prepare();
      const { completed } = await this.deps.jobs.drain({ name: LETTER_SUBMIT_QUEUE, handler: (job) => this.#submit(job.data as { letterId: string }) });
      const round = await this.deps.letters.runDue();
      return { ...round, jobs: completed };
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #submit(data: { letterId: string }): Promise<void> {
    const outcome = await this.deps.letters.submit({ letterId: data.letterId });
    this.deps.logger.debug({ letterId: data.letterId, outcome }, 'letter submit');
  }
}
