import type { Database } from '@tollgate/db';
import type {
  AccountingDocumentsService,
  ImportRun,
  InvitationRoundResult,
  InvitationService,
  InvoiceImporter,
  InvoiceSourceDirectory,
} from '@tollgate/invoice-sync';
import type { Logger } from 'pino';
import type { AccountNotifier } from '../funding/account-notifier.js';

export interface InvoiceSweepResult {
  connections: number;
  runs: number;
  skipped: number;
  errors: number;
}

/** What a skip reason means to the account (the import summary mail). */
const REASONS: Record<string, string> = {
  customer_not_found: 'its customer no longer exists at the source',
  no_profile: 'no collection profile applies (set a default profile)',
  not_found: 'it is no longer booked at the source',
};
const MAX_LINES = 50;
/** P-6: documents per connection whose accounting details each sweep reads when they lack them (the source's rate limit is shared). */
const ACCOUNTING_BACKFILL_PER_SWEEP = 50;

/**
 * The invoice import's background work in the host: the polling sweep of every connection that
 * imports automatically (S-3; the webhook path lives in the source plugins), manual imports that
 * run after the API has answered, and the summary e-mail of each run (S-3). `runOnce` and `idle`
 * are what tests call.
 */
export class InvoiceSyncJobs {
  #timer: NodeJS.Timeout | undefined;
  #inviting: Promise<InvitationRoundResult> | undefined;
  #sweeping: Promise<InvoiceSweepResult> | undefined;
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #onRunFinished = (run: ImportRun) => this.#track(this.mailSummary(run));

  constructor(
    private readonly deps: {
      db: Database;
      importer: InvoiceImporter;
      notifier: AccountNotifier;
      sources: InvoiceSourceDirectory;
      logger: Logger;
      sweepMinutes: number;
      invitations: InvitationService;
      /** When given, each sweep also backfills accounting details (P-6), a few per connection. */
      accounting?: Pick<AccountingDocumentsService, 'backfill'>;
    },
  ) {}

