import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import qs from 'qs';
import {
  CardProcessor,
  SANDBOX_API_VERSION,
  StripeApiError,
  newId,
  type CardProcessorState,
  type Params,
  type SandboxCheckoutSession,
  type SandboxCustomer,
  type SandboxDispute,
  type SandboxEvent,
  type SandboxPaymentIntent,
  type StripeErrorBody,
} from './card-processor.js';
import { ROUTES, matches, pathSegments } from './routes.js';
import { checkParams } from './params.js';
import { TEST_CARDS } from './test-cards.js';
import { signWebhookPayload } from './webhook-signature.js';

export interface CardSandboxInput {
  /** 0 (default) = any free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** The secret key clients must send as `Authorization: Bearer <key>`. Default 'sk_test_sandbox'. */
  apiKey?: string;
  /** Where events are POSTed, signed with `secret`. */
  webhook?: { url: string; secret: string };
  /** Deliver each event as soon as it is made (manual use); otherwise they wait for control.deliverWebhooks(). */
  autoDeliverWebhooks?: boolean;
  /** pm_card_createDispute intents are disputed at once instead of on control.dispute(). */
  autoDispute?: boolean;
  /** Timestamps of objects, events and webhook signatures. Default: the system clock. */
  now?: () => Date;
  /** Called after anything that may have changed the state (a request, a delivery), e.g. to save exportState(). */
  onStateChange?: () => void;
}

/** Everything a restarted sandbox needs to answer as before (control.exportState / importState); plain JSON. */
export interface CardSandboxState extends CardProcessorState {
  version: 1;
  /** Events not yet accepted by the webhook receiver. */
  pendingWebhooks: SandboxEvent[];
  /** [Idempotency-Key, stored answer]: a replay after a restart still gets the first answer. */
  idempotency: Array<[string, { method: string; path: string; params: string; status: number; body: unknown }]>;
}

/** One API request as the sandbox answered it. */
export interface SandboxRequest {
  method: string;
  path: string;
  status: number;
  idempotencyKey: string | null;
  replayed: boolean;
}

export interface DeliveryReport {
  /** POSTs made (duplicates included). */
  delivered: number;
  /** Their HTTP statuses, in order; 0 when the receiver could not be reached. */
  statuses: number[];
}

export interface CardSandboxControl {
  /** POSTs every queued event to the webhook URL and waits for the answers. Events not accepted (no 2xx) stay queued. */
  deliverWebhooks(): Promise<DeliveryReport>;
  /** The next event delivered is sent `n` extra times, with the same event id (the processor's at-least-once delivery). */
  duplicateNextWebhooks(n: number): void;
  /** The next `n` events are never delivered (they are still listed by events()). */
  dropNextWebhooks(n: number): void;
  /**
   * The next `count` API requests answer `status` (default 500). By default they fail before doing
   * anything; with `afterExecution` the work is done (and kept for idempotent replays) but the answer is lost.
   */
  failNextRequests(input: { count: number; status?: number; afterExecution?: boolean }): void;
  /** Changes where events are delivered (e.g. to a host started after the sandbox). */
  setWebhook(input: { url: string; secret: string }): void;
  /** Every event made, delivered or not. */
  events(): SandboxEvent[];
  /** Events waiting for deliverWebhooks(). */
  pendingWebhooks(): SandboxEvent[];
  paymentIntents(): SandboxPaymentIntent[];
  customers(): SandboxCustomer[];
  /** The API requests answered, in order (without /_sandbox calls). */
  requests(): SandboxRequest[];
  dispute(input: { paymentIntentId: string; reason?: string }): SandboxDispute;
  settle(input: { paymentIntentId: string; outcome: 'succeeded' | 'failed'; declineCode?: string }): SandboxPaymentIntent;
  checkoutSessions(): SandboxCheckoutSession[];
  /**
   * What a payer does on a hosted payment page (GET/POST /c/pay/:id), without a browser: pays with a
   * test card ('requires_action' for pm_card_authenticationRequired: 3-D Secure comes next).
   */
  payCheckoutSession(input: { sessionId: string; paymentMethod: string }): {
    outcome: 'succeeded' | 'requires_action' | 'processing' | 'declined';
    message?: string;
  };
  /** The payer's answer on the 3-D Secure page (GET/POST /c/pay/:id/3ds). */
  authenticateCheckoutSession(input: { sessionId: string; outcome: 'complete' | 'fail' }): { outcome: 'succeeded' | 'declined'; message?: string };
  /** Forgets everything: objects, events, queued webhooks, idempotency keys, switches. */
  reset(): void;
  /** A JSON-able snapshot of customers, attachments, intents, disputes, events, queued webhooks and idempotency keys (not switches or the request log). */
  exportState(): CardSandboxState;
  /** Replaces the state with a snapshot from exportState() (e.g. of an earlier process). */
  importState(state: CardSandboxState): void;
}

