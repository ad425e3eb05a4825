import {
  ConflictError,
  Money,
  MoneyError,
  NotFoundError,
  UnavailableError,
  UnprocessableError,
  ValidationError,
  isTarget2BusinessDay,
  nextTarget2BusinessDay,
  type Clock,
  type DirectDebitCollected,
  type DirectDebitCreditor,
  type DirectDebitItem,
  type DirectDebitOutcome,
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
import { parseCamt, type CamtDocument, type CamtKind } from './camt.js';
import { parsePain002, showReason, type Pain002Report, type SepaReason } from './pain002.js';
import { buildPain008 } from './pain008.js';
import {
  addBusinessDays,
  addDays,
  bicMatchesIban,
  dayOf,
  isIsoDate,
  isNonEeaSepaIban,
  isValidSepaId,
  maskIban,
  normaliseBic,
  normaliseIban,
  toSepaText,
  ulid,
} from './sepa-rules.js';

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
  address_country: string | null;
  /** Address lines joined by a line feed. */
  address_lines: string | null;
}

/** A debtor's postal address as a pain.008.001.02 carries it: country, then at most 2 lines of 70. */
export interface DebtorAddress {
  country: string;
  lines: string[];
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
  sequenceType: 'FRST' | 'RCUR' | 'OOFF';
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
  /** Collections the bank reported settled (TxSts ACSC) and now paid (their return window is over). */
  settled: number;
  /** Collections the bank reported settled inside their return window: paid when it closes. */
  confirmed: number;
  /** Statuses that change nothing (ACCP, ACTC, PDNG…): noted only. */
  noted: number;
  /** Lines naming a file, batch or collection we do not know: kept in payments_sepa_unmatched (GET /unmatched). */
  unmatched: number;
  /** Rejections or settlements for collections already final (failed, reversed, or paid twice). */
  ignored: number;
}

/** What reading bank statements (camt.054 notifications, camt.053 statements) changed. */
export interface StatementResult {
  statements: number;
  duplicates: number;
  /** CRDT entries for collections not yet counted paid: paid now (their return window is over). */
  settled: number;
  /** CRDT entries inside the return window: paid when it closes. */
  confirmed: number;
  /** DBIT returns before our settlement date. */
  failed: number;
  /** DBIT returns after it: the credit is clawed back. */
  reversed: number;
  /** Entries not booked (PDNG, INFO). */
  noted: number;
  unmatched: number;
  ignored: number;
}

export interface SepaReportSummary {
  /** A pain.002's MsgId (polled or uploaded), or `<kind>:<MsgId>` for a statement (`unreadable:<kind>:<id>` when it could not be read). */
  reportId: string;
  kind: 'pain.002' | 'camt.053' | 'camt.054';
  source: 'bank' | 'import';
  originalMsgId: string | null;
  /** pain.002 GrpSts (ACCP, PART, RJCT…) and its reason. */
  groupStatus: string | null;
  groupReason: string | null;
  receivedAt: Date;
}

export interface UnmatchedLine {
  id: string;
  reportId: string;
  kind: 'pain.002' | 'camt.053' | 'camt.054';
  level: 'file' | 'batch' | 'transaction' | 'entry';
  /** OrgnlMsgId, OrgnlPmtInfId or EndToEndId as the bank wrote it. */
  reference: string;
  status: string | null;
  /** 'AM04', or 'SL01 (proprietary)'. */
  reason: string | null;
  amount: string | null;
  receivedAt: Date;
}

export interface TickResult {
  submit: SubmitResult | null;
  reports: ReportResult | null;
  statements: StatementResult | null;
  settled: number | null;
  /** Steps that failed (the others still ran); retried next tick. */
  errors: string[];
}

