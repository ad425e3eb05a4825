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
import { RateLimitBudget } from './rate-limit-budget.js';
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
    /**
     * No single wait is longer. Default 60 s. A rate-limit reset further away than this (plus 1 s
     * for a reset given in whole seconds) is not waited for: the call fails with
     * TeamleaderRateLimitedError (retryAt) without being sent.
     */
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

/**
 * Teamleader Focus RPC client: `POST <apiBase>/<resource>.<action>` with a Bearer token per
 * connection. Refreshes once on 401; counts the calls in flight against the rate-limit budget the
 * last answer announced and waits for X-RateLimit-Reset when it is spent (RateLimitBudget); backs
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
  readonly #budget: RateLimitBudget;

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
    this.#budget = new RateLimitBudget({ clock: this.#clock, sleep: this.#sleep, maxWaitMs: this.#maxDelayMs, random: config.random ?? Math.random });
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
      const token = await this.#tokens.accessToken({ connectionId });
      const reservation = await this.#budget.reserve({ key: connectionId, action });
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
        reservation.release();
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
      this.#budget.record({ key: connectionId, headers: response.headers, refused: response.status === 429 });
      reservation.release();
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
          // With a reset ahead, the next reserve() waits for it; without one, Retry-After (undocumented) or backoff.
          if (this.#budget.resetAhead({ key: connectionId }) === null) {
            await this.#sleep(Math.min(retryAfterMs(response.headers) ?? nextBackoff(), this.#maxDelayMs));
            this.#budget.forget({ key: connectionId });
          }
          continue;
        }
        const reset = this.#budget.resetAhead({ key: connectionId });
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
   * Every item of a paged list: asks page 1, 2, … with `page: { size, number }` until a page comes
   * back empty. A short page does not end the list: Teamleader may serve fewer than asked (its page
   * cap is undocumented), and `meta` is not documented on every list.
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
      if (page.data.length === 0) return;
      yield* page.data;
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

  /** What the last answer said about the rate-limit budget of a connection (null before any call), and the calls out now. */
  rateLimit({ connectionId }: { connectionId: string }): { remaining: number; resetAt: string | null; inFlight: number } | null {
    return this.#budget.snapshot({ key: connectionId });
  }
}

/** Retry-After in seconds: not documented by Teamleader, honoured only when a 429 names no reset. */
function retryAfterMs(headers: Headers): number | null {
  const seconds = Number(headers.get('retry-after') ?? Number.NaN);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
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
