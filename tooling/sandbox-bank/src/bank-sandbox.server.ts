import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildPain002, type RejectedCollection } from './pain002.builder.js';
import { Pain008Error, readPain008, type CollectionInFile } from './pain008.reader.js';
import { outcomeFor } from './test-ibans.js';

export interface BankSandboxInput {
  /** 0 (default) = any free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** What clients send as `Authorization: Bearer <token>`. Default 'bank_test_sandbox'. */
  token?: string;
  /** The bank's clock: when reports are due, and their timestamps. Default: the system clock. */
  now?: () => Date;
  /** Days after the collection date a scripted reversal (MD06) is reported. Default 3. */
  reversalDays?: number;
  /** Called after each request (which may have changed the state), e.g. to save exportState(). */
  onStateChange?: () => void;
}

type Iso<T, K extends keyof T> = Omit<T, K> & Record<K, string>;

/** Files, collections and reports as plain JSON (dates as ISO strings): what a restarted bank needs to go on. */
export interface BankSandboxState {
  version: 1;
  files: Array<Iso<SandboxFile, 'receivedAt'>>;
  transactions: Array<Omit<SandboxTransaction, 'rejection'> & { rejection?: Iso<NonNullable<SandboxTransaction['rejection']>, 'dueAt'> }>;
  reports: Array<Iso<SandboxReport, 'createdAt'>>;
  reportSeq: number;
}

export interface SandboxFile {
  fileId: string;
  msgId: string;
  receivedAt: Date;
  xml: string;
  transactionCount: number;
  controlSum: string;
}

export type RejectionKind = 'refusal' | 'reversal' | 'return';

export interface SandboxTransaction extends CollectionInFile {
  fileId: string;
  msgId: string;
  /** 'rejected' once a status report about it has been issued; 'settled' once reported paid (settle). */
  status: 'accepted' | 'rejected' | 'settled';
  /** A report scheduled or issued about it (scripted by IBAN, or by returnTransaction). */
  rejection?: { kind: RejectionKind; code: string; dueAt: Date; reportId?: string };
}

export interface SandboxReport {
  /** Also the report's GrpHdr/MsgId. */
  id: string;
  createdAt: Date;
  originalMsgId: string;
  endToEndIds: string[];
  xml: string;
}

export interface BankSandboxControl {
  /** Schedules a rejection report (any R-code) for a received collection, due `at` (default now). */
  returnTransaction(input: { endToEndId: string; code: string; at?: Date }): { endToEndId: string; code: string; dueAt: Date };
  files(): SandboxFile[];
  transactions(): SandboxTransaction[];
  /** Reports issued so far (every report that is due is issued first). */
  reports(): SandboxReport[];
  /**
   * Fast-forwards the bank's decision for received collections (all, or one EndToEndId): a scripted
   * refusal is reported now instead of on the collection date; any other collection is reported
   * settled now (pain.002 TxSts ACSC). A scripted reversal (MD06) still comes when it is due.
   */
  settle(input?: { endToEndId?: string }): { settled: string[]; refused: string[] };
  /** The next `count` requests to the file channel answer `status` (default 500) without doing anything. */
  failNextRequests(input: { count: number; status?: number }): void;
  /** Forgets files, transactions, reports and switches. */
  reset(): void;
  /** A JSON-able snapshot of files, collections and reports (not the failure switch). */
  exportState(): BankSandboxState;
  /** Replaces files, collections and reports with a snapshot from exportState(). */
  importState(state: BankSandboxState): void;
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
const REPORT_PAGE = 100;
const MAX_BODY = 10 * 1024 * 1024;
const DAY_MS = 86_400_000;

/** The creditor's bank on a local port: takes pain.008 files, answers with pain.002 reports (README.md). */
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

class BankSandboxServer {
  readonly token: string;
  readonly #now: () => Date;
  readonly #reversalDays: number;
  readonly #server = createServer((req, res) => void this.#handle(req, res));
  #files: SandboxFile[] = [];
  #transactions = new Map<string, SandboxTransaction>();
  #reports: SandboxReport[] = [];
  #failures = { count: 0, status: 500 };
  #reportSeq = 0;
  readonly #onStateChange: () => void;

