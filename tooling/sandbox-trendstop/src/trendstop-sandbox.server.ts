import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availabilityOf, hasNoData, seedCompanies, TEST_ENTERPRISE_NUMBERS, type SandboxCompany } from './company-seed.js';
import { isValidEnterpriseNumber } from './enterprise-number.js';
import { FixedWindowRateLimiter } from './rate-limiter.js';

/** Subscription formulas: classic-era (basic, plus, xl) and current (start, marketing, business). */
export const FORMULAS = ['basic', 'plus', 'xl', 'start', 'marketing', 'business'] as const;
export type Formula = (typeof FORMULAS)[number];
/** The formulas whose subscription may export company data. */
export const EXPORT_RIGHTS_FORMULAS: readonly Formula[] = ['plus', 'xl', 'marketing', 'business'];

/** Fixed keys, so a manual set-up (`pnpm start`) can be written down once. */
export const SANDBOX_KEYS = {
  /** The platform's reseller account: may export every company; every export is billed to it. */
  partner: 'tt_partner_sandbox',
  /** One customer subscription per formula. */
  customers: {
    basic: 'tt_customer_basic',
    plus: 'tt_customer_plus',
    xl: 'tt_customer_xl',
    start: 'tt_customer_start',
    marketing: 'tt_customer_marketing',
    business: 'tt_customer_business',
  } satisfies Record<Formula, string>,
} as const;

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 60;
const MAX_LOGGED_REQUESTS = 10_000;

export interface ApiKeyRecord {
  apiKey: string;
  kind: 'partner' | 'customer';
  customerId: string;
  /** 'partner' for the partner key. */
  formula: Formula | 'partner';
  revoked: boolean;
}

/** One billable export (replays of its Idempotency-Key are not new exports). */
export interface ExportRecord {
  exportId: string;
  apiKey: string;
  customerId: string;
  enterpriseNumber: string;
  idempotencyKey: string;
  /** ISO time it was billed. */
  billedAt: string;
  /** The answer, replayed as it was for the same Idempotency-Key. */
  body: CompanyExportBody;
}

export interface CompanyExportBody {
  exportId: string;
  enterpriseNumber: string;
  vatNumber: string;
  name: string;
  legalForm: SandboxCompany['legalForm'];
  nace: SandboxCompany['nace'];
  address: SandboxCompany['address'];
  phone: string | null;
  contactPerson: SandboxCompany['contactPerson'];
  foundedOn: string | null;
  employeesClass: string | null;
  retrievedAt: string;
}

export interface ExportCount {
  apiKey: string;
  customerId: string;
  formula: ApiKeyRecord['formula'];
  /** Billed exports ever. */
  total: number;
  /** Billed exports in the calendar month (UTC) of the sandbox clock. */
  thisMonth: number;
}

export interface SandboxRequest {
  method: string;
  path: string;
  status: number;
  /** The Bearer key given, or null. */
  apiKey: string | null;
}

/** Keys, exports and the export counter as plain JSON: what a restarted sandbox needs to go on. */
export interface TrendsTopSandboxState {
  version: 1;
  keys: ApiKeyRecord[];
  exports: ExportRecord[];
  nextExport: number;
}

export type MalformedKind = 'not_json' | 'wrong_shape';

