import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, JOB_QUEUE, pgArray, type Database, type JobQueue, type Queryable } from '@tollgate/db';
import { isTollgateError, UnprocessableError } from '@tollgate/errors';
import { FILE_STORE, type FileStore } from '@tollgate/files';
import { ACCOUNTING_DOCUMENTS, type AccountingDocumentReader } from '@tollgate/invoice-sync';
import { recordEvent } from '@tollgate/events';
import { Money } from '@tollgate/money';
import type { AccountingDocument, AccountingExporter, EventPayloads, ExportFile } from '@tollgate/plugin-sdk';
import { WalletService } from '@tollgate/wallet';
import { inject, injectable } from 'tsyringe';
import {
  ExportDeliveryError,
  ExporterNotFoundError,
  ExportRunKeyReusedError,
  ExportRunNotDownloadableError,
  ExportRunNotFoundError,
  ExportRunNotResumableError,
} from './accounting-exports.errors.js';
import {
  ACCOUNTING_EXPORTERS,
  ACCOUNTING_EXPORTS_OPTIONS,
  EXPORT_DELIVERIES,
  EXPORT_RUN_QUEUE,
  type AccountingExporterDirectory,
  type AccountingExportsOptions,
  type ExportRun,
  type ExportRunReport,
  type ExportRunStatus,
  type ExportSelection,
  type StartRunInput,
} from './accounting-exports.types.js';
import type { DeliverableFile, ExportDeliveryDirectory } from './export-delivery.js';
import { newRunId, normaliseSelection, runRequestHash, runView, type DocumentRow, type FileRow, type HoldRow, type RunRow } from './export-run-rows.js';
import { ExportTargetService, type TargetRow } from './export-target.service.js';

/** Runs picked up this many times without finishing (an exporter that keeps throwing) are failed. */
const MAX_RUNS = 5;
/** File store writes in flight while a page is stored. */
const PUT_CONCURRENCY = 16;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** What one call of `execute` did. */
export type ExecuteOutcome = 'skipped' | ExportRunStatus | 'retry';

/**
 * Export runs (P-6): pick documents, render them with the target's exporter, hold the price of the
 * rendered documents (one wallet hold per delivery attempt), store the files, deliver them, capture
 * what was delivered and release the rest. Every wallet move has a key derived from the run id and
 * the attempt, so a run picked up again after a crash never charges twice; `exported_documents`
 * (unique per target and invoice) makes "once per target" a database rule.
 */
