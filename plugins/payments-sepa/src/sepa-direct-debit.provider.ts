import {
  ConflictError,
  Money,
  MoneyError,
  NotFoundError,
  UnavailableError,
  UnprocessableError,
  ValidationError,
  type Clock,
  type PluginDatabase,
  type Logger,
  type PaymentCreated,
  type PaymentEvent,
  type PaymentEventSink,
  type PaymentMethodKind,
  type PaymentMethodSetup,
  type PaymentProvider,
  type PaymentStatus,
  type Queryable,
  type Transaction,
} from '@tollgate/plugin-sdk';
import type { PaymentsSepaOptions } from './options.js';
import { parsePain002, type Pain002Report } from './pain002.js';
import { buildPain008 } from './pain008.js';
import { addBusinessDays, addDays, bicMatchesIban, dayOf, isIsoDate, isValidSepaId, maskIban, normaliseBic, normaliseIban, ulid } from './sepa-rules.js';

export const SEPA_PROVIDER_ID = 'payments-sepa';
/** How long one host may hold a batch while uploading it before another host may try. */
const UPLOAD_CLAIM_MS = 2 * 60_000;
const MAX_AMOUNT = Money.of('999999999.99');
const REPORT_PAGES_PER_RUN = 20;

type Db = Pick<PluginDatabase, 'query' | 'transaction'>;
type CollectionStatus = PaymentStatus | 'submitted';

interface MandateRow {
  mandate_id: string;
  account_id: string;
  iban: string;
  bic: string | null;
  holder: string;
  signature_date: string;
  status: 'active' | 'revoked';
  idempotency_key: string;
}

interface CollectionRow {
  provider_payment_id: string;
  account_id: string;
  mandate_id: string;
  reference: string;
  description: string;
  amount: string;
  end_to_end_id: string;
  collection_date: string;
  status: CollectionStatus;
  reason: string | null;
  batch_id: string | null;
  created_at: Date;
}

export interface SepaBatch {
  id: string;
  msgId: string;
  collectionDate: string;
  sequenceType: 'FRST' | 'RCUR';
  transactionCount: number;
  controlSum: string;
  status: 'built' | 'submitted' | 'rejected';
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  submittedAt: Date | null;
}

export interface SubmitResult {
  /** Files built in this run. */
  files: number;
  /** Collections in files that reached the bank in this run. */
  submitted: number;
  /** Files the bank could not be given (kept, retried next run with the same MsgId). */
  uploadFailures: number;
  /** Collections refused before submission (revoked mandate: MD01). */
  refused: number;
}

export interface ReportResult {
  /** Reports applied (a report seen before counts in `duplicates`). */
  reports: number;
  duplicates: number;
  failed: number;
  reversed: number;
  /** Collections the bank reported settled (TxSts ACSC) before our own settlement date. */
  settled: number;
  /** Rejections or settlements for collections that are unknown or already final. */
  ignored: number;
}

export interface TickResult {
  submit: SubmitResult | null;
  reports: ReportResult | null;
  settled: number | null;
  /** Steps that failed (the others still ran); retried next tick. */
  errors: string[];
}

/**
 * SEPA Core direct debit: mandates, one pain.008.001.02 file per collection date and sequence type
 * uploaded to the creditor's bank, pain.002 status reports for refusals (before settlement) and
 * returns (after). A collection with no refusal `settleAfterDays` after its collection date is paid.
 * Work is done by `tick()` (a durable job runs it on one host at a time); every step is safe on
 * several hosts at once.
 */
export class SepaDirectDebitProvider implements PaymentProvider {
  readonly id = SEPA_PROVIDER_ID;
  readonly label: string;
  readonly methods: readonly PaymentMethodKind[] = ['sepa_direct_debit'];
  readonly settlement = 'slow' as const;

  readonly #options: PaymentsSepaOptions;
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #sink: PaymentEventSink;
  readonly #fetch: typeof fetch;
  readonly #logger: Logger | undefined;

