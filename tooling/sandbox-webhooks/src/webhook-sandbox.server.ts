import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_TOLERANCE_SECONDS, verifyWebhookSignature, type SignatureStatus } from './webhook-signature.js';

/** Request bodies above this are refused with 413 (and not recorded). */
export const MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_RESPONSE_BODY = '{"received":true}';
const MAX_DELAY_MS = 10 * 60 * 1000;

export interface WebhookSandboxInput {
  /** 0 (default) = any free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Endpoint secrets a signature may match; none (default) records every delivery as `unchecked`. */
  secrets?: string[];
  /** `receivedAt` and the signature's clock. Default: the system clock. */
  now?: () => Date;
  /** How far `t` may be from `now()` before a correct signature counts as `expired`. Default 300. */
  toleranceSeconds?: number;
}

/** How the next deliveries are answered (see README.md for how several combine). */
export interface Behaviour {
  /** Default 200. */
  status?: number;
  /** For this many next deliveries, then it is used up; omitted: until changed. */
  times?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Do not answer until release(). */
  hold?: boolean;
  /** Default '{"received":true}'. */
  body?: string;
  /** Only deliveries to this path; omitted: any path. */
  path?: string;
}

export interface ReceivedWebhook {
  /** 1, 2, 3… in arrival order (restarts after clear()). */
  seq: number;
  path: string;
  /** ISO, from `now()` on arrival. */
  receivedAt: string;
  /** Lower-cased names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** The raw body, exactly as signed. */
  body: string;
  /** The body parsed, or null when it is not JSON. */
  json: unknown;
  /** The body's `id`, else the `Tollgate-Event-Id` header. */
  eventId: string | null;
  deliveryId: string | null;
  signature: SignatureStatus;
  /** The status answered; null while held or delayed (or when close() cut the request off). */
  answeredWith: number | null;
}

export interface WebhookSandbox {
  /** Base URL, e.g. 'http://127.0.0.1:41234': point a webhook endpoint at `${url}/any/path`. */
  url: string;
  received(input?: { path?: string }): ReceivedWebhook[];
  /** Forgets deliveries and behaviours; held requests stay held. */
  clear(): void;
  behave(behaviour: Behaviour): void;
  setSecrets(secrets: string[]): void;
  /** Answers every held request; returns how many. */
  release(): number;
  /** Stops listening and cuts off every open connection, held ones included. */
  close(): Promise<void>;
}

/** A control call or a request the sandbox refuses: answered as `{ error: { code, message } }`. */
export class WebhookSandboxError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(input: { status: number; code: string; message: string }) {
    super(input.message);
    this.name = 'WebhookSandboxError';
    this.status = input.status;
    this.code = input.code;
  }
}

/** The SaaS customer's webhook endpoint on a local port (see README.md). */
export async function startWebhookSandbox(input: WebhookSandboxInput = {}): Promise<WebhookSandbox> {
  const sandbox = new WebhookSandboxServer(input);
  const url = await sandbox.listen({ port: input.port ?? 0, host: input.host ?? '127.0.0.1' });
  return {
    url,
    received: (filter) => sandbox.received(filter),
    clear: () => sandbox.clear(),
    behave: (behaviour) => sandbox.behave(behaviour),
    setSecrets: (secrets) => sandbox.setSecrets(secrets),
    release: () => sandbox.release(),
    close: () => sandbox.close(),
  };
}

interface QueuedBehaviour {
  behaviour: Behaviour;
  left: number;
}

interface Answer {
  status: number;
  body: string;
  delayMs: number;
  hold: boolean;
}

class WebhookSandboxServer {
  readonly #now: () => Date;
  readonly #tolerance: number;
  readonly #server = createServer((req, res) => void this.#handle(req, res));
  #secrets: string[];
  #received: ReceivedWebhook[] = [];
  #seq = 0;
  /** Behaviours with `times`, in the order given: the first that fits a delivery is used (and counted down). */
  #counted: QueuedBehaviour[] = [];
  /** Behaviours without `times`, by path ('' = any path); a path's own wins over the any-path one. */
  #standing = new Map<string, Behaviour>();
  #held: Array<() => void> = [];
  #timers = new Set<NodeJS.Timeout>();

