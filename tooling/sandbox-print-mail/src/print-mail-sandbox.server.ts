import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signCallback, TIMESTAMP_HEADER } from './callback-signature.js';
import {
  addressProblems,
  createLetterSchema,
  decodeFile,
  fieldProblems,
  MAX_FILE_BYTES,
  MAX_SHEETS,
  quoteSchema,
  SERVICE_COUNTRIES,
  sheetsOf,
  type FieldProblem,
  type Product,
  type SandboxAddress,
} from './letter-input.js';
import {
  CANCELLABLE_STATUSES,
  DEFAULT_TIMINGS,
  nextStep,
  type LetterFate,
  type LifecycleTimings,
  type RejectReason,
  type SandboxLetterStatus,
} from './lifecycle.js';
import { checkLetterPdf } from './pdf-check.js';
import { vendorQuote, type VendorQuote } from './vendor-prices.js';

/** Fixed keys, so a manual set-up can be written down once. */
export const SANDBOX_KEYS = {
  /** The platform's test key (the sandbox knows no live keys). */
  test: 'pm_test_sandbox',
  /** A second tenant: letters of one key are invisible to the other. */
  other: 'pm_test_other',
} as const;
/** The secret status callbacks are signed with, unless the start option `webhookSecret` says otherwise. */
export const SANDBOX_WEBHOOK_SECRET = 'pm_whsec_sandbox';

/** Seconds between callback attempts after a failure (receiver down, non-2xx); then it gives up. */
/** How long an Idempotency-Key is remembered (sandbox time). */
export const IDEMPOTENCY_KEY_TTL_SECONDS = 24 * 3600;
export const CALLBACK_BACKOFF_SECONDS = [30, 120, 600, 3600, 3 * 3600, 12 * 3600] as const;
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const MAX_LOGGED_REQUESTS = 10_000;

export type FailureKind = 'address_rejected' | 'pdf_unreadable' | 'slow_acceptance' | 'returned' | 'drop_callbacks' | 'duplicate_callbacks';
export const FAILURE_KINDS: readonly FailureKind[] = [
  'address_rejected',
  'pdf_unreadable',
  'slow_acceptance',
  'returned',
  'drop_callbacks',
  'duplicate_callbacks',
];

/** A failure switch: for the next `remaining` letters (null: until cleared), or for letters to one postcode. */
export interface FailureRule {
  kind: FailureKind;
  remaining: number | null;
  postalCode?: string;
  /** slow_acceptance: seconds from submission to acceptance. */
  seconds?: number;
}

export interface LetterEventRecord {
  id: string;
  type: `letter.${SandboxLetterStatus}`;
  letter_id: string;
  reference: string | null;
  status: SandboxLetterStatus;
  reason?: string;
  occurred_at: string;
}

export interface LetterRecord {
  id: string;
  apiKey: string;
  idempotencyKey: string;
  status: SandboxLetterStatus;
  reason: string | null;
  to: SandboxAddress;
  from: SandboxAddress;
  color: boolean;
  duplex: boolean;
  product: Product;
  pages: number;
  sheets: number;
  reference: string | null;
  callbackUrl: string | null;
  metadata: Record<string, string>;
  pdfSha256: string;
  price: { currency: 'EUR'; amount: string };
  createdAt: string;
  events: LetterEventRecord[];
  fate: LetterFate;
}

export interface CallbackDelivery {
  id: string;
  eventId: string;
  letterId: string;
  url: string;
  /** The event's JSON, byte for byte the same on every attempt. */
  body: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
}

export interface SandboxRequest {
  method: string;
  path: string;
  status: number;
  apiKey: string | null;
  idempotencyKey: string | null;
}

export interface PrintMailSandboxState {
  version: 1;
  /** Seconds the sandbox clock was advanced past the injected clock. */
  offsetSeconds: number;
  letters: LetterRecord[];
  idempotency: Array<{ apiKey: string; idempotencyKey: string; bodyHash: string; letterId: string; answer: unknown; createdAt: string }>;
  deliveries: CallbackDelivery[];
  failures: FailureRule[];
  counters: { letter: number; event: number; delivery: number };
}

export interface ProcessResult {
  /** Status changes applied (all letters). */
  transitions: number;
  /** Callback attempts made. */
  attempts: number;
  delivered: number;
  failed: number;
}

