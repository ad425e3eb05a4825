import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ExpenseFields } from '@tollgate/expense-fields';
import {
  TollgateError,
  type Clock,
  type Logger,
  type PluginDatabase,
  type PluginFiles,
  type PluginJobs,
  type PluginWallet,
  type Row,
  type UploadedFile,
} from '@tollgate/plugin-sdk';
import { EXPENSE_SCAN_CHANNEL_ID, scanSpendKey, type ScanRequest, type ScanResult } from './expense-scan.channel.js';
import type { CorrectionPatch } from './expense-corrections.js';
import { expenseNotFound, scanFailed, scanInterrupted } from './expense-scan.errors.js';
import { fieldViews, reviewOf, type Corrections, type FieldView } from './field-rules.js';
import type { ExpenseField } from './options.js';
import { scanFailureOf, type ScanReading } from './scan-reading.js';

export const SCAN_JOB = 'scan';

/** How an expense stands, as listed and filtered: needs_review is a scanned expense missing a required field. */
export type ExpenseStatus = 'not_scanned' | 'scanned' | 'needs_review' | 'failed';

export interface ExpenseView {
  id: string;
  status: ExpenseStatus;
  file: { filename: string | null; contentType: string; size: number; sha256: string };
  uploadedAt: string;
  uploadedBy: string | null;
  /** A scan job is waiting for this expense (auto-scan, or scan: "true" on upload). */
  scanQueued: boolean;
  /** The last good scan: how it read and what it cost ("0.00": free quota, or this content was paid before). */
  scan: {
    scannedAt: string;
    method: 'pdf-text' | 'ocr';
    language: string | null;
    paidBy: 'wallet' | 'already_paid';
    amount: string;
    transactionId: string | null;
  } | null;
  /** The last attempt that did not scan: the file could not be read (failed), or the wallet refused (refused). */
  lastError: { kind: 'failed' | 'refused'; code: string; message: string; at: string } | null;
  fields: Record<ExpenseField, FieldView>;
  /** Required fields without a value to book (what makes it needs_review). */
  missing: ExpenseField[];
  confidenceThreshold: number;
}

export interface ScanAnswer {
  /** true when this request's scan moved money or used the free quota; false when the content was paid before. */
  charged: boolean;
  amount: string;
  expense: ExpenseView;
}

type ExpenseRow = Row & {
  id: string;
  account_id: string;
  file_key: string;
  filename: string | null;
  content_type: string;
  size: number;
  sha256: string;
  status: 'not_scanned' | 'scanned' | 'failed';
  needs_review: boolean;
  fields: ExpenseFields | null;
  corrections: Corrections;
  read_method: 'pdf-text' | 'ocr' | null;
  language: string | null;
  paid_by: 'wallet' | 'already_paid' | null;
  amount: string | null;
  transaction_id: string | null;
  spend_key: string | null;
  scanned_at: Date | string | null;
  last_error: ExpenseView['lastError'];
  scan_queued: boolean;
  uploaded_by: string | null;
  created_at: Date | string;
};

const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());
const EXTENSIONS: Record<string, string> = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png', 'image/heic': 'heic' };
const WALLET_REFUSALS = new Set(['insufficient_funds', 'wallet_blocked']);

export interface ExpenseScanConfig {
  confidenceThreshold: number;
  autoScanDefault: boolean;
  requiredFields: readonly ExpenseField[];
}

/**
 * Expenses of an account: upload (the file in coreServices.files, its SHA-256 and size here), scan
 * through the wallet's runner (a content paid once is re-read for free), corrections kept apart from
 * what the scan read, the auto-scan setting and the free-quota counter.
 */
export class ExpenseScanService {
  readonly #db: PluginDatabase;
  readonly #clock: Clock;
  readonly #wallet: PluginWallet;
  readonly #files: PluginFiles;
  readonly #jobs: PluginJobs;
  readonly #logger: Logger;
  readonly #read: (input: { accountId: string; request: ScanRequest }) => Promise<ScanReading>;
  readonly #config: ExpenseScanConfig;

