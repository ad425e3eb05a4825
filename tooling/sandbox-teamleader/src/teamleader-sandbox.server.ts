import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SlidingWindowRateLimiter } from './rate-limiter.js';
import { seedAccountingExamples, type ACCOUNTING_EXAMPLE_IDS } from './teamleader-accounting-seeds.js';
import { DEFAULT_CLIENT, OAuthError, OAuthServer, type OAuthClient, type OAuthState, type TokenResponse } from './teamleader-oauth.js';
import {
  SANDBOX_IDS,
  TeamleaderStore,
  type PdfMode,
  type SeedCreditNoteInput,
  type SeedCustomFieldInput,
  type SeedDepartmentInput,
  type SeedInvoiceInput,
  type SeedPartyInput,
  type SeedSubscriptionInput,
  type SelectValueForm,
  type TeamleaderEventType,
  type TeamleaderStoreState,
} from './teamleader-store.js';
import { dateTime, isObject, TeamleaderApiError, type Json, type Ref } from './teamleader-values.js';

/** The API version the sandbox claims (the latest dated version in the blueprint). */
export const SANDBOX_API_VERSION = '2023-09-26';

export interface TeamleaderSandboxInput {
  /** 0 (default) = any free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Token expiry, rate-limit window, timestamps. Default: the system clock. */
  now?: () => Date;
  /** Requests per sliding minute per (integration, account). Default 200. */
  rateLimitPerMinute?: number;
  /** `expires_in` of access tokens. Default 3600. */
  accessTokenSeconds?: number;
  /** Largest page a list answers, whatever `page.size` asks (Teamleader's real cap is undocumented). Default 100. */
  maxPageSize?: number;
  /** Integrations allowed to connect. Default: one, see DEFAULT_CLIENT (README). */
  clients?: OAuthClient[];
  /** POST each webhook as soon as it is queued (manual use); otherwise they wait for control.deliverWebhooks(). */
  autoDeliverWebhooks?: boolean;
  /** Called after anything that may have changed the state (a request, a delivery), e.g. to save exportState(). */
  onStateChange?: () => void;
}

/** The account's records, the tokens in force and the webhook registrations, as plain JSON (control.exportState). */
export interface TeamleaderSandboxState {
  version: 1;
  store: TeamleaderStoreState;
  oauth: OAuthState;
  /** [url, event types] */
  webhooks: Array<[string, string[]]>;
  events: SandboxEvent[];
  pendingWebhooks: PendingWebhook[];
}

/** The payload Teamleader POSTs to a registered webhook URL. */
export interface WebhookPayload {
  type: TeamleaderEventType;
  subject: Ref;
  account: { type: 'account'; id: string };
  user: { type: 'user'; id: string };
}

/** One state change, whether or not anyone subscribed to it. */
export interface SandboxEvent extends WebhookPayload {
  at: string;
}

export interface PendingWebhook {
  url: string;
  payload: WebhookPayload;
}

export interface DeliveryReport {
  /** POSTs made, repeats included. */
  delivered: number;
  /** Their statuses in order; 0 when the receiver could not be reached. */
  statuses: number[];
  /** Deliveries thrown away by dropNextWebhooks. */
  dropped: number;
  /** Deliveries left in the queue: delayed, or not answered with a 2xx. */
  pending: number;
}

/** One request as the sandbox answered it (control calls excluded). */
export interface SandboxRequest {
  method: string;
  /** e.g. `/invoices.info`, `/oauth2/access_token`, `/files/…` */
  path: string;
  /** 0 for a request left hanging by timeoutNext. */
  status: number;
  /** The parsed JSON body of API calls (e.g. `{ id }` to count calls per invoice); null otherwise. */
  body: Json | null;
  clientId: string | null;
  at: string;
}