export interface PrintMailSandboxControl {
  /** The sandbox clock: the injected clock (plus what `advance` added when it cannot be moved). */
  now(): Date;
  /** Moves the sandbox clock on (a ManualClock itself), applies due status changes and makes due callback attempts. */
  advance(input: { seconds: number }): Promise<ProcessResult>;
  /** Applies due status changes and makes due callback attempts at the current sandbox time. */
  process(): Promise<ProcessResult>;
  /** While on, every API request answers 503 `service_unavailable` with Retry-After. */
  setOutage(input: { on: boolean; retryAfterSeconds?: number }): void;
  /** The next `count` API requests answer `status` (default 503, with Retry-After) before any work. */
  failNextRequests(input: { count: number; status?: number; retryAfterSeconds?: number }): void;
  /** A failure switch for the next `count` letters (default 1) or for letters to `postalCode` (until cleared). */
  addFailure(input: { kind: FailureKind; count?: number; postalCode?: string; seconds?: number }): FailureRule;
  clearFailures(): void;
  failures(): FailureRule[];
  letters(): LetterRecord[];
  letter(id: string): LetterRecord | undefined;
  deliveries(): CallbackDelivery[];
  /** The PDF a letter was submitted with, byte for byte (e.g. to check what was printed). */
  pdf(id: string): Uint8Array | undefined;
  requests(): SandboxRequest[];
  /** Forgets letters, idempotency keys, callbacks, switches and the clock offset. */
  reset(): void;
  exportState(): PrintMailSandboxState;
  importState(state: PrintMailSandboxState): void;
}

export interface PrintMailSandboxInput {
  /** 0 (default) = any free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /**
   * The sandbox's clock. Default: the system clock. A clock with `advance` (a ManualClock) is moved by
   * `control.advance`; any other gets an offset added (exported with the state).
   */
  clock?: { now(): Date; advance?: (by: { seconds: number }) => unknown };
  /** Signs status callbacks. Default SANDBOX_WEBHOOK_SECRET. */
  webhookSecret?: string;
  /** Sends callbacks. Default global fetch. */
  fetch?: typeof fetch;
  /** Per callback attempt. Default 5000 ms. */
  callbackTimeoutMs?: number;
  timings?: Partial<LifecycleTimings>;
  state?: PrintMailSandboxState;
  /** Called after each request or control call that may have changed the state, e.g. to save exportState(). */
  onStateChange?: () => void;
}

export interface PrintMailSandbox {
  /** e.g. 'http://127.0.0.1:41234'; the API is under /v1. */
  url: string;
  webhookSecret: string;
  control: PrintMailSandboxControl;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
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

/** A print-and-mail service for BE and NL on a local port (see README.md). */
export async function startPrintMailSandbox(input: PrintMailSandboxInput = {}): Promise<PrintMailSandbox> {
  const sandbox = new PrintMailSandboxServer(input);
  const url = await sandbox.listen({ port: input.port ?? 0, host: input.host ?? '127.0.0.1' });
  return { url, webhookSecret: sandbox.webhookSecret, control: sandbox.control, close: () => sandbox.close() };
}

const emptyCounters = () => ({ letter: 0, event: 0, delivery: 0 });

class PrintMailSandboxServer {
  readonly webhookSecret: string;
  readonly #clock: { now(): Date; advance?: (by: { seconds: number }) => unknown };
  readonly #fetch: typeof fetch;
  readonly #callbackTimeoutMs: number;
  readonly #timings: LifecycleTimings;
  readonly #onStateChange: () => void;
  readonly #server = createServer((req, res) => void this.#handle(req, res));
  #offsetSeconds = 0;
  #letters = new Map<string, LetterRecord>();
  #idempotency = new Map<string, { bodyHash: string; letterId: string; answer: unknown; createdAt: string }>();
  /** The PDFs as received (not in exportState: a restarted sandbox forgets them). */
  #pdfs = new Map<string, Uint8Array>();
  /** Creations under way per (key, Idempotency-Key): a concurrent retry waits for the first. */
  #inFlight = new Map<string, Promise<unknown>>();
  #deliveries: CallbackDelivery[] = [];
  #failures: FailureRule[] = [];
  #counters = emptyCounters();
  #requests: SandboxRequest[] = [];
  #outage: { on: boolean; retryAfterSeconds: number } = { on: false, retryAfterSeconds: 30 };
  #failNext = { count: 0, status: 503, retryAfterSeconds: 30 };
  /** process() calls run one after the other. */
  #processing: Promise<unknown> = Promise.resolve();

  constructor(input: PrintMailSandboxInput) {
    this.#clock = input.clock ?? { now: () => new Date() };
    this.webhookSecret = input.webhookSecret ?? SANDBOX_WEBHOOK_SECRET;
    this.#fetch = input.fetch ?? ((url, init) => fetch(url, init));
    this.#callbackTimeoutMs = input.callbackTimeoutMs ?? 5000;
    this.#timings = {
      ...DEFAULT_TIMINGS,
      ...input.timings,
      deliverSeconds: { ...DEFAULT_TIMINGS.deliverSeconds, ...input.timings?.deliverSeconds },
    };
    this.#onStateChange = input.onStateChange ?? (() => {});
    if (input.state) this.control.importState(input.state);
  }

