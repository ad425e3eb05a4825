import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addTarget2BusinessDays } from '@tollgate/clock';
import { buildCamt054, type NotifiedEntry, type NotifiedTransaction } from './camt054.builder.js';
import { buildPain002, type RejectedBatch, type RejectedCollection, type ReportReason } from './pain002.builder.js';
import { assertXml, fromCents, Pain008Error, peekMsgId, readPain008, toCents, type CollectionInFile, type Pain008File } from './pain008.reader.js';
import { judgeFile, type Failure, type StatusReason, type Verdict } from './sepa-rules.js';
import { outcomeFor } from './test-ibans.js';
import { validatePain008Xsd } from './xsd.js';

export interface BankSandboxInput {
  /** 0 (default) = any free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** What clients send as `Authorization: Bearer <token>`. Default 'bank_test_sandbox'. */
  token?: string;
  /** The bank's clock: when reports are due, and their timestamps. Default: the system clock. */
  now?: () => Date;
  /** TARGET2 business days after the collection date a scripted refund (MD06) is booked back (camt.054 DBIT). Default 10, at most 40 (8 weeks). */
  reversalDays?: number;
  /** TARGET2 business days between the day a file is received and its ReqdColltnDt, at least. Default 1 (SDD Core D-1); never less. */
  minLeadDays?: number;
  /** Send a pain.002 at once for every file taken (GrpSts ACCP / PART / RJCT). Default true; rejections are reported at once either way. */
  acceptanceReports?: boolean;
  /** Called after each request (which may have changed the state), e.g. to save exportState(). */
  onStateChange?: () => void;
}

type Iso<T, K extends keyof T> = Omit<T, K> & Record<K, string>;

type StoredTransaction = Omit<SandboxTransaction, 'rejection' | 'settledAt'> & {
  rejection?: Iso<NonNullable<SandboxTransaction['rejection']>, 'dueAt'>;
  settledAt?: string;
};

/** Files, collections, reports and notifications as plain JSON (dates as ISO strings): what a restarted bank needs to go on. */
export interface BankSandboxState {
  version: 2;
  files: Array<Iso<SandboxFile, 'receivedAt'>>;
  transactions: StoredTransaction[];
  reports: Array<Iso<SandboxReport, 'createdAt'>>;
  notifications: Array<Iso<SandboxNotification, 'createdAt'>>;
  reportSeq: number;
  notificationSeq: number;
}

/** What version 1 (before camt.054) saved; importState still takes it. */
interface BankSandboxStateV1 {
  version: 1;
  files: Array<Omit<Iso<SandboxFile, 'receivedAt'>, 'status' | 'refusals'>>;
  transactions: Array<Omit<StoredTransaction, 'creditorSchemeId' | 'creditorIban'>>;
  reports: Array<Iso<SandboxReport, 'createdAt'>>;
  reportSeq: number;
}

export interface SandboxFile {
  fileId: string;
  msgId: string;
  receivedAt: Date;
  xml: string;
  /** What the bank took on receipt: 'accepted' (all), 'partial' (some batches or collections refused), 'rejected' (none). */
  status: 'accepted' | 'partial' | 'rejected';
  /** Collections taken from it (refused ones are not kept). */
  transactionCount: number;
  /** Their sum. */
  controlSum: string;
  /** What was refused on receipt and why, in words (the pain.002 carries only the codes). */
  refusals: Array<{ level: 'file' | 'batch' | 'transaction'; id: string; code: string; message: string }>;
}

/** 'refusal' before settlement (pain.002 RJCT), 'reversal' the scripted MD06 refund, 'return' on command; both after settlement go out as camt.054 DBIT. */
export type RejectionKind = 'refusal' | 'reversal' | 'return';

export interface SandboxTransaction extends CollectionInFile {
  fileId: string;
  msgId: string;
  /** The creditor's account (PmtInf/CdtrAcct): where settlements are booked. */
  creditorIban: string;
  /**
   * 'accepted' until the collection date; 'settled' once paid (pain.002 ACSC + camt.054 CRDT);
   * 'rejected' when refused before settlement (pain.002 RJCT); 'returned' when booked back after (camt.054 DBIT).
   */
  status: 'accepted' | 'rejected' | 'settled' | 'returned';
  settledAt?: Date;
  /** A refusal or return scheduled or issued (scripted by IBAN, or by returnTransaction); reportId = the pain.002 or camt.054 carrying it. */
  rejection?: { kind: RejectionKind; code: string; proprietary?: boolean; dueAt: Date; reportId?: string };
}

export interface SandboxReport {
  /** Also the report's GrpHdr/MsgId. */
  id: string;
  createdAt: Date;
  originalMsgId: string;
  endToEndIds: string[];
  xml: string;
}

