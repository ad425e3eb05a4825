import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signJwt, verifyJwt } from './jwt.js';
import { checkLetterPdf, LetterCheckError, type EPostMessage } from './letter-checks.js';
import { letterStatusAt } from './letter-status.js';
import { HttpError, message, parseLetter, REGISTERED_LETTER_KINDS, SANDBOX_COUNTRIES, type RegisteredLetterKind } from './letter-schema.js';

export { REGISTERED_LETTER_KINDS, SANDBOX_COUNTRIES, type RegisteredLetterKind };

/** The integrator's (Tollgate's) DPAG vendor ID the sandbox knows from the start. */
export const SANDBOX_VENDOR_ID = 'TOLLGATE-SBX';

/** Fixed customer accounts (EKP = 10 digits), so a manual set-up can be written down once. */
export const SANDBOX_ACCOUNTS = {
  /** An active E-POST contract. */
  active: { ekp: '5012345678', password: 'Sandbox-Pass-1', secret: '77831f6f-d39b-4d5b-a5ae-b4006f894179' },
  /** A second active contract (another Tollgate account). */
  second: { ekp: '5087654321', password: 'Sandbox-Pass-2', secret: '0b6a0c52-3f1e-4c8e-9a43-2d3b1f0a9c11' },
  /** Blocked by Deutsche Post: logins answer E004. */
  blocked: { ekp: '5000000004', password: 'Sandbox-Pass-4', secret: 'c1d2e3f4-0000-4000-8000-000000000004' },
} as const;

/** How long each step takes on the sandbox clock (defaults: minutes to processed, hours to the print centre, a day to posted). */
export interface StatusTimings {
  /** 1 (accepted) → 2 (processed). */
  processedAfterMs: number;
  /** 2 → 3 (sent to the print centre). */
  printUploadAfterMs: number;
  /** 3 → 4 (printed and posted, reported by the print centre). */
  printFeedbackAfterMs: number;
  /** 4 → arrival in the destination area (destinationAreaStatus set). */
  destinationAfterMs: number;
}

export const DEFAULT_TIMINGS: StatusTimings = {
  processedAfterMs: 5 * 60_000,
  printUploadAfterMs: 2 * 3_600_000,
  printFeedbackAfterMs: 24 * 3_600_000,
  destinationAfterMs: 24 * 3_600_000,
};

export interface SandboxAccount {
  ekp: string;
  password: string;
  secret: string;
  blocked: boolean;
  /** Bumped by a rotation: tokens of an earlier generation are refused. */
  tokenGeneration: number;
}

/** A rejection the sandbox will apply: during processing (no print) or by the print centre (after status 3). */
export interface PlannedRejection {
  stage: 'processing' | 'print';
  code: string;
  description: string;
}

/** What the sandbox kept of one uploaded letter (never the PDF itself: its sha256, size and what was read from it). */
export interface ReceivedLetter {
  letterID: number;
  vendorID: string;
  ekp: string;
  fileName: string;
  sha256: string;
  bytes: number;
  pages: number;
  addressBlockMm: { top: number; left: number; bottom: number; right: number } | null;
  addressLines: string[];
  zipCode: string;
  city: string;
  country: string | null;
  isColor: boolean;
  isDuplex: boolean;
  registeredLetter: RegisteredLetterKind | null;
  coverLetter: boolean;
  testFlag: boolean;
  batchID: number;
  custom: Array<string | null>;
  activateDuplicateFailsafe: boolean;
  createdDate: string;
  /** Extra processing time from slow mode when it arrived. */
  slowMs: number;
  rejection: PlannedRejection | null;
}