export interface TeamleaderSandboxControl {
  /** Fixed ids: the account and user behind every token, and the default department. */
  readonly ids: typeof SANDBOX_IDS;
  seedCompany(input: SeedPartyInput): Json;
  seedContact(input: SeedPartyInput): Json;
  /** `{ customer, booked: true, paid?, lines?, customFields?, subscriptionId?, … }` → the invoices.info shape. */
  seedInvoice(input: SeedInvoiceInput): Json;
  seedCreditNote(input: SeedCreditNoteInput): Json;
  seedSubscription(input: SeedSubscriptionInput): Json;
  seedCustomField(input: SeedCustomFieldInput): Json;
  seedDepartment(input: SeedDepartmentInput): Json;
  /** P-6 examples: mixed VAT rates, discounts, reverse charge, intra-EU, export, a credit note (fixed ids), booked on `on`. */
  seedAccountingExamples(input?: { on?: string }): { ids: typeof ACCOUNTING_EXAMPLE_IDS; invoices: Json[]; creditNote: Json };
  /** As a user editing in Teamleader: fires `company.updated` / `contact.updated`. */
  updateCompany(input: { id: string; changes: SeedPartyInput }): Json;
  updateContact(input: { id: string; changes: SeedPartyInput }): Json;
  /** Fires `subscription.updated`, or `subscription.deactivated` when status goes to deactivated. */
  updateSubscription(input: {
    id: string;
    title?: string;
    status?: 'active' | 'deactivated';
    customFields?: Array<{ definitionId: string; value: unknown }>;
  }): Json;
  deleteSubscription(input: { id: string }): void;
  /** The invoices.info view of an invoice, without a request. */
  invoice(input: { id: string }): Json;
  /** An access + refresh pair without the browser step. Default client: the first one. */
  issueTokens(input?: { clientId?: string }): TokenResponse;
  /** The next `count` requests (API, token endpoint, files; optionally only those to `path`) answer `status` (default 500) without doing anything. */
  failNextRequests(input: { count: number; status?: number; path?: string }): void;
  /** The next `n` requests (same scope) get no answer at all, until the client gives up or the sandbox closes. */
  timeoutNext(n: number): void;
  /**
   * The next `count` requests (optionally only to `path`) are carried out, then answered `status`
   * (default 500) as if the answer was lost: the client cannot know the outcome (a registerPayment
   * that did land).
   */
  loseNextAnswers(input: { count: number; status?: number; path?: string }): void;
  setRateLimit(n: number): void;
  /** List pages hold at most `size` items, whatever `page.size` asks (1-100; the start option again after reset()). */
  setMaxPageSize(size: number): void;
  /** Every refresh_token grant is answered `status` (4xx) with `{ error }`, e.g. 400 invalid_request or 401; null ends it. */
  setRefreshRefusal(refusal: { status: number; error: string } | null): void;
  /** The next authorization (or `n`) redirects with `error=access_denied`. */
  denyNextAuthorization(n?: number): void;
  /** Every refresh token stops working (the user uninstalled the integration). */
  revokeRefreshTokens(): void;
  revokeAccessTokens(): void;
  /** `expires_in` of tokens issued from now on. */
  setAccessTokenSeconds(seconds: number): void;
  /** "Booked invoices and credit notes can't be edited": invoices.updateBooked answers 403. */
  setStrictMode(on: boolean): void;
  /** `deferred`: booking or removing payments leaves the PDF unrendered (`file: null`, download 400) until markPdfReady. */
  setPdfMode(mode: PdfMode): void;
  markPdfReady(input: { id: string }): void;
  /** Single-select values answered as the option's `id`, its `text`, or `as_stored` (default): Teamleader does not document which. */
  setSelectValueForm(form: SelectValueForm): void;
  /** Teamleader's clock runs `ms` ahead (negative: behind) of the sandbox's `now`: `updated_at`, `added_at`, booking dates and `updated_since` use it. */
  setClockOffset(ms: number): void;
  /** GET of a download location answers 503. */
  failFileDownloads(on: boolean): void;
  /**
   * The next `count` invoices.download / creditNotes.download locations are dead on arrival: with
   * `how: 'stamp'` (default) `expires` is already past; with `'link'` it looks valid but the GET answers 404 (expired).
   */
  expireNextDownloadLinks(input: { count: number; how?: 'stamp' | 'link' }): void;
  /** Every PDF served from now on carries `bytes` of filler (a large, image-heavy document); 0 = none. */
  padPdfs(input: { bytes: number }): void;
  /** POSTs queued webhooks in order and waits for the answers. Non-2xx deliveries stay queued for the next round. */
  deliverWebhooks(): Promise<DeliveryReport>;
  /** The next `n` deliveries are thrown away. */
  dropNextWebhooks(n: number): void;
  /** The next `n` deliveries stay queued for one more deliverWebhooks() round. */
  delayNextWebhooks(n: number): void;
  /** The next delivery is sent `n` extra times. */
  repeatNextWebhooks(n: number): void;
  pendingWebhooks(): PendingWebhook[];
  events(): SandboxEvent[];
  requests(): SandboxRequest[];
  /** Forgets data, tokens, webhooks, logs and switches; keeps the OAuth clients and the options given at start. */
  reset(): void;
  /** A JSON-able snapshot of records, codes and tokens (refresh tokens included), webhooks and events (not switches or the request log). */
  exportState(): TeamleaderSandboxState;
  /** Replaces records, tokens and webhooks with a snapshot from exportState(): tokens issued before still work. */
  importState(state: TeamleaderSandboxState): void;
}

