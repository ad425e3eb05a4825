import { ExponentialBackoff, halfJitterGenerator, noJitterGenerator, type IBackoff } from 'cockatiel';
import { z } from 'zod';
import {
  EPostError,
  EPostInvalidCredentialsError,
  EPostRateLimitedError,
  EPostRejectedError,
  EPostResponseError,
  EPostTimeoutError,
  EPostUnavailableError,
} from './epost.errors.js';
import {
  letterIdentSchema,
  letterStatusSchema,
  loginResponseSchema,
  messageSchema,
  type EPostLetterStatus,
  type EPostMessage,
  type LetterIdent,
} from './epost.schemas.js';

/** What logs a customer in: the integrator's vendor ID and the customer's EKP, password and secret (from setPassword). */
export interface EPostCredentials {
  vendorId: string;
  /** The customer number at Deutsche Post: 10 digits. */
  ekp: string;
  password: string;
  secret: string;
}

export interface EPostClientConfig extends EPostCredentials {
  /** The API's origin, e.g. https://api.epost.docuguide.com or the sandbox's url (paths start with /api). */
  baseUrl: string;
  fetch?: typeof fetch;
  /** Retries after the first attempt, for 5xx, 429, timeouts and network errors. Default 3. */
  retries?: number;
  /** How waits happen (backoff, the 5 s between status queries). Default setTimeout; tests pass their own. */
  sleep?: (ms: number) => Promise<void>;
  /** Per attempt. Default 30 s (uploads carry up to 20 MB). */
  timeoutMs?: number;
  /** Backoff for 5xx, timeouts and network errors (cockatiel exponential). Defaults 500 ms, 10 s, half jitter. */
  backoff?: { initialDelayMs?: number; maxDelayMs?: number; jitter?: boolean };
  /** Makes the per-attempt timeout signal. Default AbortSignal.timeout. */
  timeoutSignal?: (ms: number) => AbortSignal;
  /** The time, to know when the token expires. Default the system clock. */
  now?: () => Date;
  /** Asked token lifetime in minutes (the API's maximum and default: 1440). */
  tokenDurationMinutes?: number;
}

export const REGISTERED_LETTER_KINDS = ['Einwurf Einschreiben', 'Einschreiben', 'Einschreiben Rückschein'] as const;
export type RegisteredLetterKind = (typeof REGISTERED_LETTER_KINDS)[number];

export interface UploadLetterInput {
  /** Unique per customer, 5-200 of A-Z a-z 0-9 . _ - (the API refuses special characters). */
  fileName: string;
  /** One PDF (PDF/A-1b preferred), A4 portrait, the address on page 1 in the window zone; at most 20 MB. */
  pdf: Uint8Array;
  /** The recipient as printed: 1-5 lines (name first), and the postcode and city of the last line. */
  recipient: { lines: readonly string[]; zipCode: string; city: string; /** German name in capitals; null/absent in Germany. */ country?: string | null };
  color?: boolean;
  duplex?: boolean;
  registered?: RegisteredLetterKind | null;
  /** Checked and e-mailed back by the API, never printed. */
  testFlag?: boolean;
  /**
   * The API puts a cover sheet of its own first, with the recipient (and sender) from these fields in a
   * valid address zone: the document's page 1 is then not checked for an address. One sheet more.
   */
  coverLetter?: boolean;
  /** The sender, one line (max 200): printed by the API on its cover sheet. Required with coverLetter. */
  senderLine?: string;
  batchId?: number;
  /** custom1..custom5 (custom1 is searchable). */
  custom?: ReadonlyArray<string | null>;
  /**
   * The API's duplicate failsafe (default on): an identical letter within the hour is refused with the
   * first one's letter ID (E324), which this client answers as that letter — so a retry never posts twice.
   */
  duplicateFailsafe?: boolean;
}

export interface UploadedLetter extends LetterIdent {
  /** True when the API said this letter had already been uploaded (E324) and named it. */
  duplicate: boolean;
}

interface RequestInput<T> {
  method: 'GET' | 'POST';
  path: string;
  schema: z.ZodType<T>;
  body?: unknown;
  /** No token (login, health check). */
  anonymous?: boolean;
  signal?: AbortSignal | undefined;
  /** 404 E201 answers null. */
  nullOnNotFound?: boolean;
}

const TOKEN_MARGIN_MS = 60_000;
const STATUS_QUERY_WAIT_MS = 5_000;
const FILE_NAME = /^[A-Za-z0-9._-]{5,200}$/;

