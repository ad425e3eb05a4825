import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import qs from 'qs';
import {
  API_VERSION,
  FINAL_CALL_STATUSES,
  FINAL_MESSAGE_STATUSES,
  TwilioApiError,
  TwilioProvider,
  newSid,
  notFound,
  rfc2822,
  type Params,
  type SandboxCall,
  type SandboxCallback,
  type SandboxMessage,
  type TwilioProviderState,
} from './twilio-provider.js';
import { signTwilioRequest } from './twilio-signature.js';

/** A fixed, valid-looking account SID (AC + 32 hex), so manual set-ups can be written down once. */
export const SANDBOX_ACCOUNT_SID = 'AC00000000000000000000000000000000';
export const SANDBOX_AUTH_TOKEN = 'sandbox-auth-token';

export interface TwilioSandboxInput {
  /** 0 (default) = any free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Basic-auth user and the account in every path. Default SANDBOX_ACCOUNT_SID. */
  accountSid?: string;
  /** Basic-auth password, and the key callbacks are signed with. Default 'sandbox-auth-token'. */
  authToken?: string;
  /** Timestamps of resources and callbacks, and call durations on hang-up. Default: the system clock. */
  now?: () => Date;
  /** Send each callback as soon as it is made (manual use); otherwise they wait for control.deliverCallbacks(). */
  autoDeliverCallbacks?: boolean;
  /** Called after anything that may have changed the state (a request, a delivery), e.g. to save exportState(). */
  onStateChange?: () => void;
  /**
   * Keep a callback that was not answered with a 2xx and send it again at the next round. Default false:
   * as Twilio (which does not retry status callbacks by default) it is dropped and recorded in callbackLog().
   */
  redeliverCallbacks?: boolean;
  /** Sign callbacks with this SharedKey (a Twilio Webhook Setting) instead of the auth token. Default: the auth token. */
  sharedKey?: SharedKeySigning;
}

/** A Twilio SharedKey: callbacks carry `X-Twilio-Webhooks-Signature-Settings: key=<id>,algorithm=<algorithm>`. */
export interface SharedKeySigning {
  id: string;
  secret: string;
  /** Default HMAC_SHA256. */
  algorithm?: 'HMAC_SHA256' | 'HMAC_SHA1';
}

/** What became of one callback: sent and answered 2xx, answered otherwise (or unreachable), or never sent on command. */
export interface CallbackAttempt {
  /** The callback's idempotency token (`I-Twilio-Idempotency-Token`). */
  id: string;
  /** The message or call. */
  sid: string;
  /** MessageStatus or CallStatus it reported. */
  status: string;
  url: string;
  outcome: 'delivered' | 'refused' | 'dropped' | 'lost';
  /** The receiver's last answer; 0 unreachable; null when not sent. */
  httpStatus: number | null;
  /** Refused and kept for the next round (redelivery on). */
  requeued: boolean;
}

/** Messages, calls and unsent callbacks as plain JSON: what a restarted sandbox needs to go on. */
export interface TwilioSandboxState extends TwilioProviderState {
  version: 1;
  pendingCallbacks: SandboxCallback[];
}

/** One API request as the sandbox answered it. */
export interface SandboxRequest {
  method: string;
  path: string;
  status: number;
}

export interface DeliveryReport {
  /** Requests made (duplicates included). */
  delivered: number;
  /** Their HTTP statuses, in order; 0 when the receiver could not be reached. */
  statuses: number[];
}

/** Which final callbacks (message delivered/undelivered/failed…, call completed/busy/…) are never sent. */
export interface LoseFinalCallbacks {
  /** This message's or call's final callback is lost (added to the ones given before). */
  sid?: string;
  /** true: every final callback is lost from now on; false: stop (sids given one by one stay lost). */
  all?: boolean;
}