  constructor(input: { options: PaymentsSepaOptions; db: Db; clock: Clock; sink: PaymentEventSink; fetch?: typeof fetch; logger?: Logger }) {
    this.#options = input.options;
    this.label = input.options.label;
    this.#db = input.db;
    this.#clock = input.clock;
    this.#sink = input.sink;
    this.#fetch = input.fetch ?? fetch;
    this.#logger = input.logger;
  }

  async createPaymentMethod(input: {
    accountId: string;
    kind: PaymentMethodKind;
    details: Readonly<Record<string, unknown>>;
    idempotencyKey: string;
  }): Promise<PaymentMethodSetup> {
    if (input.kind !== 'sepa_direct_debit') throw new ValidationError({ message: `${this.id} sets up sepa_direct_debit mandates, not ${input.kind}` });
    const details = this.#mandateDetails(input.details);
    const existing = await this.#mandateByKey(this.#db, input.accountId, input.idempotencyKey);
    if (existing) return setupOf(existing);

    const mandateId = details.mandateId ?? `TG${ulid(this.#clock.now())}`;
    const { rows } = await this.#db.query<MandateRow>(
      `INSERT INTO payments_sepa_mandates (mandate_id, account_id, iban, bic, holder, signature_date, status, idempotency_key, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8) ON CONFLICT DO NOTHING RETURNING *`,
      [mandateId, input.accountId, details.iban, details.bic, details.holder, details.signatureDate, input.idempotencyKey, this.#clock.now()],
    );
    if (rows[0]) return setupOf(rows[0]);
    // Lost a race with the same key, or the mandate id is taken.
    const raced = await this.#mandateByKey(this.#db, input.accountId, input.idempotencyKey);
    if (raced) return setupOf(raced);
    throw new ConflictError({
      code: 'mandate_id_taken',
      message: `Mandate id ${mandateId} is already used; a mandate id identifies one mandate of this creditor.`,
    });
  }

  async removePaymentMethod(input: { accountId: string; providerMethodId: string }): Promise<void> {
    // Collections still pending on it are refused (MD01) when the next file is built.
    await this.#db.query(
      `UPDATE payments_sepa_mandates SET status = 'revoked', revoked_at = $3 WHERE mandate_id = $1 AND account_id = $2 AND status = 'active'`,
      [input.providerMethodId, input.accountId, this.#clock.now()],
    );
  }