/**
 * Client of the E-POSTBUSINESS API for one customer (see README.md). The token from `POST /api/Login`
 * is cached until a minute before its `exp` and renewed once on a 401; 5xx, 408, timeouts and network
 * errors back off (cockatiel); uploads are retried too, because the duplicate failsafe turns a repeat
 * into the first letter's ID. Every answer is checked with zod.
 */
export class EPostClient {
  readonly #base: string;
  readonly #credentials: EPostCredentials;
  readonly #fetch: typeof fetch;
  readonly #retries: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #timeoutMs: number;
  readonly #backoff: ExponentialBackoff<unknown>;
  readonly #timeoutSignal: (ms: number) => AbortSignal;
  readonly #now: () => Date;
  readonly #tokenMinutes: number;
  #token: { value: string; expiresAt: Date } | null = null;
  #pendingLogin: Promise<{ value: string; expiresAt: Date }> | null = null;

  constructor(config: EPostClientConfig) {
    for (const field of ['vendorId', 'ekp', 'password', 'secret'] as const)
      if (typeof config[field] !== 'string' || config[field].trim() === '') throw new RangeError(`EPostClient: ${field} is required`);
    this.#base = new URL(config.baseUrl).toString().replace(/\/+$/, '');
    this.#credentials = { vendorId: config.vendorId, ekp: config.ekp, password: config.password, secret: config.secret };
    this.#fetch = config.fetch ?? ((input, init) => fetch(input, init));
    this.#retries = config.retries ?? 3;
    if (!Number.isInteger(this.#retries) || this.#retries < 0 || this.#retries > 10) throw new RangeError('EPostClient: retries must be 0..10');
    this.#sleep = config.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#timeoutMs = config.timeoutMs ?? 30_000;
    this.#backoff = new ExponentialBackoff({
      generator: config.backoff?.jitter === false ? noJitterGenerator : halfJitterGenerator,
      initialDelay: config.backoff?.initialDelayMs ?? 500,
      maxDelay: config.backoff?.maxDelayMs ?? 10_000,
    });
    this.#timeoutSignal = config.timeoutSignal ?? ((ms) => AbortSignal.timeout(ms));
    this.#now = config.now ?? (() => new Date());
    this.#tokenMinutes = config.tokenDurationMinutes ?? 1440;
    if (!Number.isInteger(this.#tokenMinutes) || this.#tokenMinutes < 2 || this.#tokenMinutes > 1440)
      throw new RangeError('EPostClient: tokenDurationMinutes must be 2..1440');
  }

  /** Logs in now (a fresh token, cached): the way to check credentials. EPostInvalidCredentialsError when refused. */
  async login(input: { signal?: AbortSignal } = {}): Promise<{ expiresAt: Date }> {
    this.#token = null;
    const token = await this.#freshToken(input.signal);
    return { expiresAt: token.expiresAt };
  }

  /** The API's availability (no login): I501 OK, W501 maintenance announced, E501 inactive. */
  async healthCheck(input: { signal?: AbortSignal } = {}): Promise<EPostMessage> {
    return (await this.#request({ method: 'GET', path: '/api/Login/HealthCheck', schema: messageSchema, anonymous: true, signal: input.signal }))!;
  }

  /** Uploads one letter; EPostRejectedError when the API refuses it (nothing is sent then). */
  async uploadLetter(letter: UploadLetterInput, input: { signal?: AbortSignal } = {}): Promise<UploadedLetter> {
    const [uploaded] = await this.uploadLetters([letter], input);
    return uploaded!;
  }

  /** Uploads letters in one request (all or none); one ident per letter, in order. */
  async uploadLetters(letters: readonly UploadLetterInput[], input: { signal?: AbortSignal } = {}): Promise<UploadedLetter[]> {
    if (letters.length === 0) return [];
    const payload = letters.map(toPayload);
    try {
      const idents = (await this.#request({ method: 'POST', path: '/api/Letter', schema: z.array(letterIdentSchema), body: payload, signal: input.signal }))!;
      if (idents.length !== letters.length)
        throw new EPostResponseError({ message: `E-POST upload: ${idents.length} letter IDs for ${letters.length} letters.`, upstreamStatus: 200 });
      return idents.map((ident) => ({ ...ident, duplicate: false }));
    } catch (error) {
      // The failsafe names the letter this one repeats: a retry after a lost answer, the same letter.
      const earlier = error instanceof EPostRejectedError && error.vendorCode === 'E324' ? /LetterID\s+(\d+)/i.exec(error.vendorDescription)?.[1] : undefined;
      if (earlier && letters.length === 1) return [{ letterID: Number(earlier), fileName: letters[0]!.fileName, duplicate: true }];
      throw error;
    }
  }

  /** One letter's status; null when the API does not know the ID for this customer (E201). */
  async letterStatus(letterId: number, input: { signal?: AbortSignal } = {}): Promise<EPostLetterStatus | null> {
    if (!Number.isSafeInteger(letterId) || letterId <= 0) throw new RangeError('letterStatus: letterId must be a positive whole number');
    return this.#request({ method: 'GET', path: `/api/Letter/${letterId}`, schema: letterStatusSchema, nullOnNotFound: true, signal: input.signal });
  }

  /** Several letters' statuses in one call (unknown IDs are left out). */
  async letterStatuses(letterIds: readonly number[], input: { onlyIssues?: boolean; signal?: AbortSignal } = {}): Promise<EPostLetterStatus[]> {
    if (letterIds.length === 0) return [];
    const answer = await this.#request({
      method: 'POST',
      path: `/api/Letter/StatusQuery?onlyIssues=${input.onlyIssues === true}`,
      schema: z.array(letterStatusSchema),
      body: letterIds,
      nullOnNotFound: true,
      signal: input.signal,
    });
    return answer ?? [];
  }

  async #validToken(signal: AbortSignal | undefined): Promise<string> {
    const token = this.#token;
    if (token && token.expiresAt.getTime() - TOKEN_MARGIN_MS > this.#now().getTime()) return token.value;
    return (await this.#freshToken(signal)).value;
  }

  /** One login at a time: concurrent callers share it. */
  #freshToken(signal: AbortSignal | undefined): Promise<{ value: string; expiresAt: Date }> {
    this.#pendingLogin ??= (async () => {
      try {
        const answer = await this.#request({
          method: 'POST',
          path: '/api/Login',
          schema: loginResponseSchema,
          anonymous: true,
          signal,
          body: {
            vendorID: this.#credentials.vendorId,
            ekp: this.#credentials.ekp,
            secret: this.#credentials.secret,
            password: this.#credentials.password,
            tokenDuration: this.#tokenMinutes,
          },
        });
        const expiresAt = jwtExpiry(answer!.token) ?? new Date(this.#now().getTime() + this.#tokenMinutes * 60_000);
        this.#token = { value: answer!.token, expiresAt };
        return this.#token;
      } finally {
        this.#pendingLogin = null;
      }
    })();
    return this.#pendingLogin;
  }

  async #request<T>(input: RequestInput<T>): Promise<T | null> {
    const url = `${this.#base}${input.path}`;
    const what = `${input.method} ${input.path.replace(/\?.*$/, '')}`;
    let backoff: IBackoff<unknown> | undefined;
    const nextBackoff = (): number => {
      backoff = backoff ? backoff.next(undefined) : this.#backoff.next();
      return backoff.duration;
    };
    let renewedToken = false;

    for (let attempt = 0; ; attempt++) {
      const retriesLeft = attempt < this.#retries;
      const token = input.anonymous ? null : await this.#validToken(input.signal);
      const timeout = this.#timeoutSignal(this.#timeoutMs);
      const signal = input.signal ? AbortSignal.any([input.signal, timeout]) : timeout;
      let status: number;
      let text: string;
      try {
        const response = await this.#fetch(url, {
          method: input.method,
          headers: {
            accept: 'application/json',
            ...(input.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          ...(input.body === undefined ? {} : { body: JSON.stringify(input.body) }),
          signal,
        });
        status = response.status;
        text = await response.text();
      } catch (cause) {
        if (input.signal?.aborted) throw new EPostTimeoutError({ reason: 'aborted', message: `E-POST ${what}: the caller stopped waiting.`, cause });
        const timedOut = timeout.aborted;
        if (retriesLeft) {
          await this.#sleep(nextBackoff());
          continue;
        }
        if (timedOut)
          throw new EPostTimeoutError({
            reason: 'timeout',
            message: `E-POST ${what}: no answer within ${this.#timeoutMs} ms (${attempt + 1} attempts).`,
            cause,
          });
        throw new EPostUnavailableError({ message: `E-POST ${what}: unreachable (${(cause as Error).message}) after ${attempt + 1} attempts.`, cause });
      }

      if (status >= 200 && status < 300) return parseAnswer({ text, schema: input.schema, what, status });
      const error = vendorMessage(text);
      if (status === 401 && input.path === '/api/Login')
        throw new EPostInvalidCredentialsError({
          message: `E-POST refused the login for EKP ${maskEkp(this.#credentials.ekp)}: ${error?.description ?? 'invalid credentials'}.`,
          vendorCode: error?.code ?? null,
        });
      if (status === 401 && !renewedToken) {
        // Expired or revoked (E101): one fresh login, then the same request again.
        renewedToken = true;
        this.#token = null;
        attempt--;
        continue;
      }
      if (status === 401)
        throw new EPostInvalidCredentialsError({
          message: `E-POST ${what}: the token was refused after a fresh login (${error?.code ?? 'no code'}).`,
          vendorCode: error?.code ?? null,
        });
      if (status === 429) {
        if (retriesLeft) {
          await this.#sleep(STATUS_QUERY_WAIT_MS);
          continue;
        }
        throw new EPostRateLimitedError({
          message: `E-POST ${what}: too many requests (${error?.code ?? 'no code'}) after ${attempt + 1} attempts.`,
          vendorCode: error?.code ?? null,
        });
      }
      if (status >= 500 || status === 408) {
        if (retriesLeft) {
          await this.#sleep(nextBackoff());
          continue;
        }
        throw new EPostUnavailableError({
          message: `E-POST ${what}: HTTP ${status} after ${attempt + 1} attempts.`,
          upstreamStatus: status,
          vendorCode: error?.code ?? null,
        });
      }
      if (status === 404 && input.nullOnNotFound && (error === null || error.code === 'E201')) return null;
      if (status === 400 && input.path === '/api/Letter')
        throw new EPostRejectedError({
          message: `E-POST refused the letter: ${error?.code ?? 'no code'} ${error?.description ?? ''}`.trim(),
          vendorCode: error?.code ?? null,
          vendorDescription: error?.description ?? '',
        });
      throw new EPostResponseError({
        message: `E-POST ${what}: unexpected HTTP ${status} (${error?.code ?? 'no code'}${error?.description ? `: ${error.description}` : ''}).`,
        upstreamStatus: status,
        vendorCode: error?.code ?? null,
      });
    }
  }
}

