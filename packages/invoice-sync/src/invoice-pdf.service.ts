import { PassThrough, type Readable } from 'node:stream';
import { CLOCK, type Clock } from '@tollgate/clock';
import { DATABASE, pgArray, type Database, type Queryable } from '@tollgate/db';
import { recordEvent } from '@tollgate/events';
import { FILE_STORE, type FileStore } from '@tollgate/files';

import { inject, injectable } from 'tsyringe';
import { ZipFile } from 'yazl';
import type { SourceConnection, SourceDocumentKind, SourcePdf } from './invoice-source.js';
import { InvoiceNotFoundError, NoPdfAvailableError, PdfNotAvailableError } from './invoice-sync.errors.js';
import { INVOICE_SOURCES, INVOICE_SYNC_OPTIONS, type InvoiceSourceDirectory, type InvoiceSyncOptions, type PdfStatus } from './invoice-sync.types.js';
import type { Row } from './invoice-sync.views.js';

/** Where one invoice's PDF stands (S-6). */
export interface InvoicePdfState {
  status: PdfStatus;
  /** Tries so far (reset by a fetch request). */
  attempts: number;
  /** When the schedule tries next (null: as soon as it runs, or not at all when available or failed). */
  nextAttemptAt: Date | null;
  lastError: string | null;
  fetchedAt: Date | null;
}

/** A PDF in the file store, for an e-mail attachment or a download. */
export interface StoredInvoicePdf {
  invoiceId: string;
  /** A file name for it: the invoice's display number, made safe ("2026 / 12" → "2026-12.pdf"). */
  filename: string;
  body: Buffer;
  size: number;
  sha256: string;
}

export interface PdfRoundResult {
  fetched: number;
  notReady: number;
  failed: number;
  gaveUp: number;
}

/** One document of a ZIP request that has no PDF, and why. */
export interface MissingPdf {
  invoiceId: string;
  number: string | null;
  reason: string;
}

/** The most ids one ZIP download takes. */
export const MAX_PDF_DOWNLOAD = 500;

const DEFAULTS = { maxAttempts: 10, retryMinutes: 5, maxRetryMinutes: 360, leaseMinutes: 10, batchSize: 20, maxPerRound: 200 };

/** A claimed row: the invoice and its connection, as the fetch needs them. */
interface Claimed {
  id: string;
  account_id: string;
  connection_id: string;
  kind: SourceDocumentKind;
  source_id: string;
  number: string;
  pdf_attempts: number;
}

/**
 * S-6: imported invoices' and credit notes' PDFs. A schedule kept on the invoice rows (pdf_status,
 * attempts, next attempt) — durable, shared by every host: a round claims the due rows with skip
 * locked and a lease (a host that dies mid-fetch leaves the row to the next round after the lease).
 * The source renders PDFs some time after booking: `not_ready` and failures are retried with
 * exponential backoff, up to `pdfMaxAttempts`, then the invoice's PDF is `failed` until a user asks
 * again. Each step goes to the invoice's event log; `invoice.pdf_available` goes out once it is stored.
 */
