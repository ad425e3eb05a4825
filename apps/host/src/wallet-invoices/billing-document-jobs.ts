import type { JobQueue } from '@tollgate/db';
import { BILLING_DOCUMENT_QUEUE, type BillingDocumentService } from '@tollgate/wallet-invoices';
import type { Logger } from 'pino';

/**
 * Wallet invoices' background work on every host: the durable render jobs (queued in the wallet
 * transaction that issued the document; pg-boss hands each to one host) and, every `sweepSeconds`,
 * documents whose job was lost. `runOnce` is what tests call instead of waiting.
 */
export class BillingDocumentJobs {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<{ jobs: number; due: number }> | undefined;

  constructor(private readonly deps: { jobs: JobQueue; documents: BillingDocumentService; logger: Logger; sweepSeconds: number }) {}

  /** The queue must exist before the first purchase: the wallet transaction sends to it. */
  async prepare(): Promise<void> {
    await this.deps.jobs.createQueue({ name: BILLING_DOCUMENT_QUEUE, retryLimit: 5, retryDelaySeconds: 30, retryBackoff: true });
  }

  async start(): Promise<void> {
    await this.prepare();
    await this.deps.jobs.work({
      name: BILLING_DOCUMENT_QUEUE,
      handler: async (jobs) => {
        for (const job of jobs) await this.#execute(job.data as { documentId: string });
      },
    });
    this.#timer ??= setInterval(
      () => void this.runOnce().catch((err: unknown) => this.deps.logger.warn({ err }, 'billing documents round failed')),
      this.deps.sweepSeconds * 1000,
    );
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /** Queued render jobs, then one round of documents left behind. */
  runOnce(): Promise<{ jobs: number; due: number }> {
    this.#running ??= (async () => {
      const { completed } = await this.deps.jobs.drain({ name: BILLING_DOCUMENT_QUEUE, handler: (job) => this.#execute(job.data as { documentId: string }) });
      const { processed } = await this.deps.documents.processDue();
      return { jobs: completed, due: processed };
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #execute(data: { documentId: string }): Promise<void> {
    const outcome = await this.deps.documents.process({ documentId: data.documentId });
    this.deps.logger.debug({ documentId: data.documentId, outcome }, 'billing document');
  }
}
