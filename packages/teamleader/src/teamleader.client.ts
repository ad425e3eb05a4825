import { SystemClock, type Clock } from '@tollgate/clock';
import { ExponentialBackoff, halfJitterGenerator, type IBackoff } from 'cockatiel';
import {
  TeamleaderError,
  TeamleaderForbiddenError,
  TeamleaderNotFoundError,
  TeamleaderRateLimitedError,
  TeamleaderUnauthorizedError,
  TeamleaderUnavailableError,
  TeamleaderValidationError,
} from './teamleader.errors.js';
import { TeamleaderApi } from './teamleader-api.js';
import { parseTeamleaderJson } from './teamleader-json.js';

export const TEAMLEADER_API_BASE_URL = 'https://api.focus.teamleader.eu';

/** The part of TeamleaderTokenManager the client needs. */
export interface AccessTokenSource {
  accessToken(input: { connectionId: string }): Promise<string>;
  refreshAfterRejection(input: { connectionId: string; rejectedAccessToken: string }): Promise<string>;
}

export interface TeamleaderClientConfig {
  tokens: AccessTokenSource;
  /** Default https://api.focus.teamleader.eu */
  apiBaseUrl?: string;
  clock?: Clock;
  /** How waits happen (rate limit, backoff). Default setTimeout; tests pass one that moves a ManualClock. */
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
  /** Per request. Default 30 s. */
  timeoutMs?: number;
  retry?: {
    /** Tries per call, the first included, for 429, 5xx and timeouts. Default 5. */
    maxAttempts?: number;
    /** First backoff step. Default 1 s. */
    initialDelayMs?: number;
    /** No single wait is longer. Default 60 s. */
    maxDelayMs?: number;
  };
  /** Sent as X-Api-Version to pin behaviour, e.g. '2023-09-26'. */
  apiVersion?: string;
  /** 0 ≤ x < 1, for the jitter added to rate-limit waits. Default Math.random. */
  random?: () => number;
}

export interface CallInput {
  connectionId: string;
  /** `<resource>.<action>`, e.g. 'invoices.list'. */
  action: string;
  body?: unknown;
  /**
   * May the call be repeated after a 5xx or a timeout (when Teamleader may have done it)?
   * Default: true for reads (.list, .info, .download, users.me) and for actions known to be
   * idempotent; false for other writes (e.g. invoices.registerPayment).
   */
  idempotent?: boolean;
}

const ACTION = /^[A-Za-z]+\.[A-Za-z]+$/;
const READ = /\.(list|info|download|me)$/;
const IDEMPOTENT_WRITES = new Set(['invoices.removePayments', 'webhooks.register', 'webhooks.unregister']);
/** Extra wait after X-RateLimit-Reset, so hosts sharing an account do not all return at once. */
const RESET_JITTER_MS = 1000;

interface Budget {
  remaining: number;
  resetAt: number | null;
}

/**
 * Teamleader Focus RPC client: `POST <apiBase>/<resource>.<action>` with a Bearer token per
 * connection. Refreshes once on 401; waits for the rate-limit window when the budget is spent; backs
 * off (cockatiel exponential backoff, capped, with jitter) on 429, 5xx and timeouts, a bounded number
 * of times; turns error answers into typed errors.
 */
export class TeamleaderClient {
  readonly #tokens: AccessTokenSource;
  readonly #base: string;
  readonly #clock: Clock;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #maxAttempts: number;
  readonly #backoff: ExponentialBackoff<unknown>;
  readonly #maxDelayMs: number;
  readonly #apiVersion: string | undefined;
  readonly #random: () => number;
  readonly #budgets = new Map<string, Budget>();