  #now(): Date {
    return new Date(this.#clock.now().getTime() + this.#offsetSeconds * 1000);
  }

  readonly control: PrintMailSandboxControl = {
    now: () => this.#now(),
    advance: async ({ seconds }) => {
      if (!Number.isInteger(seconds) || seconds < 0 || seconds > 366 * 86400)
        throw new RangeError(`seconds must be a whole number 0..31622400, got ${seconds}`);
      // A ManualClock given as `clock` is moved itself: the receiver of the callbacks (a test host on the
      // same clock) then checks their timestamps against the same time.
      if (typeof this.#clock.advance === 'function') this.#clock.advance({ seconds });
      else this.#offsetSeconds += seconds;
      return this.control.process();
    },
    process: () => {
      const run = this.#processing.then(() => this.#process());
      this.#processing = run.catch(() => undefined);
      return run;
    },
    setOutage: ({ on, retryAfterSeconds = 30 }) => {
      this.#outage = { on: on === true, retryAfterSeconds: whole(retryAfterSeconds, 'retryAfterSeconds') };
    },
    failNextRequests: ({ count, status = 503, retryAfterSeconds = 30 }) => {
      if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError(`status must be 400..599, got ${status}`);
      this.#failNext = { count: whole(count, 'count'), status, retryAfterSeconds: whole(retryAfterSeconds, 'retryAfterSeconds') };
    },
    addFailure: ({ kind, count, postalCode, seconds }) => {
      if (!FAILURE_KINDS.includes(kind)) throw new RangeError(`kind must be one of ${FAILURE_KINDS.join(', ')}`);
      if (postalCode !== undefined && (typeof postalCode !== 'string' || postalCode.trim() === '')) throw new RangeError('postalCode must be a postcode');
      if (kind === 'slow_acceptance' && seconds === undefined) throw new RangeError('slow_acceptance needs seconds');
      const rule: FailureRule = {
        kind,
        // A postcode switch holds until cleared unless a count is given; a count switch is for the next N letters.
        remaining: count !== undefined ? whole(count, 'count') : postalCode !== undefined ? null : 1,
        ...(postalCode !== undefined ? { postalCode: postalCode.trim() } : {}),
        ...(seconds !== undefined ? { seconds: whole(seconds, 'seconds') } : {}),
      };
      this.#failures.push(rule);
      this.#onStateChange();
      return { ...rule };
    },
    clearFailures: () => {
      this.#failures = [];
      this.#onStateChange();
    },
    failures: () => this.#failures.map((rule) => ({ ...rule })),
    letters: () => [...this.#letters.values()].map((letter) => structuredClone(letter)),
    letter: (id) => {
      const letter = this.#letters.get(id);
      return letter ? structuredClone(letter) : undefined;
    },
    deliveries: () => structuredClone(this.#deliveries),
    pdf: (id) => {
      const bytes = this.#pdfs.get(id);
      return bytes ? new Uint8Array(bytes) : undefined;
    },
    requests: () => this.#requests.map((request) => ({ ...request })),
    reset: () => {
      this.#offsetSeconds = 0;
      this.#letters.clear();
      this.#idempotency.clear();
      this.#pdfs.clear();
      this.#deliveries = [];
      this.#failures = [];
      this.#counters = emptyCounters();
      this.#requests = [];
      this.#outage = { on: false, retryAfterSeconds: 30 };
      this.#failNext = { count: 0, status: 503, retryAfterSeconds: 30 };
      this.#onStateChange();
    },
    exportState: () => ({
      version: 1,
      offsetSeconds: this.#offsetSeconds,
      letters: this.control.letters(),
      idempotency: [...this.#idempotency.entries()].map(([key, entry]) => {
        const [apiKey, idempotencyKey] = key.split('\u0000') as [string, string];
        return { apiKey, idempotencyKey, ...structuredClone(entry) };
      }),
      deliveries: this.control.deliveries(),
      failures: this.control.failures(),
      counters: { ...this.#counters },
    }),
    importState: (state) => {
      if (state?.version !== 1) throw new RangeError(`print-mail sandbox state: unknown version ${String((state as { version?: unknown })?.version)}`);
      if (!Array.isArray(state.letters) || !Array.isArray(state.idempotency) || !Array.isArray(state.deliveries) || !Array.isArray(state.failures))
        throw new RangeError('print-mail sandbox state: letters, idempotency, deliveries and failures are required');
      this.#offsetSeconds = state.offsetSeconds ?? 0;
      this.#letters = new Map(state.letters.map((letter) => [letter.id, structuredClone(letter)]));
      this.#idempotency = new Map(
        state.idempotency.map((e) => [
          replayKey(e.apiKey, e.idempotencyKey),
          { bodyHash: e.bodyHash, letterId: e.letterId, answer: structuredClone(e.answer), createdAt: e.createdAt },
        ]),
      );
      this.#deliveries = structuredClone(state.deliveries);
      this.#failures = structuredClone(state.failures);
      this.#counters = { ...emptyCounters(), ...state.counters };
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
    await this.#processing;
    await new Promise<void>((resolve, reject) => {
      this.#server.close((error) => (error ? reject(error) : resolve()));
      this.#server.closeAllConnections();
    });
  }

  // ---- the lifecycle ---------------------------------------------------------------------------

  /** Applies every status change due by now (at the moment it was due, not now); queues their callbacks. */
  #applyDue(): number {
    const now = this.#now();
    let transitions = 0;
    for (const letter of this.#letters.values()) {
      for (;;) {
        const last = letter.events[letter.events.length - 1]!;
        const step = nextStep({ status: letter.status, product: letter.product, fate: letter.fate, since: new Date(last.occurred_at), timings: this.#timings });
        if (!step || step.at.getTime() > now.getTime()) break;
        this.#record({ letter, status: step.status, reason: step.reason, at: step.at });
        transitions += 1;
      }
    }
    if (transitions > 0) this.#onStateChange();
    return transitions;
  }

  #record(input: { letter: LetterRecord; status: SandboxLetterStatus; reason?: string | undefined; at: Date }): LetterEventRecord {
    const { letter } = input;
    const event: LetterEventRecord = {
      id: `evt_${String(++this.#counters.event).padStart(8, '0')}`,
      type: `letter.${input.status}`,
      letter_id: letter.id,
      reference: letter.reference,
      status: input.status,
      ...(input.reason ? { reason: input.reason } : {}),
      occurred_at: input.at.toISOString(),
    };
    letter.events.push(event);
    letter.status = input.status;
    letter.reason = input.reason ?? null;
    // No callback for the submission itself: the client has the answer of POST /v1/letters.
    if (input.status !== 'submitted' && letter.callbackUrl && !letter.fate.dropCallbacks) {
      const copies = letter.fate.duplicateCallbacks ? 2 : 1;
      for (let i = 0; i < copies; i++)
        this.#deliveries.push({
          id: `dlv_${String(++this.#counters.delivery).padStart(8, '0')}`,
          eventId: event.id,
          letterId: letter.id,
          url: letter.callbackUrl,
          body: JSON.stringify(event),
          status: 'pending',
          attempts: 0,
          nextAttemptAt: input.at.toISOString(),
          lastStatus: null,
          lastError: null,
        });
    }
    return event;
  }

  async #process(): Promise<ProcessResult> {
    const transitions = this.#applyDue();
    const result: ProcessResult = { transitions, attempts: 0, delivered: 0, failed: 0 };
    const now = this.#now();
    // In order: a receiver sees a letter's events in the order they happened (retries aside).
    for (const delivery of this.#deliveries) {
      if (delivery.status !== 'pending' || delivery.nextAttemptAt === null || new Date(delivery.nextAttemptAt).getTime() > now.getTime()) continue;
      result.attempts += 1;
      const outcome = await this.#attempt(delivery, now);
      if (outcome === 'delivered') result.delivered += 1;
      else if (outcome === 'failed') result.failed += 1;
    }
    if (result.attempts > 0) this.#onStateChange();
    return result;
  }