  constructor(input: WebhookSandboxInput) {
    this.#now = input.now ?? (() => new Date());
    this.#tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
    if (!Number.isInteger(this.#tolerance) || this.#tolerance < 0) throw new RangeError(`toleranceSeconds must be a whole number >= 0, got ${this.#tolerance}`);
    this.#secrets = checkedSecrets(input.secrets ?? []);
  }

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
    this.#held = [];
    await new Promise<void>((resolve, reject) => {
      this.#server.close((error) => (error ? reject(error) : resolve()));
      // Held and delayed requests would otherwise keep close() waiting for ever.
      this.#server.closeAllConnections();
    });
  }

  received(filter: { path?: string } = {}): ReceivedWebhook[] {
    const all = filter.path === undefined ? this.#received : this.#received.filter((webhook) => webhook.path === filter.path);
    return all.map((webhook) => structuredClone(webhook));
  }

  clear(): void {
    this.#received = [];
    this.#seq = 0;
    this.#counted = [];
    this.#standing.clear();
  }

  behave(behaviour: Behaviour): void {
    const checked = checkedBehaviour(behaviour);
    if (checked.times === undefined) this.#standing.set(checked.path ?? '', checked);
    else this.#counted.push({ behaviour: checked, left: checked.times });
  }

  setSecrets(secrets: string[]): void {
    this.#secrets = checkedSecrets(secrets);
  }

  release(): number {
    const held = this.#held.splice(0);
    for (const answer of held) answer();
    return held.length;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://sandbox');
      if (url.pathname.startsWith('/_sandbox')) await this.#control(req, res, url);
      else if (req.method !== 'POST')
        throw new WebhookSandboxError({ status: 405, code: 'method_not_allowed', message: `a delivery is a POST, not ${req.method}` });
      else await this.#deliver(req, res, url.pathname);
    } catch (error) {
      const known = error instanceof WebhookSandboxError;
      sendJson(res, known ? error.status : 500, {
        error: { code: known ? error.code : 'internal_error', message: error instanceof Error ? error.message : String(error) },
      });
    }
  }

  async #deliver(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const receivedAt = this.#now().toISOString();
    const body = await readBody(req);
    const headers = lowerCasedHeaders(req);
    const json = parseJson(body);
    const bodyId = typeof json === 'object' && json !== null && typeof (json as { id?: unknown }).id === 'string' ? (json as { id: string }).id : undefined;
    this.#seq += 1;
    const webhook: ReceivedWebhook = {
      seq: this.#seq,
      path,
      receivedAt,
      headers,
      body,
      json,
      eventId: bodyId ?? headers['tollgate-event-id'] ?? null,
      deliveryId: headers['tollgate-delivery-id'] ?? null,
      signature: verifyWebhookSignature({
        header: headers['tollgate-signature'],
        body,
        secrets: this.#secrets,
        now: this.#now,
        toleranceSeconds: this.#tolerance,
      }),
      answeredWith: null,
    };
    this.#received.push(webhook);
    const answer = this.#answerFor(path);
    if (answer.hold) await new Promise<void>((resolve) => this.#held.push(resolve));
    if (answer.delayMs > 0) await this.#sleep(answer.delayMs);
    if (res.destroyed) return;
    webhook.answeredWith = answer.status;
    res.writeHead(answer.status, { 'content-type': parseJson(answer.body) === null ? 'text/plain; charset=utf-8' : 'application/json' }).end(answer.body);
  }