export interface TeamleaderSandbox {
  /** e.g. 'http://127.0.0.1:41234': both the API base and the OAuth base. */
  url: string;
  control: TeamleaderSandboxControl;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body?: unknown;
  raw?: { contentType: string; text: string };
  headers?: Record<string, string>;
}

/** A local Teamleader Focus (see README.md). */
export async function startTeamleaderSandbox(input: TeamleaderSandboxInput = {}): Promise<TeamleaderSandbox> {
  const sandbox = new TeamleaderSandboxServer(input);
  const url = await sandbox.listen({ port: input.port ?? 0, host: input.host ?? '127.0.0.1' });
  return { url, control: sandbox.control, close: () => sandbox.close() };
}

class TeamleaderSandboxServer {
  readonly #now: () => Date;
  readonly #options: { rateLimit: number; accessTokenSeconds: number; autoDeliver: boolean; maxPageSize: number };
  readonly #clients: OAuthClient[];
  readonly #oauth: OAuthServer;
  readonly #limiter: SlidingWindowRateLimiter;
  readonly #store: TeamleaderStore;
  readonly #server = createServer((req, res) => void this.#handle(req, res));
  #url = '';
  #registrations = new Map<string, Set<string>>();
  #events: SandboxEvent[] = [];
  #queue: PendingWebhook[] = [];
  #requests: SandboxRequest[] = [];
  #failures: { count: number; status: number; path: string | null } = { count: 0, status: 500, path: null };
  #timeouts = 0;
  /** How far Teamleader's record clock runs ahead of `now` (setClockOffset). */
  #clockOffsetMs = 0;
  #maxPageSize: number;
  #lostAnswers: { count: number; status: number; path: string | null } = { count: 0, status: 500, path: null };
  #drop = 0;
  #delay = 0;
  #repeat = 0;
  /** Rounds run one after the other, so webhooks leave in the order they were queued. */
  #delivering: Promise<unknown> = Promise.resolve();
  readonly #onStateChange: () => void;