  /** One POST of a callback; a failure schedules the next attempt by CALLBACK_BACKOFF_SECONDS, or gives up. */
  async #attempt(delivery: CallbackDelivery, now: Date): Promise<'delivered' | 'retry' | 'failed'> {
    const timestamp = Math.floor(now.getTime() / 1000);
    delivery.attempts += 1;
    try {
      const response = await this.#fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'tollgate-sandbox-print-mail/1',
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signCallback({ secret: this.webhookSecret, timestamp, rawBody: delivery.body }),
          [EVENT_ID_HEADER]: delivery.eventId,
        },
        body: delivery.body,
        signal: AbortSignal.timeout(this.#callbackTimeoutMs),
      });
      delivery.lastStatus = response.status;
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) {
        delivery.status = 'delivered';
        delivery.nextAttemptAt = null;
        delivery.lastError = null;
        return 'delivered';
      }
      delivery.lastError = `HTTP ${response.status}`;
    } catch (error) {
      delivery.lastStatus = null;
      delivery.lastError = (error as Error).message;
    }
    const wait = CALLBACK_BACKOFF_SECONDS[delivery.attempts - 1];
    if (wait === undefined) {
      delivery.status = 'failed';
      delivery.nextAttemptAt = null;
      return 'failed';
    }
    delivery.nextAttemptAt = new Date(now.getTime() + wait * 1000).toISOString();
    return 'retry';
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: Reply;
    try {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
      const method = (req.method ?? 'GET').toUpperCase();
      if (url.pathname === '/_sandbox' || url.pathname.startsWith('/_sandbox/')) reply = await this.#controlRoute({ method, path: url.pathname, raw });
      else reply = await this.#api({ method, path: url.pathname, headers: req.headers, raw });
    } catch (error) {
      reply = errorReply(error);
    }
    const body = JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...reply.headers });
    res.end(body);
    this.#onStateChange();
  }

  async #api(input: { method: string; path: string; headers: IncomingMessage['headers']; raw: Buffer | null }): Promise<Reply> {
    const contentType = headerValue(input.headers['content-type']) ?? '';
    const apiKey = /^Bearer\s+(\S+)$/i.exec(headerValue(input.headers.authorization) ?? '')?.[1] ?? null;
    const idempotencyKey = headerValue(input.headers['idempotency-key']) ?? null;
    const log = (reply: Reply): Reply => {
      if (this.#requests.length >= MAX_LOGGED_REQUESTS) this.#requests.splice(0, this.#requests.length - MAX_LOGGED_REQUESTS + 1);
      this.#requests.push({ method: input.method, path: input.path, status: reply.status, apiKey, idempotencyKey });
      return reply;
    };
    if (this.#failNext.count > 0) {
      this.#failNext.count -= 1;
      const { status, retryAfterSeconds } = this.#failNext;
      return log(
        errorReply(
          new SandboxHttpError(
            status,
            status >= 500 ? 'service_unavailable' : 'sandbox_failure',
            `Sandbox: injected failure (HTTP ${status}).`,
            {},
            status === 503 || status === 429 ? { 'retry-after': String(retryAfterSeconds) } : {},
          ),
        ),
      );
    }
    if (this.#outage.on)
      return log(
        errorReply(
          new SandboxHttpError(
            503,
            'service_unavailable',
            'The print service is temporarily unavailable.',
            {},
            { 'retry-after': String(this.#outage.retryAfterSeconds) },
          ),
        ),
      );
    const key = apiKey === null ? undefined : findKey(apiKey);
    if (!key) return log(errorReply(new SandboxHttpError(401, 'unauthorized', 'A valid API key is required (Authorization: Bearer <key>).')));
    if (input.method === 'POST' && input.raw !== null && !/^application\/json\b/i.test(contentType))
      return log(errorReply(new SandboxHttpError(415, 'unsupported_media_type', 'The body must be sent as application/json.')));
    // Reads see the state of the sandbox clock even when nobody called process().
    this.#applyDue();
    try {
      return log(await this.#route({ ...input, key, idempotencyKey }));
    } catch (error) {
      return log(errorReply(error));
    }
  }

  async #route(input: { method: string; path: string; key: string; idempotencyKey: string | null; raw: Buffer | null }): Promise<Reply> {
    const { method, key } = input;
    const parts = input.path.split('/').filter(Boolean);
    const allow = (allowed: string): void => {
      if (method !== allowed) throw new SandboxHttpError(405, 'method_not_allowed', `${input.path} takes ${allowed}.`);
    };
    if (parts[0] !== 'v1') throw new SandboxHttpError(404, 'not_found', `No route ${input.path}.`);
    if (parts.length === 2 && parts[1] === 'letters') {
      allow('POST');
      return this.#createLetter({ key, idempotencyKey: input.idempotencyKey, raw: input.raw });
    }
    if (parts.length === 3 && parts[1] === 'letters') {
      allow('GET');
      return { status: 200, body: letterView(this.#ownLetter(key, decodeURIComponent(parts[2]!))) };
    }
    if (parts.length === 4 && parts[1] === 'letters' && parts[3] === 'cancel') {
      allow('POST');
      return this.#cancel(this.#ownLetter(key, decodeURIComponent(parts[2]!)));
    }
    if (parts.length === 2 && parts[1] === 'quotes') {
      allow('POST');
      return this.#quote(parseJson(input.raw));
    }
    throw new SandboxHttpError(404, 'not_found', `No route ${input.path}.`);
  }

  #ownLetter(key: string, id: string): LetterRecord {
    const letter = this.#letters.get(id);
    // Another tenant's letter does not exist for this key.
    if (!letter || letter.apiKey !== key) throw new SandboxHttpError(404, 'letter_not_found', `No letter ${id}.`);
    return letter;
  }

  async #createLetter(input: { key: string; idempotencyKey: string | null; raw: Buffer | null }): Promise<Reply> {
    const { key, idempotencyKey } = input;
    if (idempotencyKey === null || !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey))
      throw new SandboxHttpError(400, 'idempotency_key_required', 'A letter needs an Idempotency-Key header (1-255 visible ASCII characters).');
    const body = parseJson(input.raw);
    const bodyHash = createHash('sha256').update(canonicalJson(body)).digest('hex');
    const slot = replayKey(key, idempotencyKey);
    // A concurrent retry with the same key waits for the first request, then replays its answer.
    for (let pending = this.#inFlight.get(slot); pending; pending = this.#inFlight.get(slot)) await pending.catch(() => undefined);
    let earlier = this.#idempotency.get(slot);
    // As at Lob, a key is remembered for 24 hours: a retry after that posts another letter.
    if (earlier && this.#now().getTime() - new Date(earlier.createdAt).getTime() >= IDEMPOTENCY_KEY_TTL_SECONDS * 1000) {
      this.#idempotency.delete(slot);
      earlier = undefined;
    }
    if (earlier) {
      if (earlier.bodyHash !== bodyHash)
        throw new SandboxHttpError(422, 'idempotency_key_reused', `Idempotency-Key ${idempotencyKey} was used for another letter.`, {
          fields: [{ field: 'Idempotency-Key', message: 'was used with a different body' }],
        });
      return { status: 201, body: structuredClone(earlier.answer), headers: { 'idempotent-replayed': 'true' } };
    }
    const work = this.#newLetter({ key, idempotencyKey, body, bodyHash });
    this.#inFlight.set(slot, work);
    try {
      return await work;
    } finally {
      this.#inFlight.delete(slot);
    }
  }

  async #newLetter(input: { key: string; idempotencyKey: string; body: unknown; bodyHash: string }): Promise<Reply> {
    const parsed = createLetterSchema.safeParse(input.body);
    if (!parsed.success) throw validation('validation_failed', 'The letter is not valid.', fieldProblems(parsed.error));
    const letter = parsed.data;
    if (!(SERVICE_COUNTRIES as readonly string[]).includes(letter.to.address_country))
      throw validation('country_not_served', `This service posts to ${SERVICE_COUNTRIES.join(' and ')} only, not to ${letter.to.address_country}.`, [
        { field: 'to.address_country', message: `must be one of ${SERVICE_COUNTRIES.join(', ')}` },
      ]);
    const problems = [...addressProblems({ address: letter.to, role: 'to' }), ...addressProblems({ address: letter.from, role: 'from' })];
    if (problems.length > 0)
      throw validation('address_invalid', `The address cannot be posted: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}.`, problems);
    const bytes = decodeFile(letter.file);
    if (!bytes) throw validation('pdf_invalid', 'file is not valid base64.', [{ field: 'file', message: 'must be base64 with padding' }]);
    if (bytes.length > MAX_FILE_BYTES)
      throw validation('pdf_too_large', `file is larger than ${MAX_FILE_BYTES} bytes.`, [{ field: 'file', message: 'is too large' }]);
    const pdf = await checkLetterPdf(bytes);
    if (!pdf.ok) throw validation(pdf.code, `The PDF cannot be printed: ${pdf.message}.`, [{ field: 'file', message: pdf.message }]);
    const sheets = sheetsOf({ pages: pdf.pages, duplex: letter.duplex });
    if (sheets > MAX_SHEETS)
      throw validation('pdf_too_many_sheets', `The letter has ${sheets} sheets; at most ${MAX_SHEETS} fit the envelope.`, [
        { field: 'file', message: `${pdf.pages} pages make ${sheets} sheets (${letter.duplex ? 'duplex' : 'simplex'}); at most ${MAX_SHEETS}` },
      ]);
    const now = this.#now();
    const record: LetterRecord = {
      id: `ltr_${String(++this.#counters.letter).padStart(8, '0')}`,
      apiKey: input.key,
      idempotencyKey: input.idempotencyKey,
      status: 'submitted',
      reason: null,
      to: letter.to,
      from: letter.from,
      color: letter.color,
      duplex: letter.duplex,
      product: letter.product,
      pages: pdf.pages,
      sheets,
      reference: letter.reference ?? null,
      callbackUrl: letter.callback_url ?? null,
      metadata: letter.metadata ?? {},
      pdfSha256: createHash('sha256').update(bytes).digest('hex'),
      price: {
        currency: 'EUR',
        amount: this.#price({ country: letter.to.address_country as 'BE' | 'NL', sheets, color: letter.color, product: letter.product }).amount,
      },
      createdAt: now.toISOString(),
      events: [],
      fate: this.#fateFor(letter.to.address_zip),
    };
    this.#letters.set(record.id, record);
    this.#record({ letter: record, status: 'submitted', at: now });
    const answer = letterView(record);
    this.#idempotency.set(replayKey(input.key, input.idempotencyKey), {
      bodyHash: input.bodyHash,
      letterId: record.id,
      answer: structuredClone(answer),
      createdAt: now.toISOString(),
    });
    this.#pdfs.set(record.id, new Uint8Array(bytes));
    return { status: 201, body: answer };
  }

  /** Takes the failure switches that apply to a new letter (count switches are used up). */
  #fateFor(postalCode: string): LetterFate {
    const fate: LetterFate = {};
    for (const rule of this.#failures) {
      if (rule.postalCode !== undefined && rule.postalCode !== postalCode) continue;
      if (rule.remaining !== null) {
        if (rule.remaining <= 0) continue;
        rule.remaining -= 1;
      }
      switch (rule.kind) {
        case 'address_rejected':
        case 'pdf_unreadable':
          fate.reject ??= rule.kind as RejectReason;
          break;
        case 'slow_acceptance':
          fate.acceptAfterSeconds = rule.seconds ?? this.#timings.acceptSeconds;
          break;
        case 'returned':
          fate.returned = true;
          break;
        case 'drop_callbacks':
          fate.dropCallbacks = true;
          break;
        case 'duplicate_callbacks':
          fate.duplicateCallbacks = true;
          break;
      }
    }
    this.#failures = this.#failures.filter((rule) => rule.remaining === null || rule.remaining > 0);
    return fate;
  }

  #price(input: { country: 'BE' | 'NL'; sheets: number; color: boolean; product: Product }): VendorQuote {
    return vendorQuote(input);
  }

  #cancel(letter: LetterRecord): Reply {
    if (letter.status === 'cancelled') return { status: 200, body: letterView(letter) };
    if (!CANCELLABLE_STATUSES.includes(letter.status))
      throw new SandboxHttpError(409, 'letter_not_cancellable', `Letter ${letter.id} is ${letter.status}: only a letter not yet printed can be cancelled.`, {
        status: letter.status,
      });
    this.#record({ letter, status: 'cancelled', at: this.#now() });
    return { status: 200, body: letterView(letter) };
  }

  #quote(body: unknown): Reply {
    const parsed = quoteSchema.safeParse(body);
    if (!parsed.success) throw validation('validation_failed', 'The quote request is not valid.', fieldProblems(parsed.error));
    const q = parsed.data;
    if (!(SERVICE_COUNTRIES as readonly string[]).includes(q.country))
      throw validation('country_not_served', `This service posts to ${SERVICE_COUNTRIES.join(' and ')} only, not to ${q.country}.`, [
        { field: 'country', message: `must be one of ${SERVICE_COUNTRIES.join(', ')}` },
      ]);
    const sheets = sheetsOf(q);
    if (sheets > MAX_SHEETS)
      throw validation('pdf_too_many_sheets', `${sheets} sheets; at most ${MAX_SHEETS} fit the envelope.`, [
        { field: 'pages', message: `at most ${MAX_SHEETS} sheets` },
      ]);
    return {
      status: 200,
      body: {
        country: q.country,
        product: q.product,
        color: q.color,
        duplex: q.duplex,
        pages: q.pages,
        ...this.#price({ ...q, country: q.country as 'BE' | 'NL', sheets }),
      },
    };
  }

  // ---- control ---------------------------------------------------------------------------------

  async #controlRoute(input: { method: string; path: string; raw: Buffer | null }): Promise<Reply> {
    const parts = input.path.split('/').filter(Boolean).slice(1).map(decodeURIComponent);
    const route = `${input.method} ${parts.map((part, i) => (parts[0] === 'letters' && i === 1 ? ':id' : part)).join('/')}`;
    const c = this.control;
    const ok = { status: 200, body: { ok: true } };
    try {
      const body = (): Record<string, unknown> => {
        const parsed = input.raw === null || input.raw.length === 0 ? {} : parseJson(input.raw);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new RangeError('the body must be a JSON object');
        return parsed as Record<string, unknown>;
      };
      const opt = <T>(b: Record<string, unknown>, name: string): T | undefined => (b[name] === undefined ? undefined : (b[name] as T));
      switch (route) {
        case 'GET now':
          return { status: 200, body: { now: c.now().toISOString() } };
        case 'POST advance':
          return { status: 200, body: { ...(await c.advance({ seconds: body().seconds as number })), now: c.now().toISOString() } };
        case 'POST process':
          return { status: 200, body: { ...(await c.process()), now: c.now().toISOString() } };
        case 'POST outage': {
          const b = body();
          if (typeof b.on !== 'boolean') throw new RangeError('on must be true or false');
          c.setOutage({ on: b.on, ...(b.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: b.retryAfterSeconds as number }) });
          return ok;
        }
        case 'POST fail-requests': {
          const b = body();
          const status = opt<number>(b, 'status');
          const retryAfterSeconds = opt<number>(b, 'retryAfterSeconds');
          c.failNextRequests({
            count: (b.count as number) ?? 1,
            ...(status === undefined ? {} : { status }),
            ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
          });
          return ok;
        }
        case 'GET failures':
          return { status: 200, body: { failures: c.failures() } };
        case 'POST failures': {
          const b = body();
          const count = opt<number>(b, 'count');
          const postalCode = opt<string>(b, 'postalCode');
          const seconds = opt<number>(b, 'seconds');
          return {
            status: 201,
            body: c.addFailure({
              kind: b.kind as FailureKind,
              ...(count === undefined ? {} : { count }),
              ...(postalCode === undefined ? {} : { postalCode }),
              ...(seconds === undefined ? {} : { seconds }),
            }),
          };
        }
        case 'DELETE failures':
          c.clearFailures();
          return ok;
        case 'GET letters':
          return { status: 200, body: { letters: c.letters() } };
        case 'GET letters/:id': {
          const letter = c.letter(parts[1]!);
          if (!letter) throw new SandboxHttpError(404, 'letter_not_found', `No letter ${parts[1]}.`);
          return { status: 200, body: letter };
        }
        case 'GET callbacks':
          return { status: 200, body: { deliveries: c.deliveries() } };
        case 'GET requests':
          return { status: 200, body: { requests: c.requests() } };
        case 'GET state':
          return { status: 200, body: c.exportState() };
        case 'POST reset':
          c.reset();
          return ok;
        default:
          throw new SandboxHttpError(404, 'not_found', `No sandbox control ${input.method} ${input.path}.`);
      }
    } catch (error) {
      if (error instanceof RangeError || error instanceof TypeError) throw new SandboxHttpError(400, 'invalid_control', error.message);
      throw error;
    }
  }
}