export interface TwilioSandboxControl {
  /**
   * Sends every queued status callback and waits for the answers. One not answered with a 2xx is dropped
   * and logged (Twilio does not retry), or queued for the next round when redelivery is on.
   */
  deliverCallbacks(): Promise<DeliveryReport>;
  /** The next callback delivered is sent `n` extra times (same params, signature and idempotency token). */
  duplicateNextCallbacks(n: number): void;
  /** The next `n` callbacks are never sent. */
  dropNextCallbacks(n: number): void;
  /** Final status callbacks that are never sent (a lost callback, to exercise a receiver's reconcile path). */
  loseFinalCallbacks(input: LoseFinalCallbacks): void;
  /** Turns redelivery of callbacks answered non-2xx on or off (start option `redeliverCallbacks`; reset() restores it). */
  setRedelivery(enabled: boolean): void;
  /** What became of every callback taken from the queue, in order (not kept in exportState). */
  callbackLog(): CallbackAttempt[];
  /** Sign the next callbacks with a SharedKey (or `null`: the auth token, HMAC-SHA1, the default). */
  signWithSharedKey(key: SharedKeySigning | null): void;
  /**
   * The next `count` API requests answer `status` (default 500) in Twilio's error shape. By default they fail
   * before doing anything; with `afterExecution` the message or call is made but the answer is lost
   * (Twilio has no idempotency keys: a retry then makes a second one).
   */
  failNextRequests(input: { count: number; status?: number; afterExecution?: boolean }): void;
  /** Every message sent through the API, newest last. */
  messages(): SandboxMessage[];
  calls(): SandboxCall[];
  /** Callbacks waiting for deliverCallbacks(). */
  pendingCallbacks(): SandboxCallback[];
  /** The API requests answered, in order (without /_sandbox calls). */
  requests(): SandboxRequest[];
  /** The carrier's final word on a message that is `sent` (errorCode defaults: undelivered 30003, failed 30008). */
  deliver(input: { sid: string; status: 'delivered' | 'undelivered' | 'failed'; errorCode?: number }): SandboxMessage;
  /** The callee hangs up an in-progress call after `durationSeconds`. */
  completeCall(input: { sid: string; durationSeconds: number }): SandboxCall;
  /** Forgets messages, calls, queued callbacks, the request log and every switch. */
  reset(): void;
  /** A JSON-able snapshot of messages, calls and unsent callbacks (not switches or the request log). */
  exportState(): TwilioSandboxState;
  /** Replaces messages, calls and unsent callbacks with a snapshot from exportState(). */
  importState(state: TwilioSandboxState): void;
}

export interface TwilioSandbox {
  /** e.g. 'http://127.0.0.1:41234'; the SDK's api domain base URL (see README.md). */
  url: string;
  accountSid: string;
  authToken: string;
  control: TwilioSandboxControl;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: unknown;
  html?: boolean;
}

/** An SMS and voice provider on a local port that Twilio's official SDK can talk to (see README.md). */
export async function startTwilioSandbox(input: TwilioSandboxInput = {}): Promise<TwilioSandbox> {
  const sandbox = new TwilioSandboxServer(input);
  const url = await sandbox.listen({ port: input.port ?? 0, host: input.host ?? '127.0.0.1' });
  return { url, accountSid: sandbox.accountSid, authToken: sandbox.authToken, control: sandbox.control, close: () => sandbox.close() };
}

class TwilioSandboxServer {
  readonly accountSid: string;
  readonly authToken: string;
  readonly #now: () => Date;
  readonly #autoDeliver: boolean;
  readonly #provider: TwilioProvider;
  readonly #server = createServer((req, res) => void this.#handle(req, res));
  #queue: SandboxCallback[] = [];
  #requests: SandboxRequest[] = [];
  #failures = { count: 0, status: 500, afterExecution: false };
  #drop = 0;
  #duplicate = 0;
  readonly #redeliverAtStart: boolean;
  #redeliver: boolean;
  #loseAllFinal = false;
  #loseFinalOf = new Set<string>();
  #callbackLog: CallbackAttempt[] = [];
  readonly #sharedKeyAtStart: SharedKeySigning | null;
  #sharedKey: SharedKeySigning | null;
  /** Deliveries run one after the other, so callbacks arrive in the order they were made. */
  #delivering: Promise<unknown> = Promise.resolve();
  readonly #onStateChange: () => void;