  constructor(deps: {
    db: PluginDatabase;
    clock: Clock;
    wallet: PluginWallet;
    files: PluginFiles;
    jobs: PluginJobs;
    logger: Logger;
    /** Reads a stored file and finds its fields (the reader pool); throws DocumentReadError for an unreadable file. */
    read: (input: { accountId: string; request: ScanRequest }) => Promise<ScanReading>;
    config: ExpenseScanConfig;
  }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#wallet = deps.wallet;
    this.#files = deps.files;
    this.#jobs = deps.jobs;
    this.#logger = deps.logger;
    this.#read = deps.read;
    this.#config = deps.config;
  }

  // ---------------------------------------------------------------- upload, read, correct, delete

  /** Stores the file and its expense; with auto-scan (the account's setting, or scan: "true") a durable job scans it. */
  async upload(input: { accountId: string; userId: string | null; file: UploadedFile; scan: 'auto' | 'true' | 'false' }): Promise<ExpenseView> {
    const { accountId, file } = input;
    const id = `exp_${randomBytes(12).toString('hex')}`;
    const fileKey = `${accountId}/${id}.${EXTENSIONS[file.contentType] ?? 'bin'}`;
    await this.#files.put({ key: fileKey, body: file.bytes, contentType: file.contentType });
    const queue = input.scan === 'true' || (input.scan === 'auto' && (await this.settings({ accountId })).autoScan);
    const now = this.#clock.now();
    try {
      // The row and its scan job commit together (the outbox): an expense is never left queued without a job.
      await this.#db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO expenses (id, account_id, file_key, filename, content_type, size, sha256, status, scan_queued, uploaded_by, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'not_scanned', $8, $9, $10, $10)`,
          [id, accountId, fileKey, file.filename, file.contentType, file.size, file.sha256, queue, input.userId, now],
        );
        if (queue) await this.#jobs.send({ name: SCAN_JOB, data: { accountId, expenseId: id }, singletonKey: `scan:${id}`, tx });
      });
    } catch (error) {
      await this.#files.delete({ key: fileKey }).catch(() => undefined);
      throw error;
    }
    return this.get({ accountId, expenseId: id });
  }

  async get(input: { accountId: string; expenseId: string }): Promise<ExpenseView> {
    return this.#view(await this.#expense(input));
  }

  async list(input: {
    accountId: string;
    status?: ExpenseStatus | undefined;
    limit: number;
    before?: string | undefined;
  }): Promise<{ data: ExpenseView[]; nextBefore: string | null }> {
    const where = ['account_id = $1'];
    const params: unknown[] = [input.accountId];
    if (input.status === 'not_scanned') where.push(`status = 'not_scanned'`);
    if (input.status === 'failed') where.push(`status = 'failed'`);
    if (input.status === 'scanned') where.push(`status = 'scanned' AND NOT needs_review`);
    if (input.status === 'needs_review') where.push(`status = 'scanned' AND needs_review`);
    if (input.before) {
      params.push(input.before);
      where.push(`(created_at, id) < (SELECT created_at, id FROM expenses WHERE account_id = $1 AND id = $${params.length})`);
    }
    params.push(input.limit + 1);
    const { rows } = await this.#db.query<ExpenseRow>(
      `SELECT * FROM expenses WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, input.limit);
    return { data: page.map((row) => this.#view(row)), nextBefore: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null };
  }

  /** Sets or drops corrections (already checked and normalised by the route's schema); what the scan read stays as it was. */
  async correct(input: { accountId: string; expenseId: string; patch: CorrectionPatch }): Promise<ExpenseView> {
    return this.#db.transaction(async (tx) => {
      const { rows } = await tx.query<ExpenseRow>(`SELECT * FROM expenses WHERE account_id = $1 AND id = $2 FOR UPDATE`, [input.accountId, input.expenseId]);
      const row = rows[0];
      if (!row) throw expenseNotFound(input.expenseId);
      const corrections: Corrections = { ...row.corrections };
      for (const [field, value] of Object.entries(input.patch) as Array<[ExpenseField, CorrectionPatch[ExpenseField]]>) {
        if (value === null || value === undefined) delete corrections[field];
        else corrections[field] = value;
      }
      const needsReview = this.#review({ fields: row.fields, corrections }).needsReview;
      await tx.query(`UPDATE expenses SET corrections = $3::jsonb, needs_review = $4, updated_at = $5 WHERE account_id = $1 AND id = $2`, [
        input.accountId,
        input.expenseId,
        JSON.stringify(corrections),
        needsReview,
        this.#clock.now(),
      ]);
      return this.#view({ ...row, corrections, needs_review: needsReview });
    });
  }

  /** Removes the expense and its file. A content paid before stays paid: uploading the same bytes again scans for free. */
  async delete(input: { accountId: string; expenseId: string }): Promise<void> {
    const { rows } = await this.#db.query<{ file_key: string }>(`DELETE FROM expenses WHERE account_id = $1 AND id = $2 RETURNING file_key`, [
      input.accountId,
      input.expenseId,
    ]);
    if (!rows[0]) throw expenseNotFound(input.expenseId);
    await this.#files.delete({ key: rows[0].file_key });
  }

  /** The uploaded file as stored, for the download route. */
  async file(input: { accountId: string; expenseId: string }): Promise<{ stream: Readable; contentType: string; size: number; filename: string }> {
    const row = await this.#expense(input);
    const opened = await this.#files.open({ key: row.file_key });
    if (!opened) throw expenseNotFound(input.expenseId);
    const filename = row.filename ?? `${row.id}.${EXTENSIONS[row.content_type] ?? 'bin'}`;
    return { stream: opened.stream, contentType: row.content_type, size: opened.file.size, filename };
  }

  // ---------------------------------------------------------------- scan

  /**
   * Scans the expense. A content this account paid a scan of before is re-read for free; otherwise
   * the wallet's runner holds one scan (the free quota first), `execute` reads the file, and the
   * hold is captured — or released when the file cannot be read (422 expense_scan_failed, shown on
   * the expense). Without credit the wallet's 422 insufficient_funds is passed on and recorded; the
   * upload stays, not scanned.
   */
  async scan(input: { accountId: string; expenseId: string }): Promise<ScanAnswer> {
    const row = await this.#expense(input);
    const request: ScanRequest = { sha256: row.sha256, fileKey: row.file_key, contentType: row.content_type };
    const paid = await this.#paidContent({ accountId: input.accountId, sha256: row.sha256 });
    if (paid) {
      let reading: ScanReading;
      try {
        reading = await this.#read({ accountId: input.accountId, request });
      } catch (error) {
        const failure = scanFailureOf(error);
        if (!failure) throw error;
        await this.#recordError({ row, kind: 'failed', ...failure });
        throw scanFailed(failure);
      }
      const expense = await this.#storeReading({ row, reading, paidBy: 'already_paid', amount: '0.00', transactionId: null, spendKey: paid.spend_key });
      return { charged: false, amount: '0.00', expense };
    }

    const failures = await this.#failures({ accountId: input.accountId, sha256: row.sha256 });
    const spendKey = scanSpendKey({ accountId: input.accountId, sha256: row.sha256, failures });
    let spent;
    try {
      spent = await this.#wallet.spend<ScanRequest, ScanResult>({
        accountId: input.accountId,
        channelId: EXPENSE_SCAN_CHANNEL_ID,
        request,
        idempotencyKey: spendKey,
      });
    } catch (error) {
      if (error instanceof TollgateError && WALLET_REFUSALS.has(error.code)) {
        // The wallet remembers a refused hold under its key: the next scan (after a top-up, or next month's quota) needs a fresh one.
        await this.#countFailure({ accountId: input.accountId, sha256: row.sha256, failures });
        await this.#recordError({ row, kind: 'refused', code: error.code, message: error.message });
        throw error;
      }
      if (error instanceof TollgateError && error.code === 'spend_failed') {
        // An unknown outcome is remembered under this key: count it as a failure so the next scan gets a fresh key.
        await this.#countFailure({ accountId: input.accountId, sha256: row.sha256, failures });
        const reason = String((error.details as { reason?: unknown } | undefined)?.reason ?? 'unknown');
        await this.#recordError({ row, kind: 'failed', code: 'expense_scan_interrupted', message: `The scan was interrupted (${reason}).` });
        throw scanInterrupted(reason);
      }
      throw error;
    }
    if (spent.status === 'failed') {
      await this.#countFailure({ accountId: input.accountId, sha256: row.sha256, failures });
      const failure = spent.result && 'error' in spent.result ? spent.result.error : { code: spent.reason, message: `The scan failed (${spent.reason}).` };
      await this.#recordError({ row, kind: 'failed', ...failure });
      throw scanFailed(failure);
    }
    if (spent.status !== 'completed' || !spent.result || 'error' in spent.result)
      throw new TollgateError({ status: 500, code: 'expense_scan_unexpected', message: `The scan's spend ended ${spent.status}.` });
    const amount = spent.amount.toString();
    const expense = await this.#storeReading({ row, reading: spent.result, paidBy: 'wallet', amount, transactionId: spent.transactionId, spendKey });
    return { charged: true, amount, expense };
  }

  /** The scan job: refusals and unreadable files end on the expense (the job is done); a fault is thrown, so the queue retries. */
  async scanJob(input: { accountId: string; expenseId: string }): Promise<void> {
    try {
      await this.scan(input);
    } catch (error) {
      if (error instanceof TollgateError && error.status < 500) {
        this.#logger.info({ expenseId: input.expenseId, code: error.code }, 'expense-scan: queued scan did not scan');
        await this.#db.query(`UPDATE expenses SET scan_queued = false WHERE account_id = $1 AND id = $2`, [input.accountId, input.expenseId]);
        return;
      }
      throw error;
    }
  }

  /** The channel's `execute` records the content as paid in the same step that read it. */
  async markPaid(input: { accountId: string; sha256: string; spendKey: string }): Promise<void> {
    await this.#db.query(
      `INSERT INTO paid_contents (account_id, sha256, spend_key, paid_at) VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, sha256) DO NOTHING`,
      [input.accountId, input.sha256, input.spendKey, this.#clock.now()],
    );
  }

  /** The channel's `compensate`: the capture was refused after the read, so this spend did not pay for the content. */
  async unmarkPaid(input: { accountId: string; sha256: string; spendKey: string }): Promise<void> {
    await this.#db.query(`DELETE FROM paid_contents WHERE account_id = $1 AND sha256 = $2 AND spend_key = $3`, [input.accountId, input.sha256, input.spendKey]);
  }

  // ---------------------------------------------------------------- settings, quota

  async settings(input: { accountId: string }): Promise<{ autoScan: boolean; isDefault: boolean }> {
    const { rows } = await this.#db.query<{ auto_scan: boolean }>(`SELECT auto_scan FROM account_settings WHERE account_id = $1`, [input.accountId]);
    return rows[0] ? { autoScan: rows[0].auto_scan, isDefault: false } : { autoScan: this.#config.autoScanDefault, isDefault: true };
  }

  async setSettings(input: { accountId: string; autoScan: boolean; userId: string | null }): Promise<{ autoScan: boolean; isDefault: boolean }> {
    await this.#db.query(
      `INSERT INTO account_settings (account_id, auto_scan, updated_by, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (account_id) DO UPDATE SET auto_scan = EXCLUDED.auto_scan, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
      [input.accountId, input.autoScan, input.userId, this.#clock.now()],
    );
    return this.settings(input);
  }

  /** The free-scan counter of this month in the account's time zone (W-8), with the line to show. */
  async quota(input: { accountId: string }): Promise<{
    period: string | null;
    freeUnits: string;
    used: string;
    remaining: string;
    resetsAt: string | null;
    label: string;
  }> {
    const quota = await this.#wallet.quota({ accountId: input.accountId, channel: EXPENSE_SCAN_CHANNEL_ID });
    if (!quota) return { period: null, freeUnits: '0', used: '0', remaining: '0', resetsAt: null, label: 'No free scans: every scan is charged' };
    return {
      period: quota.period,
      freeUnits: quota.freeUnits,
      used: quota.used,
      remaining: quota.remaining,
      resetsAt: quota.resetsAt,
      label: `${quota.remaining} of ${quota.freeUnits} scans left`,
    };
  }

  // ---------------------------------------------------------------- helpers

  async #expense(input: { accountId: string; expenseId: string }): Promise<ExpenseRow> {
    const { rows } = await this.#db.query<ExpenseRow>(`SELECT * FROM expenses WHERE account_id = $1 AND id = $2`, [input.accountId, input.expenseId]);
    if (!rows[0]) throw expenseNotFound(input.expenseId);
    return rows[0];
  }

  async #paidContent(input: { accountId: string; sha256: string }): Promise<{ spend_key: string } | undefined> {
    const { rows } = await this.#db.query<{ spend_key: string }>(`SELECT spend_key FROM paid_contents WHERE account_id = $1 AND sha256 = $2`, [
      input.accountId,
      input.sha256,
    ]);
    return rows[0];
  }

  async #failures(input: { accountId: string; sha256: string }): Promise<number> {
    const { rows } = await this.#db.query<{ failures: number }>(`SELECT failures FROM content_failures WHERE account_id = $1 AND sha256 = $2`, [
      input.accountId,
      input.sha256,
    ]);
    return rows[0] ? Number(rows[0].failures) : 0;
  }

  /** The scan under key f<failures> failed or was refused: the next key is f<failures + 1>. Conditional, so hosts that failed together count it once. */
  async #countFailure(input: { accountId: string; sha256: string; failures: number }): Promise<void> {
    await this.#db.query(
      `INSERT INTO content_failures (account_id, sha256, failures) VALUES ($1, $2, $3 + 1)
       ON CONFLICT (account_id, sha256) DO UPDATE SET failures = EXCLUDED.failures WHERE content_failures.failures = $3`,
      [input.accountId, input.sha256, input.failures],
    );
  }

  async #recordError(input: { row: ExpenseRow; kind: 'failed' | 'refused'; code: string; message: string }): Promise<void> {
    const { row } = input;
    const lastError = { kind: input.kind, code: input.code, message: input.message, at: this.#clock.now().toISOString() };
    // A refusal leaves the expense as it was (not scanned, or scanned before); a failed read marks it failed.
    await this.#db.query(
      `UPDATE expenses SET last_error = $3::jsonb, status = CASE WHEN $4 THEN 'failed' ELSE status END, scan_queued = false, updated_at = $5
       WHERE account_id = $1 AND id = $2`,
      [row.account_id, row.id, JSON.stringify(lastError), input.kind === 'failed', this.#clock.now()],
    );
  }

  async #storeReading(input: {
    row: ExpenseRow;
    reading: ScanReading;
    paidBy: 'wallet' | 'already_paid';
    amount: string;
    transactionId: string | null;
    spendKey: string;
  }): Promise<ExpenseView> {
    const { row, reading } = input;
    const now = this.#clock.now();
    const { rows } = await this.#db.query<ExpenseRow>(
      `UPDATE expenses SET status = 'scanned', fields = $3::jsonb, needs_review = $4, read_method = $5, language = $6, paid_by = $7, amount = $8,
         transaction_id = $9, spend_key = $10, scanned_at = $11, last_error = NULL, scan_queued = false, updated_at = $11
       WHERE account_id = $1 AND id = $2 RETURNING *`,
      [
        row.account_id,
        row.id,
        JSON.stringify(reading.fields),
        this.#review({ fields: reading.fields, corrections: row.corrections }).needsReview,
        reading.method,
        reading.language,
        input.paidBy,
        input.amount,
        input.transactionId,
        input.spendKey,
        now,
      ],
    );
    // Deleted while it was being scanned: the scan stands (and was paid), the expense is gone.
    if (!rows[0]) throw expenseNotFound(row.id);
    return this.#view(rows[0]);
  }

  #review(input: { fields: ExpenseFields | null; corrections: Corrections }) {
    const views = fieldViews({ fields: input.fields, corrections: input.corrections, threshold: this.#config.confidenceThreshold });
    return { views, ...reviewOf({ views, required: this.#config.requiredFields }) };
  }

  #view(row: ExpenseRow): ExpenseView {
    const { views, missing } = this.#review({ fields: row.fields, corrections: row.corrections ?? {} });
    const status: ExpenseStatus = row.status === 'scanned' ? (row.needs_review ? 'needs_review' : 'scanned') : row.status;
    return {
      id: row.id,
      status,
      file: { filename: row.filename, contentType: row.content_type, size: Number(row.size), sha256: row.sha256 },
      uploadedAt: iso(row.created_at) as string,
      uploadedBy: row.uploaded_by,
      scanQueued: row.scan_queued,
      scan:
        row.scanned_at === null || row.read_method === null
          ? null
          : {
              scannedAt: iso(row.scanned_at) as string,
              method: row.read_method,
              language: row.language,
              paidBy: row.paid_by ?? 'wallet',
              amount: row.amount === null ? '0.00' : String(row.amount),
              transactionId: row.transaction_id,
            },
      lastError: row.last_error,
      fields: views,
      missing: row.status === 'scanned' ? missing : [],
      confidenceThreshold: this.#config.confidenceThreshold,
    };
  }
}