/** What the API answers for a letter (POST, GET, cancel). */
function letterView(letter: LetterRecord) {
  return {
    id: letter.id,
    status: letter.status,
    reason: letter.reason,
    reference: letter.reference,
    product: letter.product,
    color: letter.color,
    duplex: letter.duplex,
    pages: letter.pages,
    sheets: letter.sheets,
    to: letter.to,
    from: letter.from,
    metadata: letter.metadata,
    callback_url: letter.callbackUrl,
    price: letter.price,
    created_at: letter.createdAt,
    events: letter.events.map((event) => ({ ...event })),
  };
}

function findKey(apiKey: string): string | undefined {
  const given = Buffer.from(apiKey);
  for (const known of Object.values(SANDBOX_KEYS)) {
    const expected = Buffer.from(known);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return known;
  }
  return undefined;
}

function validation(code: string, message: string, fields: FieldProblem[]): SandboxHttpError {
  return new SandboxHttpError(422, code, message, { fields });
}

function whole(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a whole number >= 0, got ${n}`);
  return n;
}

function replayKey(apiKey: string, idempotencyKey: string): string {
  return `${apiKey}\u0000${idempotencyKey}`;
}

/** JSON with object keys sorted: the same letter is the same body whatever the key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(raw: Buffer | null): unknown {
  if (raw === null || raw.length === 0) throw new SandboxHttpError(400, 'invalid_json', 'The body must be JSON.');
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new SandboxHttpError(400, 'invalid_json', 'The body is not valid JSON.');
  }
}

function errorReply(error: unknown): Reply {
  if (error instanceof SandboxHttpError)
    return { status: error.status, body: { error: { code: error.code, message: error.message, ...error.extra } }, headers: error.headers };
  return { status: 500, body: { error: { code: 'internal_error', message: `Sandbox error: ${(error as Error).message}` } } };
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) reject(new SandboxHttpError(413, 'payload_too_large', `The body is larger than ${MAX_BODY_BYTES} bytes.`));
      else resolve(chunks.length === 0 ? null : Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}