export interface EPostLetterStatus {
  letterID: number;
  fileName: string;
  statusID: 1 | 2 | 3 | 4 | 99;
  statusDetails: string;
  createdDate: string;
  processedDate: string | null;
  printUploadDate: string | null;
  printFeedbackDate: string | null;
  testFlag: boolean;
  registeredLetter: string | null;
  registeredLetterID: string | null;
  batchID: number;
  coverLetter: boolean;
  noOfPages: number;
  custom1: string | null;
  custom2: string | null;
  custom3: string | null;
  custom4: string | null;
  custom5: string | null;
  zipCode: string;
  city: string;
  country: string | null;
  isColor: boolean;
  isDuplex: boolean;
  destinationAreaStatus: string | null;
  destinationAreaStatusDate: string | null;
  errorList: EPostMessage[] | null;
}

export interface SandboxRequest {
  method: string;
  path: string;
  status: number;
  /** The EKP of the token or login, when known. */
  ekp: string | null;
}

export interface EPostSandboxState {
  version: 1;
  vendorIds: string[];
  accounts: SandboxAccount[];
  letters: ReceivedLetter[];
  nextLetterId: number;
  clockOffsetMs: number;
  timings: StatusTimings;
}

export interface EPostSandboxControl {
  vendorIds(): string[];
  addVendorId(vendorId: string): void;
  accounts(): SandboxAccount[];
  /** A new customer contract; random password and secret unless given. */
  addAccount(input: { ekp: string; password?: string; secret?: string }): SandboxAccount;
  /** The customer sets a new password (and gets a new secret): old credentials and tokens stop working. */
  rotateCredentials(input: { ekp: string; password?: string }): SandboxAccount;
  setBlocked(input: { ekp: string; blocked: boolean }): SandboxAccount;
  /** Moves the sandbox clock forward (statuses and token expiry follow it). */
  advance(ms: number): Date;
  now(): Date;
  /** Every API request answers 503 (E501) while on. */
  setOutage(on: boolean): void;
  /** The next `count` API requests answer `status` (default 500) without doing anything. */
  failNextRequests(input: { count: number; status?: number }): void;
  /** The next `count` letters accepted at upload end in status 99 later, at the given stage. */
  rejectNextLetters(input: { count: number; stage?: 'processing' | 'print'; code?: string; description?: string }): void;
  /** Letters uploaded from now on take `ms` longer to be processed (0: off). */
  setSlowProcessing(ms: number): void;
  setTimings(timings: Partial<StatusTimings>): StatusTimings;
  /** Minimum time between two status queries of one customer (the API's 5 s; 0 switches the check off). */
  setStatusQueryInterval(ms: number): void;
  letters(): Array<ReceivedLetter & { status: EPostLetterStatus }>;
  requests(): SandboxRequest[];
  reset(): void;
  exportState(): EPostSandboxState;
  importState(state: EPostSandboxState): void;
}

export interface EPostSandboxInput {
  /** 0 (default) = any free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** The sandbox clock's base (advance() adds an offset to it). Default the system clock. */
  now?: () => Date;
  /**
   * The same as a Clock (`@tollgate/clock`); `now` wins when both are given. A clock with `advance`
   * (a ManualClock) is moved by `control.advance`, so a host sharing it sees the same time; any other
   * gets an offset added (exported with the state).
   */
  clock?: { now(): Date; advance?: (by: { ms: number }) => unknown };
  /** A snapshot from exportState() to start from. */
  state?: EPostSandboxState;
  /** Called after each request and control call that may have changed the state. */
  onStateChange?: () => void;
}

export interface EPostSandbox {
  /** e.g. 'http://127.0.0.1:41234'; the client's baseUrl (the API is under /api). */
  url: string;
  control: EPostSandboxControl;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: unknown;
}

const MAX_LOGGED_REQUESTS = 10_000;
const DUPLICATE_WINDOW_MS = 3_600_000;
const MAX_REQUEST_BYTES = 300 * 1024 * 1024;
/** An E-POSTBUSINESS API on a local port (see README.md): the protocol of `@tollgate/epost`. */
export async function startEPostSandbox(input: EPostSandboxInput = {}): Promise<EPostSandbox> {
  const sandbox = new EPostSandboxServer(input);
  const url = await sandbox.listen({ port: input.port ?? 0, host: input.host ?? '127.0.0.1' });
  return { url, control: sandbox.control, close: () => sandbox.close() };
}