/** A camt.054 notification. */
export interface SandboxNotification {
  /** Also its GrpHdr/MsgId, e.g. NTF00000001. */
  id: string;
  createdAt: Date;
  endToEndIds: string[];
  xml: string;
}

/** A forced rejection of the next file: the whole file, or its batches (all, or one PmtInfId). */
export interface ForcedRejection {
  level: 'file' | 'batch';
  code: string;
  pmtInfId?: string;
}

export interface BankSandboxControl {
  /**
   * Schedules a refusal or return (any R-code) of a received collection, due `at` (default now). Due
   * by its settlement (00:00 UTC on the collection date): a pain.002 RJCT; after it: a camt.054 DBIT,
   * within the SDD Core windows (D+5 TARGET2 business days; MD06 8 weeks; MD01 13 months).
   */
  returnTransaction(input: { endToEndId: string; code: string; at?: Date }): { endToEndId: string; code: string; dueAt: Date };
  files(): SandboxFile[];
  transactions(): SandboxTransaction[];
  /** pain.002 reports issued so far (everything due is issued first). */
  reports(): SandboxReport[];
  /** camt.054 notifications issued so far (everything due is issued first). */
  notifications(): SandboxNotification[];
  /**
   * Fast-forwards the bank's decision for received collections (all, or one EndToEndId): a scripted
   * refusal is reported now instead of on the collection date; any other collection settles now
   * (pain.002 TxSts ACSC + camt.054 CRDT). A scripted reversal (MD06) still comes when it is due.
   */
  settle(input?: { endToEndId?: string }): { settled: string[]; refused: string[] };
  /** The next file taken (not a 409) is refused whole (file) or by batch, with `code`. */
  rejectNextFile(input: ForcedRejection): void;
  /** The next `count` requests to the file channel answer `status` (default 500) without doing anything. */
  failNextRequests(input: { count: number; status?: number }): void;
  /** Forgets files, transactions, reports, notifications and switches. */
  reset(): void;
  /** A JSON-able snapshot of files, collections, reports and notifications (not the switches). */
  exportState(): BankSandboxState;
  /** Replaces them with a snapshot from exportState() (version 2, or 1 from before camt.054). */
  importState(state: BankSandboxState | BankSandboxStateV1): void;
}

export interface BankSandbox {
  /** e.g. 'http://127.0.0.1:41234' */
  url: string;
  token: string;
  control: BankSandboxControl;
  close(): Promise<void>;
}

/** The sandbox bank's own BIC, shown as the reports' originator. */
export const SANDBOX_BANK_BIC = 'TGSBBEB1XXX';
export const DEFAULT_BANK_TOKEN = 'bank_test_sandbox';
const PAGE = 100;
const MAX_BODY = 10 * 1024 * 1024;
const DAY_MS = 86_400_000;
/** SDD Core: returns up to D+5 TARGET2 business days; refunds of authorised collections (MD06) 8 weeks; unauthorised (MD01) 13 months. */
const RETURN_DAYS = 5;
const REFUND_WEEKS = 8;
const UNAUTHORISED_MONTHS = 13;
const MAX_REVERSAL_DAYS = 40;

/** The creditor's bank on a local port: takes pain.008 files, answers with pain.002 reports and camt.054 notifications (README.md). */
export async function startBankSandbox(input: BankSandboxInput = {}): Promise<BankSandbox> {
  const bank = new BankSandboxServer(input);
  const url = await bank.listen({ port: input.port ?? 0, host: input.host ?? '127.0.0.1' });
  return { url, token: bank.token, control: bank.control, close: () => bank.close() };
}

interface Reply {
  status: number;
  body: unknown;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const day = (date: Date): string => date.toISOString().slice(0, 10);
const startOf = (calendarDay: string): Date => new Date(`${calendarDay}T00:00:00Z`);
/** When a collection settles: 00:00 UTC on its collection date (refusals due then come first). */
const settlementOf = (tx: CollectionInFile): Date => startOf(tx.collectionDate);
const codeOf = (reason: StatusReason): string => ('code' in reason ? reason.code : reason.proprietary);
const reasonOf = (reason: StatusReason): ReportReason => ('code' in reason ? { code: reason.code } : { proprietary: reason.proprietary });
const sumOf = (amounts: readonly string[]): string => fromCents(amounts.reduce((s, a) => s + toCents(a), 0n));

class BankSandboxServer {
  readonly token: string;
  readonly #now: () => Date;
  readonly #reversalDays: number;
  readonly #minLeadDays: number;
  readonly #acceptanceReports: boolean;
  readonly #server = createServer((req, res) => void this.#handle(req, res));
  #files: SandboxFile[] = [];
  #transactions = new Map<string, SandboxTransaction>();
  #reports: SandboxReport[] = [];
  #notifications: SandboxNotification[] = [];
  #failures = { count: 0, status: 500 };
  #forced: ForcedRejection | undefined;
  #reportSeq = 0;
  #notificationSeq = 0;
  readonly #onStateChange: () => void;