@injectable()
export class ExportRunService {
  readonly #holdMs: number;
  readonly #pageSize: number;
  readonly #leaseMs: number;

  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(JOB_QUEUE) private readonly jobs: JobQueue,
    @inject(WalletService) private readonly wallet: WalletService,
    @inject(FILE_STORE) private readonly files: FileStore,
    @inject(ACCOUNTING_DOCUMENTS) private readonly reader: AccountingDocumentReader,
    @inject(ACCOUNTING_EXPORTERS) private readonly exporters: AccountingExporterDirectory,
    @inject(EXPORT_DELIVERIES) private readonly deliveries: ExportDeliveryDirectory,
    @inject(ExportTargetService) private readonly targets: ExportTargetService,
    @inject(ACCOUNTING_EXPORTS_OPTIONS) options: AccountingExportsOptions,
  ) {
    this.#holdMs = (options.holdDays ?? 7) * 86_400_000;
    this.#pageSize = Math.min(Math.max(options.pageSize ?? 200, 1), 500);
    this.#leaseMs = (options.leaseMinutes ?? 15) * 60_000;
  }

  // ---- starting -------------------------------------------------------------------------------

  /**
   * A queued run, its job sent in the transaction that stores it. The same key and body answer the
   * same run (created false); the same key with another body is refused. Two hosts with one key race
   * on the (account, key) constraint: one run.
   */
  async startRun(input: StartRunInput): Promise<{ run: ExportRun; created: boolean }> {
    const hash = runRequestHash(input);
    const existing = await this.#byKey(input.accountId, input.idempotencyKey);
    if (existing) return { run: await this.#sameRun(existing, hash, input.idempotencyKey), created: false };
    const target = await this.targets.row({ accountId: input.accountId, id: input.targetId });
    if (!this.exporters.get(target.exporter_id))
      throw new ExporterNotFoundError({ exporterId: target.exporter_id, available: this.exporters.list().map((e) => e.id) });
    const selection = checkSelection(normaliseSelection(input.selection));
    const id = newRunId();
    const now = this.clock.now();
    const inserted = await this.db.transaction(async (tx) => {
      const { rowCount } = await tx.query(
        `insert into export_runs (id, account_id, target_id, idempotency_key, request_hash, selection, reexport, status, created_by, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $9, $9) on conflict (account_id, idempotency_key) do nothing`,
        [id, input.accountId, input.targetId, input.idempotencyKey, hash, JSON.stringify(selection), input.reexport ?? false, input.actor ?? null, now],
      );
      if (rowCount === 1) await this.#queue(tx, id);
      return rowCount === 1;
    });
    if (!inserted) {
      const winner = await this.#byKey(input.accountId, input.idempotencyKey);
      if (!winner) throw new Error('export run vanished after a key conflict');
      return { run: await this.#sameRun(winner, hash, input.idempotencyKey), created: false };
    }
    return { run: await this.get({ accountId: input.accountId, id }), created: true };
  }

  /**
   * Delivers what a partially delivered or failed run left undelivered: a new attempt with its own
   * hold for those documents only. Files already delivered are neither delivered nor charged again.
   */
  async resumeRun(input: { accountId: string; runId: string }): Promise<ExportRun> {
    const row = await this.#row(input.accountId, input.runId);
    if (!row) throw new ExportRunNotFoundError(input.runId);
    if (row.status !== 'partially_delivered' && row.status !== 'failed')
      throw new ExportRunNotResumableError({ runId: row.id, status: row.status, why: 'only a partially delivered or failed run can be resumed' });
    const left = await this.#undeliveredUnits(row.id);
    if (left === 0) throw new ExportRunNotResumableError({ runId: row.id, status: row.status, why: 'nothing is left to deliver' });
    await this.targets.row({ accountId: row.account_id, id: row.target_id });
    const resumed = await this.db.transaction(async (tx) => {
      const { rowCount } = await tx.query(
        `update export_runs set status = 'running', attempt = attempt + 1, reason = null, message = null, runs = 0, lease_until = null,
                finished_at = null, updated_at = $2
          where id = $1 and status in ('partially_delivered', 'failed')`,
        [row.id, this.clock.now()],
      );
      if (rowCount === 1) await this.#queue(tx, row.id);
      return rowCount === 1;
    });
    if (!resumed) throw new ExportRunNotResumableError({ runId: row.id, status: row.status, why: 'it was resumed by another request' });
    return this.get({ accountId: row.account_id, id: row.id });
  }

  // ---- reading --------------------------------------------------------------------------------

  async get(input: { accountId: string; id: string }): Promise<ExportRun> {
    const row = await this.#row(input.accountId, input.id);
    if (!row) throw new ExportRunNotFoundError(input.id);
    const target = await this.targets.row({ accountId: row.account_id, id: row.target_id, withDeleted: true });
    return runView(row, target, await this.#files(row.id));
  }

  async list(input: { accountId: string; status?: ExportRunStatus; targetId?: string; limit?: number; before?: string }): Promise<{
    data: ExportRun[];
    nextCursor: string | null;
  }> {
    const limit = Math.min(Math.max(input.limit ?? 50, 1), 200);
    const params: unknown[] = [input.accountId];
    const where = ['r.account_id = $1'];
    if (input.status) where.push(`r.status = $${params.push(input.status)}`);
    if (input.targetId) where.push(`r.target_id = $${params.push(input.targetId)}`);
    if (input.before) {
      const n = params.push(input.before);
      where.push(`(r.created_at, r.id) < (select created_at, id from export_runs where account_id = $1 and id = $${n})`);
    }
    const { rows } = await this.db.query<RunRow & { exporter_id: string; delivery_kind: TargetRow['delivery_kind'] }>(
      `select r.*, t.exporter_id, t.delivery_kind from export_runs r join export_targets t on t.id = r.target_id
        where ${where.join(' and ')} order by r.created_at desc, r.id desc limit ${limit + 1}`,
      params,
    );
    const page = rows.slice(0, limit);
    const data: ExportRun[] = [];
    for (const r of page) data.push(runView(r, r, await this.#files(r.id)));
    return { data, nextCursor: rows.length > limit ? page[page.length - 1]!.id : null };
  }

  /** The run's report: exported count, refusals with their rule, skips, what is still undelivered, money. */
  async report(input: { accountId: string; id: string }): Promise<ExportRunReport> {
    const row = await this.#row(input.accountId, input.id);
    if (!row) throw new ExportRunNotFoundError(input.id);
    const { rows } = await this.db.query<DocumentRow>('select * from export_run_documents where run_id = $1 order by seq', [row.id]);
    const holds = await this.#holds(row.id);
    const sum = (pick: (h: HoldRow) => string | null) => Money.sum(holds.map((h) => Money.of(String(pick(h) ?? '0')))).toString();
    return {
      exported: rows.filter((d) => d.outcome === 'exported').length,
      refused: rows
        .filter((d) => d.outcome === 'refused')
        .map((d) => ({ invoiceId: d.invoice_id, number: d.number, rule: d.rule ?? '', message: d.message ?? '' })),
      skipped: rows
        .filter((d) => d.outcome === 'skipped' || d.outcome === 'failed')
        .map((d) => ({ invoiceId: d.invoice_id, number: d.number, reason: d.rule ?? 'skipped' })),
      undelivered: rows
        .filter((d) => d.outcome === 'undelivered')
        .map((d) => ({ invoiceId: d.invoice_id, number: d.number, file: d.file_name, message: d.message })),
      charged: sum((h) => h.captured),
      released: sum((h) => h.released),
      currency: 'EUR',
    };
  }

  /** A download run's delivered files, for the streamed ZIP. */
  async downloadFiles(input: { accountId: string; id: string }): Promise<{ run: ExportRun; files: DeliverableFile[] }> {
    const run = await this.get(input);
    const delivered = (await this.#files(run.id)).filter((f) => f.delivered_at);
    if (run.deliveryKind !== 'download' || !delivered.length) throw new ExportRunNotDownloadableError({ runId: run.id, status: run.status });
    return { run, files: delivered.map((f) => this.#deliverable(f)) };
  }

  // ---- executing ------------------------------------------------------------------------------

  /**
   * The run's job (and the sweep's): prepare (select, reserve, render, store) → hold → deliver →
   * capture/release. Each step leaves the run in a state the next call continues from; a host that
   * dies leaves its lease to expire.
   */
  async execute(input: { runId: string }): Promise<ExecuteOutcome> {
    const now = this.clock.now();
    const {
      rows: [claimed],
    } = await this.db.query<RunRow>(
      `update export_runs set lease_until = $2, runs = runs + 1, started_at = coalesce(started_at, $3), updated_at = $3,
              status = case when status = 'queued' then 'running' else status end
        where id = $1 and status in ('queued', 'running', 'delivering') and (lease_until is null or lease_until < $3)
        returning *`,
      [input.runId, new Date(now.getTime() + this.#leaseMs), now],
    );
    if (!claimed) return 'skipped';
    let row = claimed;
    try {
      const target = await this.targets.row({ accountId: row.account_id, id: row.target_id, withDeleted: true });
      const exporter = this.exporters.get(target.exporter_id);
      if (!exporter) throw new Error(`accounting exporter ${target.exporter_id} is not loaded on this host`);
      if (!row.prepared_at) row = await this.#prepare(row, target, exporter);
      if (row.status === 'running') {
        const held = await this.#hold(row, exporter);
        if (held !== 'delivering') return held;
        row = (await this.#row(row.account_id, row.id))!;
      }
      return await this.#deliver(row, target);
    } catch (error) {
      return this.#executeFailed(row, error);
    }
  }

  /** Runs left behind (a lost job, a host that died mid-run): every host calls this now and then. */
  async runDue(input: { limit?: number } = {}): Promise<number> {
    const now = this.clock.now();
    const { rows } = await this.db.query<{ id: string }>(
      `select id from export_runs where status in ('queued', 'running', 'delivering') and (lease_until is null or lease_until < $1)
          and updated_at < $2 order by updated_at limit $3`,
      [now, new Date(now.getTime() - 60_000), input.limit ?? 20],
    );
    let done = 0;
    for (const { id } of rows) if ((await this.execute({ runId: id })) !== 'skipped') done++;
    return done;
  }

  async #executeFailed(row: RunRow, error: unknown): Promise<ExecuteOutcome> {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    if (row.runs < MAX_RUNS) {
      await this.db.query('update export_runs set lease_until = null, message = $2, updated_at = $3 where id = $1', [row.id, message, this.clock.now()]);
      return 'retry';
    }
    // Given up: what was delivered is charged, the rest of the hold given back. A run that never got its
    // files frees its documents; one that has them stays resumable (its documents stay reserved for it).
    const failure = { code: isTollgateError(error) ? error.code : 'export_failed', message };
    for (const hold of await this.#holds(row.id)) if (hold.status === 'held') await this.#settle(row, hold, await this.#deliveredUnits(row.id, hold.attempt));
    if (row.prepared_at) return this.#close(row, failure);
    await this.db.transaction(async (tx) => {
      await tx.query('delete from exported_documents where run_id = $1 and exported_at is null', [row.id]);
      await this.#finish(tx, row.id, { status: 'failed', reason: failure.code, message });
    });
    return 'failed';
  }

  /** Selects, reserves and renders the documents page by page; stores the files and each document's outcome. */
  async #prepare(row: RunRow, target: TargetRow, exporter: AccountingExporter): Promise<RunRow> {
    // A host that died while preparing left a partial list: start over (its reservations are this run's).
    await this.db.query('delete from export_run_documents where run_id = $1', [row.id]);
    await this.db.query('delete from export_run_files where run_id = $1', [row.id]);
    const selection: ExportSelection = typeof row.selection === 'string' ? JSON.parse(row.selection) : row.selection;
    const options = typeof target.options === 'string' ? (JSON.parse(target.options) as Record<string, unknown>) : target.options;
    const names = new Set<string>();
    let seq = 0;
    let cursor: string | null = null;
    do {
      const page = await this.reader.list({
        accountId: row.account_id,
        ...(selection.ids ? { ids: selection.ids } : {}),
        ...(selection.issuedFrom ? { issuedFrom: selection.issuedFrom } : {}),
        ...(selection.issuedTo ? { issuedTo: selection.issuedTo } : {}),
        ...(selection.kinds ? { kinds: selection.kinds } : {}),
        ...(selection.statuses ? { statuses: selection.statuses } : {}),
        cursor,
        limit: this.#pageSize,
      });
      cursor = page.nextCursor;
      const outcomes: Array<Omit<DocumentRow, 'run_id' | 'seq'>> = page.missing.map((m) => ({
        invoice_id: m.invoiceId,
        number: m.number,
        outcome: 'skipped',
        rule: 'no_accounting_details',
        message: 'The accounting details (lines, VAT, parties) were never read from the source; backfill them first.',
        file_name: null,
      }));
      const ours = await this.#reserve(row, page.documents);
      // Documents the target already has (or another run of it holds): "not yet exported" leaves them out of the
      // run; a run over everything reports them as skipped. Either way they are not exported again without reexport.
      const quiet = selection.notYetExported !== false;
      for (const doc of page.documents)
        if (!ours.has(doc.id) && !quiet)
          outcomes.push({ invoice_id: doc.id, number: doc.number, outcome: 'skipped', rule: 'already_exported', message: null, file_name: null });
      const documents = page.documents.filter((d) => ours.has(d.id));
      const stored: Array<{ file: ExportFile; key: string; sha256: string; size: number }> = [];
      if (documents.length) {
        const rendered = await exporter.render({ accountId: row.account_id, documents, options });
        assertRendered(exporter.id, documents, rendered);
        const number = new Map(documents.map((d) => [d.id, d.number]));
        for (const refusal of rendered.refused)
          outcomes.push({
            invoice_id: refusal.documentId,
            number: number.get(refusal.documentId)!,
            outcome: 'refused',
            rule: refusal.rule,
            message: refusal.message,
            file_name: null,
          });
        const named = rendered.files.map((file) => {
          const name = uniqueName(names, file.name);
          return { file: { ...file, name }, key: `accounting-exports/${row.account_id}/${row.id}/${name}` };
        });
        // A few puts at a time: a page of one-file-per-document is 200 files.
        for (let i = 0; i < named.length; i += PUT_CONCURRENCY) {
          const batch = named.slice(i, i + PUT_CONCURRENCY);
          const puts = await Promise.all(batch.map((n) => this.files.put({ key: n.key, body: Buffer.from(n.file.body), contentType: n.file.contentType })));
          batch.forEach((n, j) => stored.push({ ...n, sha256: puts[j]!.sha256, size: puts[j]!.size }));
        }
        for (const { file } of named)
          for (const id of file.documentIds)
            outcomes.push({ invoice_id: id, number: number.get(id)!, outcome: 'undelivered', rule: null, message: null, file_name: file.name });
        const refused = rendered.refused.map((r) => r.documentId);
        if (refused.length)
          await this.db.query('delete from exported_documents where run_id = $1 and exported_at is null and invoice_id = any($2::text[])', [
            row.id,
            pgArray(refused),
          ]);
      }
      await this.db.transaction(async (tx) => {
        if (stored.length)
          await tx.query(
            `insert into export_run_files (run_id, name, content_type, size, sha256, file_key, documents)
             select $1, f.name, f.content_type, f.size, f.sha256, f.file_key, f.documents
               from unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::int[]) as f(name, content_type, size, sha256, file_key, documents)`,
            [
              row.id,
              pgArray(stored.map((f) => f.file.name)),
              pgArray(stored.map((f) => f.file.contentType)),
              pgArray(stored.map((f) => f.size)),
              pgArray(stored.map((f) => f.sha256)),
              pgArray(stored.map((f) => f.key)),
              pgArray(stored.map((f) => f.file.documentIds.length)),
            ],
          );
        if (!outcomes.length) return;
        // One statement per page (a run of 10,000 documents is 50 of them, not 10,000).
        const first = seq + 1;
        seq += outcomes.length;
        await tx.query(
          `insert into export_run_documents (run_id, invoice_id, number, outcome, rule, message, file_name, seq)
           select $1, o.invoice_id, o.number, o.outcome, o.rule, o.message, o.file_name, $8::int + o.ord - 1
             from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) with ordinality
                  as o(invoice_id, number, outcome, rule, message, file_name, ord)
           on conflict (run_id, invoice_id) do nothing`,
          [
            row.id,
            pgArray(outcomes.map((o) => o.invoice_id)),
            pgArray(outcomes.map((o) => o.number)),
            pgArray(outcomes.map((o) => o.outcome)),
            pgArray(outcomes.map((o) => o.rule)),
            pgArray(outcomes.map((o) => o.message)),
            pgArray(outcomes.map((o) => o.file_name)),
            first,
          ],
        );
      });
    } while (cursor);
    const {
      rows: [prepared],
    } = await this.db.query<RunRow>(
      `update export_runs r set prepared_at = $2, updated_at = $2,
              documents_selected = c.total, documents_refused = c.refused, documents_skipped = c.skipped, documents_undelivered = c.pending
         from (select count(*)::int as total,
                      count(*) filter (where outcome = 'refused')::int as refused,
                      count(*) filter (where outcome = 'skipped')::int as skipped,
                      count(*) filter (where outcome = 'undelivered')::int as pending
                 from export_run_documents where run_id = $1) c
        where r.id = $1 returning r.*`,
      [row.id, this.clock.now()],
    );
    return prepared!;
  }

  /**
   * Reserves the documents for this run in `exported_documents`: a document exported to (or being
   * exported by another run of) the target is left out unless the run re-exports. Answers the ids the
   * run owns.
   */
  async #reserve(row: RunRow, documents: readonly AccountingDocument[]): Promise<Set<string>> {
    if (!documents.length) return new Set();
    const ids = documents.map((d) => d.id);
    const now = this.clock.now();
    const conflict = row.reexport
      ? 'on conflict (target_id, invoice_id) do update set run_id = excluded.run_id, reserved_at = excluded.reserved_at'
      : 'on conflict (target_id, invoice_id) do nothing';
    await this.db.query(
      `insert into exported_documents (account_id, target_id, invoice_id, run_id, reserved_at)
       select $1, $2, unnest($3::text[]), $4, $5 ${conflict}`,
      [row.account_id, row.target_id, pgArray(ids), row.id, now],
    );
    const { rows } = await this.db.query<{ invoice_id: string }>(
      'select invoice_id from exported_documents where target_id = $1 and run_id = $2 and invoice_id = any($3::text[])',
      [row.target_id, row.id, pgArray(ids)],
    );
    return new Set(rows.map((r) => r.invoice_id));
  }

  /** One hold for the documents this attempt delivers; a refusal fails the run before any delivery and frees its documents. */
  async #hold(row: RunRow, exporter: AccountingExporter): Promise<ExecuteOutcome | 'delivering'> {
    const existing = (await this.#holds(row.id)).find((h) => h.attempt === row.attempt);
    const units = await this.#undeliveredUnits(row.id);
    if (!existing) {
      if (units === 0) {
        await this.db.transaction((tx) => this.#finish(tx, row.id, { status: 'completed', reason: null, message: null }));
        return 'completed';
      }
      let hold;
      try {
        hold = await this.wallet.hold({
          accountId: row.account_id,
          channel: exporter.channel,
          units: String(units),
          idempotencyKey: `export-run:${row.id}:hold:${row.attempt}`,
          description: `Accounting export (${exporter.label}): ${units} document${units === 1 ? '' : 's'}`,
          expiresAt: new Date(this.clock.now().getTime() + this.#holdMs),
          metadata: { runId: row.id, attempt: row.attempt },
        });
      } catch (error) {
        if (isTollgateError(error) && (error.code === 'insufficient_funds' || error.code === 'wallet_blocked')) {
          await this.db.transaction(async (tx) => {
            await tx.query('delete from exported_documents where run_id = $1 and exported_at is null', [row.id]);
            // Not delivered, not charged, not reserved: a new run (after a top-up) exports them.
            await tx.query(`update export_run_documents set outcome = 'failed', rule = $2, message = $3 where run_id = $1 and outcome = 'undelivered'`, [
              row.id,
              error.code,
              error.message,
            ]);
            await this.#finish(tx, row.id, { status: 'failed', reason: error.code, message: error.message });
          });
          return 'failed';
        }
        throw error;
      }
      await this.db.query(
        `insert into export_run_holds (run_id, attempt, hold_id, units, amount, status, updated_at) values ($1, $2, $3, $4, $5, 'held', $6)
         on conflict (run_id, attempt) do nothing`,
        [row.id, row.attempt, hold.holdId, units, hold.amount.toString(), this.clock.now()],
      );
    }
    await this.db.query(
      `update export_runs set status = 'delivering', updated_at = $2,
              amount_held = (select coalesce(sum(amount), 0) from export_run_holds where run_id = $1)
        where id = $1 and status = 'running'`,
      [row.id, this.clock.now()],
    );
    return 'delivering';
  }

  async #deliver(row: RunRow, target: TargetRow): Promise<ExecuteOutcome> {
    const hold = (await this.#holds(row.id)).find((h) => h.attempt === row.attempt);
    if (!hold) throw new Error(`export run ${row.id} is delivering without a hold for attempt ${row.attempt}`);
    let failure: { code: string; message: string } | null = null;
    if (hold.status === 'held' && !(await this.#holdSettledElsewhere(row, hold))) {
      const pending = (await this.#files(row.id)).filter((f) => !f.delivered_at);
      const delivery = this.deliveries.get(target.delivery_kind);
      try {
        if (!delivery) throw new ExportDeliveryError({ code: 'delivery_unavailable', message: `No ${target.delivery_kind} delivery on this host.` });
        if (pending.length)
          await delivery.deliver({
            runId: row.id,
            accountId: row.account_id,
            targetId: target.id,
            targetName: target.name,
            attempt: row.attempt,
            settings: this.targets.openSettings(target),
            files: pending.map((f) => this.#deliverable(f)),
            delivered: async (delivered) => {
              const at = this.clock.now();
              await this.db.transaction(async (tx) => {
                await tx.query(
                  `update export_run_files set delivered_at = $3, delivered_attempt = $4
                    where run_id = $1 and name = any($2::text[]) and delivered_at is null`,
                  [row.id, pgArray(typeof delivered === 'string' ? [delivered] : delivered), at, row.attempt],
                );
                // A long delivery keeps its lease: another host must not take the run over while files still arrive.
                await tx.query('update export_runs set lease_until = $2 where id = $1', [row.id, new Date(at.getTime() + this.#leaseMs)]);
              });
            },
            recordSettings: (patch) => this.targets.recordSettings({ targetId: target.id, patch }),
          });
      } catch (error) {
        failure =
          error instanceof ExportDeliveryError
            ? { code: error.code, message: error.message }
            : { code: isTollgateError(error) ? error.code : 'delivery_failed', message: error instanceof Error ? error.message : String(error) };
      }
      const delivered = await this.#deliveredUnits(row.id, row.attempt);
      await this.#settle(row, hold, delivered);
    }
    return this.#close(row, failure);
  }

  /** A host that died right after the capture or release: the wallet knows; nothing more is delivered under that hold. */
  async #holdSettledElsewhere(row: RunRow, hold: HoldRow): Promise<boolean> {
    if (row.runs <= 1) return false;
    const known = await this.wallet.getHold({ accountId: row.account_id, holdId: hold.hold_id });
    if (!known || known.status === 'pending') return false;
    // Book what the wallet did (its numbers, not a second capture): the files it paid for are those delivered by this attempt.
    const captured = known.status === 'captured' ? known.captured : Money.of('0');
    await this.db.query(
      `update export_run_holds set status = $3, captured_units = $4, captured = $5, released = $6, updated_at = $7 where run_id = $1 and attempt = $2`,
      [
        row.id,
        hold.attempt,
        known.status === 'captured' ? 'captured' : 'released',
        known.status === 'captured' ? await this.#deliveredUnits(row.id, row.attempt) : 0,
        captured.toString(),
        Money.of(hold.amount).minus(captured).toString(),
        this.clock.now(),
      ],
    );
    return true;
  }

  /** Captures the delivered documents' price and gives back the rest (or releases it all when none was delivered). */
  async #settle(row: RunRow, hold: HoldRow, units: number): Promise<void> {
    const at = this.clock.now();
    if (units > 0) {
      const captured = await this.wallet.capture({
        accountId: row.account_id,
        holdId: hold.hold_id,
        units: String(units),
        idempotencyKey: `export-run:${row.id}:capture:${row.attempt}`,
      });
      const released = Money.of(hold.amount).minus(captured.captured);
      await this.db.query(
        `update export_run_holds set status = 'captured', captured_units = $3, captured = $4, released = $5, transaction_id = $6, updated_at = $7
          where run_id = $1 and attempt = $2`,
        [row.id, hold.attempt, units, captured.captured.toString(), released.toString(), captured.transactionId, at],
      );
      return;
    }
    try {
      await this.wallet.release({ accountId: row.account_id, holdId: hold.hold_id, idempotencyKey: `export-run:${row.id}:release:${row.attempt}` });
    } catch (error) {
      // Expired or released by the wallet's sweep: nothing is held any more either way.
      if (!(isTollgateError(error) && error.code === 'hold_not_pending')) throw error;
    }
    await this.db.query(
      `update export_run_holds set status = 'released', captured_units = 0, captured = 0, released = amount, updated_at = $3 where run_id = $1 and attempt = $2`,
      [row.id, hold.attempt, at],
    );
  }

  /** Marks what was delivered as exported and closes the run: completed, partially delivered or failed. */
  async #close(row: RunRow, failure: { code: string; message: string } | null): Promise<ExecuteOutcome> {
    const at = this.clock.now();
    return this.db.transaction(async (tx) => {
      await tx.query(
        `update export_run_documents d set outcome = 'exported', message = null
           from export_run_files f
          where d.run_id = $1 and f.run_id = d.run_id and f.name = d.file_name and f.delivered_at is not null and d.outcome = 'undelivered'`,
        [row.id],
      );
      await tx.query(
        `update exported_documents e set exported_at = $2
           from export_run_documents d
          where d.run_id = $1 and e.run_id = d.run_id and e.target_id = $3 and e.invoice_id = d.invoice_id and d.outcome = 'exported'
            and (e.exported_at is null or e.exported_at < $2)`,
        [row.id, at, row.target_id],
      );
      if (failure)
        await tx.query(`update export_run_documents set message = $2 where run_id = $1 and outcome = 'undelivered'`, [row.id, failure.message.slice(0, 500)]);
      const {
        rows: [counts],
      } = await tx.query<{ exported: number; undelivered: number }>(
        `select count(*) filter (where outcome = 'exported')::int as exported, count(*) filter (where outcome = 'undelivered')::int as undelivered
           from export_run_documents where run_id = $1`,
        [row.id],
      );
      const status: ExportRunStatus = counts!.undelivered === 0 ? 'completed' : counts!.exported > 0 ? 'partially_delivered' : 'failed';
      await this.#finish(tx, row.id, {
        status,
        reason: status === 'completed' ? null : (failure?.code ?? 'undelivered'),
        message: status === 'completed' ? null : (failure?.message.slice(0, 500) ?? null),
      });
      return status;
    });
  }

  async #finish(tx: Queryable, runId: string, end: { status: ExportRunStatus; reason: string | null; message: string | null }): Promise<void> {
    const at = this.clock.now();
    const { rows } = await tx.query<{
      account_id: string;
      target_id: string;
      exporter_id: string;
      documents_exported: number;
      documents_refused: number;
      documents_skipped: number;
      documents_undelivered: number;
      amount_charged: string;
      amount_released: string;
    }>(
      `update export_runs r set status = $2, reason = $3, message = $4, lease_until = null, finished_at = $5, updated_at = $5,
              documents_exported = c.exported, documents_undelivered = c.undelivered, documents_skipped = c.skipped,
              amount_held = h.held, amount_charged = h.charged, amount_released = h.released
         from (select count(*) filter (where outcome = 'exported')::int as exported,
                      count(*) filter (where outcome = 'undelivered')::int as undelivered,
                      count(*) filter (where outcome in ('skipped', 'failed'))::int as skipped
                 from export_run_documents where run_id = $1) c,
              (select coalesce(sum(amount), 0) as held, coalesce(sum(captured), 0) as charged, coalesce(sum(released), 0) as released
                 from export_run_holds where run_id = $1) h
        where r.id = $1
        returning r.account_id, r.target_id, r.documents_exported, r.documents_refused, r.documents_skipped, r.documents_undelivered,
                  r.amount_charged::text as amount_charged, r.amount_released::text as amount_released,
                  (select t.exporter_id from export_targets t where t.id = r.target_id) as exporter_id`,
      [runId, end.status, end.reason, end.message, at],
    );
    const run = rows[0];
    if (!run) return;
    // The event commits with the run's end (the events outbox, in this transaction): no end without it.
    await recordEvent({
      q: tx,
      accountId: run.account_id,
      type: 'accounting_export.run_finished',
      data: {
        runId,
        accountId: run.account_id,
        targetId: run.target_id,
        exporterId: run.exporter_id,
        status: end.status as EventPayloads['accounting_export.run_finished']['status'],
        reason: end.reason,
        exported: run.documents_exported,
        refused: run.documents_refused,
        skipped: run.documents_skipped,
        undelivered: run.documents_undelivered,
        charged: Money.of(String(run.amount_charged)).toString(),
        released: Money.of(String(run.amount_released)).toString(),
      },
      occurredAt: at,
    });
  }

  // ---- helpers --------------------------------------------------------------------------------

  async #queue(tx: Queryable, runId: string): Promise<void> {
    await this.jobs.send({ name: EXPORT_RUN_QUEUE, data: { runId }, tx: tx as never });
  }

  async #sameRun(row: RunRow, hash: string, key: string): Promise<ExportRun> {
    if (row.request_hash !== hash) throw new ExportRunKeyReusedError({ key, runId: row.id });
    return this.get({ accountId: row.account_id, id: row.id });
  }

  /** Documents rendered into files not delivered yet: what the next hold covers. */
  async #undeliveredUnits(runId: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `select count(*)::int as n from export_run_documents d join export_run_files f on f.run_id = d.run_id and f.name = d.file_name
        where d.run_id = $1 and f.delivered_at is null and d.outcome = 'undelivered'`,
      [runId],
    );
    return rows[0]?.n ?? 0;
  }

  /** Documents in the files delivered by this attempt: what its capture takes. */
  async #deliveredUnits(runId: string, attempt: number): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `select count(*)::int as n from export_run_documents d join export_run_files f on f.run_id = d.run_id and f.name = d.file_name
        where d.run_id = $1 and f.delivered_attempt = $2`,
      [runId, attempt],
    );
    return rows[0]?.n ?? 0;
  }

  #deliverable(f: FileRow): DeliverableFile {
    return {
      name: f.name,
      contentType: f.content_type,
      size: Number(f.size),
      sha256: f.sha256,
      open: async () => {
        const opened = await this.files.open({ key: f.file_key });
        if (!opened) throw new ExportDeliveryError({ code: 'file_missing', message: `The export file ${f.name} is missing from the file store.` });
        return opened.stream;
      },
    };
  }

  async #row(accountId: string, id: string): Promise<RunRow | null> {
    const { rows } = await this.db.query<RunRow>('select * from export_runs where account_id = $1 and id = $2', [accountId, id]);
    return rows[0] ?? null;
  }

  async #byKey(accountId: string, key: string): Promise<RunRow | null> {
    const { rows } = await this.db.query<RunRow>('select * from export_runs where account_id = $1 and idempotency_key = $2', [accountId, key]);
    return rows[0] ?? null;
  }

  async #files(runId: string): Promise<FileRow[]> {
    return (await this.db.query<FileRow>('select * from export_run_files where run_id = $1 order by name', [runId])).rows;
  }

  async #holds(runId: string): Promise<HoldRow[]> {
    return (await this.db.query<HoldRow>('select * from export_run_holds where run_id = $1 order by attempt', [runId])).rows;
  }
}

/** The contract: every document in exactly one file or refused, nothing else. A broken exporter fails the run, not the books. */
function assertRendered(
  exporterId: string,
  documents: readonly AccountingDocument[],
  rendered: { files: ExportFile[]; refused: Array<{ documentId: string }> },
): void {
  const seen = new Map<string, number>();
  for (const f of rendered.files) for (const id of f.documentIds) seen.set(id, (seen.get(id) ?? 0) + 1);
  for (const r of rendered.refused) seen.set(r.documentId, (seen.get(r.documentId) ?? 0) + 1);
  const wanted = new Set(documents.map((d) => d.id));
  const bad = [...wanted].filter((id) => seen.get(id) !== 1).concat([...seen.keys()].filter((id) => !wanted.has(id)));
  if (bad.length)
    throw new UnprocessableError({
      code: 'exporter_contract_broken',
      message: `Exporter ${exporterId} did not put each document in exactly one file or refusal: ${bad.slice(0, 5).join(', ')}.`,
    });
}

/** File names unique within a run: a batch exporter names each page's file the same. */
function uniqueName(names: Set<string>, name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'export';
  let candidate = safe;
  for (let n = 2; names.has(candidate); n++) {
    const dot = safe.lastIndexOf('.');
    candidate = dot > 0 ? `${safe.slice(0, dot)}-${n}${safe.slice(dot)}` : `${safe}-${n}`;
  }
  names.add(candidate);
  return candidate;
}

function checkSelection(selection: ExportSelection): ExportSelection {
  const bad = (field: string, message: string) =>
    new UnprocessableError({ code: 'invalid_selection', message: `selection.${field}: ${message}`, details: [{ field: `selection.${field}`, message }] });
  if (selection.issuedFrom && !DATE.test(selection.issuedFrom)) throw bad('issuedFrom', 'YYYY-MM-DD');
  if (selection.issuedTo && !DATE.test(selection.issuedTo)) throw bad('issuedTo', 'YYYY-MM-DD');
  if (selection.issuedFrom && selection.issuedTo && selection.issuedFrom > selection.issuedTo) throw bad('issuedTo', 'before issuedFrom');
  if (selection.ids && selection.ids.length > 1000) throw bad('ids', 'at most 1000');
  return selection;
}