  async createPayment(input: {
    accountId: string;
    amount: Money;
    reference: string;
    description: string;
    idempotencyKey: string;
    providerMethodId: string;
  }): Promise<PaymentCreated> {
    const amount = this.#collectionAmount(input.amount);
    const { rows: mandates } = await this.#db.query<MandateRow>('SELECT * FROM payments_sepa_mandates WHERE mandate_id = $1 AND account_id = $2', [
      input.providerMethodId,
      input.accountId,
    ]);
    const mandate = mandates[0];
    if (!mandate) throw new NotFoundError({ code: 'mandate_not_found', message: `No SEPA mandate ${input.providerMethodId} for this account` });

    const existing = await this.#collectionByKey(this.#db, input.accountId, input.idempotencyKey);
    if (existing) return this.#sameCollection(existing, input.providerMethodId, amount);
    if (mandate.status !== 'active')
      throw new UnprocessableError({ code: 'mandate_revoked', message: `SEPA mandate ${mandate.mandate_id} was revoked; set up a new one` });

    const id = ulid(this.#clock.now());
    const now = this.#clock.now();
    const { rows } = await this.#db.query<CollectionRow>(
      `INSERT INTO payments_sepa_collections
         (provider_payment_id, account_id, mandate_id, reference, description, amount, end_to_end_id, collection_date, status, idempotency_key, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $10) ON CONFLICT DO NOTHING RETURNING *`,
      [
        `sdd_${id.toLowerCase()}`,
        input.accountId,
        mandate.mandate_id,
        input.reference,
        input.description,
        amount.toString(),
        `TGC${id}`,
        addBusinessDays(dayOf(now), this.#options.leadDays),
        input.idempotencyKey,
        now,
      ],
    );
    if (rows[0]) return { providerPaymentId: rows[0].provider_payment_id, status: 'pending', expectedSettlementDate: this.expectedSettlementDate(rows[0]) };
    const raced = await this.#collectionByKey(this.#db, input.accountId, input.idempotencyKey);
    if (!raced) throw new Error('payments-sepa: collection insert conflicted but no row was found');
    return this.#sameCollection(raced, input.providerMethodId, amount);
  }

  /**
   * The day this provider's own rule counts a collection paid: its collection date + `settleAfterDays`
   * (settleMatured), unless the bank reports it settled (ACSC) or refused before.
   */
  expectedSettlementDate(row: { collection_date: string }): string {
    return addDays(row.collection_date, this.#options.settleAfterDays);
  }

  /** Runs every step; a failing step is logged and reported in `errors`, the next ones still run. */
  async tick(): Promise<TickResult> {
    const errors: string[] = [];
    const step = async <T>(name: string, fn: () => Promise<T>): Promise<T | null> => {
      try {
        return await fn();
      } catch (error) {
        errors.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
        this.#logger?.warn({ err: error, step: name }, 'payments-sepa: step failed');
        return null;
      }
    };
    const submit = await step('submitDue', () => this.submitDue());
    const reports = await step('fetchReports', () => this.fetchReports());
    const settled = await step('settleMatured', () => this.settleMatured());
    await step('flushEvents', () => this.flushEvents());
    return { submit, reports, settled, errors };
  }

  /**
   * Puts pending collections into files (one per collection date and sequence type) and uploads
   * every file not yet received by the bank. Rows are claimed with SKIP LOCKED, so two hosts never
   * put a collection in two files; a failed upload is retried later with the same file (same MsgId).
   */
  async submitDue(): Promise<SubmitResult> {
    const built = await this.#db.transaction((tx) => this.#buildBatches(tx));
    const result: SubmitResult = { files: built.files, submitted: 0, uploadFailures: 0, refused: built.refused };
    const { rows: waiting } = await this.#db.query<{ id: string }>(`SELECT id FROM payments_sepa_batches WHERE status = 'built' ORDER BY created_at, id`);
    for (const { id } of waiting) {
      const outcome = await this.#upload(id);
      if (outcome === 'failed') result.uploadFailures += 1;
      else if (typeof outcome === 'number') result.submitted += outcome;
    }
    await this.flushEvents();
    return result;
  }

  /** Reads new status reports from the bank and applies them. */
  async fetchReports(): Promise<ReportResult> {
    const total: ReportResult = { reports: 0, duplicates: 0, failed: 0, reversed: 0, settled: 0, ignored: 0 };
    for (let page = 0; page < REPORT_PAGES_PER_RUN; page++) {
      const { rows } = await this.#db.query<{ value: string }>(`SELECT value FROM payments_sepa_state WHERE key = 'bank_report_cursor'`);
      const after = rows[0]?.value;
      const response = await this.#bank(`/files/pain.002${after ? `?after=${encodeURIComponent(after)}` : ''}`, { method: 'GET' });
      if (response.status !== 200)
        throw new UnavailableError({ code: 'bank_unavailable', message: `The bank answered ${response.status} when asked for status reports` });
      const { data } = (await response.json()) as { data: Array<{ id: string; createdAt: string; xml: string }> };
      if (data.length === 0) break;
      for (const item of data) {
        const report = parsePain002(item.xml);
        const applied = await this.#db.transaction(async (tx) => {
          const r = await this.#applyReport(tx, { reportId: item.id, report, xml: item.xml, source: 'bank' });
          await tx.query(
            `INSERT INTO payments_sepa_state (key, value) VALUES ('bank_report_cursor', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
            [item.id],
          );
          return r;
        });
        addInto(total, applied);
      }
    }
    await this.flushEvents();
    return total;
  }

  /** Applies a pain.002 file an operator received from the bank by other means (same rules as fetchReports). */
  async importReport(input: { xml: string }): Promise<ReportResult & { reportId: string }> {
    const report = parsePain002(input.xml);
    const result = await this.#db.transaction((tx) => this.#applyReport(tx, { reportId: report.msgId, report, xml: input.xml, source: 'import' }));
    await this.flushEvents();
    return { reportId: report.msgId, ...result };
  }

  /** Submitted collections with no refusal `settleAfterDays` after their collection date are paid. */
  async settleMatured(): Promise<number> {
    const now = this.#clock.now();
    const cutoff = addDays(dayOf(now), -this.#options.settleAfterDays);
    const settled = await this.#db.transaction(async (tx) => {
      const { rows } = await tx.query<{ provider_payment_id: string }>(
        `UPDATE payments_sepa_collections SET status = 'succeeded', updated_at = $2
         WHERE status = 'submitted' AND collection_date <= $1::date RETURNING provider_payment_id`,
        [cutoff, now],
      );
      for (const row of rows)
        await this.#event(tx, {
          eventId: `settled:${row.provider_payment_id}`,
          providerPaymentId: row.provider_payment_id,
          status: 'succeeded',
          occurredAt: now,
        });
      return rows.length;
    });
    await this.flushEvents();
    return settled;
  }

  /** Hands events not yet reported to the sink (it recognises replays by eventId). */
  async flushEvents(): Promise<number> {
    let reported = 0;
    for (;;) {
      const { rows } = await this.#db.query<{
        event_id: string;
        provider_payment_id: string;
        status: PaymentStatus;
        reason: string | null;
        expected_settlement_date: string | null;
        occurred_at: Date;
      }>('SELECT * FROM payments_sepa_events WHERE reported_at IS NULL ORDER BY occurred_at, event_id LIMIT 200');
      if (rows.length === 0) return reported;
      const events: PaymentEvent[] = rows.map((r) => ({
        eventId: r.event_id,
        providerPaymentId: r.provider_payment_id,
        status: r.status,
        ...(r.reason ? { reason: r.reason } : {}),
        ...(r.expected_settlement_date ? { expectedSettlementDate: r.expected_settlement_date } : {}),
        occurredAt: r.occurred_at,
      }));
      await this.#sink.report({ providerId: this.id, events });
      await this.#db.query(`UPDATE payments_sepa_events SET reported_at = $2 WHERE event_id = ANY(string_to_array($1, ','))`, [
        rows.map((r) => r.event_id).join(','),
        this.#clock.now(),
      ]);
      reported += rows.length;
    }
  }

  async listBatches(): Promise<SepaBatch[]> {
    const { rows } = await this.#db.query<Record<string, unknown>>('SELECT * FROM payments_sepa_batches ORDER BY created_at DESC, id DESC LIMIT 500');
    return rows.map(batchOf);
  }

  async getBatch(input: { id: string }): Promise<SepaBatch & { xml: string }> {
    const { rows } = await this.#db.query<Record<string, unknown>>('SELECT * FROM payments_sepa_batches WHERE id = $1 OR msg_id = $1', [input.id]);
    if (!rows[0]) throw new NotFoundError({ code: 'batch_not_found', message: `No SEPA batch ${input.id}` });
    return { ...batchOf(rows[0]), xml: String(rows[0].xml) };
  }

  // --- mandates ---

  #mandateDetails(details: Readonly<Record<string, unknown>>): { iban: string; bic: string | null; holder: string; signatureDate: string; mandateId?: string } {
    const fail = (field: string, message: string): never => {
      throw new ValidationError({ message: `details.${field}: ${message}`, details: [{ path: ['details', field], message }] });
    };
    const allowed = new Set(['iban', 'bic', 'holder', 'signatureDate', 'mandateId']);
    for (const key of Object.keys(details)) if (!allowed.has(key)) fail(key, 'is not a SEPA mandate field (iban, bic, holder, signatureDate, mandateId)');

    if (typeof details.iban !== 'string') fail('iban', 'is required');
    const iban = normaliseIban(details.iban as string) ?? fail('iban', `${JSON.stringify(details.iban)} is not a valid IBAN of a SEPA country`);

    let bic: string | null = null;
    if (details.bic !== undefined && details.bic !== null && details.bic !== '') {
      if (typeof details.bic !== 'string') fail('bic', 'must be a string');
      bic = normaliseBic(details.bic as string) ?? fail('bic', `${JSON.stringify(details.bic)} is not a valid BIC (8 or 11 characters)`);
      if (!bicMatchesIban(bic, iban)) fail('bic', `${bic} is a bank in another country than the IBAN (${iban.slice(0, 2)})`);
    }

    if (typeof details.holder !== 'string') fail('holder', 'is required: the account holder as on the mandate');
    const holder = (details.holder as string).trim();
    if (holder.length < 1 || holder.length > 70) fail('holder', 'must be 1 to 70 characters');

    const today = dayOf(this.#clock.now());
    let signatureDate = today;
    if (details.signatureDate !== undefined) {
      if (typeof details.signatureDate !== 'string' || !isIsoDate(details.signatureDate)) fail('signatureDate', 'must be a date as YYYY-MM-DD');
      signatureDate = details.signatureDate as string;
      if (signatureDate > today) fail('signatureDate', `${signatureDate} is in the future; a mandate is signed before it is used`);
    }

    let mandateId: string | undefined;
    if (details.mandateId !== undefined) {
      if (typeof details.mandateId !== 'string' || !isValidSepaId(details.mandateId)) {
        fail('mandateId', "must be 1 to 35 characters of A-Z a-z 0-9 / - ? : ( ) . , ' + and space, not starting with '/' nor containing '//'");
      }
      mandateId = details.mandateId as string;
    }
    return { iban, bic, holder, signatureDate, ...(mandateId ? { mandateId } : {}) };
  }

  async #mandateByKey(db: Queryable, accountId: string, key: string): Promise<MandateRow | undefined> {
    const { rows } = await db.query<MandateRow>('SELECT * FROM payments_sepa_mandates WHERE account_id = $1 AND idempotency_key = $2', [accountId, key]);
    return rows[0];
  }

  // --- collections ---

  #collectionAmount(amount: Money): Money {
    if (amount.currency !== 'EUR') throw new ValidationError({ message: `SEPA direct debits are in EUR, not ${amount.currency}` });
    if (!amount.isPositive() || amount.greaterThan(MAX_AMOUNT))
      throw new ValidationError({ message: `A direct debit is between 0.01 and ${MAX_AMOUNT.toString()} EUR, got ${amount.toString()}` });
    try {
      amount.toCents();
    } catch (error) {
      if (error instanceof MoneyError) throw new ValidationError({ message: `A direct debit is a whole number of cents, got ${amount.toString()}` });
      throw error;
    }
    return amount;
  }

  async #collectionByKey(db: Queryable, accountId: string, key: string): Promise<CollectionRow | undefined> {
    const { rows } = await db.query<CollectionRow>('SELECT * FROM payments_sepa_collections WHERE account_id = $1 AND idempotency_key = $2', [accountId, key]);
    return rows[0];
  }

  #sameCollection(row: CollectionRow, mandateId: string, amount: Money): PaymentCreated {
    if (row.mandate_id !== mandateId || !Money.of(row.amount).equals(amount)) {
      throw new ConflictError({
        code: 'idempotency_key_reused',
        message: 'This idempotency key was used for another collection (different mandate or amount)',
      });
    }
    const status: PaymentStatus = row.status === 'submitted' ? 'pending' : row.status;
    return {
      providerPaymentId: row.provider_payment_id,
      status,
      ...(row.reason ? { reason: row.reason } : {}),
      ...(status === 'pending' ? { expectedSettlementDate: this.expectedSettlementDate(row) } : {}),
    };
  }

  async #buildBatches(tx: Transaction): Promise<{ files: number; refused: number }> {
    const now = this.#clock.now();
    const today = dayOf(now);
    // Mandate rows are locked too, so one host at a time decides a mandate's FRST/RCUR.
    const { rows } = await tx.query<CollectionRow & { iban: string; bic: string | null; holder: string; signature_date: string; mandate_status: string }>(
      `SELECT c.*, m.iban, m.bic, m.holder, m.signature_date, m.status AS mandate_status
       FROM payments_sepa_collections c JOIN payments_sepa_mandates m ON m.mandate_id = c.mandate_id
       WHERE c.status = 'pending' AND c.batch_id IS NULL
       ORDER BY c.seq
       FOR UPDATE OF c, m SKIP LOCKED`,
    );
    let refused = 0;
    const earliest = addBusinessDays(today, 1);
    const groups = new Map<string, Array<(typeof rows)[number] & { sequenceType: 'FRST' | 'RCUR'; date: string }>>();
    const collectedBefore = new Map<string, boolean>();
    for (const row of rows) {
      if (row.mandate_status !== 'active') {
        await tx.query(`UPDATE payments_sepa_collections SET status = 'failed', reason = 'MD01', updated_at = $2 WHERE provider_payment_id = $1`, [
          row.provider_payment_id,
          now,
        ]);
        await this.#event(tx, {
          eventId: `mandate-revoked:${row.provider_payment_id}`,
          providerPaymentId: row.provider_payment_id,
          status: 'failed',
          reason: 'MD01',
          occurredAt: now,
        });
        refused += 1;
        continue;
      }
      // A first collection that was refused does not count: the next one is FRST again.
      let before = collectedBefore.get(row.mandate_id);
      if (before === undefined) {
        const { rows: prior } = await tx.query(
          `SELECT 1 FROM payments_sepa_collections WHERE mandate_id = $1 AND batch_id IS NOT NULL AND status <> 'failed' LIMIT 1`,
          [row.mandate_id],
        );
        before = prior.length > 0;
      }
      collectedBefore.set(row.mandate_id, true);
      // Too late for the date it was given (no run for a while): the next possible date.
      const date = row.collection_date < earliest ? addBusinessDays(today, this.#options.leadDays) : row.collection_date;
      if (date !== row.collection_date) {
        // The purchase said another day: tell the host the new one.
        await this.#event(tx, {
          eventId: `rescheduled:${row.provider_payment_id}:${date}`,
          providerPaymentId: row.provider_payment_id,
          status: 'pending',
          expectedSettlementDate: this.expectedSettlementDate({ collection_date: date }),
          occurredAt: now,
        });
      }
      const sequenceType = before ? 'RCUR' : 'FRST';
      const key = `${date}/${sequenceType}`;
      groups.set(key, [...(groups.get(key) ?? []), { ...row, sequenceType, date }]);
    }

    for (const items of groups.values()) {
      const { date, sequenceType } = items[0]!;
      const id = ulid(now);
      const msgId = `TG${date.replaceAll('-', '')}${id.slice(-12)}`;
      const file = buildPain008({
        msgId,
        createdAt: now,
        creditor: this.#options.creditor,
        collectionDate: date,
        sequenceType,
        transactions: items.map((c) => ({
          endToEndId: c.end_to_end_id,
          amount: Money.of(c.amount),
          mandateId: c.mandate_id,
          mandateSignatureDate: c.signature_date,
          debtorName: c.holder,
          debtorIban: c.iban,
          debtorBic: c.bic,
          remittance: `${c.reference} ${c.description}`,
        })),
      });
      const batchId = `bat_${id.toLowerCase()}`;
      await tx.query(
        `INSERT INTO payments_sepa_batches (id, msg_id, collection_date, sequence_type, xml, transaction_count, control_sum, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [batchId, msgId, date, sequenceType, file.xml, file.transactionCount, file.controlSum.toString(), now],
      );
      for (const c of items) {
        await tx.query(
          `UPDATE payments_sepa_collections SET batch_id = $2, sequence_type = $3, collection_date = $4, updated_at = $5 WHERE provider_payment_id = $1`,
          [c.provider_payment_id, batchId, sequenceType, date, now],
        );
      }
    }
    return { files: groups.size, refused };
  }

  /** Uploads one built batch: the number of collections submitted, 'failed', or 'skipped' (another host has it). */
  async #upload(batchId: string): Promise<number | 'failed' | 'skipped'> {
    const now = this.#clock.now();
    const { rows } = await this.#db.query<{ msg_id: string; xml: string }>(
      `UPDATE payments_sepa_batches SET claimed_until = $2, attempts = attempts + 1
       WHERE id = $1 AND status = 'built' AND (claimed_until IS NULL OR claimed_until <= $3)
       RETURNING msg_id, xml`,
      [batchId, new Date(now.getTime() + UPLOAD_CLAIM_MS), now],
    );
    const batch = rows[0];
    if (!batch) return 'skipped';

    let status: number;
    let detail = '';
    try {
      const response = await this.#bank('/files/pain.008', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: batch.xml });
      status = response.status;
      detail = await response.text();
    } catch (error) {
      await this.#db.query('UPDATE payments_sepa_batches SET claimed_until = NULL, last_error = $2 WHERE id = $1', [
        batchId,
        `upload failed: ${error instanceof Error ? error.message : String(error)}`,
      ]);
      this.#logger?.warn({ err: error, msgId: batch.msg_id }, 'payments-sepa: upload failed, will retry');
      return 'failed';
    }

    // 409: the bank already has this MsgId (an earlier upload whose answer was lost): it is received.
    if (status === 202 || status === 200 || status === 409) {
      return this.#db.transaction(async (tx) => {
        await tx.query(`UPDATE payments_sepa_batches SET status = 'submitted', submitted_at = $2, claimed_until = NULL, last_error = NULL WHERE id = $1`, [
          batchId,
          this.#clock.now(),
        ]);
        const { rowCount } = await tx.query(
          `UPDATE payments_sepa_collections SET status = 'submitted', updated_at = $2 WHERE batch_id = $1 AND status = 'pending'`,
          [batchId, this.#clock.now()],
        );
        return rowCount;
      });
    }
    if (status === 400 || status === 422) {
      // The bank refuses the file itself: retrying the same bytes cannot help. FF01 = invalid file format.
      await this.#db.transaction(async (tx) => {
        await tx.query(`UPDATE payments_sepa_batches SET status = 'rejected', claimed_until = NULL, last_error = $2 WHERE id = $1`, [
          batchId,
          `bank refused the file (${status}): ${detail.slice(0, 500)}`,
        ]);
        const { rows: failed } = await tx.query<{ provider_payment_id: string }>(
          `UPDATE payments_sepa_collections SET status = 'failed', reason = 'FF01', updated_at = $2 WHERE batch_id = $1 AND status = 'pending' RETURNING provider_payment_id`,
          [batchId, now],
        );
        for (const f of failed)
          await this.#event(tx, {
            eventId: `file-rejected:${f.provider_payment_id}`,
            providerPaymentId: f.provider_payment_id,
            status: 'failed',
            reason: 'FF01',
            occurredAt: now,
          });
      });
      this.#logger?.error({ msgId: batch.msg_id, status, detail: detail.slice(0, 500) }, 'payments-sepa: the bank refused a collection file');
      return 'failed';
    }
    await this.#db.query('UPDATE payments_sepa_batches SET claimed_until = NULL, last_error = $2 WHERE id = $1', [
      batchId,
      `bank answered ${status}: ${detail.slice(0, 500)}`,
    ]);
    this.#logger?.warn({ msgId: batch.msg_id, status }, 'payments-sepa: upload refused for now, will retry');
    return 'failed';
  }

  // --- reports ---

  async #applyReport(tx: Transaction, input: { reportId: string; report: Pain002Report; xml: string; source: 'bank' | 'import' }): Promise<ReportResult> {
    const result: ReportResult = { reports: 0, duplicates: 0, failed: 0, reversed: 0, settled: 0, ignored: 0 };
    const { rows: fresh } = await tx.query(
      `INSERT INTO payments_sepa_reports (report_id, source, original_msg_id, xml, received_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING report_id`,
      [input.reportId, input.source, input.report.originalMsgId, input.xml, this.#clock.now()],
    );
    if (fresh.length === 0) {
      result.duplicates = 1;
      return result;
    }
    result.reports = 1;
    const occurredAt = input.report.createdAt ?? this.#clock.now();
    for (const item of input.report.transactions) {
      if (item.status === 'ACSC') {
        result[(await this.#settleReported(tx, item.endToEndId)) ? 'settled' : 'ignored'] += 1;
        continue;
      }
      if (item.status !== 'RJCT') continue;
      const reason = item.reason ?? 'NARR';
      const { rows } = await tx.query<CollectionRow>('SELECT * FROM payments_sepa_collections WHERE end_to_end_id = $1 FOR UPDATE', [item.endToEndId]);
      const row = rows[0];
      // Refused before settlement -> failed; returned after we counted it paid -> reversed.
      const next = !row
        ? undefined
        : row.status === 'succeeded'
          ? 'reversed'
          : row.status === 'submitted' || (row.status === 'pending' && row.batch_id)
            ? 'failed'
            : undefined;
      if (!row || !next) {
        result.ignored += 1;
        this.#logger?.info(
          { endToEndId: item.endToEndId, reportId: input.reportId, status: row?.status },
          'payments-sepa: rejection ignored (unknown or final collection)',
        );
        continue;
      }
      await tx.query('UPDATE payments_sepa_collections SET status = $2, reason = $3, updated_at = $4 WHERE provider_payment_id = $1', [
        row.provider_payment_id,
        next,
        reason,
        this.#clock.now(),
      ]);
      await this.#event(tx, {
        eventId: `pain002:${input.reportId}:${item.endToEndId}`,
        providerPaymentId: row.provider_payment_id,
        status: next,
        reason,
        occurredAt,
      });
      result[next] += 1;
    }
    return result;
  }

  /**
   * The bank says the money arrived (pain.002 TxSts ACSC): the collection is paid now rather than at
   * its settlement date. Same event id as settleMatured, so the two can never credit twice.
   */
  async #settleReported(tx: Transaction, endToEndId: string): Promise<boolean> {
    const now = this.#clock.now();
    const { rows } = await tx.query<{ provider_payment_id: string }>(
      `UPDATE payments_sepa_collections SET status = 'succeeded', updated_at = $2
       WHERE end_to_end_id = $1 AND (status = 'submitted' OR (status = 'pending' AND batch_id IS NOT NULL)) RETURNING provider_payment_id`,
      [endToEndId, now],
    );
    const row = rows[0];
    if (!row) return false;
    await this.#event(tx, { eventId: `settled:${row.provider_payment_id}`, providerPaymentId: row.provider_payment_id, status: 'succeeded', occurredAt: now });
    return true;
  }

  async #event(tx: Queryable, event: PaymentEvent): Promise<void> {
    await tx.query(
      `INSERT INTO payments_sepa_events (event_id, provider_payment_id, status, reason, expected_settlement_date, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [event.eventId, event.providerPaymentId, event.status, event.reason ?? null, event.expectedSettlementDate ?? null, event.occurredAt],
    );
  }

  async #bank(path: string, init: RequestInit): Promise<Response> {
    const base = this.#options.bank.baseUrl.replace(/\/+$/, '');
    return this.#fetch(`${base}${path}`, {
      ...init,
      headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${this.#options.bank.token}` },
      signal: AbortSignal.timeout(30_000),
    });
  }
}