  constructor(input: BankSandboxInput) {
    this.token = input.token ?? DEFAULT_BANK_TOKEN;
    this.#onStateChange = input.onStateChange ?? (() => {});
    this.#now = input.now ?? (() => new Date());
    // After the plugin's default settlement (5 days): MD06 is a refund request on a settled collection.
    this.#reversalDays = input.reversalDays ?? 10;
    if (!Number.isInteger(this.#reversalDays) || this.#reversalDays < 1 || this.#reversalDays > MAX_REVERSAL_DAYS)
      throw new RangeError(
        `reversalDays must be a whole number of TARGET2 business days from 1 to ${MAX_REVERSAL_DAYS} (a refund comes after settlement, within 8 weeks)`,
      );
    this.#minLeadDays = input.minLeadDays ?? 1;
    // A sandbox is never more lenient than the bank: SDD Core needs the file one business day ahead at least.
    if (!Number.isInteger(this.#minLeadDays) || this.#minLeadDays < 1) throw new RangeError('minLeadDays must be a whole number of TARGET2 business days >= 1');
    this.#acceptanceReports = input.acceptanceReports ?? true;
  }

  readonly control: BankSandboxControl = {
    returnTransaction: ({ endToEndId, code, at }) => {
      const tx = this.#transactions.get(endToEndId);
      if (!tx) throw new HttpError(404, 'unknown_transaction', `No collection with EndToEndId ${endToEndId} was taken`);
      if (!/^[A-Z0-9]{4}$/.test(code)) throw new HttpError(400, 'invalid_code', `R-codes are 4 letters or digits (AM04, MD06...), got ${JSON.stringify(code)}`);
      if (tx.rejection?.reportId) throw new HttpError(409, 'already_rejected', `${endToEndId} was already refused or returned in ${tx.rejection.reportId}`);
      const dueAt = at ?? this.#now();
      const closes = this.#returnWindowEnd(tx, code);
      if (dueAt.getTime() >= closes.getTime())
        throw new HttpError(409, 'return_window_closed', `SDD Core takes a ${code} return of ${endToEndId} only before ${closes.toISOString()}`);
      tx.rejection = { kind: 'return', code, dueAt };
      return { endToEndId, code, dueAt };
    },
    settle: ({ endToEndId } = {}) => {
      if (endToEndId !== undefined && !this.#transactions.has(endToEndId))
        throw new HttpError(404, 'unknown_transaction', `No collection with EndToEndId ${endToEndId} was taken`);
      this.#processDue();
      const now = this.#now();
      const open = [...this.#transactions.values()].filter((tx) => tx.status === 'accepted' && (endToEndId === undefined || tx.endToEndId === endToEndId));
      const refused: string[] = [];
      const settled: SandboxTransaction[] = [];
      for (const tx of open) {
        const r = tx.rejection;
        if (r && (r.kind === 'refusal' || (r.kind === 'return' && r.dueAt.getTime() <= settlementOf(tx).getTime()))) {
          // Refused before the money moved: the refusal comes now.
          r.dueAt = now;
          refused.push(tx.endToEndId);
        } else settled.push(tx);
      }
      this.#processDue();
      this.#settle(settled, now);
      return { settled: settled.map((tx) => tx.endToEndId), refused };
    },
    files: () => [...this.#files],
    transactions: () => {
      // Statuses as of the sandbox clock (settled, refused, returned).
      this.#processDue();
      return [...this.#transactions.values()].map((tx) => ({ ...tx, ...(tx.rejection ? { rejection: { ...tx.rejection } } : {}) }));
    },
    reports: () => {
      this.#processDue();
      return [...this.#reports];
    },
    notifications: () => {
      this.#processDue();
      return [...this.#notifications];
    },
    rejectNextFile: ({ level, code, pmtInfId }) => {
      if (level !== 'file' && level !== 'batch') throw new HttpError(400, 'invalid_level', "level is 'file' or 'batch'");
      if (!/^[A-Z0-9]{4}$/.test(code))
        throw new HttpError(400, 'invalid_code', `Reason codes are 4 letters or digits (FF01, DT01...), got ${JSON.stringify(code)}`);
      this.#forced = { level, code, ...(pmtInfId !== undefined ? { pmtInfId } : {}) };
    },
    failNextRequests: ({ count, status = 500 }) => {
      if (!Number.isInteger(count) || count < 0) throw new HttpError(400, 'invalid_count', 'count must be a whole number >= 0');
      this.#failures = { count, status };
    },
    reset: () => {
      this.#files = [];
      this.#transactions.clear();
      this.#reports = [];
      this.#notifications = [];
      this.#failures = { count: 0, status: 500 };
      this.#forced = undefined;
      this.#reportSeq = 0;
      this.#notificationSeq = 0;
    },
    exportState: () => ({
      version: 2,
      files: this.#files.map((f) => ({ ...f, refusals: f.refusals.map((r) => ({ ...r })), receivedAt: f.receivedAt.toISOString() })),
      transactions: [...this.#transactions.values()].map(({ rejection, settledAt, ...tx }) => ({
        ...structuredClone(tx),
        ...(settledAt ? { settledAt: settledAt.toISOString() } : {}),
        ...(rejection ? { rejection: { ...rejection, dueAt: rejection.dueAt.toISOString() } } : {}),
      })),
      reports: this.#reports.map((r) => ({ ...r, endToEndIds: [...r.endToEndIds], createdAt: r.createdAt.toISOString() })),
      notifications: this.#notifications.map((n) => ({ ...n, endToEndIds: [...n.endToEndIds], createdAt: n.createdAt.toISOString() })),
      reportSeq: this.#reportSeq,
      notificationSeq: this.#notificationSeq,
    }),
    importState: (input) => {
      const state = input?.version === 1 ? upgradeState(input) : input;
      if (state?.version !== 2) throw new RangeError(`bank sandbox state: unknown version ${String((input as { version?: unknown })?.version)}`);
      this.#files = state.files.map((f) => ({ ...f, refusals: f.refusals.map((r) => ({ ...r })), receivedAt: new Date(f.receivedAt) }));
      this.#transactions = new Map(
        state.transactions.map(({ rejection, settledAt, ...tx }) => [
          tx.endToEndId,
          {
            ...structuredClone(tx),
            ...(settledAt ? { settledAt: new Date(settledAt) } : {}),
            ...(rejection ? { rejection: { ...rejection, dueAt: new Date(rejection.dueAt) } } : {}),
          },
        ]),
      );
      this.#reports = state.reports.map((r) => ({ ...r, endToEndIds: [...r.endToEndIds], createdAt: new Date(r.createdAt) }));
      this.#notifications = state.notifications.map((n) => ({ ...n, endToEndIds: [...n.endToEndIds], createdAt: new Date(n.createdAt) }));
      this.#reportSeq = state.reportSeq;
      this.#notificationSeq = state.notificationSeq;
    },
  };

  listen(input: { port: number; host: string }): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(input.port, input.host, () => {
        const { port } = this.#server.address() as AddressInfo;
        resolve(`http://${input.host}:${port}`);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.close((error) => (error ? reject(error) : resolve()));
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: Reply;
    try {
      const url = new URL(req.url ?? '/', 'http://sandbox');
      const body = await readBody(req);
      reply = url.pathname.startsWith('/_sandbox/') ? this.#sandboxRoute(req.method ?? 'GET', url.pathname, body) : await this.#bankRoute(req, url, body);
    } catch (error) {
      reply =
        error instanceof HttpError
          ? { status: error.status, body: { error: { code: error.code, message: error.message } } }
          : { status: 500, body: { error: { code: 'internal', message: String(error) } } };
    }
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply.body));
    this.#onStateChange();
  }

  async #bankRoute(req: IncomingMessage, url: URL, body: string): Promise<Reply> {
    if (req.headers.authorization !== `Bearer ${this.token}`) throw new HttpError(401, 'unauthorized', 'Send Authorization: Bearer <token>');
    if (this.#failures.count > 0) {
      this.#failures.count -= 1;
      throw new HttpError(this.#failures.status, 'sandbox_failure', `The sandbox was told to fail this request with ${this.#failures.status}`);
    }
    if (req.method === 'POST' && url.pathname === '/files/pain.008') return this.#receiveFile(body);
    if (req.method === 'GET' && url.pathname === '/files/pain.002') {
      this.#processDue();
      return page(this.#reports, url.searchParams.get('after'), 'report');
    }
    if (req.method === 'GET' && url.pathname === '/files/camt.054') {
      this.#processDue();
      return page(this.#notifications, url.searchParams.get('after'), 'notification');
    }
    throw new HttpError(404, 'not_found', `No route ${req.method} ${url.pathname}`);
  }

  /**
   * An EBICS-like upload: 400 only for a body that is not XML, 409 for a MsgId already received (the
   * transport's duplicate check); everything else is taken (202) and judged in a pain.002 due at once.
   */
  async #receiveFile(xml: string): Promise<Reply> {
    try {
      assertXml(xml);
    } catch (error) {
      if (error instanceof Pain008Error) throw new HttpError(400, 'invalid_file', error.message);
      throw error;
    }
    const msgId = peekMsgId(xml);
    const existing = msgId === undefined ? undefined : this.#files.find((f) => f.msgId === msgId);
    if (existing) throw new HttpError(409, 'duplicate_file', `A file with MsgId ${msgId} was already received (${existing.fileId})`);
    this.#processDue();

    const receivedAt = this.#now();
    const forced = this.#forced;
    this.#forced = undefined;
    const schema = await validatePain008Xsd(xml);
    let file: Pain008File | undefined;
    let verdict: Verdict;
    if (!schema.valid) {
      verdict = {
        batches: new Map(),
        transactions: new Map(),
        file: { reason: { code: 'FF01' }, message: `not a valid pain.008.001.02: ${schema.errors[0] ?? 'schema'}` },
      };
    } else {
      file = readPain008(xml);
      verdict = judgeFile(file, {
        receivedDay: day(receivedAt),
        minLeadDays: this.#minLeadDays,
        knownEndToEndId: (id) => this.#transactions.has(id),
        mandateHistory: (creditorSchemeId, mandateId) =>
          [...this.#transactions.values()]
            .filter((t) => t.creditorSchemeId === creditorSchemeId && t.mandateId === mandateId && t.status !== 'rejected')
            .map((t) => t.sequenceType),
      });
    }
    if (forced?.level === 'file')
      verdict = { ...verdict, file: { reason: { code: forced.code }, message: 'rejected on command (POST /_sandbox/reject-next-file)' } };
    if (forced?.level === 'batch' && file && !verdict.file) {
      for (const batch of file.batches)
        if (forced.pmtInfId === undefined || forced.pmtInfId === batch.pmtInfId)
          verdict.batches.set(batch.pmtInfId, { reason: { code: forced.code }, message: 'rejected on command (POST /_sandbox/reject-next-file)' });
    }

    const fileId = `file_${randomBytes(8).toString('hex')}`;
    const reportMsgId = msgId ?? 'NOTPROVIDED';
    const taken: SandboxTransaction[] = [];
    const refusedBatches: RejectedBatch[] = [];
    const refusedTxs: RejectedCollection[] = [];
    const refusals: SandboxFile['refusals'] = verdict.file
      ? [{ level: 'file', id: reportMsgId, code: codeOf(verdict.file.reason), message: verdict.file.message }]
      : [];
    if (file && !verdict.file) {
      for (const batch of file.batches) {
        const batchFailure = verdict.batches.get(batch.pmtInfId);
        if (batchFailure) {
          refusedBatches.push({ pmtInfId: batch.pmtInfId, reason: reasonOf(batchFailure.reason) });
          refusals.push({ level: 'batch', id: batch.pmtInfId, code: codeOf(batchFailure.reason), message: batchFailure.message });
          continue;
        }
        for (const tx of batch.transactions) {
          const failure: Failure | undefined = verdict.transactions.get(tx);
          if (failure) {
            refusedTxs.push({
              pmtInfId: batch.pmtInfId,
              endToEndId: tx.endToEndId,
              code: 'code' in failure.reason ? failure.reason.code : '',
              ...('proprietary' in failure.reason ? { proprietary: failure.reason.proprietary } : {}),
              amount: tx.amount,
              currency: tx.currency,
              collectionDate: batch.collectionDate,
              mandateId: tx.mandateId,
              debtorName: tx.debtorName,
              debtorIban: tx.debtorIban,
            });
            refusals.push({ level: 'transaction', id: tx.endToEndId, code: codeOf(failure.reason), message: failure.message });
            continue;
          }
          const collection: SandboxTransaction = {
            pmtInfId: batch.pmtInfId,
            endToEndId: tx.endToEndId,
            amount: fromCents(toCents(tx.amount)),
            currency: tx.currency,
            debtorIban: tx.debtorIban,
            debtorName: tx.debtorName,
            mandateId: tx.mandateId,
            mandateSignatureDate: tx.mandateSignatureDate,
            collectionDate: batch.collectionDate,
            sequenceType: batch.sequenceType as CollectionInFile['sequenceType'],
            creditorSchemeId: batch.creditorSchemeId,
            creditorIban: batch.creditorIban,
            fileId,
            msgId: reportMsgId,
            status: 'accepted',
          };
          const outcome = outcomeFor(tx.debtorIban);
          if (outcome) {
            const dueAt =
              outcome.kind === 'refusal'
                ? settlementOf(collection)
                : startOf(addTarget2BusinessDays({ day: collection.collectionDate, count: this.#reversalDays }));
            collection.rejection = { kind: outcome.kind, code: outcome.code, ...('proprietary' in outcome ? { proprietary: true } : {}), dueAt };
          }
          taken.push(collection);
        }
      }
    }
    for (const tx of taken) this.#transactions.set(tx.endToEndId, tx);
    const status = taken.length === 0 ? 'rejected' : refusedBatches.length + refusedTxs.length > 0 ? 'partial' : 'accepted';
    this.#files.push({
      fileId,
      msgId: reportMsgId,
      receivedAt,
      xml,
      status,
      transactionCount: taken.length,
      controlSum: sumOf(taken.map((t) => t.amount)),
      refusals,
    });

    if (status !== 'accepted' || this.#acceptanceReports) {
      this.#addReport({
        createdAt: receivedAt,
        originalMsgId: reportMsgId,
        endToEndIds: refusedTxs.map((t) => t.endToEndId),
        build: (id) =>
          buildPain002({
            msgId: id,
            createdAt: receivedAt,
            bankBic: SANDBOX_BANK_BIC,
            originalMsgId: reportMsgId,
            groupStatus: status === 'accepted' ? 'ACCP' : status === 'partial' ? 'PART' : 'RJCT',
            ...(verdict.file ? { groupReason: reasonOf(verdict.file.reason) } : {}),
            ...(file ? { original: { nbOfTxs: file.nbOfTxs, ...(file.ctrlSum ? { ctrlSum: file.ctrlSum } : {}) } } : {}),
            batches: refusedBatches,
            rejected: refusedTxs,
          }),
      });
    }
    return { status: 202, body: { fileId, msgId: reportMsgId, transactions: taken.length } };
  }

  /** The last moment a return with this code is taken (SDD Core windows from the collection date). */
  #returnWindowEnd(tx: SandboxTransaction, code: string): Date {
    const d = tx.collectionDate;
    if (code === 'MD06') return new Date(startOf(d).getTime() + (REFUND_WEEKS * 7 + 1) * DAY_MS);
    if (code === 'MD01') {
      const end = startOf(d);
      end.setUTCMonth(end.getUTCMonth() + UNAUTHORISED_MONTHS);
      return new Date(end.getTime() + DAY_MS);
    }
    return new Date(startOf(addTarget2BusinessDays({ day: d, count: RETURN_DAYS })).getTime() + DAY_MS);
  }

  /**
   * Issues everything due by the sandbox clock, in time order: at each moment, refusals first (pain.002
   * RJCT, or camt.054 DBIT for a collection already settled), then the settlements (00:00 UTC on the
   * collection date).
   */
  #processDue(): void {
    const now = this.#now().getTime();
    const all = [...this.#transactions.values()];
    const times = new Set<number>();
    for (const tx of all) {
      if (tx.rejection && !tx.rejection.reportId && tx.rejection.dueAt.getTime() <= now) times.add(tx.rejection.dueAt.getTime());
      if (tx.status === 'accepted' && settlementOf(tx).getTime() <= now) times.add(settlementOf(tx).getTime());
    }
    for (const time of [...times].sort((a, b) => a - b)) {
      const at = new Date(time);
      const due = all.filter((tx) => tx.rejection && !tx.rejection.reportId && tx.rejection.dueAt.getTime() === time);
      const refusals = due.filter((tx) => tx.status === 'accepted');
      const returns = due.filter((tx) => tx.status === 'settled');
      this.#issueRefusals(refusals, at);
      this.#issueReturns(returns, at);
      this.#settle(
        all.filter((tx) => tx.status === 'accepted' && settlementOf(tx).getTime() === time),
        at,
      );
    }
  }

  /** pain.002 RJCT, one report per original file. */
  #issueRefusals(txs: readonly SandboxTransaction[], at: Date): void {
    for (const group of byFile(txs)) {
      const id = this.#addReport({
        createdAt: at,
        originalMsgId: group[0]!.msgId,
        endToEndIds: group.map((tx) => tx.endToEndId),
        build: (msgId) =>
          buildPain002({ msgId, createdAt: at, bankBic: SANDBOX_BANK_BIC, originalMsgId: group[0]!.msgId, rejected: group.map((tx) => item(tx, 'RJCT')) }),
      });
      for (const tx of group) {
        tx.rejection!.reportId = id;
        tx.status = 'rejected';
      }
    }
  }

  /** A real bank does not send pain.002 after settlement: returns are booked back, camt.054 DBIT only, one entry per collection. */
  #issueReturns(txs: readonly SandboxTransaction[], at: Date): void {
    if (txs.length === 0) return;
    const id = this.#addNotification(at, txs, (tx, n) => ({
      kind: 'return',
      reference: `${n}`,
      amount: tx.amount,
      bookingDate: day(at),
      valueDate: day(at),
      transactions: [notified(tx, { ...(tx.rejection!.proprietary ? { proprietary: tx.rejection!.code } : { code: tx.rejection!.code }) })],
    }));
    for (const tx of txs) {
      tx.rejection!.reportId = id;
      tx.status = 'returned';
    }
  }

  /** Settles: pain.002 ACSC (one per original file) and camt.054 CRDT (one entry per PmtInf batch). */
  #settle(txs: readonly SandboxTransaction[], at: Date): void {
    if (txs.length === 0) return;
    for (const group of byFile(txs)) {
      this.#addReport({
        createdAt: at,
        originalMsgId: group[0]!.msgId,
        endToEndIds: group.map((tx) => tx.endToEndId),
        build: (msgId) =>
          buildPain002({ msgId, createdAt: at, bankBic: SANDBOX_BANK_BIC, originalMsgId: group[0]!.msgId, rejected: group.map((tx) => item(tx, 'ACSC')) }),
      });
    }
    const batches = new Map<string, SandboxTransaction[]>();
    for (const tx of txs) {
      const key = `${tx.msgId}\u0000${tx.pmtInfId}`;
      batches.set(key, [...(batches.get(key) ?? []), tx]);
    }
    this.#addNotification(at, [...batches.values()], (batch, n) => ({
      kind: 'credit',
      reference: `${n}`,
      amount: sumOf(batch.map((tx) => tx.amount)),
      bookingDate: day(at),
      // Interbank settlement happens on the collection date, even when told to settle earlier.
      valueDate: batch[0]!.collectionDate,
      transactions: batch.map((tx) => notified(tx)),
    }));
    for (const tx of txs) {
      tx.status = 'settled';
      tx.settledAt = at;
    }
  }

  #addReport(input: { createdAt: Date; originalMsgId: string; endToEndIds: string[]; build: (id: string) => string }): string {
    this.#reportSeq += 1;
    const id = `RPT${String(this.#reportSeq).padStart(8, '0')}`;
    this.#reports.push({ id, createdAt: input.createdAt, originalMsgId: input.originalMsgId, endToEndIds: input.endToEndIds, xml: input.build(id) });
    return id;
  }

  /** One camt.054 for the entries booked at one moment, one Ntfctn per creditor account. */
  #addNotification<T extends SandboxTransaction | SandboxTransaction[]>(
    at: Date,
    items: readonly T[],
    entry: (item: T, reference: string) => NotifiedEntry,
  ): string {
    this.#notificationSeq += 1;
    const id = `NTF${String(this.#notificationSeq).padStart(8, '0')}`;
    const accounts = new Map<string, NotifiedEntry[]>();
    items.forEach((item, index) => {
      const iban = (Array.isArray(item) ? item[0]! : (item as SandboxTransaction)).creditorIban;
      accounts.set(iban, [...(accounts.get(iban) ?? []), entry(item, `${id}-${index + 1}`)]);
    });
    const xml = buildCamt054({ msgId: id, createdAt: at, bankBic: SANDBOX_BANK_BIC, accounts: [...accounts].map(([iban, entries]) => ({ iban, entries })) });
    const endToEndIds = items.flatMap((item) => (Array.isArray(item) ? item : [item]).map((tx) => tx.endToEndId));
    this.#notifications.push({ id, createdAt: at, endToEndIds, xml });
    return id;
  }

  #sandboxRoute(method: string, path: string, body: string): Reply {
    const json = (): Record<string, unknown> => {
      try {
        const value: unknown = body ? JSON.parse(body) : {};
        if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
        return value as Record<string, unknown>;
      } catch {
        throw new HttpError(400, 'invalid_json', 'The body must be a JSON object');
      }
    };
    const route = `${method} ${path}`;
    switch (route) {
      case 'GET /_sandbox/files':
        return { status: 200, body: { data: this.control.files() } };
      case 'GET /_sandbox/transactions':
        return { status: 200, body: { data: this.control.transactions() } };
      case 'GET /_sandbox/reports':
        return { status: 200, body: { data: this.control.reports() } };
      case 'GET /_sandbox/notifications':
        return { status: 200, body: { data: this.control.notifications() } };
      case 'POST /_sandbox/returns': {
        const { endToEndId, code, at } = json();
        if (typeof endToEndId !== 'string' || typeof code !== 'string') throw new HttpError(400, 'invalid_request', 'endToEndId and code are required strings');
        const when = typeof at === 'string' ? new Date(at) : undefined;
        if (when && Number.isNaN(when.getTime())) throw new HttpError(400, 'invalid_request', 'at must be an ISO date-time');
        return { status: 201, body: this.control.returnTransaction({ endToEndId, code, ...(when ? { at: when } : {}) }) };
      }
      case 'POST /_sandbox/settle': {
        const { endToEndId } = json();
        if (endToEndId !== undefined && typeof endToEndId !== 'string') throw new HttpError(400, 'invalid_request', 'endToEndId, when given, is a string');
        return { status: 200, body: this.control.settle(typeof endToEndId === 'string' ? { endToEndId } : {}) };
      }
      case 'POST /_sandbox/reject-next-file': {
        const { level, code, pmtInfId } = json();
        if ((level !== 'file' && level !== 'batch') || typeof code !== 'string' || (pmtInfId !== undefined && typeof pmtInfId !== 'string'))
          throw new HttpError(
            400,
            'invalid_request',
            "level is 'file' or 'batch', code a reason code (FF01, DT01...), pmtInfId (batch level, optional) a string",
          );
        this.control.rejectNextFile({ level, code, ...(typeof pmtInfId === 'string' ? { pmtInfId } : {}) });
        return { status: 200, body: { level, code, ...(typeof pmtInfId === 'string' ? { pmtInfId } : {}) } };
      }
      case 'POST /_sandbox/fail-next-requests': {
        const { count, status } = json();
        if (typeof count !== 'number' || (status !== undefined && (typeof status !== 'number' || status < 400 || status > 599))) {
          throw new HttpError(400, 'invalid_request', 'count is a number; status, when given, an HTTP error status');
        }
        this.control.failNextRequests({ count, ...(typeof status === 'number' ? { status } : {}) });
        return { status: 200, body: { count, status: status ?? 500 } };
      }
      case 'POST /_sandbox/reset':
        this.control.reset();
        return { status: 200, body: { reset: true } };
      default:
        throw new HttpError(404, 'not_found', `No sandbox route ${route}`);
    }
  }
}

