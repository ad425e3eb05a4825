import { ExponentialBackoff, halfJitterGenerator, noJitterGenerator, type IBackoff } from 'cockatiel';
import type { z } from 'zod';
import { normaliseEnterpriseNumber } from './enterprise-number.js';
import {
  InvalidEnterpriseNumberError,
  TrendsTopAuthError,
  TrendsTopError,
  TrendsTopExportRightsError,
  TrendsTopIdempotencyConflictError,
  TrendsTopNoDataError,
  TrendsTopRateLimitedError,
  TrendsTopResponseError,
  TrendsTopTimeoutError,
  TrendsTopUnavailableError,
} from './trendstop.errors.js';
import {
  availabilitySchema,
  companyExportSchema,
  errorBodySchema,
  subscriptionSchema,
  type CompanyAvailability,
  type CompanyExport,
  type TrendsTopSubscription,
} from './trendstop.schemas.js';

export interface TrendsTopClientConfig {
  /** The vendor's address, e.g. the sandbox's url; the API is under `/v1` (a base ending in /v1 is taken as is). */
  baseUrl: string;
  /** The partner key or a customer's own key (`Authorization: Bearer`). */
  apiKey: string;
  fetch?: typeof fetch;
  /** Retries after the first attempt, for 429, 5xx, timeouts and network errors. Default 3. */
  retries?: number;
  /** How waits happen (Retry-After, backoff). Default setTimeout; tests pass one that records and moves a ManualClock. */
  sleep?: (ms: number) => Promise<void>;
  /** Per attempt. Default 10 s. */
  timeoutMs?: number;
  /** A 429 whose Retry-After is longer than this is not waited for: TrendsTopRateLimitedError at once. Default 60. */
  maxRetryAfterSeconds?: number;
  /** Backoff for 5xx, timeouts and network errors (cockatiel exponential). Defaults 500 ms, 10 s, half jitter. */
  backoff?: { initialDelayMs?: number; maxDelayMs?: number; jitter?: boolean };
  /** Makes the per-attempt timeout signal. Default AbortSignal.timeout; tests pass one they abort themselves. */
  timeoutSignal?: (ms: number) => AbortSignal;
}

interface RequestInput<T> {
  method: 'GET' | 'POST';
  path: string;
  schema: z.ZodType<T>;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** 404 company_not_found answers null. */
  nullOnNotFound?: boolean;
  enterpriseNumber?: string;
}

/**
 * Client of the Trends Top company-data protocol (contract 3, see README.md): `GET /v1/subscription`,
 * `GET /v1/companies/{n}/availability` (free), `POST /v1/companies/{n}/export` (billable, Idempotency-Key).
 * 429 waits for Retry-After (bounded); 5xx, timeouts and network errors back off (cockatiel); exports are
 * retried too, since the Idempotency-Key makes a repeat the same export, billed once. Every answer is
 * checked with zod; whatever does not fit is a TrendsTopResponseError, never a crash further on.
 */
export class TrendsTopClient {
  readonly #base: string;
  readonly #apiKey: string;
  readonly #fetch: typeof fetch;
  readonly #retries: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #timeoutMs: number;
  readonly #maxRetryAfterSeconds: number;
  readonly #backoff: ExponentialBackoff<unknown>;
  readonly #timeoutSignal: (ms: number) => AbortSignal;

  constructor(config: TrendsTopClientConfig) {
    if (typeof config.apiKey !== 'string' || config.apiKey.trim() === '') throw new RangeError('TrendsTopClient: apiKey is required');
    const base = new URL(config.baseUrl).toString().replace(/\/+$/, '');
    this.#base = base.endsWith('/v1') ? base : `${base}/v1`;
    this.#apiKey = config.apiKey;
    this.#fetch = config.fetch ?? ((input, init) => fetch(input, init));
    this.#retries = config.retries ?? 3;
    if (!Number.isInteger(this.#retries) || this.#retries < 0 || this.#retries > 10) throw new RangeError('TrendsTopClient: retries must be 0..10');
    this.#sleep = config.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#timeoutMs = config.timeoutMs ?? 10_000;
    this.#maxRetryAfterSeconds = config.maxRetryAfterSeconds ?? 60;
    this.#backoff = new ExponentialBackoff({
      generator: config.backoff?.jitter === false ? noJitterGenerator : halfJitterGenerator,
      initialDelay: config.backoff?.initialDelayMs ?? 500,
      maxDelay: config.backoff?.maxDelayMs ?? 10_000,
    });
    this.#timeoutSignal = config.timeoutSignal ?? ((ms) => AbortSignal.timeout(ms));
  }