function defaultAccounts(): SandboxAccount[] {
  return [
    { ...SANDBOX_ACCOUNTS.active, blocked: false, tokenGeneration: 1 },
    { ...SANDBOX_ACCOUNTS.second, blocked: false, tokenGeneration: 1 },
    { ...SANDBOX_ACCOUNTS.blocked, blocked: true, tokenGeneration: 1 },
  ];
}

class EPostSandboxServer {
  readonly #baseNow: () => Date;
  readonly #movable: ((by: { ms: number }) => unknown) | null;
  readonly #onStateChange: () => void;
  readonly #server = createServer((req, res) => void this.#handle(req, res));
  /** Signs the tokens; a restart (new key) makes old tokens invalid, as a key rollover would. */
  readonly #tokenKey = randomBytes(32);
  #vendorIds = new Set<string>([SANDBOX_VENDOR_ID]);
  #accounts = new Map<string, SandboxAccount>();
  #letters: ReceivedLetter[] = [];
  #nextLetterId = 43_556_780;
  #offsetMs = 0;
  #timings: StatusTimings = { ...DEFAULT_TIMINGS };
  #requests: SandboxRequest[] = [];
  #outage = false;
  #failures = { count: 0, status: 500 };
  #rejections: { count: number; rejection: PlannedRejection } = { count: 0, rejection: { stage: 'print', code: 'E318', description: '' } };
  #slowMs = 0;
  #statusIntervalMs = 5_000;
  #lastStatusQuery = new Map<string, number>();

  constructor(input: EPostSandboxInput) {
    const clock = input.clock;
    this.#baseNow = input.now ?? (clock ? () => clock.now() : () => new Date());
    this.#movable = !input.now && typeof clock?.advance === 'function' ? (by) => clock.advance!(by) : null;
    this.#onStateChange = input.onStateChange ?? (() => {});
    for (const account of defaultAccounts()) this.#accounts.set(account.ekp, account);
    if (input.state) this.control.importState(input.state);
  }

  #now(): Date {
    return new Date(this.#baseNow().getTime() + this.#offsetMs);
  }