function toPayload(letter: UploadLetterInput): Record<string, unknown> {
  if (!FILE_NAME.test(letter.fileName)) throw new RangeError('uploadLetter: fileName must be 5-200 of A-Z a-z 0-9 . _ -');
  const lines = letter.recipient.lines.map((line) => line.trim()).filter(Boolean);
  if (lines.length < 1 || lines.length > 5) throw new RangeError('uploadLetter: the recipient has 1 to 5 lines');
  if (letter.registered && letter.duplex) throw new RangeError('uploadLetter: registered letters cannot be printed duplex (E312)');
  const payload: Record<string, unknown> = {
    fileName: letter.fileName,
    data: Buffer.from(letter.pdf).toString('base64'),
    isColor: letter.color ?? false,
    isDuplex: letter.duplex ?? false,
    testFlag: letter.testFlag ?? false,
    coverLetter: letter.coverLetter ?? false,
    zipCode: letter.recipient.zipCode,
    city: letter.recipient.city,
    activateDuplicateFailsafe: letter.duplicateFailsafe ?? true,
  };
  lines.forEach((line, i) => (payload[`addressLine${i + 1}`] = line));
  if (letter.recipient.country) payload.country = letter.recipient.country;
  if (letter.senderLine) payload.senderAdressLineComplete = letter.senderLine.slice(0, 200);
  if (letter.registered) payload.registeredLetter = letter.registered;
  if (letter.batchId !== undefined) payload.batchID = letter.batchId;
  (letter.custom ?? []).slice(0, 5).forEach((value, i) => {
    if (value) payload[`custom${i + 1}`] = value;
  });
  return payload;
}