/**
 * SEPA Core direct debit: mandates, one pain.008.001.02 file per collection date and sequence type
 * uploaded to the creditor's bank, pain.002 status reports for refusals (before settlement) and
 * returns (after), camt.054/camt.053 for returns and credits. A collection with no refusal
 * `settleAfterDays` TARGET2 business days after its collection date (the return window) is paid.
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
      `INSERT INTO payments_sepa_mandates (mandate_id, account_id, iban, bic, holder, signature_date, status, idempotency_key, created_at, address_country, address_lines)
       VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING *`,
      [
        mandateId,
        input.accountId,
        details.iban,
        details.bic,
        details.holder,
        details.signatureDate,
        input.idempotencyKey,
        this.#clock.now(),
        details.address?.country ?? null,
        details.address ? details.address.lines.join('\n') : null,
      ],
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
    // A mandate from before the non-EEA rule: its collections would break the EPC rulebook.
    if (isNonEeaSepaIban(mandate.iban) && (!mandate.bic || !mandate.address_country))
      throw new UnprocessableError({
        code: 'mandate_incomplete',
        message: `SEPA mandate ${mandate.mandate_id} is for a debtor outside the EEA (${mandate.iban.slice(0, 2)}) and has no BIC or postal address; set up a new one with details.bic and details.address`,
      });

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
   * The day this provider counts a collection paid: its collection date + `settleAfterDays` TARGET2
   * business days (settleMatured), unless refused before; a bank confirmation (ACSC, CRDT) does not
   * shorten the return window (but pays at once when settleAfterDays is 0).
   */
  expectedSettlementDate(row: { collection_date: string }): string {
    return addBusinessDays(row.collection_date, this.#options.settleAfterDays);
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
    const statements = await step('fetchStatements', () => this.fetchStatements());
    const settled = await step('settleMatured', () => this.settleMatured());
    await step('flushEvents', () => this.flushEvents());
    return { submit, reports, statements, settled, errors };
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
    const total = emptyReportResult();
    for (let page = 0; page < REPORT_PAGES_PER_RUN; page++) {
      const { rows } = await this.#db.query<{ value: string }>(`SELECT value FROM payments_sepa_state WHERE key = 'bank_report_cursor'`);
      const after = rows[0]?.value;
      const response = await this.#bank(`/files/pain.002${after ? `?after=${encodeURIComponent(after)}` : ''}`, { method: 'GET' });
      if (response.status !== 200)
        throw new UnavailableError({ code: 'bank_unavailable', message: `The bank answered ${response.status} when asked for status reports` });
      const { data } = (await response.json()) as { data: Array<{ id: string; createdAt: string; xml: string }> };
      if (data.length === 0) break;
      for (const item of data) {
        let report: Pain002Report;
        try {
          report = parsePain002(item.xml);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          await this.#db.transaction(async (tx) => {
            await this.#keepUnreadable(tx, { kind: 'pain.002', item, error });
            await advanceCursor(tx, 'bank_report_cursor', item.id);
          });
          total.unmatched += 1;
          continue;
        }
        const applied = await this.#db.transaction(async (tx) => {
          // Keyed by its MsgId like an uploaded copy (importReport), not by the bank's file id: the same report is applied once.
          const r = await this.#applyReport(tx, { reportId: report.msgId, report, xml: item.xml, source: 'bank' });
          await advanceCursor(tx, 'bank_report_cursor', item.id);
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

  /**
   * Reads new camt.054 debit/credit notifications from the bank (`GET /files/camt.054?after=<id>`, a
   * cursor like the pain.002 one) and applies them: see `importStatement`.
   */
  async fetchStatements(): Promise<StatementResult> {
    const total = emptyStatementResult();
    for (let page = 0; page < REPORT_PAGES_PER_RUN; page++) {
      const { rows } = await this.#db.query<{ value: string }>(`SELECT value FROM payments_sepa_state WHERE key = 'bank_camt054_cursor'`);
      const after = rows[0]?.value;
      const response = await this.#bank(`/files/camt.054${after ? `?after=${encodeURIComponent(after)}` : ''}`, { method: 'GET' });
      if (response.status !== 200)
        throw new UnavailableError({ code: 'bank_unavailable', message: `The bank answered ${response.status} when asked for camt.054 notifications` });
      const { data } = (await response.json()) as { data: Array<{ id: string; createdAt: string; xml: string }> };
      if (data.length === 0) break;
      for (const item of data) {
        let doc: CamtDocument;
        try {
          doc = parseCamt(item.xml);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          await this.#db.transaction(async (tx) => {
            await this.#keepUnreadable(tx, { kind: 'camt.054', item, error });
            await advanceCursor(tx, 'bank_camt054_cursor', item.id);
          });
          total.unmatched += 1;
          continue;
        }
        const applied = await this.#db.transaction(async (tx) => {
          const r = await this.#applyStatement(tx, { doc, xml: item.xml, source: 'bank' });
          await advanceCursor(tx, 'bank_camt054_cursor', item.id);
          return r;
        });
        addInto(total, applied);
      }
    }
    await this.flushEvents();
    return total;
  }

  /**
   * Applies a camt.054 or camt.053 an operator received from the bank. Entries are matched by
   * TxDtls/Refs/EndToEndId: a booked DBIT is a return (RtrInf reason) - refused before settlement,
   * clawed back after; a booked CRDT says the money arrived - paid. A document is applied once
   * (by kind and GrpHdr/MsgId), and a collection changes state once, whichever document says it first.
   */
  async importStatement(input: { xml: string }): Promise<StatementResult & { statementId: string; kind: CamtKind }> {
    const doc = parseCamt(input.xml);
    const result = await this.#db.transaction((tx) => this.#applyStatement(tx, { doc, xml: input.xml, source: 'import' }));
    await this.flushEvents();
    return { statementId: doc.msgId, kind: doc.kind, ...result };
  }

  /** Reports and statements read, newest first (the last 500): what each said at file level (GrpSts), without the XML. */
  async listReports(): Promise<SepaReportSummary[]> {
    const { rows } = await this.#db.query<Record<string, unknown>>(
      'SELECT report_id, kind, source, original_msg_id, group_status, group_reason, received_at FROM payments_sepa_reports ORDER BY received_at DESC, report_id DESC LIMIT 500',
    );
    return rows.map((r) => ({
      reportId: String(r.report_id),
      kind: r.kind as SepaReportSummary['kind'],
      source: r.source as SepaReportSummary['source'],
      originalMsgId: (r.original_msg_id as string | null) ?? null,
      groupStatus: (r.group_status as string | null) ?? null,
      groupReason: (r.group_reason as string | null) ?? null,
      receivedAt: r.received_at as Date,
    }));
  }

  /** Report and statement lines that named nothing we know, newest first (the last 500). */
  async listUnmatched(): Promise<UnmatchedLine[]> {
    const { rows } = await this.#db.query<Record<string, unknown>>('SELECT * FROM payments_sepa_unmatched ORDER BY received_at DESC, id DESC LIMIT 500');
    return rows.map((r) => ({
      id: String(r.id),
      reportId: String(r.report_id),
      kind: r.kind as UnmatchedLine['kind'],
      level: r.level as UnmatchedLine['level'],
      reference: String(r.reference),
      status: (r.status as string | null) ?? null,
      reason: r.reason ? showReason({ code: String(r.reason), type: (r.reason_type as SepaReason['type'] | null) ?? 'Cd' }) : null,
      amount: r.amount === null || r.amount === undefined ? null : Money.of(String(r.amount)).toString(),
      receivedAt: r.received_at as Date,
    }));
  }

  /**
   * Submitted collections with no refusal `settleAfterDays` TARGET2 business days after their
   * collection date are paid (the return window counts business days, not calendar days).
   */
  async settleMatured(): Promise<number> {
    const now = this.#clock.now();
    // From a weekend or holiday, count back from the last business day: a Saturday is no business day.
    let lastOpen = dayOf(now);
    while (!isTarget2BusinessDay(lastOpen)) lastOpen = addDays(lastOpen, -1);
    const cutoff = addBusinessDays(lastOpen, -this.#options.settleAfterDays);
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
      }>('SELECT * FROM payments_sepa_events WHERE reported_at IS NULL ORDER BY seq LIMIT 200');
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
      // As JSON: an event id may hold a comma (it carries a bank's MsgId); one never marked would be reported forever.
      await this.#db.query(`UPDATE payments_sepa_events SET reported_at = $2 WHERE event_id IN (SELECT jsonb_array_elements_text($1::jsonb))`, [
        JSON.stringify(rows.map((r) => r.event_id)),
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

  #mandateDetails(details: Readonly<Record<string, unknown>>): {
    iban: string;
    bic: string | null;
    holder: string;
    signatureDate: string;
    mandateId?: string;
    address?: DebtorAddress;
  } {
    const fail = (field: string, message: string): never => {
      const path = ['details', ...field.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part))];
      throw new ValidationError({ message: `details.${field}: ${message}`, details: [{ path, message }] });
    };
    const allowed = new Set(['iban', 'bic', 'holder', 'signatureDate', 'mandateId', 'address']);
    for (const key of Object.keys(details))
      if (!allowed.has(key)) fail(key, 'is not a SEPA mandate field (iban, bic, holder, signatureDate, mandateId, address)');

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
    const address = details.address === undefined || details.address === null ? undefined : this.#address(details.address, fail);
    // EPC Core rulebook: a debtor whose bank is outside the EEA is collected with its BIC and postal address.
    if (isNonEeaSepaIban(iban)) {
      const country = iban.slice(0, 2);
      if (!bic) fail('bic', `is required for a debtor account outside the EEA (${country}): SEPA collections from there carry the debtor bank's BIC`);
      if (!address)
        fail(
          'address',
          `is required for a debtor account outside the EEA (${country}): { "country": "${country}", "lines": ["street and number", "postcode and town"] }`,
        );
    }
    return { iban, bic, holder, signatureDate, ...(mandateId ? { mandateId } : {}), ...(address ? { address } : {}) };
  }

  /** { country: 'CH', lines: ['Bahnhofstrasse 1', '8001 Zurich'] }: what a pain.008.001.02 PstlAdr holds (Ctry, 2 AdrLine of 70). */
  #address(value: unknown, fail: (field: string, message: string) => never): DebtorAddress {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('address', 'must be an object { country, lines }');
    const input = value as Record<string, unknown>;
    for (const key of Object.keys(input)) if (key !== 'country' && key !== 'lines') fail(`address.${key}`, 'is not an address field (country, lines)');
    if (typeof input.country !== 'string' || !/^[A-Z]{2}$/.test(input.country.trim().toUpperCase()))
      fail('address.country', 'must be an ISO 3166 country code of 2 letters, e.g. CH');
    const lines = input.lines;
    if (!Array.isArray(lines) || lines.length !== 2)
      fail('address.lines', 'must be 2 lines: street and number, then postcode and town (a pain.008.001.02 carries at most 2)');
    const cleaned = (lines as unknown[]).map((line, i) => {
      if (typeof line !== 'string' || line.trim() === '') return fail(`address.lines.${i}`, 'must be a non-empty string');
      if (line.trim().length > 70) return fail(`address.lines.${i}`, 'must be at most 70 characters');
      // Stored as sent to the bank: SEPA characters only.
      return toSepaText(line, 70);
    });
    return { country: (input.country as string).trim().toUpperCase(), lines: cleaned };
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
    const { rows } = await tx.query<
      CollectionRow & {
        iban: string;
        bic: string | null;
        holder: string;
        signature_date: string;
        mandate_status: string;
        address_country: string | null;
        address_lines: string | null;
      }
    >(
      `SELECT c.*, m.iban, m.bic, m.holder, m.signature_date, m.status AS mandate_status, m.address_country, m.address_lines
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
      // Too late for the date it was given (no run for a while): the next possible date. A date TARGET2
      // is closed (given before the calendar knew its holidays) moves to its next business day.
      const date =
        row.collection_date < earliest
          ? addBusinessDays(today, this.#options.leadDays)
          : isTarget2BusinessDay(row.collection_date)
            ? row.collection_date
            : nextTarget2BusinessDay(row.collection_date);
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
          ...(c.address_country && c.address_lines ? { debtorAddress: { country: c.address_country, lines: c.address_lines.split('\n') } } : {}),
          remittance: `${c.reference} ${c.description}`,
        })),
      });
      const batchId = `bat_${id.toLowerCase()}`;
      await tx.query(
        `INSERT INTO payments_sepa_batches (id, msg_id, collection_date, sequence_type, xml, transaction_count, control_sum, created_at, pmt_inf_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [batchId, msgId, date, sequenceType, file.xml, file.transactionCount, file.controlSum.toString(), now, file.pmtInfId],
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
        const { rows: invoiceItems } = await tx.query<{ end_to_end_id: string }>(
          'SELECT end_to_end_id FROM payments_sepa_invoice_items WHERE batch_id = $1 ORDER BY end_to_end_id FOR UPDATE',
          [batchId],
        );
        for (const item of invoiceItems)
          await this.#invoiceStatus(tx, { endToEndId: item.end_to_end_id, status: 'RJCT', reason: { code: 'FF01', type: 'Cd' }, occurredAt: now });
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

  // --- invoices collected for the invoice side (directDebitCollectorsExtensionPoint) ---

  /**
   * One file per sequence type for the invoice side's items, collection date `leadDays` TARGET2
   * business days on, uploaded now (a failed upload is retried by the next tick with the same MsgId).
   * The same idempotency key answers the same files; an EndToEndId already collected is left out.
   */
  async collectInvoices(input: {
    accountId: string;
    idempotencyKey: string;
    creditor: DirectDebitCreditor;
    items: readonly DirectDebitItem[];
  }): Promise<DirectDebitCollected> {
    const now = this.#clock.now();
    const collectionDate = addBusinessDays(dayOf(now), this.#options.leadDays);
    const iban = normaliseIban(input.creditor.iban);
    const bic = normaliseBic(input.creditor.bic);
    if (!iban || !bic || !bicMatchesIban(bic, iban))
      throw new ValidationError({ code: 'invalid_creditor', message: 'The creditor IBAN or BIC is not valid, or the BIC country does not match the IBAN' });
    const creditor = { name: input.creditor.name, iban, bic, id: input.creditor.creditorId.replace(/\s+/g, '').toUpperCase() };
    const made = await this.#db.transaction(async (tx) => {
      const { rows: done } = await tx.query<{ result: DirectDebitCollected }>(
        'SELECT result FROM payments_sepa_invoice_runs WHERE account_id = $1 AND idempotency_key = $2',
        [input.accountId, input.idempotencyKey],
      );
      if (done[0]) return { result: done[0].result, batchIds: [] as string[] };
      const fresh: DirectDebitItem[] = [];
      for (const item of input.items) {
        if (await this.#invoiceItem(tx, item.endToEndId)) continue;
        if (!fresh.some((f) => f.endToEndId === item.endToEndId)) fresh.push(item);
      }
      const result: DirectDebitCollected = { files: [], collectionDate };
      const batchIds: string[] = [];
      for (const sequence of ['FRST', 'RCUR', 'OOFF'] as const) {
        const items = fresh.filter((i) => i.sequence === sequence);
        if (items.length === 0) continue;
        const id = ulid(now);
        const msgId = `TI${collectionDate.replaceAll('-', '')}${id.slice(-12)}`;
        const file = buildPain008({
          msgId,
          createdAt: now,
          creditor,
          collectionDate,
          sequenceType: sequence,
          transactions: items.map((i) => ({
            endToEndId: i.endToEndId,
            amount: this.#collectionAmount(Money.of(i.amount)),
            mandateId: i.mandateReference,
            mandateSignatureDate: i.signatureDate,
            debtorName: i.debtorName,
            debtorIban: i.iban,
            debtorBic: i.bic,
            remittance: i.remittance,
          })),
        });
        const batchId = `bat_${id.toLowerCase()}`;
        await tx.query(
          `INSERT INTO payments_sepa_batches (id, msg_id, collection_date, sequence_type, xml, transaction_count, control_sum, created_at, pmt_inf_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [batchId, msgId, collectionDate, sequence, file.xml, file.transactionCount, file.controlSum.toString(), now, file.pmtInfId],
        );
        for (const i of items)
          await tx.query(
            `INSERT INTO payments_sepa_invoice_items (end_to_end_id, account_id, batch_id, mandate_reference, amount, status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 'submitted', $6, $6)`,
            [i.endToEndId, input.accountId, batchId, i.mandateReference, Money.of(i.amount).toString(), now],
          );
        batchIds.push(batchId);
        result.files.push({ id: batchId, msgId, sequence, count: file.transactionCount, controlSum: file.controlSum.toString() });
      }
      await tx.query('INSERT INTO payments_sepa_invoice_runs (account_id, idempotency_key, result, created_at) VALUES ($1, $2, $3, $4)', [
        input.accountId,
        input.idempotencyKey,
        JSON.stringify(result),
        now,
      ]);
      return { result, batchIds };
    });
    for (const batchId of made.batchIds) await this.#upload(batchId);
    return made.result;
  }

  /** What the bank said about invoice items, oldest first, after the cursor `after` (a seq). */
  async invoiceOutcomes(input: { after: string | null; limit?: number }): Promise<DirectDebitOutcome[]> {
    const { rows } = await this.#db.query<{
      seq: string;
      account_id: string;
      end_to_end_id: string;
      kind: 'settled' | 'returned';
      reason: string | null;
      amount: string;
      occurred_at: Date;
    }>(
      'SELECT seq::text AS seq, account_id, end_to_end_id, kind, reason, amount::text AS amount, occurred_at FROM payments_sepa_invoice_outcomes WHERE seq > $1 ORDER BY seq LIMIT $2',
      [input.after && /^\d+$/.test(input.after) ? input.after : '0', Math.min(Math.max(input.limit ?? 200, 1), 1000)],
    );
    return rows.map((r) => ({
      id: r.seq,
      accountId: r.account_id,
      endToEndId: r.end_to_end_id,
      kind: r.kind,
      reason: r.reason,
      amount: Money.of(r.amount).toString(),
      occurredAt: r.occurred_at,
    }));
  }

  async #invoiceItem(tx: Queryable, endToEndId: string): Promise<boolean> {
    const { rows } = await tx.query('SELECT 1 FROM payments_sepa_invoice_items WHERE end_to_end_id = $1', [endToEndId]);
    return rows.length > 0;
  }

  /**
   * An invoice item's answer from the bank: ACSC/CRDT = settled (the invoice side records the payment;
   * a later return reverses it), RJCT/return = returned. Each kind once per item; nothing after a return.
   */
  async #invoiceStatus(
    tx: Queryable,
    input: {
      endToEndId: string;
      status: string;
      reason?: SepaReason | undefined;
      occurredAt: Date;
      result?: { settled: number; failed: number; noted: number; ignored: number };
    },
  ): Promise<void> {
    const kind = input.status === 'RJCT' ? 'returned' : input.status === 'ACSC' ? 'settled' : undefined;
    if (!kind) {
      if (input.result) input.result.noted += 1;
      return;
    }
    const { rows } = await tx.query<{ account_id: string; amount: string }>(
      `UPDATE payments_sepa_invoice_items SET status = $2, reason = $3, updated_at = $4
       WHERE end_to_end_id = $1 AND status <> 'returned' AND ($2 = 'returned' OR status = 'submitted')
       RETURNING account_id, amount::text AS amount`,
      [input.endToEndId, kind, kind === 'returned' ? showReason(input.reason ?? { code: 'NARR', type: 'Cd' }) : null, this.#clock.now()],
    );
    const item = rows[0];
    if (!item) {
      if (input.result) input.result.ignored += 1;
      return;
    }
    await tx.query(
      `INSERT INTO payments_sepa_invoice_outcomes (end_to_end_id, account_id, kind, reason, amount, occurred_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (end_to_end_id, kind) DO NOTHING`,
      [
        input.endToEndId,
        item.account_id,
        kind,
        kind === 'returned' ? showReason(input.reason ?? { code: 'NARR', type: 'Cd' }) : null,
        item.amount,
        input.occurredAt,
      ],
    );
    if (input.result) {
      if (kind === 'settled') input.result.settled += 1;
      else input.result.failed += 1;
    }
  }

  // --- reports ---

  /**
   * Applies a pain.002 by level, most precise first: each listed transaction gets its own status;
   * then a batch status (PmtInfSts) covers the batch's other collections, and a file status (GrpSts)
   * the file's others. RJCT refuses, ACSC pays, PART means "only what is listed", ACCP/ACTC/PDNG/…
   * are noted. A line naming a file, batch or collection we do not know is kept as unmatched.
   */
  async #applyReport(tx: Transaction, input: { reportId: string; report: Pain002Report; xml: string; source: 'bank' | 'import' }): Promise<ReportResult> {
    const result = emptyReportResult();
    const { report } = input;
    const { rows: fresh } = await tx.query(
      `INSERT INTO payments_sepa_reports (report_id, source, original_msg_id, xml, received_at, kind, group_status, group_reason)
       VALUES ($1, $2, $3, $4, $5, 'pain.002', $6, $7) ON CONFLICT DO NOTHING RETURNING report_id`,
      [
        input.reportId,
        input.source,
        report.originalMsgId,
        input.xml,
        this.#clock.now(),
        report.groupStatus ?? null,
        report.groupReason ? showReason(report.groupReason) : null,
      ],
    );
    if (fresh.length === 0) {
      result.duplicates = 1;
      return result;
    }
    result.reports = 1;
    const occurredAt = report.createdAt ?? this.#clock.now();
    const unmatched = (level: 'file' | 'batch' | 'transaction', reference: string, status?: string, reason?: SepaReason) =>
      this.#unmatched(tx, { reportId: input.reportId, kind: 'pain.002', level, reference, status, reason }).then(() => {
        result.unmatched += 1;
      });
    // Collections this report already decided: a broader level never overrides a narrower one.
    const decided = new Set<string>();
    const apply = async (row: CollectionRow, status: string, reason: SepaReason | undefined): Promise<void> => {
      decided.add(row.provider_payment_id);
      if (status === 'RJCT') {
        const outcome = await this.#refuse(tx, row, reason ?? { code: 'NARR', type: 'Cd' }, `pain002:${input.reportId}:${row.end_to_end_id}`, occurredAt);
        result[outcome] += 1;
        if (outcome === 'ignored')
          this.#logger?.info(
            { endToEndId: row.end_to_end_id, reportId: input.reportId, status: row.status },
            'payments-sepa: rejection of a final collection ignored',
          );
      } else if (status === 'ACSC') {
        result[await this.#settle(tx, row)] += 1;
      } else {
        result.noted += 1;
      }
    };

    const { rows: files } = await tx.query<{ id: string }>('SELECT id FROM payments_sepa_batches WHERE msg_id = $1', [report.originalMsgId]);
    const file = files[0];
    if (!file) {
      await unmatched('file', report.originalMsgId, report.groupStatus, report.groupReason);
      this.#logger?.warn({ reportId: input.reportId, originalMsgId: report.originalMsgId }, 'payments-sepa: a status report names an unknown file');
    }

    const batchScopes: Array<{ batchId: string; status?: string; reason?: SepaReason }> = [];
    for (const batch of report.batches) {
      // Only a batch of the file this report is about (OrgnlMsgId): another file's batch is not in its scope.
      const { rows: found } = await tx.query<{ id: string }>('SELECT id FROM payments_sepa_batches WHERE pmt_inf_id = $1 AND msg_id = $2', [
        batch.originalPmtInfId,
        report.originalMsgId,
      ]);
      if (found[0])
        batchScopes.push({ batchId: found[0].id, ...(batch.status ? { status: batch.status } : {}), ...(batch.reason ? { reason: batch.reason } : {}) });
      else {
        await unmatched('batch', batch.originalPmtInfId, batch.status, batch.reason);
        this.#logger?.warn({ reportId: input.reportId, pmtInfId: batch.originalPmtInfId }, 'payments-sepa: a status report names an unknown batch');
      }
      for (const item of batch.transactions) {
        const { rows } = await tx.query<CollectionRow>('SELECT * FROM payments_sepa_collections WHERE end_to_end_id = $1 FOR UPDATE', [item.endToEndId]);
        if (!rows[0] && (await this.#invoiceItem(tx, item.endToEndId))) {
          decided.add(item.endToEndId);
          await this.#invoiceStatus(tx, { endToEndId: item.endToEndId, status: item.status, reason: item.reason, occurredAt, result });
          continue;
        }
        if (!rows[0]) {
          await unmatched('transaction', item.endToEndId, item.status, item.reason);
          this.#logger?.warn({ reportId: input.reportId, endToEndId: item.endToEndId }, 'payments-sepa: a status report names an unknown collection');
          continue;
        }
        await apply(rows[0], item.status, item.reason);
      }
    }

    // Batch level, then file level: RJCT and ACSC cover every collection in scope not listed above.
    const scopes = [...batchScopes, ...(file && report.groupStatus ? [{ batchId: file.id, status: report.groupStatus, reason: report.groupReason }] : [])];
    const rejectedBatches = new Set<string>();
    for (const scope of scopes) {
      if (scope.status !== 'RJCT' && scope.status !== 'ACSC') {
        if (scope.status && scope.status !== 'PART') result.noted += 1;
        continue;
      }
      const { rows } = await tx.query<CollectionRow>('SELECT * FROM payments_sepa_collections WHERE batch_id = $1 ORDER BY seq FOR UPDATE', [scope.batchId]);
      for (const row of rows) if (!decided.has(row.provider_payment_id)) await apply(row, scope.status, scope.reason);
      const { rows: invoiceItems } = await tx.query<{ end_to_end_id: string }>(
        'SELECT end_to_end_id FROM payments_sepa_invoice_items WHERE batch_id = $1 ORDER BY end_to_end_id FOR UPDATE',
        [scope.batchId],
      );
      for (const item of invoiceItems)
        if (!decided.has(item.end_to_end_id))
          await this.#invoiceStatus(tx, { endToEndId: item.end_to_end_id, status: scope.status, reason: scope.reason, occurredAt, result });
      // A batch already marked by its own status keeps that reason (a file RJCT after a batch RJCT adds none).
      if (scope.status === 'RJCT' && !rejectedBatches.has(scope.batchId)) {
        rejectedBatches.add(scope.batchId);
        const reason = showReason(scope.reason ?? { code: 'NARR', type: 'Cd' });
        await tx.query(`UPDATE payments_sepa_batches SET status = 'rejected', last_error = $2 WHERE id = $1`, [
          scope.batchId,
          `refused by the bank in report ${input.reportId}: ${reason}`,
        ]);
      }
    }
    return result;
  }

  async #applyStatement(tx: Transaction, input: { doc: CamtDocument; xml: string; source: 'bank' | 'import' }): Promise<StatementResult> {
    const result = emptyStatementResult();
    const { doc } = input;
    // One key for a document however it came (polled or uploaded): its kind and its MsgId.
    const reportId = `${doc.kind}:${doc.msgId}`;
    const { rows: fresh } = await tx.query(
      `INSERT INTO payments_sepa_reports (report_id, source, xml, received_at, kind) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING report_id`,
      [reportId, input.source, input.xml, this.#clock.now(), doc.kind],
    );
    if (fresh.length === 0) {
      result.duplicates = 1;
      return result;
    }
    result.statements = 1;
    const occurredAt = doc.createdAt ?? this.#clock.now();
    // Batch booking: one CRDT entry for a whole PmtInf, without transaction references.
    for (const batch of doc.batches) {
      if (!batch.booked) {
        result.noted += 1;
        continue;
      }
      const { rows: found } = await tx.query<{ id: string }>(
        'SELECT id FROM payments_sepa_batches WHERE pmt_inf_id = $1::text OR ($1::text IS NULL AND msg_id = $2::text)',
        [batch.pmtInfId ?? null, batch.msgId ?? null],
      );
      const reference = batch.pmtInfId ?? batch.msgId ?? '';
      if (!found[0] || batch.direction !== 'CRDT') {
        // A debit of a whole batch names no collection: an operator has to look at it.
        await this.#unmatched(tx, { reportId, kind: doc.kind, level: 'batch', reference, status: batch.direction, amount: batch.amount });
        result.unmatched += 1;
        this.#logger?.warn({ reportId, reference, direction: batch.direction }, 'payments-sepa: a bank statement batch entry was not applied');
        continue;
      }
      const { rows } = await tx.query<CollectionRow>('SELECT * FROM payments_sepa_collections WHERE batch_id = $1 ORDER BY seq FOR UPDATE', [found[0].id]);
      for (const row of rows) result[await this.#settle(tx, row)] += 1;
      const { rows: invoiceItems } = await tx.query<{ end_to_end_id: string }>(
        'SELECT end_to_end_id FROM payments_sepa_invoice_items WHERE batch_id = $1 ORDER BY end_to_end_id FOR UPDATE',
        [found[0].id],
      );
      for (const item of invoiceItems) await this.#invoiceStatus(tx, { endToEndId: item.end_to_end_id, status: 'ACSC', occurredAt, result });
    }
    for (const line of doc.lines) {
      if (!line.booked) {
        result.noted += 1;
        continue;
      }
      const { rows } = await tx.query<CollectionRow>('SELECT * FROM payments_sepa_collections WHERE end_to_end_id = $1 FOR UPDATE', [line.endToEndId]);
      const row = rows[0];
      if (!row && (line.direction === 'CRDT' || line.reason) && (await this.#invoiceItem(tx, line.endToEndId))) {
        // An invoice collected for the invoice side: CRDT = paid, DBIT with RtrInf = returned.
        const status = line.direction === 'CRDT' ? 'ACSC' : 'RJCT';
        await this.#invoiceStatus(tx, { endToEndId: line.endToEndId, status, reason: line.reason, occurredAt, result });
        continue;
      }
      if (!row) {
        await this.#unmatched(tx, {
          reportId,
          kind: doc.kind,
          level: 'entry',
          reference: line.endToEndId,
          status: line.direction,
          reason: line.reason,
          amount: line.amount,
        });
        result.unmatched += 1;
        this.#logger?.warn({ reportId, endToEndId: line.endToEndId }, 'payments-sepa: a bank statement names an unknown collection');
        continue;
      }
      if (line.direction === 'DBIT' && !line.reason) {
        // A return always carries RtrInf. A debit without it under a collection's reference (a fee, a
        // correction) is not one, and must not take back the whole top-up: an operator looks at it.
        await this.#unmatched(tx, { reportId, kind: doc.kind, level: 'entry', reference: line.endToEndId, status: 'DBIT', amount: line.amount });
        result.unmatched += 1;
        this.#logger?.warn({ reportId, endToEndId: line.endToEndId, amount: line.amount }, 'payments-sepa: a debit without return information was not applied');
        continue;
      }
      if (line.amount && line.currency === 'EUR' && !sameAmount(line.amount, row.amount))
        this.#logger?.warn(
          { reportId, endToEndId: line.endToEndId, amount: line.amount, expected: row.amount },
          'payments-sepa: statement amount differs from the collection',
        );
      if (line.direction === 'DBIT') {
        // The money went back to the debtor: the same path as a pain.002 return (clawback once settled).
        result[await this.#refuse(tx, row, line.reason ?? { code: 'NARR', type: 'Cd' }, `${reportId}:${row.end_to_end_id}`, occurredAt)] += 1;
      } else {
        result[await this.#settle(tx, row)] += 1;
      }
    }
    return result;
  }

  /**
   * Refused before we counted it paid -> failed; returned after -> reversed (the funding side claws
   * the credit back). A collection already final stays as it is, so a return read twice (a report
   * replayed, the same return in a pain.002 and a camt.054) moves money once.
   */
  async #refuse(tx: Transaction, row: CollectionRow, reason: SepaReason, eventId: string, occurredAt: Date): Promise<'failed' | 'reversed' | 'ignored'> {
    const next = row.status === 'succeeded' ? 'reversed' : row.status === 'submitted' || (row.status === 'pending' && row.batch_id) ? 'failed' : undefined;
    if (!next) return 'ignored';
    const { rowCount } = await tx.query(
      'UPDATE payments_sepa_collections SET status = $2, reason = $3, reason_type = $4, updated_at = $5 WHERE provider_payment_id = $1 AND status = $6',
      [row.provider_payment_id, next, reason.code, reason.type, this.#clock.now(), row.status],
    );
    if (rowCount === 0) return 'ignored';
    row.status = next;
    await this.#event(tx, { eventId, providerPaymentId: row.provider_payment_id, status: next, reason: showReason(reason), occurredAt }, reason.type);
    return next;
  }

  /**
   * The bank says the money arrived (pain.002 ACSC, camt CRDT). The debtor's bank may still return it
   * for `settleAfterDays` business days (R-transactions), so inside that window it is only noted
   * (bank_settled_at) and settleMatured pays it when the window closes; after it (or with
   * settleAfterDays 0) it is paid now. Same event id as settleMatured, so the two never credit twice.
   */
  async #settle(tx: Transaction, row: CollectionRow): Promise<'settled' | 'confirmed' | 'ignored'> {
    const now = this.#clock.now();
    if (!(row.status === 'submitted' || (row.status === 'pending' && row.batch_id))) return 'ignored';
    if (this.#options.settleAfterDays > 0 && dayOf(now) < this.expectedSettlementDate(row)) {
      await tx.query('UPDATE payments_sepa_collections SET bank_settled_at = COALESCE(bank_settled_at, $2) WHERE provider_payment_id = $1', [
        row.provider_payment_id,
        now,
      ]);
      return 'confirmed';
    }
    const { rows } = await tx.query<{ provider_payment_id: string }>(
      `UPDATE payments_sepa_collections SET status = 'succeeded', updated_at = $2
       WHERE provider_payment_id = $1 AND (status = 'submitted' OR (status = 'pending' AND batch_id IS NOT NULL)) RETURNING provider_payment_id`,
      [row.provider_payment_id, now],
    );
    if (!rows[0]) return 'ignored';
    row.status = 'succeeded';
    await this.#event(tx, { eventId: `settled:${row.provider_payment_id}`, providerPaymentId: row.provider_payment_id, status: 'succeeded', occurredAt: now });
    return 'settled';
  }

  /**
   * A document from the bank we cannot read: stored with its XML and listed as an unmatched line
   * (status UNREADABLE) so that one bad file neither blocks the channel nor disappears; an operator
   * can post a corrected copy to POST /returns or /statements.
   */
  async #keepUnreadable(tx: Queryable, input: { kind: 'pain.002' | 'camt.054'; item: { id: string; xml: string }; error: ValidationError }): Promise<void> {
    const reportId = `unreadable:${input.kind}:${input.item.id}`;
    await tx.query(`INSERT INTO payments_sepa_reports (report_id, source, xml, received_at, kind) VALUES ($1, 'bank', $2, $3, $4) ON CONFLICT DO NOTHING`, [
      reportId,
      input.item.xml,
      this.#clock.now(),
      input.kind,
    ]);
    await this.#unmatched(tx, { reportId, kind: input.kind, level: 'file', reference: input.item.id, status: 'UNREADABLE' });
    this.#logger?.error(
      { err: input.error, id: input.item.id, kind: input.kind },
      'payments-sepa: a document from the bank could not be read; kept as unmatched',
    );
  }

  async #unmatched(
    tx: Queryable,
    line: {
      reportId: string;
      kind: CamtKind | 'pain.002';
      level: UnmatchedLine['level'];
      reference: string;
      status?: string | undefined;
      reason?: SepaReason | undefined;
      amount?: string | undefined;
    },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO payments_sepa_unmatched (report_id, kind, level, reference, status, reason, reason_type, amount, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
      [
        line.reportId,
        line.kind,
        line.level,
        line.reference,
        line.status ?? null,
        line.reason?.code ?? null,
        line.reason?.type ?? null,
        line.amount && isDecimal(line.amount) ? line.amount : null,
        this.#clock.now(),
      ],
    );
  }

  async #event(tx: Queryable, event: PaymentEvent, reasonType?: SepaReason['type']): Promise<void> {
    await tx.query(
      `INSERT INTO payments_sepa_events (event_id, provider_payment_id, status, reason, expected_settlement_date, occurred_at, reason_type)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [event.eventId, event.providerPaymentId, event.status, event.reason ?? null, event.expectedSettlementDate ?? null, event.occurredAt, reasonType ?? null],
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
    sequenceType: row.sequence_type as SepaBatch['sequenceType'],
    transactionCount: Number(row.transaction_count),
    controlSum: Money.of(String(row.control_sum)).toString(),
    status: row.status as SepaBatch['status'],
    attempts: Number(row.attempts),
    lastError: (row.last_error as string | null) ?? null,
    createdAt: row.created_at as Date,
    submittedAt: (row.submitted_at as Date | null) ?? null,
  };
}

async function advanceCursor(tx: Queryable, key: 'bank_report_cursor' | 'bank_camt054_cursor', id: string): Promise<void> {
  await tx.query(`INSERT INTO payments_sepa_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [key, id]);
}

function emptyReportResult(): ReportResult {
  return { reports: 0, duplicates: 0, failed: 0, reversed: 0, settled: 0, confirmed: 0, noted: 0, unmatched: 0, ignored: 0 };
}

function emptyStatementResult(): StatementResult {
  return { statements: 0, duplicates: 0, settled: 0, confirmed: 0, failed: 0, reversed: 0, noted: 0, unmatched: 0, ignored: 0 };
}

function addInto<T extends ReportResult | StatementResult>(total: T, part: T): void {
  for (const key of Object.keys(total) as Array<keyof T>) (total[key] as number) += part[key] as number;
}

function isDecimal(value: string): boolean {
  return /^-?\d{1,16}(\.\d{1,2})?$/.test(value);
}

/** Exact comparison of a file's decimal text with a stored amount. */
function sameAmount(text: string, stored: string): boolean {
  try {
    return Money.of(text).equals(Money.of(stored));
  } catch {
    return false;
  }
}