  constructor(input: TwilioSandboxInput) {
    this.#onStateChange = input.onStateChange ?? (() => {});
    this.accountSid = input.accountSid ?? SANDBOX_ACCOUNT_SID;
    this.authToken = input.authToken ?? SANDBOX_AUTH_TOKEN;
    if (!/^AC[0-9a-f]{32}$/.test(this.accountSid)) throw new RangeError(`accountSid must be AC + 32 lowercase hex digits, got ${this.accountSid}`);
    this.#now = input.now ?? (() => new Date());
    this.#autoDeliver = input.autoDeliverCallbacks ?? false;
    this.#redeliverAtStart = input.redeliverCallbacks ?? false;
    this.#redeliver = this.#redeliverAtStart;
    this.#sharedKeyAtStart = input.sharedKey ? checkedSharedKey(input.sharedKey) : null;
    this.#sharedKey = this.#sharedKeyAtStart;
    this.#provider = new TwilioProvider({
      accountSid: this.accountSid,
      now: this.#now,
      onCallback: (callback) => {
        this.#queue.push(callback);
        if (this.#autoDeliver) void this.deliverCallbacks();
      },
    });
  }

  readonly control: TwilioSandboxControl = {
    deliverCallbacks: () => this.deliverCallbacks(),
    duplicateNextCallbacks: (n) => {
      this.#duplicate = count(n);
    },
    dropNextCallbacks: (n) => {
      this.#drop = count(n);
    },
    loseFinalCallbacks: (input) => {
      if (input.sid !== undefined) {
        if (typeof input.sid !== 'string' || !/^(SM|MM|CA)[0-9a-f]{32}$/.test(input.sid))
          throw new RangeError(`sid must be a message or call SID, got ${String(input.sid)}`);
        this.#loseFinalOf.add(input.sid);
      }
      if (input.all !== undefined) this.#loseAllFinal = input.all === true;
    },
    setRedelivery: (enabled) => {
      this.#redeliver = enabled === true;
    },
    callbackLog: () => this.#callbackLog.map((attempt) => ({ ...attempt })),
    signWithSharedKey: (key) => {
      this.#sharedKey = key === null ? null : checkedSharedKey(key);
    },
    failNextRequests: ({ count: n, status = 500, afterExecution = false }) => {
      if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError(`failNextRequests: status must be 400..599, got ${status}`);
      this.#failures = { count: count(n), status, afterExecution };
    },
    messages: () => this.#provider.messages(),
    calls: () => this.#provider.calls(),
    pendingCallbacks: () => this.#queue.map((callback) => structuredClone(callback)),
    requests: () => this.#requests.map((request) => ({ ...request })),
    deliver: (input) => this.#provider.deliver(input),
    completeCall: (input) => this.#provider.completeCall(input),
    reset: () => {
      this.#provider.reset();
      this.#queue = [];
      this.#requests = [];
      this.#failures = { count: 0, status: 500, afterExecution: false };
      this.#drop = 0;
      this.#duplicate = 0;
      this.#redeliver = this.#redeliverAtStart;
      this.#sharedKey = this.#sharedKeyAtStart;
      this.#loseAllFinal = false;
      this.#loseFinalOf = new Set();
      this.#callbackLog = [];
    },
    exportState: () => ({ version: 1, ...this.#provider.exportState(), pendingCallbacks: structuredClone(this.#queue) }),
    importState: (state) => {
      if (state?.version !== 1) throw new RangeError(`twilio sandbox state: unknown version ${String((state as { version?: unknown })?.version)}`);
      this.#provider.importState(state);
      this.#queue = structuredClone(state.pendingCallbacks);
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
    await this.#delivering.catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      this.#server.close((error) => (error ? reject(error) : resolve()));
      this.#server.closeAllConnections();
    });
  }

  deliverCallbacks(): Promise<DeliveryReport> {
    const run = this.#delivering.then(() => this.#deliverQueued()).finally(() => this.#onStateChange());
    this.#delivering = run.catch(() => undefined);
    return run;
  }

  async #deliverQueued(): Promise<DeliveryReport> {
    const report: DeliveryReport = { delivered: 0, statuses: [] };
    const batch = this.#queue.splice(0);
    const kept: SandboxCallback[] = [];
    for (const callback of batch) {
      const status = callback.params.MessageStatus ?? callback.params.CallStatus ?? '';
      const log = (outcome: CallbackAttempt['outcome'], httpStatus: number | null, requeued = false) =>
        this.#callbackLog.push({ id: callback.id, sid: callback.sid, status, url: callback.url, outcome, httpStatus, requeued });
      if (this.#drop > 0) {
        this.#drop -= 1;
        log('dropped', null);
        continue;
      }
      if (this.#isLostFinal(callback)) {
        log('lost', null);
        continue;
      }
      const copies = 1 + this.#duplicate;
      this.#duplicate = 0;
      let accepted = false;
      let last = 0;
      for (let i = 0; i < copies; i += 1) {
        last = await this.#send(callback);
        report.delivered += 1;
        report.statuses.push(last);
        if (last >= 200 && last < 300) accepted = true;
      }
      if (accepted) log('delivered', last);
      else {
        // Twilio does not retry a status callback: without the redelivery switch it is gone.
        log('refused', last, this.#redeliver);
        if (this.#redeliver) kept.push(callback);
      }
    }
    this.#queue.unshift(...kept);
    return report;
  }

  #signingKey(): { authToken: string; algorithm: 'HMAC_SHA1' | 'HMAC_SHA256' } {
    const key = this.#sharedKey;
    return key ? { authToken: key.secret, algorithm: key.algorithm ?? 'HMAC_SHA256' } : { authToken: this.authToken, algorithm: 'HMAC_SHA1' };
  }

  #isLostFinal(callback: SandboxCallback): boolean {
    const final =
      (callback.params.MessageStatus !== undefined && FINAL_MESSAGE_STATUSES.includes(callback.params.MessageStatus)) ||
      (callback.params.CallStatus !== undefined && FINAL_CALL_STATUSES.includes(callback.params.CallStatus));
    return final && (this.#loseAllFinal || this.#loseFinalOf.has(callback.sid));
  }

  async #send(callback: SandboxCallback): Promise<number> {
    let target = callback.url;
    let body: string | undefined;
    let signature: string;
    if (callback.method === 'GET') {
      const url = new URL(callback.url);
      for (const [name, value] of Object.entries(callback.params)) url.searchParams.append(name, value);
      target = url.toString();
      signature = signTwilioRequest({ ...this.#signingKey(), url: target });
    } else {
      body = new URLSearchParams(callback.params).toString();
      signature = signTwilioRequest({ ...this.#signingKey(), url: callback.url, params: callback.params });
    }
    const key = this.#sharedKey;
    try {
      const response = await fetch(target, {
        method: callback.method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
          'user-agent': 'TwilioProxy/1.1',
          'x-twilio-signature': signature,
          ...(key ? { 'x-twilio-webhooks-signature-settings': `key=${key.id},algorithm=${key.algorithm ?? 'HMAC_SHA256'}` } : {}),
          'i-twilio-idempotency-token': callback.id,
        },
        ...(body === undefined ? {} : { body }),
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
      const method = (req.method ?? 'GET').toUpperCase();
      if (url.pathname === '/_sandbox' || url.pathname === '/_sandbox/') reply = { status: 200, body: this.#page(), html: true };
      else if (url.pathname.startsWith('/_sandbox/')) {
        reply = await this.#controlRoute({ method, path: url.pathname, body: parseControlBody({ raw, contentType: req.headers['content-type'] }) });
      } else reply = this.#api({ method, url, raw, authorization: req.headers.authorization });
    } catch (error) {
      reply =
        error instanceof TwilioApiError
          ? { status: error.status, body: error.body }
          : errorReply({ status: 500, code: 20500, message: `Sandbox error: ${(error as Error).message}` });
    }
    if (reply.status === 204) {
      res.writeHead(204, { 'twilio-request-id': newSid('RQ') });
      res.end();
      this.#onStateChange();
      return;
    }
    const body = reply.html ? String(reply.body) : JSON.stringify(reply.body, null, 2);
    res.writeHead(reply.status, {
      'content-type': reply.html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'twilio-request-id': newSid('RQ'),
      ...(reply.status === 401 ? { 'www-authenticate': 'Basic realm="Twilio API"' } : {}),
    });
    res.end(body);
    this.#onStateChange();
  }

  #api(input: { method: string; url: URL; raw: string; authorization: string | undefined }): Reply {
    const { method } = input;
    const path = input.url.pathname;
    const log = (reply: Reply): Reply => {
      this.#requests.push({ method, path, status: reply.status });
      return reply;
    };

    const failure = this.#takeFailure();
    if (failure && !failure.afterExecution) return log(injected(failure.status));

    if (!this.#authorized(input.authorization)) {
      return log(errorReply({ status: 401, code: 20003, message: 'Authentication Error - invalid username or password' }));
    }

    const params = (method === 'POST' ? qs.parse(input.raw) : qs.parse(input.url.search.slice(1))) as Params;
    let reply: Reply;
    try {
      reply = this.#route({ method, path, params });
    } catch (error) {
      if (!(error instanceof TwilioApiError)) throw error;
      reply = { status: error.status, body: error.body };
    }
    if (failure) return log(injected(failure.status));
    return log(reply);
  }

  #authorized(header: string | undefined): boolean {
    const encoded = /^Basic\s+(.+)$/i.exec(header ?? '')?.[1];
    if (!encoded) return false;
    const given = Buffer.from(Buffer.from(encoded, 'base64').toString('utf8'));
    const expected = Buffer.from(`${this.accountSid}:${this.authToken}`);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  #takeFailure(): { status: number; afterExecution: boolean } | undefined {
    if (this.#failures.count <= 0) return undefined;
    this.#failures.count -= 1;
    return { status: this.#failures.status, afterExecution: this.#failures.afterExecution };
  }

  #route(input: { method: string; path: string; params: Params }): Reply {
    const { method, path, params } = input;
    const parts = path
      .split('/')
      .filter(Boolean)
      .map((part) => decodeURIComponent(part));
    const [version, accounts, account, resource, id] = parts;
    if (version !== API_VERSION || accounts !== 'Accounts' || account === undefined || parts.length > 5) throw notFound(path);
    const accountSid = account.replace(/\.json$/, '');
    // A valid token for one account gives nothing on another.
    if (accountSid !== this.accountSid) throw new TwilioApiError({ status: 401, code: 20003, message: 'Authentication Error - invalid username or password' });
    const allow = (allowed: string[]): void => {
      if (!allowed.includes(method)) throw new TwilioApiError({ status: 405, code: 20004, message: 'Method not allowed' });
    };
    if (resource === undefined) {
      if (!account.endsWith('.json')) throw notFound(path);
      allow(['GET']);
      return { status: 200, body: this.#account() };
    }
    if (resource === 'Messages.json' && id === undefined) {
      allow(['GET', 'POST']);
      if (method === 'GET') return { status: 200, body: listPage({ path, key: 'messages', items: this.#provider.listMessages(params), params }) };
      return { status: 201, body: this.#provider.createMessage(params) };
    }
    if (resource === 'Messages' && id?.endsWith('.json')) {
      allow(['GET', 'POST', 'DELETE']);
      const sid = id.slice(0, -5);
      if (method === 'DELETE') {
        this.#provider.deleteMessage({ sid, path });
        return { status: 204, body: null };
      }
      return { status: 200, body: method === 'GET' ? this.#provider.getMessage({ sid, path }) : this.#provider.updateMessage({ sid, path, params }) };
    }
    if (resource === 'Calls.json' && id === undefined) {
      allow(['GET', 'POST']);
      if (method === 'GET') return { status: 200, body: listPage({ path, key: 'calls', items: this.#provider.listCalls(params), params }) };
      return { status: 201, body: this.#provider.createCall(params) };
    }
    if (resource === 'Calls' && id?.endsWith('.json')) {
      allow(['GET', 'POST', 'DELETE']);
      const sid = id.slice(0, -5);
      if (method === 'DELETE') {
        this.#provider.deleteCall({ sid, path });
        return { status: 204, body: null };
      }
      return { status: 200, body: method === 'GET' ? this.#provider.getCall({ sid, path }) : this.#provider.updateCall({ sid, path, params }) };
    }
    throw notFound(path);
  }

  #account(): unknown {
    const created = rfc2822(new Date(Date.UTC(2026, 0, 1)));
    return {
      sid: this.accountSid,
      owner_account_sid: this.accountSid,
      friendly_name: 'Tollgate sandbox',
      status: 'active',
      type: 'Full',
      auth_token: this.authToken,
      date_created: created,
      date_updated: created,
      uri: `/${API_VERSION}/Accounts/${this.accountSid}.json`,
      subresource_uris: {
        messages: `/${API_VERSION}/Accounts/${this.accountSid}/Messages.json`,
        calls: `/${API_VERSION}/Accounts/${this.accountSid}/Calls.json`,
      },
    };
  }

  async #controlRoute(input: { method: string; path: string; body: Record<string, unknown> }): Promise<Reply> {
    const { method, body } = input;
    const parts = input.path
      .split('/')
      .filter(Boolean)
      .slice(1)
      .map((part) => decodeURIComponent(part));
    const key = `${method} ${parts.map((part, i) => ((parts[0] === 'messages' || parts[0] === 'calls') && i === 1 ? ':sid' : part)).join('/')}`;
    const number = (name: string, fallback: number): number => {
      const value = body[name];
      if (value === undefined || value === '') return fallback;
      const n = Number(value);
      if (!Number.isInteger(n)) throw controlError(`${name} must be an integer`);
      return n;
    };
    try {
      switch (key) {
        case 'GET messages':
          return { status: 200, body: { messages: this.control.messages() } };
        case 'GET calls':
          return { status: 200, body: { calls: this.control.calls() } };
        case 'GET callbacks':
          return { status: 200, body: { callbacks: this.control.pendingCallbacks() } };
        case 'GET requests':
          return { status: 200, body: { requests: this.control.requests() } };
        case 'POST messages/:sid/deliver': {
          const status = body.status;
          if (status !== 'delivered' && status !== 'undelivered' && status !== 'failed')
            throw controlError("status must be 'delivered', 'undelivered' or 'failed'");
          const errorCode = body.errorCode === undefined || body.errorCode === '' ? undefined : number('errorCode', 0);
          return { status: 200, body: this.control.deliver({ sid: parts[1]!, status, ...(errorCode === undefined ? {} : { errorCode }) }) };
        }
        case 'POST calls/:sid/complete':
          return { status: 200, body: this.control.completeCall({ sid: parts[1]!, durationSeconds: number('durationSeconds', 0) }) };
        case 'POST callbacks/deliver':
          return { status: 200, body: await this.deliverCallbacks() };
        case 'POST callbacks/duplicate':
          this.control.duplicateNextCallbacks(number('count', 1));
          return { status: 200, body: { ok: true } };
        case 'POST callbacks/drop':
          this.control.dropNextCallbacks(number('count', 1));
          return { status: 200, body: { ok: true } };
        case 'POST callbacks/lose-final': {
          const all = body.all === undefined || body.all === '' ? undefined : body.all === true || body.all === 'true';
          const sid = typeof body.sid === 'string' && body.sid !== '' ? body.sid : undefined;
          if (sid === undefined && all === undefined) throw controlError('give sid or all');
          this.control.loseFinalCallbacks({ ...(sid === undefined ? {} : { sid }), ...(all === undefined ? {} : { all }) });
          return { status: 200, body: { ok: true } };
        }
        case 'POST callbacks/redelivery': {
          const enabled = body.enabled;
          if (enabled !== true && enabled !== false && enabled !== 'true' && enabled !== 'false') throw controlError('enabled must be true or false');
          this.control.setRedelivery(enabled === true || enabled === 'true');
          return { status: 200, body: { ok: true, redelivery: enabled === true || enabled === 'true' } };
        }
        case 'POST callbacks/signing': {
          if (body.id === undefined && body.secret === undefined) {
            this.control.signWithSharedKey(null);
            return { status: 200, body: { ok: true, signing: 'auth-token' } };
          }
          const algorithm = body.algorithm === undefined || body.algorithm === '' ? undefined : body.algorithm;
          if (algorithm !== undefined && algorithm !== 'HMAC_SHA256' && algorithm !== 'HMAC_SHA1')
            throw controlError('algorithm must be HMAC_SHA256 or HMAC_SHA1');
          this.control.signWithSharedKey({ id: String(body.id ?? ''), secret: String(body.secret ?? ''), ...(algorithm ? { algorithm } : {}) });
          return { status: 200, body: { ok: true, signing: 'shared-key' } };
        }
        case 'GET callbacks/log':
          return { status: 200, body: { callbacks: this.control.callbackLog() } };
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
          throw new TwilioApiError({ status: 404, code: 20404, message: `Unknown sandbox control ${method} ${input.path}` });
      }
    } catch (error) {
      if (error instanceof RangeError) throw controlError(error.message);
      throw error;
    }
  }

  /** What was "sent", for a person next to `pnpm start`. */
  #page(): string {
    const rows = (cells: string[][]): string => cells.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n');
    const messages = this.#provider.messages().reverse();
    const calls = this.#provider.calls().reverse();
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Twilio sandbox</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem}table{border-collapse:collapse;margin-bottom:2rem}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}td:nth-child(4){white-space:pre-wrap;max-width:40rem}</style></head>
<body><h1>Twilio sandbox</h1>
<p>Account ${escapeHtml(this.accountSid)} · ${this.#queue.length} callback(s) queued</p>
<h2>Messages (${messages.length})</h2>
<table><tr><th>Created</th><th>To</th><th>From</th><th>Body</th><th>Segments</th><th>Status</th><th>SID</th></tr>
${rows(messages.map((m) => [m.date_created, m.to, m.from ?? '', m.body, m.num_segments, m.status + (m.error_code ? ` (${m.error_code})` : ''), m.sid]))}
</table>
<h2>Calls (${calls.length})</h2>
<table><tr><th>Created</th><th>To</th><th>From</th><th>Status</th><th>Duration (s)</th><th>SID</th></tr>
${rows(calls.map((c) => [c.date_created, c.to, c.from, c.status, c.duration ?? '', c.sid]))}
</table></body></html>
`;
  }
}

const MAX_PAGE_SIZE = 1000;

/**
 * One page of a list in Twilio's 2010-04-01 shape (`page`, `page_size`, `start`, `end`, `uri`,
 * `first_page_uri`, `next_page_uri`, `previous_page_uri`), newest first. The next page's URI carries
 * `PageToken=PA<last sid>` as Twilio's does, so the SDK's auto-paging follows it; `Page` alone (an offset) works too.
 */
function listPage(input: { path: string; key: 'messages' | 'calls'; items: Array<{ sid: string }>; params: Params }): unknown {
  const { path, items, params } = input;
  const whole = (name: string, fallback: number, min: number, max: number): number => {
    const raw = params[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new TwilioApiError({ status: 400, code: 20001, message: `Invalid ${name}: ${String(raw)}` });
    return n;
  };
  const pageSize = whole('PageSize', 50, 1, MAX_PAGE_SIZE);
  const page = whole('Page', 0, 0, 1_000_000);
  const token = typeof params.PageToken === 'string' && params.PageToken !== '' ? params.PageToken : undefined;
  let start = page * pageSize;
  if (token !== undefined) {
    const after = /^PA(.+)$/.exec(token)?.[1];
    const index = after === undefined ? -1 : items.findIndex((item) => item.sid === after);
    if (index < 0) throw new TwilioApiError({ status: 400, code: 20001, message: `Invalid PageToken: ${token}` });
    start = index + 1;
  }
  const slice = items.slice(start, start + pageSize);
  const filters = Object.entries(params).filter(([name, value]) => !['PageSize', 'Page', 'PageToken'].includes(name) && typeof value === 'string');
  const uri = (n: number, extra: Record<string, string> = {}) =>
    `${path}?${new URLSearchParams([...(filters as Array<[string, string]>), ['PageSize', String(pageSize)], ['Page', String(n)], ...Object.entries(extra)]).toString()}`;
  const more = start + slice.length < items.length;
  return {
    [input.key]: slice,
    end: slice.length === 0 ? start : start + slice.length - 1,
    first_page_uri: uri(0),
    next_page_uri: more ? uri(page + 1, { PageToken: `PA${slice[slice.length - 1]!.sid}` }) : null,
    page,
    page_size: pageSize,
    previous_page_uri: page > 0 ? uri(page - 1) : null,
    start,
    uri: uri(page, token === undefined ? {} : { PageToken: token }),
  };
}

function checkedSharedKey(key: SharedKeySigning): SharedKeySigning {
  if (typeof key.id !== 'string' || !/^[A-Za-z0-9_-]{1,100}$/.test(key.id)) throw new RangeError('sharedKey.id must be 1-100 letters, digits, _ or -');
  if (typeof key.secret !== 'string' || key.secret === '') throw new RangeError('sharedKey.secret must not be empty');
  if (key.algorithm !== undefined && key.algorithm !== 'HMAC_SHA256' && key.algorithm !== 'HMAC_SHA1')
    throw new RangeError('sharedKey.algorithm must be HMAC_SHA256 or HMAC_SHA1');
  return { id: key.id, secret: key.secret, algorithm: key.algorithm ?? 'HMAC_SHA256' };
}

function count(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`expected a whole number >= 0, got ${n}`);
  return n;
}

function controlError(message: string): TwilioApiError {
  return new TwilioApiError({ status: 400, code: 20001, message });
}

function errorReply(input: { status: number; code: number; message: string }): Reply {
  const error = new TwilioApiError(input);
  return { status: error.status, body: error.body };
}

function injected(status: number): Reply {
  const code = status === 429 ? 20429 : status === 503 ? 20503 : status >= 500 ? 20500 : 20001;
  return errorReply({ status, code, message: `Sandbox: injected failure (HTTP ${status}).` });
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
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
