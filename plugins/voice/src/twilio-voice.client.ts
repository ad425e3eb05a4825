import twilio from 'twilio';
import { isCallStatus, type CallStatus } from './call-status.js';
import { checkTwilioSignature, type FormParams, type SignatureCheck } from './twilio-webhook-signature.js';

/** A call as the provider reports it. */
export interface ProviderCall {
  sid: string;
  status: CallStatus;
  /** Whole seconds, once the call has ended; null before. */
  durationSeconds: number | null;
}

/** The provider refused a request (`status`/`code` from its error body) or could not be reached (both null). */
export class VoiceProviderError extends Error {
  readonly status: number | null;
  readonly code: number | null;

  constructor(input: { message: string; status: number | null; code: number | null; cause?: unknown }) {
    super(input.message, input.cause === undefined ? undefined : { cause: input.cause });
    this.name = 'VoiceProviderError';
    this.status = input.status;
    this.code = input.code;
  }
}

/** What the plugin needs from a voice provider; the Twilio client below is the one implementation. */
export interface VoiceProvider {
  createCall(input: { to: string; from: string; statusCallback: string; twiml?: string; url?: string; timeLimitSeconds?: number }): Promise<ProviderCall>;
  fetchCall(input: { sid: string }): Promise<ProviderCall>;
  /** Ends the call (Status=completed). */
  hangUp(input: { sid: string }): Promise<ProviderCall>;
  /**
   * Checks `X-Twilio-Signature` over the exact callback URL and the POSTed form fields (a repeated field
   * with all its values): the auth token (HMAC-SHA1), or the SharedKey that `X-Twilio-Webhooks-Signature-Settings` names.
   */
  validateSignature(input: { signature: string | undefined; settings?: string | undefined; url: string; params: FormParams }): SignatureCheck;
}

/** Outbound calls through the official twilio SDK (REST API 2010-04-01, Calls resource). */
export class TwilioVoiceClient implements VoiceProvider {
  readonly #client: twilio.Twilio;
  readonly #authToken: string;
  readonly #sharedKeys: Readonly<Record<string, string>>;

  constructor(input: { accountSid: string; authToken: string; baseUrl?: string; timeoutMs?: number; sharedKeys?: Readonly<Record<string, string>> }) {
    this.#authToken = input.authToken;
    this.#sharedKeys = input.sharedKeys ?? {};
    this.#client = twilio(input.accountSid, input.authToken, { httpClient: new twilio.RequestClient({ timeout: input.timeoutMs ?? 10_000 }) });
    // The SDK has no base-URL option; its `api` domain (which `calls` goes through) builds every URI on this public field.
    if (input.baseUrl) this.#client.api.baseUrl = input.baseUrl.replace(/\/+$/, '');
  }

  async createCall(input: {
    to: string;
    from: string;
    statusCallback: string;
    twiml?: string;
    url?: string;
    timeLimitSeconds?: number;
  }): Promise<ProviderCall> {
    return this.#call(() =>
      this.#client.calls.create({
        to: input.to,
        from: input.from,
        ...(input.url ? { url: input.url } : { twiml: input.twiml ?? '<Response/>' }),
        statusCallback: input.statusCallback,
        statusCallbackMethod: 'POST',
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        ...(input.timeLimitSeconds ? { timeLimit: input.timeLimitSeconds } : {}),
      }),
    );
  }

  async fetchCall(input: { sid: string }): Promise<ProviderCall> {
    return this.#call(() => this.#client.calls(input.sid).fetch());
  }

  async hangUp(input: { sid: string }): Promise<ProviderCall> {
    return this.#call(() => this.#client.calls(input.sid).update({ status: 'completed' }));
  }

  validateSignature(input: { signature: string | undefined; settings?: string | undefined; url: string; params: FormParams }): SignatureCheck {
    return checkTwilioSignature({
      authToken: this.#authToken,
      sharedKeys: this.#sharedKeys,
      signature: input.signature,
      settings: input.settings,
      url: input.url,
      params: input.params,
    });
  }

  async #call(request: () => Promise<{ sid: string; status: string; duration: string | null }>): Promise<ProviderCall> {
    let call: { sid: string; status: string; duration: string | null };
    try {
      call = await request();
    } catch (error) {
      throw toProviderError(error);
    }
    if (!isCallStatus(call.status))
      throw new VoiceProviderError({ message: `unexpected call status ${JSON.stringify(call.status)}`, status: null, code: null });
    const duration = call.duration === null || call.duration === undefined || call.duration === '' ? null : Number(call.duration);
    return { sid: call.sid, status: call.status, durationSeconds: duration !== null && Number.isInteger(duration) && duration >= 0 ? duration : null };
  }
}

function toProviderError(error: unknown): VoiceProviderError {
  if (error instanceof twilio.RestException) {
    return new VoiceProviderError({
      message: `${error.message}${error.code ? ` (Twilio error ${error.code})` : ''}`,
      status: error.status,
      code: error.code ?? null,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new VoiceProviderError({ message: `the provider could not be reached: ${message}`, status: null, code: null, cause: error });
}