export interface TrendsTopSandboxControl {
  /** Every key, the fixed ones included. */
  keys(): ApiKeyRecord[];
  /** A new customer subscription key (random unless `apiKey` is given). */
  createCustomerKey(input: { formula: Formula; customerId?: string; apiKey?: string }): ApiKeyRecord;
  /** The customer changes formula (e.g. buys export rights). */
  setFormula(input: { apiKey: string; formula: Formula }): ApiKeyRecord;
  /** The key answers 401 from now on. */
  revokeKey(input: { apiKey: string }): ApiKeyRecord;
  /** Every API request answers 503 `unavailable` while on. */
  setOutage(on: boolean): void;
  /** Every API answer waits `ms` first (0: off); the work (and billing) is done before the wait. */
  setSlowMode(ms: number): void;
  /** Requests per key per clock minute; beyond it 429 with Retry-After. */
  setRateLimit(perMinute: number): void;
  /** The next `count` API requests answer `status` (default 500) without doing anything. */
  failNextRequests(input: { count: number; status?: number }): void;
  /**
   * The next `count` successful API answers are broken after the work is done (an export is billed):
   * `not_json` cuts the body off, `wrong_shape` answers JSON the protocol does not allow.
   */
  malformNextAnswers(input: { count: number; kind?: MalformedKind }): void;
  /** Billed exports per key (keys without exports included). */
  exportCounts(): ExportCount[];
  exportCount(input: { apiKey: string }): ExportCount;
  /** Every billed export, oldest first. */
  exports(): ExportRecord[];
  /** API requests answered, in order (not /_sandbox calls). */
  requests(): SandboxRequest[];
  /** The sandbox's companies (the deterministic seed). */
  companies(): SandboxCompany[];
  /** Forgets created keys, exports, the request log and every switch (the fixed keys stay). */
  reset(): void;
  exportState(): TrendsTopSandboxState;
  importState(state: TrendsTopSandboxState): void;
}

export interface TrendsTopSandboxInput {
  /** 0 (default) = any free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Export times, the rate-limit minute and "this month". Default: the system clock. */
  now?: () => Date;
  /** The same as `now`, as a Clock (`@tollgate/clock`); `now` wins when both are given. */
  clock?: { now(): Date };
  /** How slow mode waits. Default setTimeout (cut short by close()); tests pass their own. */
  sleep?: (ms: number) => Promise<void>;
  /** Default 60. */
  rateLimitPerMinute?: number;
  /** A snapshot from exportState() to start from. */
  state?: TrendsTopSandboxState;
  /** Called after each API request and control call that may have changed the state, e.g. to save exportState(). */
  onStateChange?: () => void;
}

export interface TrendsTopSandbox {
  /** e.g. 'http://127.0.0.1:41234'; the client's baseUrl (the API is under /v1). */
  url: string;
  control: TrendsTopSandboxControl;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Send this text as is (a broken answer). */
  raw?: string;
}

class SandboxHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A company-data vendor on a local port (see README.md): the protocol of `@tollgate/trendstop`. */
export async function startTrendsTopSandbox(input: TrendsTopSandboxInput = {}): Promise<TrendsTopSandbox> {
  const sandbox = new TrendsTopSandboxServer(input);
  const url = await sandbox.listen({ port: input.port ?? 0, host: input.host ?? '127.0.0.1' });
  return { url, control: sandbox.control, close: () => sandbox.close() };
}

function defaultKeys(): ApiKeyRecord[] {
  return [
    { apiKey: SANDBOX_KEYS.partner, kind: 'partner', customerId: 'partner-tollgate', formula: 'partner', revoked: false },
    ...FORMULAS.map((formula) => ({
      apiKey: SANDBOX_KEYS.customers[formula],
      kind: 'customer' as const,
      customerId: `customer-${formula}`,
      formula,
      revoked: false,
    })),
  ];
}

class TrendsTopSandboxServer {
  readonly #now: () => Date;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #rateLimitAtStart: number;
  readonly #limiter: FixedWindowRateLimiter;
  readonly #onStateChange: () => void;
  readonly #companies = new Map<string, SandboxCompany>(seedCompanies().map((company) => [company.enterpriseNumber, company]));
  readonly #server = createServer((req, res) => void this.#handle(req, res));
  readonly #timers = new Set<NodeJS.Timeout>();
  #keys = new Map<string, ApiKeyRecord>();
  #exports: ExportRecord[] = [];
  /** The same exports by (key, Idempotency-Key), for replays. */
  #byIdempotencyKey = new Map<string, ExportRecord>();
  #nextExport = 1;
  #requests: SandboxRequest[] = [];
  #outage = false;
  #slowMs = 0;
  #failures = { count: 0, status: 500 };
  #malformed: { count: number; kind: MalformedKind } = { count: 0, kind: 'not_json' };