@injectable()
export class InvoicePdfService {
  readonly #maxAttempts: number;
  readonly #retryMs: number;
  readonly #maxRetryMs: number;
  readonly #leaseMs: number;

  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(INVOICE_SOURCES) private readonly sources: InvoiceSourceDirectory,
    @inject(FILE_STORE) private readonly files: FileStore,
    @inject(INVOICE_SYNC_OPTIONS) options: InvoiceSyncOptions = {},
  ) {
    this.#maxAttempts = options.pdfMaxAttempts ?? DEFAULTS.maxAttempts;
    this.#retryMs = (options.pdfRetryMinutes ?? DEFAULTS.retryMinutes) * 60_000;
    this.#maxRetryMs = Math.max(this.#retryMs, DEFAULTS.maxRetryMinutes * 60_000);
    this.#leaseMs = DEFAULTS.leaseMinutes * 60_000;
  }

  /** The stored PDF of an invoice of the account, or null when there is none (yet). For attachments. */
  async read({ accountId, invoiceId }: { accountId: string; invoiceId: string }): Promise<StoredInvoicePdf | null> {
    const row = await this.#row({ accountId, invoiceId });
    if (!row || row.pdf_status !== 'available' || !row.pdf_key) return null;
    const stored = await this.files.read({ key: row.pdf_key as string });
    if (!stored) return null;
    return { invoiceId, filename: pdfFilename(row.number as string), body: stored.body, size: stored.file.size, sha256: stored.file.sha256 };
  }

  /** GET …/invoices/:id/pdf: the PDF as a stream; 404 for an unknown invoice, 409 pdf_not_available without one. */
  async open({ accountId, invoiceId }: { accountId: string; invoiceId: string }): Promise<{ filename: string; size: number; stream: Readable }> {
    const row = await this.#row({ accountId, invoiceId });
    if (!row) throw new InvoiceNotFoundError(invoiceId);
    const opened = row.pdf_status === 'available' && row.pdf_key ? await this.files.open({ key: row.pdf_key as string }) : null;
    if (!opened) throw new PdfNotAvailableError(invoiceId, row.pdf_status === 'available' ? 'missing_from_store' : (row.pdf_status as string));
    return { filename: pdfFilename(row.number as string), size: opened.file.size, stream: opened.stream };
  }

  /** Where an invoice's PDF stands. */
  async state({ accountId, invoiceId }: { accountId: string; invoiceId: string }): Promise<InvoicePdfState> {
    const row = await this.#row({ accountId, invoiceId });
    if (!row) throw new InvoiceNotFoundError(invoiceId);
    return pdfState(row);
  }

  /**
   * Asks for PDFs now: the given invoices (all of the account's without a PDF when none are given)
   * that have none become due at once with their attempts reset, `failed` ones included. Unknown ids
   * refuse the whole request. Returns how many were scheduled and how many already had their PDF.
   */
  async requestFetch({ accountId, invoiceIds }: { accountId: string; invoiceIds?: readonly string[] }): Promise<{ scheduled: number; available: number }> {
    return this.db.transaction(async (tx) => {
      if (invoiceIds) {
        const ids = [...new Set(invoiceIds)];
        const { rows } = await tx.query<{ id: string }>('select id from sync_invoices where account_id = $1 and id = any($2::text[])', [
          accountId,
          pgArray(ids),
        ]);
        const known = new Set(rows.map((r) => r.id));
        const unknown = ids.find((id) => !known.has(id));
        if (unknown) throw new InvoiceNotFoundError(unknown);
      }
      const now = this.clock.now();
      const { rows } = await tx.query<{ id: string; previous: string; attempts: number }>(
        `update sync_invoices i set pdf_status = 'missing', pdf_attempts = 0, pdf_next_attempt_at = null
           from (select id, pdf_status as previous, pdf_attempts as attempts from sync_invoices
                  where account_id = $1 and pdf_status <> 'available' and ($2::text[] is null or id = any($2::text[])) for update) old
          where i.id = old.id
         returning i.id, old.previous, old.attempts`,
        [accountId, invoiceIds ? pgArray([...new Set(invoiceIds)]) : null],
      );
      for (const row of rows) {
        await tx.query(`insert into sync_invoice_events (invoice_id, at, type, detail) values ($1, $2, 'pdf_fetch_requested', $3)`, [
          row.id,
          now,
          JSON.stringify({ previousStatus: row.previous, previousAttempts: row.attempts }),
        ]);
      }
      const available = invoiceIds ? new Set(invoiceIds).size - rows.length : 0;
      return { scheduled: rows.length, available };
    });
  }

  /**
   * One round of the schedule: claims the due PDFs (oldest due first, new imports before retries) a
   * batch at a time and fetches each. Safe on several hosts at once.
   */
  async runDue(input: { limit?: number } = {}): Promise<PdfRoundResult> {
    const result: PdfRoundResult = { fetched: 0, notReady: 0, failed: 0, gaveUp: 0 };
    const cap = input.limit ?? DEFAULTS.maxPerRound;
    let done = 0;
    while (done < cap) {
      const batch = await this.#claim(Math.min(DEFAULTS.batchSize, cap - done));
      if (batch.length === 0) break;
      done += batch.length;
      const connections = new Map<string, SourceConnection & { sourceId: string }>();
      for (const row of batch) {
        const outcome = await this.#attempt(row, connections);
        if (outcome === 'fetched') result.fetched++;
        else if (outcome === 'gave_up') result.gaveUp++;
        else if (outcome === 'not_ready') result.notReady++;
        else result.failed++;
      }
    }
    return result;
  }

  /**
   * POST …/pdfs/download: the selected invoices' PDFs as one ZIP, streamed (files are read one at a
   * time while it is sent), with `missing.txt` naming those without one. 409 no_pdf_available when
   * none has a PDF; ids of other accounts count as not found, like unknown ones.
   */
  async zip({
    accountId,
    invoiceIds,
  }: {
    accountId: string;
    invoiceIds: readonly string[];
  }): Promise<{ stream: Readable; files: number; missing: MissingPdf[] }> {
    const ids = [...new Set(invoiceIds)];
    const { rows } = await this.db.query<Row>('select * from sync_invoices where account_id = $1 and id = any($2::text[])', [accountId, pgArray(ids)]);
    const byId = new Map(rows.map((r) => [r.id as string, r]));
    const entries: Array<{ name: string; key: string }> = [];
    const missing: MissingPdf[] = [];
    const names = new Set<string>();
    for (const id of ids) {
      const row = byId.get(id);
      if (!row) {
        missing.push({ invoiceId: id, number: null, reason: 'not found in this account' });
        continue;
      }
      const stored = row.pdf_status === 'available' && row.pdf_key ? await this.files.stat({ key: row.pdf_key as string }) : null;
      if (!stored) {
        missing.push({ invoiceId: id, number: row.number as string, reason: missingReason(row) });
        continue;
      }
      let name = pdfFilename(row.number as string);
      if (names.has(name.toLowerCase())) name = `${name.slice(0, -4)}_${id}.pdf`;
      names.add(name.toLowerCase());
      entries.push({ name, key: row.pdf_key as string });
    }
    if (entries.length === 0) throw new NoPdfAvailableError({ invoiceIds: ids });

    const zip = new ZipFile();
    const out = new PassThrough();
    const mtime = this.clock.now();
    // A failing entry ends the download with an error (the client sees a broken transfer), never a silent gap;
    // yazl reports through 'error' events, and the file being read must not be left open.
    let reading: Readable | undefined;
    const fail = (error: Error) => {
      reading?.destroy();
      out.destroy(error);
    };
    zip.on('error', fail);
    zip.outputStream.on('error', fail);
    out.once('close', () => reading?.destroy());
    // The consumer (the HTTP reply) attaches its own listener; until it does, an early failure must not crash the process.
    out.on('error', () => undefined);
    for (const entry of entries) {
      // Opened when yazl gets to it: one file open at a time, whatever the selection's size. Stored, not
      // deflated: a PDF's content is compressed already, and the CPU is better spent elsewhere.
      zip.addReadStreamLazy(entry.name, { mtime, compress: false }, (cb) => {
        this.files.open({ key: entry.key }).then(
          (opened) => {
            if (!opened) return cb(new Error(`PDF ${entry.key} vanished from the file store`), undefined as never);
            reading = opened.stream;
            reading.once('error', fail);
            cb(null, reading);
          },
          (error: unknown) => cb(error, undefined as never),
        );
      });
    }
    if (missing.length > 0) {
      const lines = missing.map((m) => `${m.number ?? m.invoiceId}\t${m.invoiceId}\t${m.reason}`);
      zip.addBuffer(Buffer.from(`Invoices without a PDF (number, id, why):\n${lines.join('\n')}\n`, 'utf8'), 'missing.txt', { mtime });
    }
    zip.end();
    zip.outputStream.pipe(out);
    return { stream: out, files: entries.length, missing };
  }

  async #row({ accountId, invoiceId }: { accountId: string; invoiceId: string }): Promise<Row | null> {
    const { rows } = await this.db.query<Row>('select * from sync_invoices where id = $1 and account_id = $2', [invoiceId, accountId]);
    return rows[0] ?? null;
  }

  /** Due rows of connected connections, counted as an attempt and leased, so no other host takes them meanwhile. */
  async #claim(limit: number): Promise<Claimed[]> {
    const now = this.clock.now();
    const { rows } = await this.db.query<Claimed>(
      `update sync_invoices i set pdf_attempts = i.pdf_attempts + 1, pdf_next_attempt_at = $2
        where i.id in (
          select d.id from sync_invoices d join sync_connections c on c.id = d.connection_id
           where d.pdf_status = 'missing' and c.status = 'connected' and (d.pdf_next_attempt_at is null or d.pdf_next_attempt_at <= $1)
           order by d.pdf_next_attempt_at nulls first, d.id
           limit $3
           for update of d skip locked)
        returning i.id, i.account_id, i.connection_id, i.kind, i.source_id, i.number, i.pdf_attempts`,
      [now, new Date(now.getTime() + this.#leaseMs), limit],
    );
    return rows;
  }

  async #attempt(row: Claimed, connections: Map<string, SourceConnection & { sourceId: string }>): Promise<'fetched' | 'not_ready' | 'failed' | 'gave_up'> {
    const connection = connections.get(row.connection_id) ?? (await this.#connection(row.connection_id));
    connections.set(row.connection_id, connection);
    const source = this.sources.get(connection.sourceId);
    if (!source?.fetchPdf) return this.#giveUp(row, `the source ${connection.sourceId} does not provide PDFs`);
    let pdf: SourcePdf;
    try {
      pdf = await source.fetchPdf({ connection, kind: row.kind, sourceId: row.source_id });
    } catch (error) {
      return this.#retryLater(row, { kind: 'failed', error: describe(error) });
    }
    if (pdf.status === 'not_ready') return this.#retryLater(row, { kind: 'not_ready', error: pdf.reason ?? 'not rendered yet' });
    const body = Buffer.from(pdf.bytes.buffer, pdf.bytes.byteOffset, pdf.bytes.byteLength);
    if (body.subarray(0, 5).toString('latin1') !== '%PDF-')
      return this.#retryLater(row, { kind: 'failed', error: 'the source answered something that is not a PDF' });
    const key = `invoice-sync/${row.account_id}/${row.id}.pdf`;
    let stored;
    try {
      stored = await this.files.put({ key, body, contentType: 'application/pdf' });
    } catch (error) {
      return this.#retryLater(row, { kind: 'failed', error: `file store: ${describe(error)}` });
    }
    await this.db.transaction(async (tx) => {
      const now = this.clock.now();
      const { rows } = await tx.query(
        `update sync_invoices set pdf_status = 'available', pdf_key = $2, pdf_fetched_at = $3, pdf_next_attempt_at = null, pdf_last_error = null
          where id = $1 and pdf_status <> 'available' returning id`,
        [row.id, key, now],
      );
      // Another host stored it meanwhile (a lease that ran out): same key, same bytes; no second event.
      if (!rows[0]) return;
      await this.#event(tx, row.id, now, 'pdf_fetched', { attempt: row.pdf_attempts, size: stored.size, sha256: stored.sha256 });
      await recordEvent({
        q: tx,
        accountId: row.account_id,
        type: 'invoice.pdf_available',
        data: {
          invoiceId: row.id,
          connectionId: row.connection_id,
          kind: row.kind,
          number: row.number,
          size: stored.size,
          sha256: stored.sha256,
          attempts: row.pdf_attempts,
        },
        occurredAt: now,
      });
    });
    return 'fetched';
  }

  /** Backoff: retryMinutes, doubling per attempt, capped; past maxAttempts the PDF is given up. */
  async #retryLater(row: Claimed, outcome: { kind: 'not_ready' | 'failed'; error: string }): Promise<'not_ready' | 'failed' | 'gave_up'> {
    if (row.pdf_attempts >= this.#maxAttempts) return this.#giveUp(row, outcome.error);
    const now = this.clock.now();
    const retryAt = new Date(now.getTime() + Math.min(this.#retryMs * 2 ** (row.pdf_attempts - 1), this.#maxRetryMs));
    await this.db.transaction(async (tx) => {
      // Only while the row is still this attempt's (a fetch request may have reset it meanwhile).
      const { rows } = await tx.query(
        `update sync_invoices set pdf_next_attempt_at = $3, pdf_last_error = $4 where id = $1 and pdf_status = 'missing' and pdf_attempts = $2 returning id`,
        [row.id, row.pdf_attempts, retryAt, outcome.error],
      );
      if (!rows[0]) return;
      await this.#event(tx, row.id, now, outcome.kind === 'not_ready' ? 'pdf_not_ready' : 'pdf_fetch_failed', {
        attempt: row.pdf_attempts,
        maxAttempts: this.#maxAttempts,
        reason: outcome.error,
        retryAt: retryAt.toISOString(),
      });
    });
    return outcome.kind;
  }

  async #giveUp(row: Claimed, reason: string): Promise<'gave_up'> {
    await this.db.transaction(async (tx) => {
      const now = this.clock.now();
      const { rows } = await tx.query(
        `update sync_invoices set pdf_status = 'failed', pdf_next_attempt_at = null, pdf_last_error = $3 where id = $1 and pdf_status = 'missing' and pdf_attempts = $2 returning id`,
        [row.id, row.pdf_attempts, reason],
      );
      if (!rows[0]) return;
      await this.#event(tx, row.id, now, 'pdf_given_up', { attempts: row.pdf_attempts, reason });
    });
    return 'gave_up';
  }

  async #connection(id: string): Promise<SourceConnection & { sourceId: string }> {
    const { rows } = await this.db.query<Row>('select * from sync_connections where id = $1', [id]);
    const row = rows[0]!;
    return {
      id,
      accountId: row.account_id as string,
      sourceId: row.source_id as string,
      sourceAccountId: row.source_account_id as string,
      profileFieldId: (row.profile_field_id as string | null) ?? null,
    };
  }

  async #event(tx: Queryable, invoiceId: string, at: Date, type: string, detail: Record<string, unknown>): Promise<void> {
    await tx.query('insert into sync_invoice_events (invoice_id, at, type, detail) values ($1, $2, $3, $4)', [invoiceId, at, type, JSON.stringify(detail)]);
  }
}

/** "2026 / 12" → "2026-12.pdf"; "CN2026 / 3" → "CN2026-3.pdf". */
export function pdfFilename(number: string): string {
  const safe = number
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return `${safe || 'invoice'}.pdf`;
}

export function pdfState(row: Row): InvoicePdfState {
  return {
    status: row.pdf_status as PdfStatus,
    attempts: (row.pdf_attempts as number | undefined) ?? 0,
    nextAttemptAt: (row.pdf_next_attempt_at as Date | null | undefined) ?? null,
    lastError: (row.pdf_last_error as string | null | undefined) ?? null,
    fetchedAt: (row.pdf_fetched_at as Date | null | undefined) ?? null,
  };
}

function missingReason(row: Row): string {
  const state = pdfState(row);
  if (state.status === 'failed') return `given up after ${state.attempts} attempts: ${state.lastError ?? 'unknown error'}`;
  if (state.status === 'available') return 'the stored file is missing; ask to fetch it again';
  if (state.attempts === 0) return 'not fetched yet';
  return `not fetched yet (${state.attempts} attempts so far${state.lastError ? `, last: ${state.lastError}` : ''})`;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
}