export interface CardSandbox {
  /** e.g. 'http://127.0.0.1:41234' */
  url: string;
  apiKey: string;
  control: CardSandboxControl;
  close(): Promise<void>;
}

interface StoredResponse {
  method: string;
  path: string;
  params: string;
  status: number;
  body: unknown;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A card processor on a local port that the processor's official SDK can talk to (see README.md). */
export async function startCardSandbox(input: CardSandboxInput = {}): Promise<CardSandbox> {
  const sandbox = new CardSandboxServer(input);
  const url = await sandbox.listen({ port: input.port ?? 0, host: input.host ?? '127.0.0.1' });
  return { url, apiKey: sandbox.apiKey, control: sandbox.control, close: () => sandbox.close() };
}

class CardSandboxServer {
  readonly apiKey: string;
  readonly #now: () => Date;
  readonly #autoDeliver: boolean;
  readonly #onStateChange: () => void;
  readonly #processor: CardProcessor;
  readonly #server = createServer((req, res) => void this.#handle(req, res));
  #webhook: { url: string; secret: string } | undefined;
  #queue: SandboxEvent[] = [];
  #idempotency = new Map<string, StoredResponse>();
  #requests: SandboxRequest[] = [];
  #failures: { count: number; status: number; afterExecution: boolean } = { count: 0, status: 500, afterExecution: false };
  #drop = 0;
  #duplicate = 0;
  /** Deliveries run one after the other, so events arrive in the order they were made. */
  #delivering: Promise<unknown> = Promise.resolve();
  /** This server's address once it listens (hosted payment pages live here). */
  #url = 'http://sandbox.invalid';

  constructor(input: CardSandboxInput) {
    this.apiKey = input.apiKey ?? 'sk_test_sandbox';
    this.#now = input.now ?? (() => new Date());
    this.#autoDeliver = input.autoDeliverWebhooks ?? false;
    this.#onStateChange = input.onStateChange ?? (() => {});
    this.#webhook = input.webhook;
    this.#processor = new CardProcessor({
      now: this.#now,
      autoDispute: input.autoDispute ?? false,
      hostedUrl: () => this.#url,
      onEvent: (event) => {
        this.#queue.push(event);
        if (this.#autoDeliver) void this.deliverWebhooks();
      },
    });
  }