  constructor(input: TrendsTopSandboxInput) {
    const clock = input.clock;
    this.#now = input.now ?? (clock ? () => clock.now() : () => new Date());
    this.#sleep = input.sleep ?? ((ms) => this.#timerSleep(ms));
    this.#rateLimitAtStart = input.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE;
    this.#limiter = new FixedWindowRateLimiter({ now: this.#now, limit: this.#rateLimitAtStart });
    this.#onStateChange = input.onStateChange ?? (() => {});
    for (const key of defaultKeys()) this.#keys.set(key.apiKey, key);
    if (input.state) this.control.importState(input.state);
  }

  readonly control: TrendsTopSandboxControl = {
    keys: () => [...this.#keys.values()].map((key) => ({ ...key })),
    createCustomerKey: ({ formula, customerId, apiKey }) => {
      checkFormula(formula);
      const key = apiKey ?? `tt_${randomToken()}`;
      if (!/^[A-Za-z0-9_-]{8,100}$/.test(key)) throw new RangeError('apiKey must be 8-100 letters, digits, _ or -');
      if (this.#keys.has(key)) throw new RangeError(`apiKey ${key} exists`);
      const record: ApiKeyRecord = {
        apiKey: key,
        kind: 'customer',
        customerId: customerId ?? `customer-${randomToken().slice(0, 10)}`,
        formula,
        revoked: false,
      };
      this.#keys.set(key, record);
      this.#onStateChange();
      return { ...record };
    },
    setFormula: ({ apiKey, formula }) => {
      checkFormula(formula);
      const record = this.#customerKey(apiKey);
      record.formula = formula;
      this.#onStateChange();
      return { ...record };
    },
    revokeKey: ({ apiKey }) => {
      const record = this.#keys.get(apiKey);
      if (!record) throw new RangeError(`no such apiKey ${apiKey}`);
      record.revoked = true;
      this.#onStateChange();
      return { ...record };
    },
    setOutage: (on) => {
      this.#outage = on === true;
    },
    setSlowMode: (ms) => {
      if (!Number.isInteger(ms) || ms < 0 || ms > 600_000) throw new RangeError(`slow mode must be 0..600000 ms, got ${ms}`);
      this.#slowMs = ms;
    },
    setRateLimit: (perMinute) => this.#limiter.setLimit(perMinute),
    failNextRequests: ({ count: n, status = 500 }) => {
      if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError(`status must be 400..599, got ${status}`);
      this.#failures = { count: count(n), status };
    },
    malformNextAnswers: ({ count: n, kind = 'not_json' }) => {
      if (kind !== 'not_json' && kind !== 'wrong_shape') throw new RangeError("kind must be 'not_json' or 'wrong_shape'");
      this.#malformed = { count: count(n), kind };
    },
    exportCounts: () => [...this.#keys.values()].map((key) => this.#countFor(key)),
    exportCount: ({ apiKey }) => {
      const key = this.#keys.get(apiKey);
      if (!key) throw new RangeError(`no such apiKey ${apiKey}`);
      return this.#countFor(key);
    },
    exports: () => structuredClone(this.#exports),
    requests: () => this.#requests.map((request) => ({ ...request })),
    companies: () => [...this.#companies.values()].map((company) => structuredClone(company)),
    reset: () => {
      this.#keys = new Map(defaultKeys().map((key) => [key.apiKey, key]));
      this.#exports = [];
      this.#byIdempotencyKey.clear();
      this.#nextExport = 1;
      this.#requests = [];
      this.#outage = false;
      this.#slowMs = 0;
      this.#failures = { count: 0, status: 500 };
      this.#malformed = { count: 0, kind: 'not_json' };
      this.#limiter.reset({ limit: this.#rateLimitAtStart });
      this.#onStateChange();
    },
    exportState: () => ({ version: 1, keys: this.control.keys(), exports: structuredClone(this.#exports), nextExport: this.#nextExport }),
    importState: (state) => {
      if (state?.version !== 1) throw new RangeError(`trendstop sandbox state: unknown version ${String((state as { version?: unknown })?.version)}`);
      if (!Array.isArray(state.keys) || !Array.isArray(state.exports) || !Number.isInteger(state.nextExport))
        throw new RangeError('trendstop sandbox state: keys, exports and nextExport are required');
      this.#keys = new Map(defaultKeys().map((key) => [key.apiKey, key]));
      for (const key of state.keys) this.#keys.set(key.apiKey, { ...key });
      this.#exports = structuredClone(state.exports);
      this.#byIdempotencyKey = new Map(this.#exports.map((record) => [replayKey(record), record]));
      this.#nextExport = state.nextExport;
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
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await new Promise<void>((resolve, reject) => {
      this.#server.close((error) => (error ? reject(error) : resolve()));
      // Answers held by slow mode would otherwise keep close() waiting.
      this.#server.closeAllConnections();
    });
  }

  #timerSleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }

  #customerKey(apiKey: string): ApiKeyRecord {
    const record = this.#keys.get(apiKey);
    if (!record) throw new RangeError(`no such apiKey ${apiKey}`);
    if (record.kind !== 'customer') throw new RangeError('the partner key has no formula');
    return record;
  }

  #countFor(key: ApiKeyRecord): ExportCount {
    const month = this.#now().toISOString().slice(0, 7);
    const mine = this.#exports.filter((record) => record.apiKey === key.apiKey);
    return {
      apiKey: key.apiKey,
      customerId: key.customerId,
      formula: key.formula,
      total: mine.length,
      thisMonth: mine.filter((record) => record.billedAt.slice(0, 7) === month).length,
    };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: Reply;
    let isApi = false;
    try {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
      const method = (req.method ?? 'GET').toUpperCase();
      if (url.pathname.startsWith('/_sandbox/') || url.pathname === '/_sandbox') {
        reply = this.#controlRoute({ method, path: url.pathname, body: parseControlBody(raw) });
      } else {
        isApi = true;
        reply = this.#api({ method, path: url.pathname, headers: req.headers });
      }
    } catch (error) {
      reply = errorReply(error);
    }
    if (isApi && this.#slowMs > 0) {
      await this.#sleep(this.#slowMs);
      if (res.destroyed) return;
    }
    const body = reply.raw ?? JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      ...reply.headers,
    });
    res.end(body);
    this.#onStateChange();
  }

  #api(input: { method: string; path: string; headers: IncomingMessage['headers'] }): Reply {
    const apiKey = /^Bearer\s+(\S+)$/i.exec(input.headers.authorization ?? '')?.[1] ?? null;
    const log = (reply: Reply): Reply => {
      // A long manual session keeps the last requests only.
      if (this.#requests.length >= MAX_LOGGED_REQUESTS) this.#requests.splice(0, this.#requests.length - MAX_LOGGED_REQUESTS + 1);
      this.#requests.push({ method: input.method, path: input.path, status: reply.status, apiKey });
      return reply;
    };
    if (this.#failures.count > 0) {
      this.#failures.count -= 1;
      const status = this.#failures.status;
      return log(errorReply(new SandboxHttpError(status, status >= 500 ? 'unavailable' : 'sandbox_failure', `Sandbox: injected failure (HTTP ${status}).`)));
    }
    if (this.#outage) return log(errorReply(new SandboxHttpError(503, 'unavailable', 'The service is temporarily unavailable.', {}, { 'retry-after': '120' })));
    const key = apiKey === null ? undefined : this.#findKey(apiKey);
    if (!key || key.revoked) return log(errorReply(new SandboxHttpError(401, 'unauthorized', 'A valid API key is required (Authorization: Bearer <key>).')));
    const verdict = this.#limiter.take(key.apiKey);
    if (!verdict.allowed) {
      return log(
        errorReply(
          new SandboxHttpError(
            429,
            'rate_limited',
            `More than ${this.#limiter.limit} requests this minute.`,
            {},
            { ...verdict.headers, 'retry-after': String(verdict.retryAfterSeconds) },
          ),
        ),
      );
    }
    let reply: Reply;
    try {
      reply = this.#route({ method: input.method, path: input.path, key, idempotencyKey: headerValue(input.headers['idempotency-key']) });
    } catch (error) {
      reply = errorReply(error);
    }
    reply.headers = { ...verdict.headers, ...reply.headers };
    if (reply.status < 300 && this.#malformed.count > 0) {
      this.#malformed.count -= 1;
      reply.raw = this.#malformed.kind === 'not_json' ? JSON.stringify(reply.body).slice(0, 40) : JSON.stringify({ data: reply.body, status: 'ok' });
    }
    return log(reply);
  }

  #findKey(apiKey: string): ApiKeyRecord | undefined {
    const given = Buffer.from(apiKey);
    for (const record of this.#keys.values()) {
      const expected = Buffer.from(record.apiKey);
      if (given.length === expected.length && timingSafeEqual(given, expected)) return record;
    }
    return undefined;
  }

  #route(input: { method: string; path: string; key: ApiKeyRecord; idempotencyKey: string | undefined }): Reply {
    const { method, key } = input;
    const parts = input.path.split('/').filter(Boolean);
    const allow = (allowed: string): void => {
      if (method !== allowed) throw new SandboxHttpError(405, 'method_not_allowed', `${input.path} takes ${allowed}.`);
    };
    if (parts[0] !== 'v1') throw new SandboxHttpError(404, 'not_found', `No route ${input.path}.`);
    if (parts.length === 2 && parts[1] === 'subscription') {
      allow('GET');
      return {
        status: 200,
        body: {
          customerId: key.customerId,
          formula: key.formula,
          exportRights: hasExportRights(key),
          exportsThisMonth: this.#countFor(key).thisMonth,
        },
      };
    }
    if (parts.length === 4 && parts[1] === 'companies' && (parts[3] === 'availability' || parts[3] === 'export')) {
      allow(parts[3] === 'availability' ? 'GET' : 'POST');
      const number = decodeURIComponent(parts[2]!);
      if (!isValidEnterpriseNumber(number))
        throw new SandboxHttpError(400, 'invalid_enterprise_number', 'An enterprise number is 10 digits (no dots), starting 0 or 1, with valid check digits.');
      return parts[3] === 'availability' ? this.#availability(number) : this.#export({ number, key, idempotencyKey: input.idempotencyKey });
    }
    throw new SandboxHttpError(404, 'not_found', `No route ${input.path}.`);
  }

  #availability(number: string): Reply {
    const company = this.#companies.get(number);
    if (!company) throw new SandboxHttpError(404, 'company_not_found', `No company ${number}.`);
    return { status: 200, body: { enterpriseNumber: number, name: company.name, available: availabilityOf(company) } };
  }

  #export(input: { number: string; key: ApiKeyRecord; idempotencyKey: string | undefined }): Reply {
    const { number, key, idempotencyKey } = input;
    if (idempotencyKey === undefined || !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey))
      throw new SandboxHttpError(400, 'idempotency_key_required', 'An export needs an Idempotency-Key header (1-255 visible ASCII characters).');
    if (!hasExportRights(key))
      throw new SandboxHttpError(403, 'export_rights_required', `The ${key.formula} formula may not export company data.`, { formula: key.formula });
    const earlier = this.#byIdempotencyKey.get(replayKey({ apiKey: key.apiKey, idempotencyKey }));
    if (earlier) {
      if (earlier.enterpriseNumber !== number)
        throw new SandboxHttpError(409, 'idempotency_key_reused', `Idempotency-Key ${idempotencyKey} was used for another company.`);
      return { status: 200, body: structuredClone(earlier.body), headers: { 'idempotent-replayed': 'true' } };
    }
    const company = this.#companies.get(number);
    if (!company) throw new SandboxHttpError(404, 'company_not_found', `No company ${number}.`);
    if (hasNoData(company)) throw new SandboxHttpError(422, 'no_data', `Nothing to export for ${number}: no data is known beyond the name.`);
    const now = this.#now();
    const exportId = `exp_${String(this.#nextExport++).padStart(8, '0')}`;
    const body: CompanyExportBody = {
      exportId,
      enterpriseNumber: number,
      vatNumber: `BE${number}`,
      name: company.name,
      legalForm: company.legalForm,
      nace: company.nace,
      address: company.address,
      phone: company.phone,
      contactPerson: company.contactPerson,
      foundedOn: company.foundedOn,
      employeesClass: company.employeesClass,
      retrievedAt: now.toISOString(),
    };
    const record: ExportRecord = {
      exportId,
      apiKey: key.apiKey,
      customerId: key.customerId,
      enterpriseNumber: number,
      idempotencyKey,
      billedAt: now.toISOString(),
      body,
    };
    this.#exports.push(record);
    this.#byIdempotencyKey.set(replayKey(record), record);
    return { status: 200, body: structuredClone(body) };
  }

  #controlRoute(input: { method: string; path: string; body: Record<string, unknown> }): Reply {
    const { method, body } = input;
    const parts = input.path.split('/').filter(Boolean).slice(1).map(decodeURIComponent);
    const route = `${method} ${parts.map((part, i) => (parts[0] === 'keys' && i === 1 ? ':apiKey' : part)).join('/')}`;
    const whole = (name: string, fallback?: number): number => {
      const value = body[name];
      if (value === undefined && fallback !== undefined) return fallback;
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new RangeError(`${name} must be a whole number`);
      return value;
    };
    const ok = { status: 200, body: { ok: true } };
    const c = this.control;
    try {
      switch (route) {
        case 'GET keys':
          return { status: 200, body: { keys: c.keys() } };
        case 'POST keys':
          return {
            status: 201,
            body: c.createCustomerKey({
              formula: body.formula as Formula,
              ...(typeof body.customerId === 'string' ? { customerId: body.customerId } : {}),
              ...(typeof body.apiKey === 'string' ? { apiKey: body.apiKey } : {}),
            }),
          };
        case 'POST keys/:apiKey':
          return { status: 200, body: c.setFormula({ apiKey: parts[1]!, formula: body.formula as Formula }) };
        case 'POST keys/:apiKey/revoke':
          return { status: 200, body: c.revokeKey({ apiKey: parts[1]! }) };
        case 'POST outage':
          if (typeof body.on !== 'boolean') throw new RangeError('on must be true or false');
          c.setOutage(body.on);
          return ok;
        case 'POST slow':
          c.setSlowMode(whole('ms'));
          return ok;
        case 'POST rate-limit':
          c.setRateLimit(whole('perMinute'));
          return ok;
        case 'POST failures':
          c.failNextRequests({ count: whole('count', 1), status: whole('status', 500) });
          return ok;
        case 'POST malformed':
          c.malformNextAnswers({ count: whole('count', 1), ...(body.kind === undefined ? {} : { kind: body.kind as MalformedKind }) });
          return ok;
        case 'GET exports':
          return { status: 200, body: { counts: c.exportCounts(), exports: c.exports() } };
        case 'GET requests':
          return { status: 200, body: { requests: c.requests() } };
        case 'GET test-numbers':
          return { status: 200, body: TEST_ENTERPRISE_NUMBERS };
        case 'GET companies':
          return { status: 200, body: { companies: c.companies() } };
        case 'POST reset':
          c.reset();
          return ok;
        default:
          throw new SandboxHttpError(404, 'not_found', `No sandbox control ${method} ${input.path}.`);
      }
    } catch (error) {
      if (error instanceof RangeError) throw new SandboxHttpError(400, 'invalid_control', error.message);
      throw error;
    }
  }
}

function replayKey(input: { apiKey: string; idempotencyKey: string }): string {
  return `${input.apiKey}\u0000${input.idempotencyKey}`;
}

function hasExportRights(key: ApiKeyRecord): boolean {
  return key.formula === 'partner' || EXPORT_RIGHTS_FORMULAS.includes(key.formula);
}

function checkFormula(formula: unknown): asserts formula is Formula {
  if (!FORMULAS.includes(formula as Formula)) throw new RangeError(`formula must be one of ${FORMULAS.join(', ')}`);
}

function count(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`count must be a whole number >= 0, got ${n}`);
  return n;
}

function randomToken(): string {
  return randomBytes(18).toString('base64url');
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function errorReply(error: unknown): Reply {
  if (error instanceof SandboxHttpError)
    return { status: error.status, body: { error: { code: error.code, message: error.message, ...error.extra } }, headers: error.headers };
  return { status: 500, body: { error: { code: 'internal_error', message: `Sandbox error: ${(error as Error).message}` } } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseControlBody(raw: string): Record<string, unknown> {
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new SandboxHttpError(400, 'invalid_control', 'the body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new SandboxHttpError(400, 'invalid_control', 'the body must be a JSON object');
  return parsed as Record<string, unknown>;
}