/** `{ data: [{ id, createdAt, xml }] }` after `after` (exclusive), 100 per page. */
function page(items: ReadonlyArray<{ id: string; createdAt: Date; xml: string }>, after: string | null, what: string): Reply {
  let start = 0;
  if (after) {
    const index = items.findIndex((r) => r.id === after);
    if (index < 0) throw new HttpError(400, `unknown_${what}`, `No ${what} with id ${after}`);
    start = index + 1;
  }
  const data = items.slice(start, start + PAGE).map((r) => ({ id: r.id, createdAt: r.createdAt.toISOString(), xml: r.xml }));
  return { status: 200, body: { data } };
}

function byFile(txs: readonly SandboxTransaction[]): SandboxTransaction[][] {
  const groups = new Map<string, SandboxTransaction[]>();
  for (const tx of txs) groups.set(tx.msgId, [...(groups.get(tx.msgId) ?? []), tx]);
  return [...groups.values()];
}

function item(tx: SandboxTransaction, status: 'RJCT' | 'ACSC'): RejectedCollection {
  const r = tx.rejection;
  return {
    pmtInfId: tx.pmtInfId,
    endToEndId: tx.endToEndId,
    status,
    code: status === 'RJCT' && r && !r.proprietary ? r.code : '',
    ...(status === 'RJCT' && r?.proprietary ? { proprietary: r.code } : {}),
    amount: tx.amount,
    collectionDate: tx.collectionDate,
    mandateId: tx.mandateId,
    debtorName: tx.debtorName,
    debtorIban: tx.debtorIban,
  };
}