  /** Summary mails on every finished run; always on, also in tests. */
  listen(): void {
    this.deps.importer.events.on('run_finished', this.#onRunFinished);
  }

  /** The sweep timer (unref'd). Every host sweeps; a connection's running import makes the others skip it. */
  start(): void {
    this.#timer ??= setInterval(() => {
      void this.runOnce();
      void this.runInvitations().catch((err: unknown) => this.deps.logger.error({ err }, 'invitation round failed'));
    }, this.deps.sweepMinutes * 60_000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.deps.importer.events.off('run_finished', this.#onRunFinished);
    // A long import is not waited for: it stops with the database, and its run, left without a
    // heartbeat, is marked interrupted and resumed by the next import of the same request.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, 5_000).unref()))]);
    clearTimeout(timer);
  }

  /** Waits for manual imports, sweeps and summary mails in flight. */
  async idle(): Promise<void> {
    while (this.#inflight.size > 0 || this.#sweeping || this.#inviting) {
      await Promise.allSettled([...this.#inflight, this.#sweeping, this.#inviting]);
    }
  }

  /** POST …/imports: the run is stored and refusals are known when this resolves; pages are fetched afterwards. */
  async startImport(input: { accountId: string; connectionId: string; days?: number }): Promise<ImportRun> {
    const { run, done } = await this.deps.importer.startRecent(input);
    this.#track(done.catch((err: unknown) => this.deps.logger.error({ err, runId: run.id }, 'manual import failed')));
    return run;
  }

  /**
   * S-7, the durable job: invoices whose PDF became available and whose profile sends invitations
   * get their mail queued (exactly once, whichever host runs it), and queued ones are marked sent or
   * failed from the outbox. All state is in the database: a host that dies mid-round loses nothing.
   */
  runInvitations(): Promise<InvitationRoundResult> {
    this.#inviting ??= this.deps.invitations
      .runOnce()
      .then((result) => {
        for (const e of result.errors) this.deps.logger.error({ invoiceId: e.invoiceId, err: e.message }, 'invitation not sent');
        return result;
      })
      .finally(() => {
        this.#inviting = undefined;
      });
    return this.#inviting;
  }

  runOnce(): Promise<InvoiceSweepResult> {
    this.#sweeping ??= this.#sweep().finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  /**
   * The summary of a run, e-mailed to the account's owners and admins once per run. Manual runs
   * always; automatic ones only when they brought something new, skipped something, or flag a
   * subscription — a quiet sweep every few minutes mails nobody.
   */
  async mailSummary(run: ImportRun): Promise<void> {
    const flags = (run.flags.zeroDaySubscriptions ?? []).map(
      (s) => `Subscription "${s.title}" has a payment term of 0 days: its invoices are due the day they are issued.`,
    );
    const worth = run.trigger === 'manual' || run.counts.failed > 0 || flags.length > 0 || (run.trigger === 'sweep' && run.counts.new > 0);
    if (!worth) return;
    const { rows } = await this.deps.db.query<{ account_id: string; source_id: string }>('select account_id, source_id from sync_connections where id = $1', [
      run.connectionId,
    ]);
    const connection = rows[0];
    if (!connection) return;
    const failures = run.failures.map((f) => {
      const what = f.kind === 'credit_note' ? 'Credit note' : 'Invoice';
      const reason = f.reason.startsWith('unknown_profile:')
        ? `its profile field names "${f.reason.slice('unknown_profile:'.length)}", which matches no profile`
        : (REASONS[f.reason] ?? f.reason);
      return `${what} ${f.number ?? f.sourceId}: ${reason}`;
    });
    const clip = (lines: string[]) => (lines.length > MAX_LINES ? [...lines.slice(0, MAX_LINES), `… and ${lines.length - MAX_LINES} more`] : lines).join('\n');
    try {
      await this.deps.notifier.notifyNow({
        accountId: connection.account_id,
        eventKey: `import_run:${run.id}`,
        template: 'import_summary',
        data: {
          source: this.deps.sources.get(connection.source_id)?.label ?? connection.source_id,
          trigger: run.trigger,
          status: run.status,
          newCount: String(run.counts.new),
          updatedCount: String(run.counts.updated),
          ignoredCount: String(run.counts.ignored),
          failedCount: String(run.counts.failed),
          failures: clip(failures),
          flags: clip(flags),
        },
      });
    } catch (err) {
      this.deps.logger.error({ err, runId: run.id }, 'import summary mail not queued');
    }
  }

  async #sweep(): Promise<InvoiceSweepResult> {
    const result: InvoiceSweepResult = { connections: 0, runs: 0, skipped: 0, errors: 0 };
    const { rows } = await this.deps.db.query<{ id: string; account_id: string }>(
      `select id, account_id from sync_connections where status = 'connected' and auto_import order by created_at`,
    );
    for (const { id, account_id: accountId } of rows) {
      result.connections++;
      try {
        const { run } = await this.deps.importer.sweep({ connectionId: id });
        if (run) result.runs++;
        else result.skipped++;
      } catch (err) {
        result.errors++;
        this.deps.logger.error({ err, connectionId: id }, 'invoice sweep failed');
      }
      // After the connection's own sweep: documents imported before their source gave accounting
      // details get them, a few each time. A failure here is logged, never a sweep error.
      if (this.deps.accounting) {
        try {
          const filled = await this.deps.accounting.backfill({ accountId, limit: ACCOUNTING_BACKFILL_PER_SWEEP, backoff: true });
          if (filled.failed > 0) this.deps.logger.warn({ connectionId: id, ...filled }, 'accounting details not read for some documents');
        } catch (err) {
          this.deps.logger.error({ err, connectionId: id }, 'accounting backfill failed');
        }
      }
    }
    return result;
  }

  #track(promise: Promise<unknown>): void {
    const tracked = promise.finally(() => this.#inflight.delete(tracked));
    this.#inflight.add(tracked);
  }
}