  readonly control: CardSandboxControl = {
    deliverWebhooks: () => this.deliverWebhooks(),
    duplicateNextWebhooks: (n) => {
      this.#duplicate = count(n);
    },
    dropNextWebhooks: (n) => {
      this.#drop = count(n);
    },
    failNextRequests: ({ count: n, status = 500, afterExecution = false }) => {
      if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError(`failNextRequests: status must be 400..599, got ${status}`);
      this.#failures = { count: count(n), status, afterExecution };
    },
    setWebhook: ({ url, secret }) => {
      this.#webhook = { url, secret };
    },
    events: () => this.#processor.events(),
    pendingWebhooks: () => this.#queue.map((event) => structuredClone(event)),
    paymentIntents: () => this.#processor.paymentIntents(),
    customers: () => this.#processor.customers().map((customer) => structuredClone(customer)),
    requests: () => this.#requests.map((request) => ({ ...request })),
    dispute: (input) => this.#processor.dispute(input),
    settle: (input) => this.#processor.settle(input),
    checkoutSessions: () => this.#processor.checkoutSessions(),
    payCheckoutSession: (input) => this.#processor.payCheckoutSession({ id: input.sessionId, paymentMethod: input.paymentMethod }),
    authenticateCheckoutSession: (input) => this.#processor.authenticateCheckoutSession({ id: input.sessionId, outcome: input.outcome }),
    reset: () => {
      this.#processor.reset();
      this.#queue = [];
      this.#idempotency = new Map();
      this.#requests = [];
      this.#failures = { count: 0, status: 500, afterExecution: false };
      this.#drop = 0;
      this.#duplicate = 0;
    },
    exportState: () => ({
      version: 1,
      ...this.#processor.exportState(),
      pendingWebhooks: structuredClone(this.#queue),
      idempotency: structuredClone([...this.#idempotency.entries()]),
    }),
    importState: (state) => {
      if (state?.version !== 1) throw new RangeError(`card sandbox state: unknown version ${String((state as { version?: unknown })?.version)}`);
      this.#processor.importState(state);
      this.#queue = structuredClone(state.pendingWebhooks);
      this.#idempotency = new Map(structuredClone(state.idempotency));
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
      this.#server.closeAllConnections();
    });
  }

  deliverWebhooks(): Promise<DeliveryReport> {
    const run = this.#delivering.then(() => this.#deliverQueued()).finally(() => this.#onStateChange());
    this.#delivering = run.catch(() => undefined);
    return run;
  }

  async #deliverQueued(): Promise<DeliveryReport> {
    const webhook = this.#webhook;
    const report: DeliveryReport = { delivered: 0, statuses: [] };
    if (!webhook) return report;
    const batch = this.#queue.splice(0);
    const kept: SandboxEvent[] = [];
    for (const event of batch) {
      if (this.#drop > 0) {
        this.#drop -= 1;
        continue;
      }
      const copies = 1 + this.#duplicate;
      this.#duplicate = 0;
      let accepted = false;
      for (let i = 0; i < copies; i += 1) {
        const status = await this.#post({ webhook, event });
        report.delivered += 1;
        report.statuses.push(status);
        if (status >= 200 && status < 300) accepted = true;
      }
      // Like the processor, an event that was not accepted is sent again later.
      if (!accepted) kept.push(event);
    }
    this.#queue.unshift(...kept);
    return report;
  }

  async #post(input: { webhook: { url: string; secret: string }; event: SandboxEvent }): Promise<number> {
    const payload = JSON.stringify(input.event, null, 2);
    const timestamp = Math.floor(this.#now().getTime() / 1000);
    try {
      const response = await fetch(input.webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'stripe-signature': signWebhookPayload({ payload, secret: input.webhook.secret, timestamp }),
        },
        body: payload,
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return 0;
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: Reply;
    try {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
      if (url.pathname.startsWith('/c/pay/')) {
        this.#hosted({ method: (req.method ?? 'GET').toUpperCase(), path: url.pathname, query: url.searchParams, raw, res });
        this.#onStateChange();
        return;
      }
      reply = url.pathname.startsWith('/_sandbox/')
        ? await this.#controlRoute({
            method: req.method ?? 'GET',
            path: url.pathname,
            body: parseControlBody({ raw, contentType: req.headers['content-type'] }),
          })
        : this.#api({ req, url, raw });
    } catch (error) {
      reply =
        error instanceof StripeApiError
          ? { status: error.status, body: error.body }
          : apiError({ status: 500, message: `Sandbox error: ${(error as Error).message}` });
    }
    const body = JSON.stringify(reply.body, null, 2);
    res.writeHead(reply.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'request-id': newId('req'),
      'stripe-version': SANDBOX_API_VERSION,
      ...reply.headers,
    });
    res.end(body);
    this.#onStateChange();
  }

  #api(input: { req: IncomingMessage; url: URL; raw: string }): Reply {
    const method = (input.req.method ?? 'GET').toUpperCase();
    const path = input.url.pathname;
    const header = input.req.headers['idempotency-key'];
    const idempotencyKey = typeof header === 'string' && header !== '' && method === 'POST' ? header : null;
    const log = (reply: Reply, replayed = false): Reply => {
      this.#requests.push({ method, path, status: reply.status, idempotencyKey, replayed });
      return idempotencyKey ? { ...reply, headers: { ...reply.headers, 'idempotency-key': idempotencyKey } } : reply;
    };

    const failure = this.#takeFailure();
    if (failure && !failure.afterExecution) return log(injected(failure.status));

    if (input.req.headers.authorization !== `Bearer ${this.apiKey}`) {
      const given = /^Bearer (.+)$/.exec(input.req.headers.authorization ?? '')?.[1];
      const message = given
        ? `Invalid API Key provided: ${given.slice(0, 8)}${'*'.repeat(Math.max(0, given.length - 12))}${given.slice(-4)}`
        : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').";
      return log({ status: 401, body: { error: { type: 'invalid_request_error', message } } });
    }

    const params = (method === 'POST' ? qs.parse(input.raw, { depth: 5 }) : qs.parse(input.url.search.slice(1), { depth: 5 })) as Params;
    const fingerprint = JSON.stringify(sortKeys(params));
    if (idempotencyKey) {
      const stored = this.#idempotency.get(idempotencyKey);
      if (stored) {
        if (stored.method !== method || stored.path !== path || stored.params !== fingerprint) {
          return log({
            status: 400,
            body: {
              error: {
                type: 'idempotency_error',
                message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
              },
            } satisfies StripeErrorBody,
          });
        }
        return log({ status: stored.status, body: stored.body, headers: { 'idempotent-replayed': 'true' } }, true);
      }
    }

    let reply: Reply;
    let ran = true;
    try {
      reply = { status: 200, body: this.#route({ method, path, params }) };
    } catch (error) {
      if (!(error instanceof StripeApiError)) throw error;
      reply = { status: error.status, body: error.body };
      ran = error.status === 402 || error.executed;
    }
    // Only requests that ran are remembered (as the processor does): not refused parameters or unknown routes.
    if (idempotencyKey && ran) {
      this.#idempotency.set(idempotencyKey, { method, path, params: fingerprint, status: reply.status, body: reply.body });
    }
    if (failure) return log(injected(failure.status));
    return log(reply);
  }

  #takeFailure(): { status: number; afterExecution: boolean } | undefined {
    if (this.#failures.count <= 0) return undefined;
    this.#failures.count -= 1;
    return { status: this.#failures.status, afterExecution: this.#failures.afterExecution };
  }

  #route(input: { method: string; path: string; params: Params }): unknown {
    const segments = pathSegments(input.path);
    const matched = segments && ROUTES.find((route) => route.method === input.method && matches(route.path, segments));
    // A wrong method on a known path is as unknown to the processor as a made-up path (404, no code).
    if (!segments || !matched) {
      throw new StripeApiError({
        status: 404,
        body: {
          error: {
            type: 'invalid_request_error',
            message: `Unrecognized request URL (${input.method}: ${input.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
          },
        },
      });
    }
    checkParams(input.params, matched.params);
    const at = matched.path.split('/').filter(Boolean).indexOf(':id');
    const id = at >= 0 ? (segments[at] ?? '') : '';
    const result = matched.run({ processor: this.#processor, id, params: input.params });
    const paths = (input.params.expand as string[] | undefined) ?? [];
    return this.#processor.expand({ object: result, paths, allowed: matched.expandable ?? [] });
  }

  /**
   * The hosted payment page of a Checkout Session (what the processor serves at its checkout
   * address) and its 3-D Secure challenge: plain HTML forms, test cards instead of card fields.
   */
  #hosted(input: { method: string; path: string; query: URLSearchParams; raw: string; res: ServerResponse }): void {
    const { res } = input;
    const html = (status: number, body: string) => {
      const page = `<!doctype html><html><head><meta charset="utf-8"><title>Card sandbox</title></head><body>${body}</body></html>`;
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page) });
      res.end(page);
    };
    const redirect = (location: string) => {
      res.writeHead(303, { location, 'content-length': 0 });
      res.end();
    };
    const [, , , id, step] = input.path.split('/').map((part) => decodeURIComponent(part));
    let session: SandboxCheckoutSession;
    try {
      session = this.#processor.getCheckoutSession({ id: id ?? '' });
    } catch {
      html(404, '<h1>Unknown payment page</h1>');
      return;
    }
    const done = () => redirect(session.success_url.replace('{CHECKOUT_SESSION_ID}', session.id));
    const form = qs.parse(input.raw) as Record<string, unknown>;
    const amount = `${(session.amount_total / 100).toFixed(2)} ${session.currency.toUpperCase()}`;
    if (step === '3ds') {
      if (input.method === 'POST') {
        const outcome = form.outcome === 'complete' ? 'complete' : 'fail';
        const result = this.#processor.authenticateCheckoutSession({ id: session.id, outcome });
        if (result.outcome === 'succeeded') done();
        else redirect(`/c/pay/${session.id}?error=${encodeURIComponent(result.message ?? 'declined')}`);
        return;
      }
      html(
        200,
        `<h1>3-D Secure</h1><p>Authenticate ${escapeHtml(amount)}?</p><form method="post"><button name="outcome" value="complete">Complete authentication</button> <button name="outcome" value="fail">Fail authentication</button></form>`,
      );
      return;
    }
    if (input.method === 'POST') {
      const result = this.#processor.payCheckoutSession({ id: session.id, paymentMethod: typeof form.payment_method === 'string' ? form.payment_method : '' });
      if (result.outcome === 'requires_action') redirect(`/c/pay/${session.id}/3ds`);
      else if (result.outcome === 'declined') redirect(`/c/pay/${session.id}?error=${encodeURIComponent(result.message ?? 'declined')}`);
      else done();
      return;
    }
    if (session.status !== 'open') {
      html(410, `<h1>This payment page is ${escapeHtml(session.status)}</h1>`);
      return;
    }
    const error = input.query.get('error');
    const cards = Object.values(TEST_CARDS)
      .map((card) => `<option value="${card.id}">${escapeHtml(`${card.brand} ${card.last4} (${card.id})`)}</option>`)
      .join('');
    html(
      200,
      `<h1>Pay ${escapeHtml(amount)}</h1>${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}<form method="post"><select name="payment_method">${cards}</select> <button>Pay</button></form>${
        session.cancel_url ? `<p><a href="${escapeHtml(session.cancel_url)}">Cancel</a></p>` : ''
      }`,
    );
  }

  async #controlRoute(input: { method: string; path: string; body: Record<string, unknown> }): Promise<Reply> {
    const { method, body } = input;
    const parts = input.path
      .split('/')
      .filter(Boolean)
      .slice(1)
      .map((part) => decodeURIComponent(part));
    const key = `${method} ${parts.map((part, i) => (parts[0] === 'payment_intents' && i === 1 ? ':id' : part)).join('/')}`;
    const number = (name: string, fallback: number): number => {
      const value = body[name];
      if (value === undefined || value === '') return fallback;
      const n = Number(value);
      if (!Number.isInteger(n)) throw controlError(`${name} must be an integer`);
      return n;
    };
    const text = (name: string): string | undefined => (typeof body[name] === 'string' && body[name] !== '' ? (body[name] as string) : undefined);
    try {
      switch (key) {
        case 'GET payment_intents':
          return { status: 200, body: { object: 'list', data: this.control.paymentIntents() } };
        case 'GET customers':
          return { status: 200, body: { object: 'list', data: this.control.customers() } };
        case 'GET events':
          return { status: 200, body: { object: 'list', data: this.control.events() } };
        case 'GET requests':
          return { status: 200, body: { object: 'list', data: this.control.requests() } };
        case 'GET webhooks':
          return { status: 200, body: { object: 'list', data: this.control.pendingWebhooks() } };
        case 'POST payment_intents/:id/dispute': {
          const reason = text('reason');
          return { status: 200, body: this.control.dispute({ paymentIntentId: parts[1]!, ...(reason ? { reason } : {}) }) };
        }
        case 'POST payment_intents/:id/settle': {
          const outcome = text('outcome');
          if (outcome !== 'succeeded' && outcome !== 'failed') throw controlError("outcome must be 'succeeded' or 'failed'");
          const declineCode = text('declineCode');
          return { status: 200, body: this.control.settle({ paymentIntentId: parts[1]!, outcome, ...(declineCode ? { declineCode } : {}) }) };
        }
        case 'POST webhooks/deliver':
          return { status: 200, body: await this.deliverWebhooks() };
        case 'POST webhooks/duplicate':
          this.control.duplicateNextWebhooks(number('count', 1));
          return { status: 200, body: { ok: true } };
        case 'POST webhooks/drop':
          this.control.dropNextWebhooks(number('count', 1));
          return { status: 200, body: { ok: true } };
        case 'POST failures':
          this.control.failNextRequests({
            count: number('count', 1),
            status: number('status', 500),
            afterExecution: body.afterExecution === true || body.afterExecution === 'true',
          });
          return { status: 200, body: { ok: true } };
        case 'POST reset':
          this.control.reset();
          return { status: 200, body: { ok: true } };
        default:
          throw new StripeApiError({
            status: 404,
            body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: `Unknown sandbox control ${method} ${input.path}` } },
          });
      }
    } catch (error) {
      if (error instanceof RangeError) throw controlError(error.message);
      throw error;
    }
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function count(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`expected a whole number >= 0, got ${n}`);
  return n;
}

function controlError(message: string): StripeApiError {
  return new StripeApiError({ status: 400, body: { error: { type: 'invalid_request_error', message } } });
}

function apiError(input: { status: number; message: string }): Reply {
  const type = input.status === 429 ? 'rate_limit_error' : input.status >= 500 ? 'api_error' : 'invalid_request_error';
  return {
    status: input.status,
    body: { error: { type, ...(input.status === 429 ? { code: 'rate_limit' } : {}), message: input.message } } satisfies StripeErrorBody,
  };
}

function injected(status: number): Reply {
  return apiError({ status, message: `Sandbox: injected failure (HTTP ${status}).` });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseControlBody(input: { raw: string; contentType: string | undefined }): Record<string, unknown> {
  if (input.raw.trim() === '') return {};
  if ((input.contentType ?? '').includes('json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(input.raw);
    } catch {
      throw controlError('the body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw controlError('the body must be a JSON object');
    return parsed as Record<string, unknown>;
  }
  return qs.parse(input.raw);
}

/** Key order does not make two requests different. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
