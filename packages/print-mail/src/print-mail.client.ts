import { ExponentialBackoff, halfJitterGenerator, noJitterGenerator, type IBackoff } from 'cockatiel';
import type { z } from 'zod';
import {
  PrintMailAuthError,
  PrintMailError,
  PrintMailIdempotencyConflictError,
  PrintMailNotCancellableError,
  PrintMailNotFoundError,
  PrintMailRejectedError,
  PrintMailResponseError,
  PrintMailTimeoutError,
  PrintMailUnavailableError,
} from './print-mail.errors.js';
import { errorBodySchema, letterSchema, quoteSchema, type PrintMailLetter, type PrintMailProduct, type PrintMailQuote } from './print-mail.schemas.js';

export interface PrintMailClientConfig {
  /** The service's address, e.g. the sandbox's url; the API is under `/v1` (a base ending in /v1 is taken as is). */
  baseUrl: string;
  /** `Authorization: Bearer`. */
  apiKey: string;
  fetch?: typeof fetch;
  /** Retries after the first attempt, for 429, 5xx, timeouts and network errors. Default 3. */
  retries?: number;
  /** How waits happen (Retry-After, backoff). Default setTimeout; tests pass one that records. */
  sleep?: (ms: number) => Promise<void>;
  /** Per attempt. Default 15 s (a letter carries a PDF). */
  timeoutMs?: number;
  /** A Retry-After longer than this is not waited for: PrintMailUnavailableError at once (the caller retries later). Default 60. */
  maxRetryAfterSeconds?: number;
  /** Backoff for 5xx without Retry-After, timeouts and network errors. Defaults 500 ms, 10 s, half jitter. */
  backoff?: { initialDelayMs?: number; maxDelayMs?: number; jitter?: boolean };
  /** Makes the per-attempt timeout signal. Default AbortSignal.timeout. */
  timeoutSignal?: (ms: number) => AbortSignal;
}

/** An address as the client takes it (the SDK's PostalAddress fits). */
export interface PrintMailAddress {
  name: string;
  attention?: string;
  street: string;
  postalCode: string;
  city: string;
  country: string;
}

export interface CreateLetterInput {
  pdf: Uint8Array;
  to: PrintMailAddress;
  from: PrintMailAddress;
  color: boolean;
  duplex: boolean;
  product: PrintMailProduct;
  /** Our id for the letter (≤ 64 characters): on the service's events, and in its support tools. */
  reference?: string;
  /** Where signed status callbacks go. */
  callbackUrl?: string;
  /** At most 20 pairs. */
  metadata?: Record<string, string>;
  /** The same key (with the same letter) answers the same letter: a retry never posts twice. */
  idempotencyKey: string;
  signal?: AbortSignal;
}

interface RequestInput<T> {
  method: 'GET' | 'POST';
  path: string;
  schema: z.ZodType<T>;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  letterId?: string;
}

/**
 * Client of the print-and-mail service (see README.md and tooling/sandbox-print-mail): letters,
 * status, cancel, quotes. 429 and 503 wait for Retry-After (bounded); 5xx, timeouts and network errors
 * back off (cockatiel); creating a letter is retried too, with the same Idempotency-Key, so a repeat is
 * the same letter. Every answer is checked with zod; whatever does not fit is a PrintMailResponseError.
 */
export class PrintMailClient {
  readonly #base: string;
  readonly #apiKey: string;
  readonly #fetch: typeof fetch;
  readonly #retries: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #timeoutMs: number;
  readonly #maxRetryAfterSeconds: number;
  readonly #backoff: ExponentialBackoff<unknown>;
  readonly #timeoutSignal: (ms: number) => AbortSignal;