  constructor(input: BankSandboxInput) {
    this.token = input.token ?? DEFAULT_BANK_TOKEN;
    this.#onStateChange = input.onStateChange ?? (() => {});
    this.#now = input.now ?? (() => new Date());
    this.#reversalDays = input.reversalDays ?? 10; // after the plugin's default settlement (5 days): MD06 is a refund request on a settled collection
    if (!Number.isInteger(this.#reversalDays) || this.#reversalDays < 0) throw new RangeError('reversalDays must be a whole number of days >= 0');
  }

  readonly control: BankSandboxControl = {
    returnTransaction: ({ endToEndId, code, at }) => {
      const tx = this.#transactions.get(endToEndId);
      if (!tx) throw new HttpError(404, 'unknown_transaction', `No collection with EndToEndId ${endToEndId} was received`);
      if (!/^[A-Z0-9]{4}$/.test(code)) throw new HttpError(400, 'invalid_code', `R-codes are 4 letters or digits (AM04, MD06...), got ${JSON.stringify(code)}`);
      if (tx.rejection?.reportId) throw new HttpError(409, 'already_rejected', `${endToEndId} was already rejected in report ${tx.rejection.reportId}`);
      const dueAt = at ?? this.#now();
      tx.rejection = { kind: 'return', code, dueAt };
      return { endToEndId, code, dueAt };
    },
    settle: ({ endToEndId } = {}) => {
      if (endToEndId !== undefined && !this.#transactions.has(endToEndId))
        throw new HttpError(404, 'unknown_transaction', `No collection with EndToEndId ${endToEndId} was received`);
      const now = this.#now();
      const open = [...this.#transactions.values()].filter(
        (tx) => tx.status === 'accepted' && !tx.rejection?.reportId && (endToEndId === undefined || tx.endToEndId === endToEndId),
      );
      const refused: string[] = [];
      const settled: SandboxTransaction[] = [];
      for (const tx of open) {
        if (tx.rejection?.kind === 'refusal' || tx.rejection?.kind === 'return') {
          // Refused before the money moved: the refusal comes now.
          if (tx.rejection.dueAt.getTime() > now.getTime()) tx.rejection.dueAt = now;
          refused.push(tx.endToEndId);
        } else settled.push(tx);
      }
      this.#issueDueReports();
      this.#issueReports(settled, now, 'ACSC');
      for (const tx of settled) tx.status = 'settled';
      return { settled: settled.map((tx) => tx.endToEndId), refused };
    },
    files: () => [...this.#files],
    transactions: () => [...this.#transactions.values()].map((tx) => ({ ...tx, ...(tx.rejection ? { rejection: { ...tx.rejection } } : {}) })),
    reports: () => {
      this.#issueDueReports();
      return [...this.#reports];
    },
    failNextRequests: ({ count, status = 500 }) => {
      if (!Number.isInteger(count) || count < 0) throw new HttpError(400, 'invalid_count', 'count must be a whole number >= 0');
      this.#failures = { count, status };
    },
    reset: () => {
      this.#files = [];
      this.#transactions.clear();
      this.#reports = [];
      this.#failures = { count: 0, status: 500 };
      this.#reportSeq = 0;
    },
    exportState: () => ({
      version: 1,
      files: this.#files.map((f) => ({ ...f, receivedAt: f.receivedAt.toISOString() })),
      transactions: [...this.#transactions.values()].map(({ rejection, ...tx }) => ({
        ...structuredClone(tx),
        ...(rejection ? { rejection: { ...rejection, dueAt: rejection.dueAt.toISOString() } } : {}),
      })),
      reports: this.#reports.map((r) => ({ ...r, endToEndIds: [...r.endToEndIds], createdAt: r.createdAt.toISOString() })),
      reportSeq: this.#reportSeq,
    }),
    importState: (state) => {
      if (state?.version !== 1) throw new RangeError(`bank sandbox state: unknown version ${String((state as { version?: unknown })?.version)}`);
      this.#files = state.files.map((f) => ({ ...f, receivedAt: new Date(f.receivedAt) }));
      this.#transactions = new Map(
        state.transactions.map(({ rejection, ...tx }) => [
          tx.endToEndId,
          { ...structuredClone(tx), ...(rejection ? { rejection: { ...rejection, dueAt: new Date(rejection.dueAt) } } : {}) },
        ]),
      );
      this.#reports = state.reports.map((r) => ({ ...r, endToEndIds: [...r.endToEndIds], createdAt: new Date(r.createdAt) }));
      this.#reportSeq = state.reportSeq;
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
      reply = url.pathname.startsWith('/_sandbox/') ? this.#sandboxRoute(req.method ?? 'GET', url.pathname, body) : this.#bankRoute(req, url, body);
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

  #bankRoute(req: IncomingMessage, url: URL, body: string): Reply {
    if (req.headers.authorization !== `Bearer ${this.token}`) throw new HttpError(401, 'unauthorized', 'Send Authorization: Bearer <token>');
    if (this.#failures.count > 0) {
      this.#failures.count -= 1;
      throw new HttpError(this.#failures.status, 'sandbox_failure', `The sandbox was told to fail this request with ${this.#failures.status}`);
    }
    if (req.method === 'POST' && url.pathname === '/files/pain.008') return this.#receiveFile(body);
    if (req.method === 'GET' && url.pathname === '/files/pain.002') return this.#listReports(url.searchParams.get('after'));
    throw new HttpError(404, 'not_found', `No route ${req.method} ${url.pathname}`);
  }

  #receiveFile(xml: string): Reply {
    let file;
    try {
      file = readPain008(xml);
    } catch (error) {
      if (error instanceof Pain008Error) throw new HttpError(400, 'invalid_file', error.message);
      throw error;
    }
    const existing = this.#files.find((f) => f.msgId === file.msgId);
    if (existing) throw new HttpError(409, 'duplicate_file', `A file with MsgId ${file.msgId} was already received (${existing.fileId})`);
    const known = file.collections.find((c) => this.#transactions.has(c.endToEndId));
    if (known) throw new HttpError(409, 'duplicate_transaction', `EndToEndId ${known.endToEndId} was already received in another file`);

    const fileId = `file_${randomBytes(8).toString('hex')}`;
    const receivedAt = this.#now();
    this.#files.push({ fileId, msgId: file.msgId, receivedAt, xml, transactionCount: file.transactionCount, controlSum: file.controlSum });
    for (const collection of file.collections) {
      const outcome = outcomeFor(collection.debtorIban);
      const day = Date.parse(`${collection.collectionDate}T00:00:00Z`);
      const tx: SandboxTransaction = { ...collection, fileId, msgId: file.msgId, status: 'accepted' };
      if (outcome) {
        const dueAt = new Date(outcome.kind === 'refusal' ? day : day + this.#reversalDays * DAY_MS);
        tx.rejection = { kind: outcome.kind, code: outcome.code, dueAt };
      }
      this.#transactions.set(collection.endToEndId, tx);
    }
    return { status: 202, body: { fileId, msgId: file.msgId, transactions: file.transactionCount } };
  }

  #listReports(after: string | null): Reply {
    this.#issueDueReports();
    let start = 0;
    if (after) {
      const index = this.#reports.findIndex((r) => r.id === after);
      if (index < 0) throw new HttpError(400, 'unknown_report', `No report with id ${after}`);
      start = index + 1;
    }
    const data = this.#reports.slice(start, start + REPORT_PAGE).map((r) => ({ id: r.id, createdAt: r.createdAt.toISOString(), xml: r.xml }));
    return { status: 200, body: { data } };
  }

  /** Turns every rejection that is due into a report: one per original file and due time. */
  #issueDueReports(): void {
    const now = this.#now().getTime();
    const due = [...this.#transactions.values()]
      .filter((tx) => tx.rejection && !tx.rejection.reportId && tx.rejection.dueAt.getTime() <= now)
      .sort((a, b) => a.rejection!.dueAt.getTime() - b.rejection!.dueAt.getTime());
    const byTime = new Map<number, SandboxTransaction[]>();
    for (const tx of due) {
      const at = tx.rejection!.dueAt.getTime();
      byTime.set(at, [...(byTime.get(at) ?? []), tx]);
    }
    for (const [at, txs] of byTime) {
      this.#issueReports(txs, new Date(at), 'RJCT');
      for (const tx of txs) tx.status = 'rejected';
    }
  }

  /** One report per original file, dated `createdAt`: rejections (RJCT, with their R-code) or settlements (ACSC). */
  #issueReports(txs: readonly SandboxTransaction[], createdAt: Date, status: 'RJCT' | 'ACSC'): void {
    const groups = new Map<string, SandboxTransaction[]>();
    for (const tx of txs) groups.set(tx.msgId, [...(groups.get(tx.msgId) ?? []), tx]);
    for (const group of groups.values()) {
      this.#reportSeq += 1;
      const id = `RPT${String(this.#reportSeq).padStart(8, '0')}`;
      const items: RejectedCollection[] = group.map((tx) => ({
        pmtInfId: tx.pmtInfId,
        endToEndId: tx.endToEndId,
        status,
        code: status === 'RJCT' ? tx.rejection!.code : '',
        amount: tx.amount,
        collectionDate: tx.collectionDate,
        mandateId: tx.mandateId,
        debtorName: tx.debtorName,
        debtorIban: tx.debtorIban,
      }));
      const xml = buildPain002({ msgId: id, createdAt, bankBic: SANDBOX_BANK_BIC, originalMsgId: group[0]!.msgId, rejected: items });
      this.#reports.push({ id, createdAt, originalMsgId: group[0]!.msgId, endToEndIds: group.map((tx) => tx.endToEndId), xml });
      if (status === 'RJCT') for (const tx of group) tx.rejection!.reportId = id;
    }
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
