import type { Readable } from 'node:stream';
import type { ImportRun, InvoiceImporter, InvoicePdfService, PdfRoundResult } from '@tollgate/invoice-sync';
import type { Logger } from 'pino';

/**
 * S-6 in the host: the PDF schedule's timer (every `minutes`, and soon after an import run brought
 * something new), a round on request (POST …/pdfs/fetch), and the ZIP and PDF downloads in flight,
 * which `stop` cuts so a slow client cannot hold the host's shutdown open. The schedule itself (which
 * PDFs are due, backoff, claims across hosts) is InvoicePdfService's. `runOnce` is what tests call.
 */
export class InvoicePdfJobs {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<PdfRoundResult> | undefined;
  readonly #downloads = new Set<Readable>();
  readonly #onRunFinished = (run: ImportRun) => {
    if (run.counts.new > 0) this.kick();
  };

  constructor(
    readonly deps: {
      pdfs: InvoicePdfService;
      importer: InvoiceImporter;
      logger: Logger;
      minutes: number;
    },
  ) {}

  get pdfs(): InvoicePdfService {
    return this.deps.pdfs;
  }

  /** The timer (unref'd) and the import listener; without them (tests) rounds run only through runOnce. */
  start(): void {
    this.#timer ??= setInterval(() => this.kick(), this.deps.minutes * 60_000);
    this.#timer.unref();
    this.deps.importer.events.on('run_finished', this.#onRunFinished);
  }

  /** Stops the timer, cuts downloads in flight, and waits a little for a round in flight (its claims expire otherwise). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.deps.importer.events.off('run_finished', this.#onRunFinished);
    for (const stream of this.#downloads) stream.destroy(new Error('the host is stopping'));
    this.#downloads.clear();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#running?.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, 5_000).unref()))]);
    clearTimeout(timer);
  }

  /** A round now, in the background, when the timer runs (started hosts); one at a time per host. */
  kick(): void {
    if (!this.#timer) return;
    void this.runOnce().catch((err: unknown) => this.deps.logger.error({ err }, 'invoice PDF round failed'));
  }

  runOnce(): Promise<PdfRoundResult> {
    this.#running ??= this.deps.pdfs.runDue().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** A download being sent: cut when the host stops, forgotten when it ends. */
  track<T extends Readable>(stream: T): T {
    this.#downloads.add(stream);
    stream.once('close', () => this.#downloads.delete(stream));
    return stream;
  }
}