  constructor(config: PrintMailClientConfig) {
    if (typeof config.apiKey !== 'string' || config.apiKey.trim() === '') throw new RangeError('PrintMailClient: apiKey is required');
    const base = new URL(config.baseUrl).toString().replace(/\/+$/, '');
    this.#base = base.endsWith('/v1') ? base : `${base}/v1`;
    this.#apiKey = config.apiKey;
    this.#fetch = config.fetch ?? ((input, init) => fetch(input, init));
    this.#retries = config.retries ?? 3;
    if (!Number.isInteger(this.#retries) || this.#retries < 0 || this.#retries > 10) throw new RangeError('PrintMailClient: retries must be 0..10');
    this.#sleep = config.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#timeoutMs = config.timeoutMs ?? 15_000;
    this.#maxRetryAfterSeconds = config.maxRetryAfterSeconds ?? 60;
    this.#backoff = new ExponentialBackoff({
      generator: config.backoff?.jitter === false ? noJitterGenerator : halfJitterGenerator,
      initialDelay: config.backoff?.initialDelayMs ?? 500,
      maxDelay: config.backoff?.maxDelayMs ?? 10_000,
    });
    this.#timeoutSignal = config.timeoutSignal ?? ((ms) => AbortSignal.timeout(ms));
  }

  /** Hands a letter to the service (201 `submitted`). PrintMailRejectedError (422) when it refuses it as it is. */
  async createLetter(input: CreateLetterInput): Promise<PrintMailLetter> {
    if (typeof input.idempotencyKey !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(input.idempotencyKey))
      throw new RangeError('createLetter: idempotencyKey must be 1-255 visible ASCII characters');
    const body = {
      file: Buffer.from(input.pdf.buffer, input.pdf.byteOffset, input.pdf.byteLength).toString('base64'),
      to: vendorAddress(input.to),
      from: vendorAddress(input.from),
      color: input.color,
      duplex: input.duplex,
      product: input.product,
      ...(input.reference === undefined ? {} : { reference: input.reference }),
      ...(input.callbackUrl === undefined ? {} : { callback_url: input.callbackUrl }),
      ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
    };
    return this.#request({
      method: 'POST',
      path: '/letters',
      schema: letterSchema,
      body,
      headers: { 'idempotency-key': input.idempotencyKey },
      signal: input.signal,
    });
  }

  /** The letter with its events, oldest first. PrintMailNotFoundError when this key has no such letter. */
  async getLetter(input: { id: string; signal?: AbortSignal }): Promise<PrintMailLetter> {
    return this.#request({ method: 'GET', path: `/letters/${encodeURIComponent(input.id)}`, schema: letterSchema, signal: input.signal, letterId: input.id });
  }

  /** Stops a letter not yet printed (again: the same answer). PrintMailNotCancellableError when it is too late. */
  async cancelLetter(input: { id: string; signal?: AbortSignal }): Promise<PrintMailLetter> {
    return this.#request({
      method: 'POST',
      path: `/letters/${encodeURIComponent(input.id)}/cancel`,
      schema: letterSchema,
      body: {},
      signal: input.signal,
      letterId: input.id,
    });
  }

  /** The service's own price of a draft (what it bills us), not our catalog price. */
  async quote(input: {
    country: string;
    pages: number;
    color: boolean;
    duplex: boolean;
    product: PrintMailProduct;
    signal?: AbortSignal;
  }): Promise<PrintMailQuote> {
    const { signal, ...body } = input;
    return this.#request({ method: 'POST', path: '/quotes', schema: quoteSchema, body, signal });
  }

  async #request<T>(input: RequestInput<T>): Promise<T> {
    const url = `${this.#base}${input.path}`;
    let backoff: IBackoff<unknown> | undefined;
    const nextBackoff = (): number => {
      backoff = backoff ? backoff.next(undefined) : this.#backoff.next();
      return backoff.duration;
    };
    const what = `${input.method} ${input.path}`;
    const payload = input.body === undefined ? undefined : JSON.stringify(input.body);

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
          headers: {
            authorization: `Bearer ${this.#apiKey}`,
            accept: 'application/json',
            ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
            ...input.headers,
          },
          ...(payload === undefined ? {} : { body: payload }),
          signal,
        });
        status = response.status;
        headers = response.headers;
        text = await response.text();
      } catch (cause) {
        if (input.signal?.aborted)
          throw new PrintMailTimeoutError({ reason: 'aborted', message: `Print-and-mail ${what}: the caller stopped waiting.`, cause });
        const timedOut = timeout.aborted;
        if (retriesLeft) {
          await this.#sleep(nextBackoff());
          continue;
        }
        if (timedOut)
          throw new PrintMailTimeoutError({
            reason: 'timeout',
            message: `Print-and-mail ${what}: no answer within ${this.#timeoutMs} ms (${attempt + 1} attempts).`,
            cause,
          });
        throw new PrintMailUnavailableError({
          message: `Print-and-mail ${what}: unreachable (${(cause as Error).message}) after ${attempt + 1} attempts.`,
          cause,
        });
      }

      if (status >= 200 && status < 300) return parseAnswer({ text, schema: input.schema, what, status });

      if (status === 429 || status >= 500 || status === 408) {
        const retryAfter = retryAfterSeconds(headers);
        if (retriesLeft && (retryAfter === null || retryAfter <= this.#maxRetryAfterSeconds)) {
          await this.#sleep(retryAfter === null ? nextBackoff() : retryAfter * 1000);
          continue;
        }
        throw new PrintMailUnavailableError({
          message: `Print-and-mail ${what}: HTTP ${status}${retryAfter === null ? '' : ` (retry after ${retryAfter} s)`} after ${attempt + 1} attempts.`,
          upstreamStatus: status,
          retryAfterSeconds: retryAfter,
        });
      }
      throw refusal({ status, text, what, letterId: input.letterId });
    }
  }
}

