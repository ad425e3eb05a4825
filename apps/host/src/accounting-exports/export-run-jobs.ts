import { EXPORT_RUN_QUEUE, type ExportRunService } from '@tollgate/accounting-exports';
import type { JobQueue } from '@tollgate/db';
import type { Logger } from 'pino';

/**
 * Export runs' background work on every host: the durable run jobs (queued in the transaction that
 * stores or resumes a run; pg-boss hands each to one host) and, every `sweepSeconds`, runs left behind
 * by a lost job or a host that died (ExportRunService.runDue, by lease on the run rows). `runOnce` is
 * what tests call instead of waiting.
 */
export class ExportRunJobs {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<{ jobs: number; due: number }> | undefined;

  constructor(private readonly deps: { jobs: JobQueue; runs: ExportRunService; logger: Logger; sweepSeconds: number }) {}

  async prepare(): Promise<void> {
    await this.deps.jobs.createQueue({ name: EXPORT_RUN_QUEUE });
  }

  async start(): Promise<void> {
    await this.prepare();
    await this.deps.jobs.work({
      name: EXPORT_RUN_QUEUE,
      handler: async (jobs) => {
        for (const job of jobs) await this.#execute(job.data as { runId: string });
      },
    });
    this.#timer ??= setInterval(
      () => void this.runOnce().catch((err: unknown) => this.deps.logger.warn({ err }, 'export runs round failed')),
      this.deps.sweepSeconds * 1000,
    );
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /** Queued run jobs, then one round of runs left behind. */
  runOnce(): Promise<{ jobs: number; due: number }> {
    this.#running ??= (async () => {
      await this.prepare();
      const { completed } = await this.deps.jobs.drain({ name: EXPORT_RUN_QUEUE, handler: (job) => this.#execute(job.data as { runId: string }) });
      const due = await this.deps.runs.runDue();
      return { jobs: completed, due };
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #execute(data: { runId: string }): Promise<void> {
    const outcome = await this.deps.runs.execute({ runId: data.runId });
    this.deps.logger.debug({ runId: data.runId, outcome }, 'export run');
  }
}