function parseAnswer<T>(input: { text: string; schema: z.ZodType<T>; what: string; status: number }): T {
  let json: unknown;
  try {
    json = JSON.parse(input.text);
  } catch (cause) {
    throw new EPostResponseError({ message: `E-POST ${input.what}: the answer is not JSON.`, upstreamStatus: input.status, cause });
  }
  const parsed = input.schema.safeParse(json);
  if (!parsed.success)
    throw new EPostResponseError({
      message: `E-POST ${input.what}: the answer does not fit the API.`,
      upstreamStatus: input.status,
      details: { issues: parsed.error.issues.slice(0, 10).map((issue) => ({ path: issue.path.join('.'), message: issue.message })) },
    });
  return parsed.data;
}

function vendorMessage(text: string): EPostMessage | null {
  try {
    const parsed = messageSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The `exp` of a JWT (the login's token), or null when it is not one. */
function jwtExpiry(token: string): Date | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? new Date(exp * 1000) : null;
  } catch {
    return null;
  }
}

/** "******5678": enough to recognise a customer number in messages and screens. */
export function maskEkp(ekp: string): string {
  return ekp.length <= 4 ? '****' : `${'*'.repeat(ekp.length - 4)}${ekp.slice(-4)}`;
}

export function isEPostError(error: unknown): error is EPostError {
  return error instanceof EPostError;
}