  readonly control: EPostSandboxControl = {
    vendorIds: () => [...this.#vendorIds],
    addVendorId: (vendorId) => {
      if (typeof vendorId !== 'string' || !/^[A-Za-z0-9_-]{1,50}$/.test(vendorId)) throw new RangeError('vendorId must be 1-50 letters, digits, _ or -');
      this.#vendorIds.add(vendorId);
      this.#onStateChange();
    },
    accounts: () => [...this.#accounts.values()].map((a) => ({ ...a })),
    addAccount: ({ ekp, password, secret }) => {
      if (typeof ekp !== 'string' || !/^\d{10}$/.test(ekp)) throw new RangeError('ekp must be 10 digits');
      if (this.#accounts.has(ekp)) throw new RangeError(`ekp ${ekp} exists`);
      const account: SandboxAccount = {
        ekp,
        password: checkPassword(password ?? `Pw-${randomBytes(9).toString('base64url')}`),
        secret: secret ?? randomUUID(),
        blocked: false,
        tokenGeneration: 1,
      };
      this.#accounts.set(ekp, account);
      this.#onStateChange();
      return { ...account };
    },
    rotateCredentials: ({ ekp, password }) => {
      const account = this.#account(ekp);
      account.password = checkPassword(password ?? `Pw-${randomBytes(9).toString('base64url')}`);
      account.secret = randomUUID();
      account.tokenGeneration += 1;
      this.#onStateChange();
      return { ...account };
    },
    setBlocked: ({ ekp, blocked }) => {
      const account = this.#account(ekp);
      account.blocked = blocked === true;
      this.#onStateChange();
      return { ...account };
    },
    advance: (ms) => {
      if (!Number.isInteger(ms) || ms < 0) throw new RangeError(`advance takes whole milliseconds >= 0, got ${ms}`);
      if (this.#movable) this.#movable({ ms });
      else this.#offsetMs += ms;
      this.#onStateChange();
      return this.#now();
    },
    now: () => this.#now(),
    setOutage: (on) => {
      this.#outage = on === true;
    },
    failNextRequests: ({ count, status = 500 }) => {
      if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError(`status must be 400..599, got ${status}`);
      this.#failures = { count: whole(count), status };
    },
    rejectNextLetters: ({ count, stage = 'print', code, description }) => {
      if (stage !== 'processing' && stage !== 'print') throw new RangeError("stage must be 'processing' or 'print'");
      this.#rejections = {
        count: whole(count),
        rejection: {
          stage,
          code: code ?? (stage === 'print' ? 'E318' : 'E315'),
          description:
            description ?? (stage === 'print' ? 'Ablehnung in Druckzentrum: sandbox rejection' : 'Fehler in Sendungsverarbeitung: sandbox rejection'),
        },
      };
    },
    setSlowProcessing: (ms) => {
      if (!Number.isInteger(ms) || ms < 0) throw new RangeError(`slow processing takes whole milliseconds >= 0, got ${ms}`);
      this.#slowMs = ms;
    },
    setTimings: (timings) => {
      const next = { ...this.#timings, ...timings };
      for (const [name, value] of Object.entries(next))
        if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be whole milliseconds >= 0`);
      this.#timings = next;
      this.#onStateChange();
      return { ...next };
    },
    setStatusQueryInterval: (ms) => {
      if (!Number.isInteger(ms) || ms < 0) throw new RangeError(`the status query interval takes whole milliseconds >= 0, got ${ms}`);
      this.#statusIntervalMs = ms;
    },
    letters: () => this.#letters.map((letter) => ({ ...structuredClone(letter), status: this.#statusOf(letter) })),
    requests: () => this.#requests.map((r) => ({ ...r })),
    reset: () => {
      this.#vendorIds = new Set([SANDBOX_VENDOR_ID]);
      this.#accounts = new Map(defaultAccounts().map((a) => [a.ekp, a]));
      this.#letters = [];
      this.#nextLetterId = 43_556_780;
      this.#offsetMs = 0;
      this.#timings = { ...DEFAULT_TIMINGS };
      this.#requests = [];
      this.#outage = false;
      this.#failures = { count: 0, status: 500 };
      this.#rejections = { count: 0, rejection: { stage: 'print', code: 'E318', description: '' } };
      this.#slowMs = 0;
      this.#statusIntervalMs = 5_000;
      this.#lastStatusQuery.clear();
      this.#onStateChange();
    },
    exportState: () => ({
      version: 1,
      vendorIds: [...this.#vendorIds],
      accounts: this.control.accounts(),
      letters: structuredClone(this.#letters),
      nextLetterId: this.#nextLetterId,
      clockOffsetMs: this.#offsetMs,
      timings: { ...this.#timings },
    }),
    importState: (state) => {
      if (state?.version !== 1) throw new RangeError(`epost sandbox state: unknown version ${String((state as { version?: unknown })?.version)}`);
      if (!Array.isArray(state.accounts) || !Array.isArray(state.letters) || !Number.isInteger(state.nextLetterId))
        throw new RangeError('epost sandbox state: accounts, letters and nextLetterId are required');
      this.#vendorIds = new Set([SANDBOX_VENDOR_ID, ...(state.vendorIds ?? [])]);
      this.#accounts = new Map(defaultAccounts().map((a) => [a.ekp, a]));
      for (const account of state.accounts) this.#accounts.set(account.ekp, { ...account });
      this.#letters = structuredClone(state.letters);
      this.#nextLetterId = state.nextLetterId;
      this.#offsetMs = state.clockOffsetMs ?? 0;
      this.#timings = { ...DEFAULT_TIMINGS, ...state.timings };
    },
  };

  listen(input: { port: number; host: string }): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(input.port, input.host, () => {
        const address = this.#server.address() as AddressInfo;
        const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        resolve(`http://${host}:${address.port}`);
      });
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.close((error) => (error ? reject(error) : resolve()));
      this.#server.closeAllConnections();
    });
  }

  #account(ekp: string): SandboxAccount {
    const account = this.#accounts.get(ekp);
    if (!account) throw new RangeError(`no such ekp ${ekp}`);
    return account;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: Reply;
    try {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
      const method = (req.method ?? 'GET').toUpperCase();
      if (url.pathname === '/_sandbox' || url.pathname.startsWith('/_sandbox/')) reply = this.#controlRoute({ method, path: url.pathname, raw });
      else reply = await this.#api({ method, url, headers: req.headers, raw });
    } catch (error) {
      reply = errorReply(error);
    }
    const body = JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    this.#onStateChange();
  }

