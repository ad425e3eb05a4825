import twilio from 'twilio';
import { checkTwilioSignature, type FormParams, type SignatureCheck } from './twilio-webhook-signature.js';

/** What the provider said about one message. Only `accepted` means a text may be on its way. */
export type SendOutcome =
  | { outcome: 'accepted'; sid: string; status: string; segments: number }
  /** A definite no (4xx): the message was not created; retrying will not help. */
  | { outcome: 'refused'; httpStatus: number; code: number | null; message: string }
  /** Not processed (429 throttled, 503 unavailable, connection refused): safe to try again later. */
  | { outcome: 'retry'; httpStatus: number | null; message: string }
  /**
   * Other 5xx, timeouts, resets: the message may or may not exist. Never retried — Twilio has no
   * idempotency keys, so a second POST could send a second text.
   */
  | { outcome: 'unknown'; httpStatus: number | null; message: string };

/** A message's status as Twilio reports it now (GET …/Messages/{sid}.json). */
export interface MessageState {
  status: string;
  errorCode: string | null;
}

/** Fetching a message failed: `status` null when Twilio could not be reached. */
export class SmsProviderError extends Error {
  readonly code = 'sms_provider_error';
  constructor(
    message: string,
    readonly status: number | null,
    readonly twilioCode: number | null,
  ) {
    super(message);
    this.name = 'SmsProviderError';
  }
}

export interface SmsProvider {
  send(input: { to: string; body: string; statusCallback: string }): Promise<SendOutcome>;
  /** The message's current status (the reconcile job's question when a callback is overdue). Throws SmsProviderError. */
  fetchStatus(input: { sid: string }): Promise<MessageState>;
  /** Checks X-Twilio-Signature (auth token, HMAC-SHA1; or a SharedKey named by X-Twilio-Webhooks-Signature-Settings) over `url` + `params`. */
  verifySignature(input: { signature: string | undefined; settings: string | undefined; url: string; params: FormParams }): SignatureCheck;
}

/** Network errors that prove the request never reached the provider. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Twilio Messages through the official SDK. The SDK's Api domain root is overridable (`api.baseUrl`),
 * which is how the sandbox (or a regional proxy) is reached with the exact requests Twilio gets.
 */
export class TwilioSmsClient implements SmsProvider {
  readonly #client: twilio.Twilio;
  readonly #authToken: string;
  readonly #from: string;
  readonly #sharedKeys: Readonly<Record<string, string>>;

  constructor(input: {
    accountSid: string;
    authToken: string;
    from: string;
    baseUrl?: string;
    timeoutMs?: number;
    sharedKeys?: Readonly<Record<string, string>>;
  }) {
    // autoRetry off: a retried POST could send the text twice; the sweep decides when to try again.
    this.#client = twilio(input.accountSid, input.authToken, { autoRetry: false, timeout: input.timeoutMs ?? 15_000 });
    if (input.baseUrl) this.#client.api.baseUrl = input.baseUrl.replace(/\/+$/, '');
    this.#authToken = input.authToken;
    this.#from = input.from;
    this.#sharedKeys = input.sharedKeys ?? {};
  }

  async send(input: { to: string; body: string; statusCallback: string }): Promise<SendOutcome> {
    try {
      const message = await this.#client.messages.create({ to: input.to, from: this.#from, body: input.body, statusCallback: input.statusCallback });
      return { outcome: 'accepted', sid: message.sid, status: message.status, segments: Number(message.numSegments ?? 1) };
    } catch (error) {
      return classify(error);
    }
  }

  async fetchStatus(input: { sid: string }): Promise<MessageState> {
    try {
      const message = await this.#client.messages(input.sid).fetch();
      return { status: message.status, errorCode: message.errorCode === null || message.errorCode === undefined ? null : String(message.errorCode) };
    } catch (error) {
      const e = error as { status?: number; code?: number | string; message?: string };
      throw new SmsProviderError(e.message ?? String(error), typeof e.status === 'number' ? e.status : null, typeof e.code === 'number' ? e.code : null);
    }
  }

  verifySignature(input: { signature: string | undefined; settings: string | undefined; url: string; params: FormParams }): SignatureCheck {
    return checkTwilioSignature({ authToken: this.#authToken, sharedKeys: this.#sharedKeys, ...input });
  }
}

function classify(error: unknown): SendOutcome {
  const e = error as { status?: number; code?: number | string; message?: string };
  if (error instanceof twilio.RestException || typeof e.status === 'number') {
    const httpStatus = e.status as number;
    const message = e.message ?? `HTTP ${httpStatus}`;
    if (httpStatus === 429 || httpStatus === 503) return { outcome: 'retry', httpStatus, message };
    if (httpStatus >= 500) return { outcome: 'unknown', httpStatus, message };
    return { outcome: 'refused', httpStatus, code: typeof e.code === 'number' ? e.code : null, message };
  }
  if (typeof e.code === 'string' && NOT_SENT.has(e.code)) return { outcome: 'retry', httpStatus: null, message: e.code };
  return { outcome: 'unknown', httpStatus: null, message: e.message ?? String(error) };
}