  /** The key's subscription: formula, export rights, exports billed this month. */
  async subscription(input: { signal?: AbortSignal } = {}): Promise<TrendsTopSubscription> {
    const answer = await this.#request({ method: 'GET', path: '/subscription', schema: subscriptionSchema, signal: input.signal });
    return answer!;
  }

  /** Which data the vendor has for a company (free, not billed); null when it does not know the company. */
  async availability(input: { enterpriseNumber: string; signal?: AbortSignal }): Promise<CompanyAvailability | null> {
    const number = normaliseEnterpriseNumber(input.enterpriseNumber);
    return this.#request({
      method: 'GET',
      path: `/companies/${number}/availability`,
      schema: availabilitySchema,
      signal: input.signal,
      nullOnNotFound: true,
      enterpriseNumber: number,
    });
  }

  /**
   * Exports a company's data: billed to the key once per `idempotencyKey` (a repeat with the same key
   * answers the same export). Null when the vendor does not know the company; TrendsTopNoDataError when
   * it knows nothing to export; TrendsTopExportRightsError when the key's formula may not export.
   */
  async exportCompany(input: { enterpriseNumber: string; idempotencyKey: string; signal?: AbortSignal }): Promise<CompanyExport | null> {
    const number = normaliseEnterpriseNumber(input.enterpriseNumber);
    if (typeof input.idempotencyKey !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(input.idempotencyKey))
      throw new RangeError('exportCompany: idempotencyKey must be 1-255 visible ASCII characters');
    return this.#request({
      method: 'POST',
      path: `/companies/${number}/export`,
      schema: companyExportSchema,
      headers: { 'idempotency-key': input.idempotencyKey },
      signal: input.signal,
      nullOnNotFound: true,
      enterpriseNumber: number,
    });
  }

  async #request<T>(input: RequestInput<T>): Promise<T | null> {
    const url = `${this.#base}${input.path}`;
    let backoff: IBackoff<unknown> | undefined;
    const nextBackoff = (): number => {
      backoff = backoff ? backoff.next(undefined) : this.#backoff.next();
      return backoff.duration;
    };
    const what = `${input.method} ${input.path}`;

    for (let attempt = 0; ; attempt++) {
      const retriesLeft = attempt < this.#retries;
      const timeout = this.#timeoutSignal(this.#timeoutMs);
      const signal = input.signal ? AbortSignal.any([input.signal, timeout]) : timeout;
      let status: number;
      let text: string;
      let headers: Headers;
      try {
        const response = await this.#fetch(url, {
          method: input.method,
          headers: { authorization: `Bearer ${this.#apiKey}`, accept: 'application/json', ...input.headers },
          signal,
        });
        status = response.status;
        headers = response.headers;
        text = await response.text();
      } catch (cause) {
        // The caller gave up: no retry, whatever the vendor is doing.
        if (input.signal?.aborted) throw new TrendsTopTimeoutError({ reason: 'aborted', message: `Trends Top ${what}: the caller stopped waiting.`, cause });
        const timedOut = timeout.aborted;
        if (retriesLeft) {
          await this.#sleep(nextBackoff());
          continue;
        }
        if (timedOut)
          throw new TrendsTopTimeoutError({
            reason: 'timeout',
            message: `Trends Top ${what}: no answer within ${this.#timeoutMs} ms (${attempt + 1} attempts).`,
            cause,
          });
        throw new TrendsTopUnavailableError({ message: `Trends Top ${what}: unreachable (${(cause as Error).message}) after ${attempt + 1} attempts.`, cause });
      }

      if (status >= 200 && status < 300) {
        const answer = parseAnswer({ text, schema: input.schema, what, status });
        // An answer about another company than asked is as wrong as a malformed one.
        const about = (answer as { enterpriseNumber?: unknown }).enterpriseNumber;
        if (input.enterpriseNumber !== undefined && about !== input.enterpriseNumber)
          throw new TrendsTopResponseError({
            message: `Trends Top ${what}: the answer is about ${String(about)}, not ${input.enterpriseNumber}.`,
            upstreamStatus: status,
          });
        return answer;
      }

      const error = errorCode(text);
      if (status === 429) {
        const retryAfter = retryAfterSeconds(headers);
        const wait = retryAfter === null ? nextBackoff() : retryAfter * 1000;
        if (retriesLeft && (retryAfter === null || retryAfter <= this.#maxRetryAfterSeconds)) {
          await this.#sleep(wait);
          continue;
        }
        throw new TrendsTopRateLimitedError({
          message: `Trends Top ${what}: rate limited${retryAfter === null ? '' : ` (retry after ${retryAfter} s)`} after ${attempt + 1} attempts.`,
          retryAfterSeconds: retryAfter,
        });
      }
      if (status >= 500 || status === 408) {
        if (retriesLeft) {
          await this.#sleep(nextBackoff());
          continue;
        }
        throw new TrendsTopUnavailableError({ message: `Trends Top ${what}: HTTP ${status} after ${attempt + 1} attempts.`, upstreamStatus: status });
      }
      if (status === 404 && error?.code === 'company_not_found' && input.nullOnNotFound) return null;
      throw refusal({ status, error, what, enterpriseNumber: input.enterpriseNumber });
    }
  }
}