  constructor(config: TeamleaderClientConfig) {
    this.#tokens = config.tokens;
    this.#base = (config.apiBaseUrl ?? TEAMLEADER_API_BASE_URL).replace(/\/+$/, '');
    this.#clock = config.clock ?? new SystemClock();
    this.#sleep = config.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#fetch = config.fetch ?? ((input, init) => fetch(input, init));
    this.#timeoutMs = config.timeoutMs ?? 30_000;
    this.#maxAttempts = Math.max(1, config.retry?.maxAttempts ?? 5);
    this.#maxDelayMs = config.retry?.maxDelayMs ?? 60_000;
    this.#backoff = new ExponentialBackoff({
      generator: halfJitterGenerator,
      initialDelay: config.retry?.initialDelayMs ?? 1000,
      maxDelay: this.#maxDelayMs,
    });
    this.#apiVersion = config.apiVersion;
    this.#random = config.random ?? Math.random;
  }

  /** One API call; resolves with the parsed body (`{ data, meta? }`), or undefined for 204. */
  async call<T = unknown>(input: CallInput): Promise<T> {
    const { connectionId, action } = input;
    if (!ACTION.test(action)) throw new TypeError(`Not a Teamleader action: "${action}"`);
    const idempotent = input.idempotent ?? (READ.test(action) || IDEMPOTENT_WRITES.has(action));
    const payload = JSON.stringify(input.body ?? {});
    let refreshed = false;
    let backoff: IBackoff<unknown> | undefined;
    const nextBackoff = () => {
      backoff = backoff ? backoff.next(undefined) : this.#backoff.next();
      return backoff.duration;
    };

    for (let attempt = 1; ; attempt++) {
      await this.#waitForBudget(connectionId);
      const token = await this.#tokens.accessToken({ connectionId });
      let response: Response;
      try {
        response = await this.#fetch(`${this.#base}/${action}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            accept: 'application/json',
            ...(this.#apiVersion ? { 'x-api-version': this.#apiVersion } : {}),
          },
          body: payload,
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (cause) {
        const timedOut = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
        const what = timedOut ? `timed out after ${this.#timeoutMs} ms` : `unreachable (${(cause as Error).message})`;
        if (idempotent && attempt < this.#maxAttempts) {
          await this.#sleep(nextBackoff());
          continue;
        }
        throw new TeamleaderUnavailableError({
          message: `Teamleader ${action} ${what}.`,
          action,
          outcomeUnknown: !idempotent,
          cause,
        });
      }
      this.#recordBudget(connectionId, response.headers);
      const text = await response.text();

      if (response.ok) return (text.trim() === '' ? undefined : parseTeamleaderJson(text)) as T;

      if (response.status === 401 && !refreshed) {
        refreshed = true;
        await this.#tokens.refreshAfterRejection({ connectionId, rejectedAccessToken: token });
        attempt--; // the refresh retry is not a backoff attempt
        continue;
      }
      if (response.status === 429) {
        if (attempt < this.#maxAttempts) {
          const wait = this.#rateLimitWait(response.headers) ?? nextBackoff();
          await this.#sleep(Math.min(wait, this.#maxDelayMs));
          continue;
        }
        const reset = this.#budgets.get(connectionId)?.resetAt;
        throw new TeamleaderRateLimitedError({
          message: `Teamleader ${action}: still rate limited after ${attempt} attempts.`,
          action,
          titles: errorTitles(text),
          retryAt: reset ? new Date(reset).toISOString() : null,
        });
      }
      if (response.status >= 500) {
        if (idempotent && attempt < this.#maxAttempts) {
          await this.#sleep(nextBackoff());
          continue;
        }
        throw new TeamleaderUnavailableError({
          message: `Teamleader ${action} failed with ${response.status}${attempt > 1 ? ` after ${attempt} attempts` : ''}.`,
          action,
          titles: errorTitles(text),
          upstreamStatus: response.status,
          outcomeUnknown: !idempotent,
        });
      }
      throw errorFor(action, response.status, errorTitles(text));
    }
  }

  /**
   * Every item of a paged list: asks page 1, 2, … with `page: { size, number }` until a page
   * holds fewer than `pageSize` items (Teamleader's `meta` is not relied on).
   */
  async *paginate<T = unknown>({
    connectionId,
    action,
    body,
    pageSize = 100,
  }: {
    connectionId: string;
    action: string;
    body?: Record<string, unknown>;
    pageSize?: number;
  }): AsyncGenerator<T, void, undefined> {
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) throw new RangeError('pageSize must be 1-100');
    for (let number = 1; ; number++) {
      const page = await this.call<{ data: T[] }>({ connectionId, action, body: { ...body, page: { size: pageSize, number } } });
      yield* page.data;
      if (page.data.length < pageSize) return;
    }
  }

  /** GETs a temporary download location (from invoices.download / creditNotes.download); no token is sent. */
  async fetchFile({ location }: { location: string }): Promise<{ contentType: string | null; bytes: Uint8Array }> {
    let response: Response;
    try {
      response = await this.#fetch(location, { signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (cause) {
      throw new TeamleaderUnavailableError({ message: `Teamleader file unreachable: ${(cause as Error).message}`, cause });
    }
    if (!response.ok) {
      if (response.status >= 500)
        throw new TeamleaderUnavailableError({ message: `Teamleader file failed with ${response.status}.`, upstreamStatus: response.status });
      throw errorFor('file', response.status, []);
    }
    return { contentType: response.headers.get('content-type'), bytes: new Uint8Array(await response.arrayBuffer()) };
  }

  /** The typed helpers, bound to one connection. */
  connection({ connectionId }: { connectionId: string }): TeamleaderApi {
    return new TeamleaderApi({ client: this, connectionId });
  }

  /** What the last answer said about the rate-limit budget of a connection (null before any call). */
  rateLimit({ connectionId }: { connectionId: string }): { remaining: number; resetAt: string | null } | null {
    const budget = this.#budgets.get(connectionId);
    return budget ? { remaining: budget.remaining, resetAt: budget.resetAt === null ? null : new Date(budget.resetAt).toISOString() } : null;
  }

  async #waitForBudget(connectionId: string): Promise<void> {
    const budget = this.#budgets.get(connectionId);
    if (!budget || budget.remaining > 0 || budget.resetAt === null) return;
    const wait = budget.resetAt - this.#clock.now().getTime();
    if (wait > 0) await this.#sleep(Math.min(wait + Math.floor(this.#random() * RESET_JITTER_MS), this.#maxDelayMs));
    this.#budgets.delete(connectionId);
  }

  #recordBudget(connectionId: string, headers: Headers): void {
    const remaining = Number(headers.get('x-ratelimit-remaining') ?? Number.NaN);
    if (!Number.isFinite(remaining)) return;
    this.#budgets.set(connectionId, { remaining, resetAt: this.#resetTime(headers) });
  }

  /** X-RateLimit-Reset is an ISO timestamp (per the docs); a bare number is read as seconds from now. */
  #resetTime(headers: Headers): number | null {
    const raw = headers.get('x-ratelimit-reset');
    if (!raw) return null;
    if (/^\d+$/.test(raw.trim())) return this.#clock.now().getTime() + Number(raw) * 1000;
    const at = Date.parse(raw);
    return Number.isNaN(at) ? null : at;
  }

  /** On 429: until X-RateLimit-Reset (+ jitter), else Retry-After seconds, else null (= backoff). */
  #rateLimitWait(headers: Headers): number | null {
    const reset = this.#resetTime(headers);
    if (reset !== null) return Math.max(0, reset - this.#clock.now().getTime()) + Math.floor(this.#random() * RESET_JITTER_MS);
    const retryAfter = Number(headers.get('retry-after') ?? Number.NaN);
    if (Number.isFinite(retryAfter) && retryAfter >= 0) return retryAfter * 1000;
    return null;
  }
}

function errorTitles(text: string): string[] {
  try {
    const body = JSON.parse(text) as { errors?: Array<{ title?: unknown }> };
    return (body.errors ?? []).map((error) => error.title).filter((title): title is string => typeof title === 'string');
  } catch {
    return [];
  }
}

function errorFor(action: string, status: number, titles: string[]): TeamleaderError {
  const message = `Teamleader ${action} failed with ${status}${titles.length > 0 ? `: ${titles.join('; ')}` : ''}.`;
  const input = { message, titles, action };
  switch (status) {
    case 400:
    case 422:
      return new TeamleaderValidationError(input);
    case 401:
      return new TeamleaderUnauthorizedError(input);
    case 403:
      return new TeamleaderForbiddenError(input);
    case 404:
      return new TeamleaderNotFoundError(input);
    default:
      return new TeamleaderError({ ...input, status });
  }
}