/** The service's address shape (Lob-like field names). */
function vendorAddress(address: PrintMailAddress) {
  return {
    name: address.name,
    ...(address.attention ? { attention: address.attention } : {}),
    address_line1: address.street,
    address_zip: address.postalCode,
    address_city: address.city,
    address_country: address.country,
  };
}

/** A 4xx the client does not retry, as a typed error. */
function refusal(input: { status: number; text: string; what: string; letterId?: string | undefined }): PrintMailError {
  const { status, what } = input;
  const error = errorBody(input.text);
  const code = error?.code ?? null;
  const message = error?.message ?? `HTTP ${status}`;
  if (status === 401 || status === 403) return new PrintMailAuthError({ message: `Print-and-mail ${what}: the API key was refused.`, upstreamStatus: status });
  if (status === 422 && code === 'idempotency_key_reused')
    return new PrintMailIdempotencyConflictError({ message: `Print-and-mail ${what}: the Idempotency-Key was used for another letter.` });
  if (status === 422 && code !== null)
    return new PrintMailRejectedError({ message: `Print-and-mail refused the letter: ${message}`, vendorCode: code, fields: error?.fields ?? [] });
  if (status === 404 && input.letterId !== undefined)
    return new PrintMailNotFoundError({ message: `Print-and-mail has no letter ${input.letterId}.`, letterId: input.letterId });
  if (status === 409 && code === 'letter_not_cancellable')
    return new PrintMailNotCancellableError({ message: `Print-and-mail: ${message}`, letterStatus: error?.status ?? null });
  return new PrintMailResponseError({
    message: `Print-and-mail ${what}: unexpected HTTP ${status} (${code ?? 'no error code'}).`,
    upstreamStatus: status,
    vendorCode: code,
  });
}

function parseAnswer<T>(input: { text: string; schema: z.ZodType<T>; what: string; status: number }): T {
  let json: unknown;
  try {
    json = JSON.parse(input.text);
  } catch (cause) {
    throw new PrintMailResponseError({ message: `Print-and-mail ${input.what}: the answer is not JSON.`, upstreamStatus: input.status, cause });
  }
  const parsed = input.schema.safeParse(json);
  if (!parsed.success)
    throw new PrintMailResponseError({
      message: `Print-and-mail ${input.what}: the answer does not fit the protocol.`,
      upstreamStatus: input.status,
      details: { issues: parsed.error.issues.slice(0, 10).map((issue) => ({ path: issue.path.join('.'), message: issue.message })) },
    });
  return parsed.data;
}

function errorBody(text: string): z.output<typeof errorBodySchema>['error'] | null {
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