function notified(tx: SandboxTransaction, returnReason?: NotifiedTransaction['returnReason']): NotifiedTransaction {
  return {
    msgId: tx.msgId,
    pmtInfId: tx.pmtInfId,
    endToEndId: tx.endToEndId,
    mandateId: tx.mandateId,
    amount: tx.amount,
    debtorName: tx.debtorName,
    debtorIban: tx.debtorIban,
    ...(returnReason ? { returnReason } : {}),
  };
}

/** Version 1 had no creditor data per collection: read it again from the stored files. */
function upgradeState(state: BankSandboxStateV1): BankSandboxState {
  const batches = new Map<string, { creditorSchemeId: string; creditorIban: string }>();
  for (const f of state.files) {
    try {
      for (const b of readPain008(f.xml).batches)
        batches.set(`${f.msgId}\u0000${b.pmtInfId}`, { creditorSchemeId: b.creditorSchemeId, creditorIban: b.creditorIban });
    } catch {
      // A file version 1 took is well-formed; nothing to recover otherwise.
    }
  }
  return {
    version: 2,
    files: state.files.map((f) => ({ ...f, status: 'accepted', refusals: [] })),
    transactions: state.transactions.map((tx) => ({ creditorSchemeId: '', creditorIban: '', ...batches.get(`${tx.msgId}\u0000${tx.pmtInfId}`), ...tx })),
    reports: state.reports,
    notifications: [],
    reportSeq: state.reportSeq,
    notificationSeq: 0,
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, 'too_large', 'Files are limited to 10 MB'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