/** A 4xx the client does not retry, as a typed error. */
function refusal(input: {
  status: number;
  error: { code: string; formula?: string | undefined } | null;
  what: string;
  enterpriseNumber?: string | undefined;
}): TrendsTopError | InvalidEnterpriseNumberError {
  const { status, error, what } = input;
  const code = error?.code ?? null;
  if (status === 401) return new TrendsTopAuthError({ message: `Trends Top ${what}: the API key was refused.`, upstreamStatus: status });
  if (status === 403 && code === 'export_rights_required')
    return new TrendsTopExportRightsError({
      message: `Trends Top ${what}: the subscription${error?.formula ? ` (${error.formula})` : ''} may not export company data.`,
      formula: error?.formula ?? null,
    });
  if (status === 403) return new TrendsTopAuthError({ message: `Trends Top ${what}: forbidden (${code ?? 'no code'}).`, upstreamStatus: status });
  if (status === 400 && code === 'invalid_enterprise_number')
    return new InvalidEnterpriseNumberError({ value: input.enterpriseNumber, reason: 'refused by Trends Top' });
  if (status === 409 && code === 'idempotency_key_reused')
    return new TrendsTopIdempotencyConflictError({ message: `Trends Top ${what}: the Idempotency-Key was used for another company.` });
  if (status === 422 && code === 'no_data')
    return new TrendsTopNoDataError({
      message: `Trends Top has no data to export for ${input.enterpriseNumber ?? 'this company'}.`,
      enterpriseNumber: input.enterpriseNumber ?? '',
    });
  return new TrendsTopResponseError({ message: `Trends Top ${what}: unexpected HTTP ${status} (${code ?? 'no error code'}).`, upstreamStatus: status });
}

function parseAnswer<T>(input: { text: string; schema: z.ZodType<T>; what: string; status: number }): T {
  let json: unknown;
  try {
    json = JSON.parse(input.text);
  } catch (cause) {
    throw new TrendsTopResponseError({ message: `Trends Top ${input.what}: the answer is not JSON.`, upstreamStatus: input.status, cause });
  }
  const parsed = input.schema.safeParse(json);
  if (!parsed.success) {
    throw new TrendsTopResponseError({
      message: `Trends Top ${input.what}: the answer does not fit the protocol.`,
      upstreamStatus: input.status,
      details: { issues: parsed.error.issues.slice(0, 10).map((issue) => ({ path: issue.path.join('.'), message: issue.message })) },
    });
  }
  return parsed.data;
}

function errorCode(text: string): { code: string; formula?: string | undefined } | null {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.error : null;
  } catch {
    return null;
  }
}

/** Retry-After as whole seconds (delta-seconds or an HTTP date); null when absent or unreadable. */
function retryAfterSeconds(headers: Headers): number | null {
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