function setupOf(row: MandateRow): PaymentMethodSetup {
  return {
    providerMethodId: row.mandate_id,
    kind: 'sepa_direct_debit',
    label: `SEPA mandate ${row.mandate_id} (${maskIban(row.iban)})`,
    metadata: {
      mandateId: row.mandate_id,
      signatureDate: row.signature_date,
      ibanLast4: row.iban.slice(-4),
      ...(row.bic ? { bic: row.bic } : {}),
      holder: row.holder,
    },
  };
}

function batchOf(row: Record<string, unknown>): SepaBatch {
  return {
    id: String(row.id),
    msgId: String(row.msg_id),
    collectionDate: String(row.collection_date),
    sequenceType: row.sequence_type as 'FRST' | 'RCUR',
    transactionCount: Number(row.transaction_count),
    controlSum: Money.of(String(row.control_sum)).toString(),
    status: row.status as SepaBatch['status'],
    attempts: Number(row.attempts),
    lastError: (row.last_error as string | null) ?? null,
    createdAt: row.created_at as Date,
    submittedAt: (row.submitted_at as Date | null) ?? null,
  };
}

function addInto(total: ReportResult, part: ReportResult): void {
  for (const key of Object.keys(total) as Array<keyof ReportResult>) total[key] += part[key];
}