  async #api(input: { method: string; url: URL; headers: IncomingMessage['headers']; raw: string }): Promise<Reply> {
    const path = input.url.pathname;
    let ekp: string | null = null;
    const log = (reply: Reply): Reply => {
      if (this.#requests.length >= MAX_LOGGED_REQUESTS) this.#requests.splice(0, this.#requests.length - MAX_LOGGED_REQUESTS + 1);
      this.#requests.push({ method: input.method, path, status: reply.status, ekp });
      return reply;
    };
    try {
      if (this.#failures.count > 0) {
        this.#failures.count -= 1;
        throw new HttpError(this.#failures.status, message('E900', `Unspezifizierter Fehler: injected failure (HTTP ${this.#failures.status})`));
      }
      if (this.#outage) throw new HttpError(503, message('E501', 'API-Status: Inaktiv (sandbox outage)'));
      const key = `${input.method} ${path.toLowerCase()}`;
      if (key === 'GET /api/login/healthcheck')
        return log({ status: 200, body: { level: 'Info', code: 'I501', description: 'API-Status: OK', date: this.#now().toISOString() } });
      if (key === 'POST /api/login') {
        const login = parseJson(input.raw);
        ekp = typeof (login as { ekp?: unknown })?.ekp === 'string' ? (login as { ekp: string }).ekp : null;
        return log(this.#login(login));
      }
      const account = this.#authenticate(input.headers.authorization);
      ekp = account.ekp;
      if (key === 'POST /api/letter') return log(await this.#upload({ account, vendorId: account.vendorId, body: parseJson(input.raw) }));
      if (key === 'POST /api/letter/statusquery') {
        this.#statusRateLimit(account.ekp);
        const ids = parseJson(input.raw);
        if (!Array.isArray(ids) || ids.some((id) => !Number.isSafeInteger(id)))
          throw new HttpError(400, message('E313', 'Verletzung des Schemas: an array of letter IDs is expected'));
        const onlyIssues = input.url.searchParams.get('onlyIssues') === 'true';
        const found = this.#letters.filter((l) => l.ekp === account.ekp && ids.includes(l.letterID)).map((l) => this.#statusOf(l));
        return log({ status: 200, body: onlyIssues ? found.filter((s) => s.statusID === 99) : found });
      }
      const single = /^\/api\/letter\/(\d+)$/i.exec(path);
      if (single && input.method === 'GET') {
        this.#statusRateLimit(account.ekp);
        const letter = this.#letters.find((l) => l.ekp === account.ekp && l.letterID === Number(single[1]));
        if (!letter) throw new HttpError(404, message('E201', 'Ungültige Statusabfrage - Es wurde keine Sendung über dieses Suchkriterium gefunden'));
        return log({ status: 200, body: this.#statusOf(letter) });
      }
      throw new HttpError(404, message('E399', `Allgemeiner Fehler: no route ${input.method} ${path}`));
    } catch (error) {
      return log(errorReply(error));
    }
  }

  #login(body: unknown): Reply {
    const login = body as Record<string, unknown> | null;
    if (typeof login !== 'object' || login === null || Array.isArray(login))
      throw new HttpError(400, message('E313', 'Verletzung des Schemas: a Login object is expected'));
    for (const field of ['vendorID', 'ekp', 'secret', 'password'])
      if (typeof login[field] !== 'string') throw new HttpError(400, message('E313', `Verletzung des Schemas: ${field} is required`));
    const unknown = Object.keys(login).filter((k) => !['vendorID', 'ekp', 'secret', 'password', 'vendorSubID', 'tokenDuration'].includes(k));
    if (unknown.length > 0) throw new HttpError(400, message('E313', `Verletzung des Schemas: unknown field ${unknown[0]}`));
    const duration = login.tokenDuration === undefined ? 1440 : login.tokenDuration;
    if (!Number.isInteger(duration) || (duration as number) < 1 || (duration as number) > 1440)
      throw new HttpError(400, message('E313', 'Verletzung des Schemas: tokenDuration is 1..1440 minutes'));
    const invalid = () => new HttpError(401, message('E001', 'Ungültige Zugangsdaten - Bitte überprüfen Sie Ihre Anmeldedaten'));
    if (!this.#vendorIds.has(login.vendorID as string)) throw invalid();
    const account = this.#accounts.get(login.ekp as string);
    if (!account || !same(account.password, login.password as string) || !same(account.secret, login.secret as string)) throw invalid();
    if (account.blocked) throw new HttpError(401, message('E004', 'Diese EKP wurde von der Deutsche Post AG gesperrt'));
    const now = this.#now();
    const iat = Math.floor(now.getTime() / 1000);
    const token = signJwt({
      secret: this.#tokenKey,
      claims: { sub: account.ekp, vendorID: login.vendorID, gen: account.tokenGeneration, iat, exp: iat + (duration as number) * 60, jti: randomUUID() },
    });
    return { status: 200, body: { token } };
  }

  #authenticate(header: string | undefined): SandboxAccount & { vendorId: string } {
    const token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    const invalid = (description: string) => new HttpError(401, message('E101', description));
    if (!token) throw invalid('Ungültiges Token - Authorization: Bearer <token> is required');
    const claims = verifyJwt({ secret: this.#tokenKey, token });
    if (!claims) throw invalid('Ungültiges Token - not issued by this API');
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= this.#now().getTime()) throw invalid('Ungültiges Token - Abgelaufen');
    const account = this.#accounts.get(String(claims.sub));
    if (!account || claims.gen !== account.tokenGeneration) throw invalid('Ungültiges Token - the credentials were changed');
    if (account.blocked) throw new HttpError(401, message('E004', 'Diese EKP wurde von der Deutsche Post AG gesperrt'));
    return { ...account, vendorId: String(claims.vendorID) };
  }

  #statusRateLimit(ekp: string): void {
    const now = this.#now().getTime();
    const last = this.#lastStatusQuery.get(ekp);
    if (this.#statusIntervalMs > 0 && last !== undefined && now - last < this.#statusIntervalMs)
      throw new HttpError(
        429,
        message('E322', 'Zu hohe Abfragefrequenz von Letter-Status Anfragen. Die Mindestdauer zwischen 2 Statusabfragen liegt bei 5 Sekunden.'),
      );
    this.#lastStatusQuery.set(ekp, now);
  }

  async #upload(input: { account: SandboxAccount; vendorId: string; body: unknown }): Promise<Reply> {
    const { account } = input;
    if (!Array.isArray(input.body) || input.body.length === 0)
      throw new HttpError(400, message('E313', 'Verletzung des Letter-Schemas: a non-empty array of Letter objects is expected'));
    const now = this.#now();
    const prepared: ReceivedLetter[] = [];
    const total = (input.body as unknown[]).reduce<number>(
      (sum, item) => sum + Math.floor((String((item as { data?: unknown })?.data ?? '').length * 3) / 4),
      0,
    );
    if (total > MAX_REQUEST_BYTES) throw new HttpError(400, message('E316', 'Fehler bei Sendungsupload: more than 300 MB of PDFs in one request'));
    // All or nothing: every letter of the request is checked before any is taken.
    for (const [index, item] of (input.body as unknown[]).entries()) {
      const letter = parseLetter(item, index);
      const pdf = Buffer.from(letter.data, 'base64');
      const sha256 = createHash('sha256').update(pdf).digest('hex');
      // The failsafe comes first: a repeat of an accepted letter is named as such, whatever else it repeats.
      if (letter.activateDuplicateFailsafe) {
        const earlier = this.#letters.find(
          (l) =>
            l.ekp === account.ekp &&
            l.activateDuplicateFailsafe &&
            l.sha256 === sha256 &&
            l.zipCode === letter.zipCode &&
            l.addressLines.join('\n') === letter.addressLines.join('\n') &&
            now.getTime() - Date.parse(l.createdDate) < DUPLICATE_WINDOW_MS &&
            this.#statusOf(l).statusID !== 99,
        );
        if (earlier)
          throw new HttpError(
            400,
            message('E324', `Duplikatsprüfung: Diese Sendung wurde bereits innerhalb der letzten Stunde über LetterID ${earlier.letterID} eingeliefert`),
          );
      }
      if (prepared.some((p) => p.fileName === letter.fileName) || this.#letters.some((l) => l.ekp === account.ekp && l.fileName === letter.fileName))
        throw new HttpError(400, message('E309', `Dublette bei eingelieferten Dateinamen erkannt - ${letter.fileName}`));
      let checked;
      try {
        checked = await checkLetterPdf({
          pdf,
          addressLine1: letter.addressLines[0]!,
          zipCode: letter.zipCode,
          city: letter.city,
          registered: letter.registeredLetter !== null,
          coverLetter: letter.coverLetter,
          hasSender: letter.hasSender,
        });
      } catch (error) {
        if (error instanceof LetterCheckError)
          throw new HttpError(400, { ...error.error, description: `${error.error.description} - Dateiname: ${letter.fileName}` });
        throw error;
      }
      prepared.push({
        letterID: 0,
        vendorID: input.vendorId,
        ekp: account.ekp,
        fileName: letter.fileName,
        sha256,
        bytes: pdf.byteLength,
        pages: checked.pages,
        addressBlockMm: checked.addressBlockMm,
        addressLines: letter.addressLines,
        zipCode: letter.zipCode,
        city: letter.city,
        country: letter.country,
        isColor: letter.isColor,
        isDuplex: letter.isDuplex,
        registeredLetter: letter.registeredLetter,
        coverLetter: letter.coverLetter,
        testFlag: letter.testFlag,
        batchID: letter.batchID,
        custom: letter.custom,
        activateDuplicateFailsafe: letter.activateDuplicateFailsafe,
        createdDate: now.toISOString(),
        slowMs: this.#slowMs,
        rejection: null,
      });
    }
    const idents = prepared.map((letter) => {
      letter.letterID = this.#nextLetterId++;
      if (this.#rejections.count > 0) {
        this.#rejections.count -= 1;
        letter.rejection = { ...this.#rejections.rejection };
      }
      this.#letters.push(letter);
      return { letterID: letter.letterID, fileName: letter.fileName };
    });
    return { status: 200, body: idents };
  }

  #statusOf(letter: ReceivedLetter): EPostLetterStatus {
    return letterStatusAt({ letter, now: this.#now(), timings: this.#timings });
  }

  #controlRoute(input: { method: string; path: string; raw: string }): Reply {
    const body = parseControlBody(input.raw);
    const parts = input.path.split('/').filter(Boolean).slice(1).map(decodeURIComponent);
    const route = `${input.method} ${parts.map((part, i) => (parts[0] === 'accounts' && i === 1 ? ':ekp' : part)).join('/')}`;
    const whole = (name: string, fallback?: number): number => {
      const value = body[name];
      if (value === undefined && fallback !== undefined) return fallback;
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new RangeError(`${name} must be a whole number`);
      return value;
    };
    const str = (name: string): string | undefined => (typeof body[name] === 'string' ? (body[name] as string) : undefined);
    const ok = { status: 200, body: { ok: true } };
    const c = this.control;
    try {
      switch (route) {
        case 'GET accounts':
          return { status: 200, body: { vendorIds: c.vendorIds(), accounts: c.accounts() } };
        case 'POST accounts': {
          const password = str('password');
          const secret = str('secret');
          return { status: 201, body: c.addAccount({ ekp: String(body.ekp), ...(password ? { password } : {}), ...(secret ? { secret } : {}) }) };
        }
        case 'POST accounts/:ekp/rotate': {
          const password = str('password');
          return { status: 200, body: c.rotateCredentials({ ekp: parts[1]!, ...(password ? { password } : {}) }) };
        }
        case 'POST accounts/:ekp/block':
          return { status: 200, body: c.setBlocked({ ekp: parts[1]!, blocked: body.blocked !== false }) };
        case 'POST vendors':
          c.addVendorId(String(body.vendorId));
          return ok;
        case 'POST advance':
          return { status: 200, body: { now: c.advance(whole('ms')).toISOString() } };
        case 'GET clock':
          return { status: 200, body: { now: c.now().toISOString() } };
        case 'POST outage':
          if (typeof body.on !== 'boolean') throw new RangeError('on must be true or false');
          c.setOutage(body.on);
          return ok;
        case 'POST failures':
          c.failNextRequests({ count: whole('count', 1), status: whole('status', 500) });
          return ok;
        case 'POST reject': {
          const code = str('code');
          const description = str('description');
          c.rejectNextLetters({
            count: whole('count', 1),
            ...(body.stage === undefined ? {} : { stage: body.stage as 'processing' | 'print' }),
            ...(code ? { code } : {}),
            ...(description ? { description } : {}),
          });
          return ok;
        }
        case 'POST slow':
          c.setSlowProcessing(whole('ms'));
          return ok;
        case 'POST timings':
          return { status: 200, body: c.setTimings(body as Partial<StatusTimings>) };
        case 'POST status-interval':
          c.setStatusQueryInterval(whole('ms'));
          return ok;
        case 'GET letters':
          return { status: 200, body: { letters: c.letters() } };
        case 'GET requests':
          return { status: 200, body: { requests: c.requests() } };
        case 'GET state':
          return { status: 200, body: c.exportState() };
        case 'POST reset':
          c.reset();
          return ok;
        default:
          throw new HttpError(404, message('E399', `No sandbox control ${input.method} ${input.path}`));
      }
    } catch (error) {
      if (error instanceof RangeError) throw new HttpError(400, message('E399', `invalid control: ${error.message}`));
      throw error;
    }
  }
}

function checkPassword(password: string): string {
  if (typeof password !== 'string' || password.length < 5 || password.length > 100) throw new RangeError('password must be 5-100 characters');
  return password;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function whole(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`count must be a whole number >= 0, got ${n}`);
  return n;
}

function errorReply(error: unknown): Reply {
  if (error instanceof HttpError) return { status: error.status, body: { ...error.error, date: null } };
  return { status: 500, body: { level: 'Error', code: 'E900', description: `Unspezifizierter Fehler: ${(error as Error).message}`, date: null } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new HttpError(400, message('E313', 'Verletzung des Schemas: the body is not valid JSON'));
  }
}

function parseControlBody(raw: string): Record<string, unknown> {
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new HttpError(400, message('E399', 'invalid control: the body is not valid JSON'));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new HttpError(400, message('E399', 'invalid control: the body must be a JSON object'));
  return parsed as Record<string, unknown>;
}