  constructor(input: TeamleaderSandboxInput) {
    this.#now = input.now ?? (() => new Date());
    this.#onStateChange = input.onStateChange ?? (() => {});
    this.#options = {
      rateLimit: input.rateLimitPerMinute ?? 200,
      accessTokenSeconds: input.accessTokenSeconds ?? 3600,
      autoDeliver: input.autoDeliverWebhooks ?? false,
      maxPageSize: pageCap(input.maxPageSize ?? 100),
    };
    this.#maxPageSize = this.#options.maxPageSize;
    this.#clients = input.clients && input.clients.length > 0 ? input.clients : [DEFAULT_CLIENT];
    this.#oauth = new OAuthServer({ now: this.#now, clients: this.#clients, accessTokenSeconds: this.#options.accessTokenSeconds });
    this.#limiter = new SlidingWindowRateLimiter({ now: this.#now, limit: this.#options.rateLimit });
    this.#store = new TeamleaderStore({
      now: () => new Date(this.#now().getTime() + this.#clockOffsetMs),
      baseUrl: () => this.#url,
      onEvent: (event) => this.#emit(event),
    });
  }

  readonly control: TeamleaderSandboxControl = {
    ids: SANDBOX_IDS,
    seedCompany: (input) => this.#store.seedCompany(input),
    seedContact: (input) => this.#store.seedContact(input),
    seedInvoice: (input) => this.#store.seedInvoice(input),
    seedCreditNote: (input) => this.#store.seedCreditNote(input),
    seedSubscription: (input) => this.#store.seedSubscription(input),
    seedCustomField: (input) => this.#store.seedCustomField(input),
    seedDepartment: (input) => this.#store.seedDepartment(input),
    seedAccountingExamples: (input = {}) => seedAccountingExamples({ store: this.#store, ...input }),
    updateCompany: ({ id, changes }) => this.#store.updateParty({ type: 'company', id, changes }),
    updateContact: ({ id, changes }) => this.#store.updateParty({ type: 'contact', id, changes }),
    updateSubscription: (input) => this.#store.updateSubscription(input),
    deleteSubscription: (input) => this.#store.deleteSubscription(input),
    invoice: (input) => this.#store.invoiceInfo(input),
    issueTokens: (input = {}) => this.#oauth.issue(input.clientId ?? this.#clients[0]!.clientId),
    failNextRequests: ({ count: n, status = 500, path }) => {
      if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError(`failNextRequests: status must be 400..599, got ${status}`);
      this.#failures = { count: count(n), status, path: path ?? null };
    },
    timeoutNext: (n) => {
      this.#timeouts = count(n);
    },
    loseNextAnswers: ({ count: n, status = 500, path }) => {
      if (!Number.isInteger(status) || status < 500 || status > 599) throw new RangeError(`loseNextAnswers: status must be 500..599, got ${status}`);
      this.#lostAnswers = { count: count(n), status, path: path ?? null };
    },
    setRateLimit: (n) => this.#limiter.setLimit(n),
    setMaxPageSize: (size) => {
      this.#maxPageSize = pageCap(size);
    },
    setRefreshRefusal: (refusal) => this.#oauth.setRefreshRefusal(refusal),
    denyNextAuthorization: (n = 1) => this.#oauth.denyNextAuthorizations(count(n)),
    revokeRefreshTokens: () => this.#oauth.revokeRefreshTokens(),
    revokeAccessTokens: () => this.#oauth.revokeAccessTokens(),
    setAccessTokenSeconds: (seconds) => this.#oauth.setAccessTokenSeconds(seconds),
    setStrictMode: (on) => this.#store.setStrictMode(on),
    setPdfMode: (mode) => {
      if (mode !== 'immediate' && mode !== 'deferred') throw new RangeError(`pdf mode must be immediate or deferred, got ${String(mode)}`);
      this.#store.setPdfMode(mode);
    },
    markPdfReady: (input) => this.#store.markPdfReady(input),
    setSelectValueForm: (form) => this.#store.setSelectValueForm(form),
    setClockOffset: (ms) => {
      if (!Number.isInteger(ms)) throw new RangeError(`clock offset must be whole milliseconds, got ${ms}`);
      this.#clockOffsetMs = ms;
    },
    failFileDownloads: (on) => this.#store.failFileDownloads(on),
    padPdfs: ({ bytes }) => this.#store.padPdfs({ bytes: count(bytes) }),
    expireNextDownloadLinks: ({ count: n, how }) => this.#store.expireNextDownloadLinks({ count: count(n), ...(how ? { how } : {}) }),
    deliverWebhooks: () => this.deliverWebhooks(),
    dropNextWebhooks: (n) => {
      this.#drop = count(n);
    },
    delayNextWebhooks: (n) => {
      this.#delay = count(n);
    },
    repeatNextWebhooks: (n) => {
      this.#repeat = count(n);
    },
    pendingWebhooks: () => this.#queue.map((pending) => structuredClone(pending)),
    events: () => this.#events.map((event) => structuredClone(event)),
    requests: () => this.#requests.map((request) => structuredClone(request)),
    reset: () => {
      this.#store.reset();
      this.#oauth.reset({ accessTokenSeconds: this.#options.accessTokenSeconds });
      this.#limiter.reset({ limit: this.#options.rateLimit });
      this.#registrations = new Map();
      this.#events = [];
      this.#queue = [];
      this.#requests = [];
      this.#failures = { count: 0, status: 500, path: null };
      this.#timeouts = 0;
      this.#clockOffsetMs = 0;
      this.#maxPageSize = this.#options.maxPageSize;
      this.#lostAnswers = { count: 0, status: 500, path: null };
      this.#drop = 0;
      this.#delay = 0;
      this.#repeat = 0;
    },
    exportState: () => ({
      version: 1,
      store: this.#store.exportState(),
      oauth: this.#oauth.exportState(),
      webhooks: [...this.#registrations.entries()].map(([url, types]) => [url, [...types]]),
      events: structuredClone(this.#events),
      pendingWebhooks: structuredClone(this.#queue),
    }),
    importState: (state) => {
      if (state?.version !== 1) throw new RangeError(`teamleader sandbox state: unknown version ${String((state as { version?: unknown })?.version)}`);
      this.#store.importState(state.store);
      this.#oauth.importState(state.oauth);
      this.#registrations = new Map(state.webhooks.map(([url, types]) => [url, new Set(types)]));
      this.#events = structuredClone(state.events);
      this.#queue = structuredClone(state.pendingWebhooks);
    },
  };

  listen(input: { port: number; host: string }): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(input.port, input.host, () => {
        const address = this.#server.address() as AddressInfo;
        const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        this.#url = `http://${host}:${address.port}`;
        resolve(this.#url);
      });
    });
  }

  async close(): Promise<void> {
    await this.#delivering.catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      this.#server.close((error) => (error ? reject(error) : resolve()));
      // Also ends requests left hanging by timeoutNext.
      this.#server.closeAllConnections();
    });
  }

  // ---- webhooks ----

  #emit(event: { type: TeamleaderEventType; subject: Ref }): void {
    const payload: WebhookPayload = {
      type: event.type,
      subject: { ...event.subject },
      account: { type: 'account', id: SANDBOX_IDS.account },
      user: { type: 'user', id: SANDBOX_IDS.user },
    };
    this.#events.push({ ...payload, at: dateTime(this.#now()) });
    const urls = [...this.#registrations.entries()]
      .filter(([, types]) => types.has(event.type))
      .map(([url]) => url)
      .sort();
    for (const url of urls) this.#queue.push({ url, payload });
    if (this.#options.autoDeliver && urls.length > 0) void this.deliverWebhooks();
  }

  deliverWebhooks(): Promise<DeliveryReport> {
    const run = this.#delivering.then(() => this.#deliverQueued()).finally(() => this.#onStateChange());
    this.#delivering = run.catch(() => undefined);
    return run;
  }

  async #deliverQueued(): Promise<DeliveryReport> {
    const report: DeliveryReport = { delivered: 0, statuses: [], dropped: 0, pending: 0 };
    const batch = this.#queue.splice(0);
    const kept: PendingWebhook[] = [];
    for (const pending of batch) {
      if (this.#drop > 0) {
        this.#drop -= 1;
        report.dropped += 1;
        continue;
      }
      if (this.#delay > 0) {
        this.#delay -= 1;
        kept.push(pending);
        continue;
      }
      const copies = 1 + this.#repeat;
      this.#repeat = 0;
      let accepted = false;
      for (let i = 0; i < copies; i += 1) {
        const status = await post(pending);
        report.delivered += 1;
        report.statuses.push(status);
        if (status >= 200 && status < 300) accepted = true;
      }
      // Delivery is at-least-once: a webhook nobody accepted goes out again on the next round.
      if (!accepted) kept.push(pending);
    }
    this.#queue.unshift(...kept);
    report.pending = this.#queue.length;
    return report;
  }

  #webhookEndpoint(action: string, body: Json): Reply {
    if (action === 'list') {
      const data = [...this.#registrations.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([url, types]) => ({ url, types: [...types] }));
      return { status: 200, body: { data } };
    }
    const url = body.url;
    if (typeof url !== 'string' || !/^https?:\/\/\S+$/.test(url)) throw new TeamleaderApiError({ status: 400, title: 'url must be an http(s) URL' });
    const types = body.types;
    if (!Array.isArray(types) || types.length === 0 || types.some((type) => typeof type !== 'string' || !/^[a-zA-Z]+\.[a-zA-Z]+$/.test(type))) {
      throw new TeamleaderApiError({ status: 400, title: 'types must be a non-empty array of event types such as "invoice.booked"' });
    }
    if (action === 'register') {
      // Registration merges types and is idempotent per (url, type).
      const current = this.#registrations.get(url) ?? new Set<string>();
      for (const type of types as string[]) current.add(type);
      this.#registrations.set(url, current);
    } else {
      const current = this.#registrations.get(url);
      if (current) {
        for (const type of types as string[]) current.delete(type);
        if (current.size === 0) this.#registrations.delete(url);
      }
    }
    return { status: 204 };
  }

  // ---- HTTP ----

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await this.#handleOne(req, res);
    this.#onStateChange();
  }

  async #handleOne(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const path = url.pathname;
    let raw: string;
    try {
      raw = await readBody(req);
    } catch {
      return;
    }
    if (path.startsWith('/_sandbox/')) {
      send(res, await this.#controlRoute({ method, path, raw }));
      return;
    }
    if (method === 'GET' && path === '/oauth2/authorize') {
      const result = this.#oauth.authorize(url.searchParams);
      send(res, result instanceof OAuthError ? { status: result.status, body: result.body() } : { status: 302, headers: { location: result.location } });
      return;
    }

    const entry: SandboxRequest = {
      method,
      path,
      status: 0,
      body: /^\/[a-zA-Z]+\.[a-zA-Z]+$/.test(path) ? jsonOrNull(raw) : null,
      clientId: null,
      at: dateTime(this.#now()),
    };
    this.#requests.push(entry);
    if (this.#timeouts > 0) {
      this.#timeouts -= 1;
      return; // no answer: the client's own timeout has to fire
    }
    let reply: Reply;
    if (this.#failures.count > 0 && (this.#failures.path === null || this.#failures.path === path)) {
      this.#failures.count -= 1;
      reply = errorReply(new TeamleaderApiError({ status: this.#failures.status, title: `Sandbox: injected failure (HTTP ${this.#failures.status})` }));
    } else {
      try {
        reply = this.#route({ req, method, path, raw, entry });
      } catch (error) {
        reply =
          error instanceof TeamleaderApiError
            ? errorReply(error)
            : errorReply(new TeamleaderApiError({ status: 500, title: `Sandbox error: ${(error as Error).message}` }));
      }
      if (reply.status < 400 && this.#lostAnswers.count > 0 && (this.#lostAnswers.path === null || this.#lostAnswers.path === path)) {
        this.#lostAnswers.count -= 1;
        reply = errorReply(
          new TeamleaderApiError({ status: this.#lostAnswers.status, title: `Sandbox: done, but the answer was lost (HTTP ${this.#lostAnswers.status})` }),
        );
      }
    }
    entry.status = reply.status;
    send(res, reply);
  }

  #route(input: { req: IncomingMessage; method: string; path: string; raw: string; entry: SandboxRequest }): Reply {
    const { method, path, raw, entry } = input;
    if (path === '/oauth2/access_token') {
      if (method !== 'POST') return errorReply(new TeamleaderApiError({ status: 405, title: 'Use POST' }));
      try {
        const body = tokenBody({ raw, contentType: input.req.headers['content-type'] });
        entry.clientId = body.client_id ?? null;
        return { status: 200, body: this.#oauth.exchange(body), headers: { 'cache-control': 'no-store' } };
      } catch (error) {
        if (error instanceof OAuthError) return { status: error.status, body: error.body() };
        throw error;
      }
    }
    const file = /^\/files\/([A-Za-z0-9_-]+)$/.exec(path);
    if (file && method === 'GET') {
      const answer = this.#store.file(file[1]!);
      return { status: answer.status, raw: { contentType: answer.contentType ?? 'text/plain', text: answer.body } };
    }
    const rpc = /^\/([a-zA-Z]+)\.([a-zA-Z]+)$/.exec(path);
    const apiHeaders = { 'x-api-version': SANDBOX_API_VERSION };
    if (!rpc) return { ...errorReply(new TeamleaderApiError({ status: 404, title: `Unknown endpoint ${path}` })), headers: apiHeaders };

    const auth = this.#oauth.authenticate(input.req.headers.authorization);
    if ('error' in auth)
      return { ...errorReply(new TeamleaderApiError({ status: 401, title: auth.error })), headers: { ...apiHeaders, 'www-authenticate': 'Bearer' } };
    entry.clientId = auth.clientId;
    // The limit is per (integration, account); the sandbox has one account.
    const verdict = this.#limiter.take(`${auth.clientId}/${SANDBOX_IDS.account}`);
    const headers = { ...apiHeaders, ...verdict.headers };
    if (!verdict.allowed) return { ...errorReply(new TeamleaderApiError({ status: 429, title: 'Too many requests' })), headers };
    if (method !== 'POST') return { ...errorReply(new TeamleaderApiError({ status: 405, title: 'Every endpoint is POST /<resource>.<action>' })), headers };

    let body: Json;
    try {
      const parsed: unknown = raw.trim() === '' ? {} : JSON.parse(raw);
      if (!isObject(parsed)) throw new Error('not an object');
      body = parsed;
    } catch {
      return { ...errorReply(new TeamleaderApiError({ status: 400, title: 'The request body must be a JSON object' })), headers };
    }
    const [, resource, action] = rpc;
    try {
      if (resource === 'webhooks' && (action === 'register' || action === 'unregister' || action === 'list'))
        return { ...this.#webhookEndpoint(action, body), headers };
      const handler = this.#store.endpoints[`${resource}.${action}`];
      if (!handler) throw new TeamleaderApiError({ status: 404, title: `Unknown endpoint ${resource}.${action}` });
      const result = handler(capPage(body, this.#maxPageSize));
      if (result.status === 204) return { status: 204, headers };
      return { status: result.status, body: 'meta' in result && result.meta ? { data: result.data, meta: result.meta } : { data: result.data }, headers };
    } catch (error) {
      if (error instanceof TeamleaderApiError) return { ...errorReply(error), headers };
      throw error;
    }
  }

  async #controlRoute(input: { method: string; path: string; raw: string }): Promise<Reply> {
    const parts = input.path
      .split('/')
      .filter(Boolean)
      .slice(1)
      .map((part) => decodeURIComponent(part));
    const withId = parts.length === 2 && ['companies', 'contacts', 'subscriptions', 'invoices'].includes(parts[0]!);
    const key = `${input.method} ${withId ? `${parts[0]}/:id` : parts.join('/')}`;
    const id = parts[1] ?? '';
    let body: Json;
    try {
      const parsed: unknown = input.raw.trim() === '' ? {} : JSON.parse(input.raw);
      if (!isObject(parsed)) throw new Error('not an object');
      body = parsed;
    } catch {
      return controlError('the body must be a JSON object');
    }
    const n = (name: string, fallback: number): number => {
      const value = body[name] ?? fallback;
      if (typeof value !== 'number') throw new RangeError(`${name} must be a number`);
      return value;
    };
    const done = { status: 200, body: { ok: true } };
    const c = this.control;
    try {
      switch (key) {
        case 'POST reset':
          c.reset();
          return done;
        case 'GET requests':
          return { status: 200, body: { data: c.requests() } };
        case 'GET events':
          return { status: 200, body: { data: c.events() } };
        case 'GET webhooks':
          return { status: 200, body: { data: c.pendingWebhooks() } };
        case 'GET ids':
          return { status: 200, body: { data: c.ids } };
        case 'POST webhooks/deliver':
          return { status: 200, body: await c.deliverWebhooks() };
        case 'POST webhooks/drop':
          c.dropNextWebhooks(n('count', 1));
          return done;
        case 'POST webhooks/delay':
          c.delayNextWebhooks(n('count', 1));
          return done;
        case 'POST webhooks/repeat':
          c.repeatNextWebhooks(n('count', 1));
          return done;
        case 'POST failures':
          c.failNextRequests({ count: n('count', 1), status: n('status', 500), ...(typeof body.path === 'string' ? { path: body.path } : {}) });
          return done;
        case 'POST timeouts':
          c.timeoutNext(n('count', 1));
          return done;
        case 'POST lost-answers':
          c.loseNextAnswers({ count: n('count', 1), status: n('status', 500), ...(typeof body.path === 'string' ? { path: body.path } : {}) });
          return done;
        case 'POST rate-limit':
          c.setRateLimit(n('limit', this.#options.rateLimit));
          return done;
        case 'POST max-page-size':
          c.setMaxPageSize(n('size', this.#options.maxPageSize));
          return done;
        case 'POST refresh-refusal':
          c.setRefreshRefusal(body.off === true ? null : { status: n('status', 400), error: typeof body.error === 'string' ? body.error : 'invalid_request' });
          return done;
        case 'POST deny-authorization':
          c.denyNextAuthorization(n('count', 1));
          return done;
        case 'POST revoke-refresh-tokens':
          c.revokeRefreshTokens();
          return done;
        case 'POST revoke-access-tokens':
          c.revokeAccessTokens();
          return done;
        case 'POST access-token-seconds':
          c.setAccessTokenSeconds(n('seconds', this.#options.accessTokenSeconds));
          return done;
        case 'POST tokens':
          return { status: 200, body: c.issueTokens(typeof body.clientId === 'string' ? { clientId: body.clientId } : {}) };
        case 'POST strict-mode':
          c.setStrictMode(body.on === true);
          return done;
        case 'POST pdf-mode':
          c.setPdfMode(body.mode as PdfMode);
          return done;
        case 'POST select-values':
          c.setSelectValueForm(body.form as SelectValueForm);
          return done;
        case 'POST clock-offset':
          c.setClockOffset(n('ms', 0));
          return done;
        case 'POST file-downloads':
          c.failFileDownloads(body.failing === true);
          return done;
        case 'POST pdf-padding':
          c.padPdfs({ bytes: n('bytes', 0) });
          return done;
        case 'POST expire-download-links':
          c.expireNextDownloadLinks({ count: n('count', 1), ...(typeof body.how === 'string' ? { how: body.how as 'stamp' | 'link' } : {}) });
          return done;
        case 'POST invoices/:id':
          // Also credit notes: marks the document's PDF as rendered.
          if (body.pdfReady === true) c.markPdfReady({ id });
          return { status: 200, body: { data: this.#store.invoiceInfo({ id }) } };
        case 'POST companies':
          return { status: 201, body: { data: c.seedCompany(body as SeedPartyInput) } };
        case 'POST companies/:id':
          return { status: 200, body: { data: c.updateCompany({ id, changes: body as SeedPartyInput }) } };
        case 'POST contacts':
          return { status: 201, body: { data: c.seedContact(body as SeedPartyInput) } };
        case 'POST contacts/:id':
          return { status: 200, body: { data: c.updateContact({ id, changes: body as SeedPartyInput }) } };
        case 'POST invoices':
          return { status: 201, body: { data: c.seedInvoice(body as unknown as SeedInvoiceInput) } };
        case 'POST credit-notes':
          return { status: 201, body: { data: c.seedCreditNote(body as SeedCreditNoteInput) } };
        case 'POST subscriptions':
          return { status: 201, body: { data: c.seedSubscription(body as unknown as SeedSubscriptionInput) } };
        case 'POST subscriptions/:id':
          return { status: 200, body: { data: c.updateSubscription({ ...(body as Json), id }) } };
        case 'POST custom-fields':
          return { status: 201, body: { data: c.seedCustomField(body as unknown as SeedCustomFieldInput) } };
        case 'POST departments':
          return { status: 201, body: { data: c.seedDepartment(body as unknown as SeedDepartmentInput) } };
        default:
          return { status: 404, body: { errors: [{ title: `Unknown sandbox control ${input.method} ${input.path}`, status: 404 }] } };
      }
    } catch (error) {
      if (error instanceof TeamleaderApiError) return errorReply(error);
      if (error instanceof RangeError || error instanceof TypeError) return controlError(error.message);
      throw error;
    }
  }
}

async function post(pending: PendingWebhook): Promise<number> {
  try {
    const response = await fetch(pending.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Teamleader-Webhooks (sandbox)' },
      body: JSON.stringify(pending.payload),
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.raw) {
    res.writeHead(reply.status, { 'content-type': reply.raw.contentType, 'content-length': Buffer.byteLength(reply.raw.text), ...reply.headers });
    res.end(reply.raw.text);
    return;
  }
  if (reply.body === undefined) {
    res.writeHead(reply.status, { ...reply.headers });
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...reply.headers });
  res.end(text);
}

function errorReply(error: TeamleaderApiError): Reply {
  return { status: error.status, body: error.body() };
}

function controlError(message: string): Reply {
  return { status: 400, body: { errors: [{ title: message, status: 400 }] } };
}

function pageCap(size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > 100) throw new RangeError(`max page size must be a whole number from 1 to 100, got ${size}`);
  return size;
}

/** A valid `page.size` above the cap is served as the cap; the page number keeps counting in pages of that size. */
function capPage(body: Json, cap: number): Json {
  const page = body.page;
  if (!isObject(page) || typeof page.size !== 'number' || !Number.isInteger(page.size) || page.size <= cap || page.size > 100) return body;
  return { ...body, page: { ...page, size: cap } };
}

function count(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`expected a whole number >= 0, got ${n}`);
  return n;
}

/** The token endpoint takes form-encoded and JSON bodies alike. */
function tokenBody(input: { raw: string; contentType: string | undefined }): Record<string, string> {
  if ((input.contentType ?? '').includes('json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(input.raw);
    } catch {
      throw new OAuthError({ status: 400, error: 'invalid_request', description: 'The body is not valid JSON' });
    }
    if (!isObject(parsed)) throw new OAuthError({ status: 400, error: 'invalid_request', description: 'The body must be a JSON object' });
    return Object.fromEntries(Object.entries(parsed).filter(([, value]) => typeof value === 'string')) as Record<string, string>;
  }
  return Object.fromEntries(new URLSearchParams(input.raw));
}

function jsonOrNull(raw: string): Json | null {
  try {
    const parsed: unknown = raw.trim() === '' ? {} : JSON.parse(raw);
    return isObject(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