  /** Counted behaviours first (oldest that fits), then the path's standing one, then the any-path one, then 200. */
  #answerFor(path: string): Answer {
    const index = this.#counted.findIndex((queued) => queued.behaviour.path === undefined || queued.behaviour.path === path);
    let behaviour: Behaviour;
    if (index >= 0) {
      const queued = this.#counted[index]!;
      behaviour = queued.behaviour;
      queued.left -= 1;
      if (queued.left === 0) this.#counted.splice(index, 1);
    } else behaviour = this.#standing.get(path) ?? this.#standing.get('') ?? {};
    return { status: behaviour.status ?? 200, body: behaviour.body ?? DEFAULT_RESPONSE_BODY, delayMs: behaviour.delayMs ?? 0, hold: behaviour.hold ?? false };
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }

  async #control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = CONTROL_ROUTES[url.pathname];
    if (!route) throw new WebhookSandboxError({ status: 404, code: 'not_found', message: `no sandbox route ${url.pathname}` });
    if (req.method !== route)
      throw new WebhookSandboxError({ status: 405, code: 'method_not_allowed', message: `${url.pathname} takes ${route}, not ${req.method}` });
    const input = route === 'POST' ? controlBody(await readBody(req)) : {};
    switch (url.pathname) {
      case '/_sandbox/received': {
        const path = url.searchParams.get('path');
        return sendJson(res, 200, { data: this.received(path === null ? {} : { path }) });
      }
      case '/_sandbox/clear':
        this.clear();
        return sendJson(res, 200, { cleared: true });
      case '/_sandbox/behave':
        this.behave(input as Behaviour);
        return sendJson(res, 200, { behaviour: input });
      case '/_sandbox/release':
        return sendJson(res, 200, { released: this.release() });
      case '/_sandbox/secrets':
        this.setSecrets(input.secrets as string[]);
        return sendJson(res, 200, { secrets: this.#secrets.length });
    }
  }
}

const CONTROL_ROUTES: Record<string, 'GET' | 'POST'> = {
  '/_sandbox/received': 'GET',
  '/_sandbox/clear': 'POST',
  '/_sandbox/behave': 'POST',
  '/_sandbox/release': 'POST',
  '/_sandbox/secrets': 'POST',
};

function invalid(code: string, message: string): WebhookSandboxError {
  return new WebhookSandboxError({ status: 400, code, message });
}

function checkedBehaviour(input: Behaviour): Behaviour {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('invalid_behaviour', 'a behaviour must be an object');
  const { status, times, delayMs, hold, body, path } = input;
  if (status !== undefined && (!Number.isInteger(status) || status < 200 || status > 599))
    throw invalid('invalid_behaviour', `status must be 200..599, got ${String(status)}`);
  if (times !== undefined && (!Number.isInteger(times) || times < 1))
    throw invalid('invalid_behaviour', `times must be a whole number >= 1, got ${String(times)}`);
  if (delayMs !== undefined && (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > MAX_DELAY_MS))
    throw invalid('invalid_behaviour', `delayMs must be 0..${MAX_DELAY_MS}, got ${String(delayMs)}`);
  if (hold !== undefined && typeof hold !== 'boolean') throw invalid('invalid_behaviour', 'hold must be true or false');
  if (body !== undefined && typeof body !== 'string') throw invalid('invalid_behaviour', 'body must be a string');
  if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/')))
    throw invalid('invalid_behaviour', `path must start with /, got ${String(path)}`);
  // Copied, so a caller changing its object later does not change a queued behaviour.
  return Object.fromEntries(Object.entries({ status, times, delayMs, hold, body, path }).filter(([, value]) => value !== undefined)) as Behaviour;
}

function checkedSecrets(secrets: unknown): string[] {
  if (!Array.isArray(secrets) || secrets.some((secret) => typeof secret !== 'string' || secret === ''))
    throw invalid('invalid_secrets', 'secrets must be an array of non-empty strings');
  return [...(secrets as string[])];
}

function lowerCasedHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
}

function controlBody(raw: string): Record<string, unknown> {
  if (raw.trim() === '') return {};
  const parsed = parseJson(raw);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('invalid_body', 'the body must be a JSON object');
  return parsed as Record<string, unknown>;
}

/** The body as UTF-8; past MAX_BODY_BYTES the rest is read and thrown away, so the 413 reaches a client still sending. */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES)
        reject(new WebhookSandboxError({ status: 413, code: 'payload_too_large', message: `the body is over ${MAX_BODY_BYTES} bytes` }));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
