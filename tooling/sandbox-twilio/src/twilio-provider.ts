import { randomBytes } from 'node:crypto';
import { countSegments } from './sms-segments.js';
import { TEST_NUMBERS, callOutcome, smsOutcome } from './test-numbers.js';

export const API_VERSION = '2010-04-01';

export type Params = Record<string, unknown>;

/** Twilio's error body (what the SDK's RestException reads). */
export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

export class TwilioApiError extends Error {
  readonly status: number;
  readonly body: TwilioErrorBody;
  constructor(input: { status: number; code: number; message: string }) {
    super(input.message);
    this.status = input.status;
    this.body = { code: input.code, message: input.message, more_info: `https://www.twilio.com/docs/errors/${input.code}`, status: input.status };
  }
}

export type MessageStatus = 'accepted' | 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed';
export type CallStatus = 'queued' | 'initiated' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';
export type CallEvent = 'initiated' | 'ringing' | 'answered' | 'completed';

/** A message resource in Twilio's JSON shape. */
export interface SandboxMessage {
  sid: string;
  account_sid: string;
  api_version: string;
  messaging_service_sid: string | null;
  to: string;
  from: string | null;
  body: string;
  status: MessageStatus;
  direction: 'outbound-api';
  num_segments: string;
  num_media: string;
  price: string | null;
  price_unit: 'USD';
  error_code: number | null;
  error_message: string | null;
  date_created: string;
  date_updated: string;
  date_sent: string | null;
  uri: string;
  subresource_uris: Record<string, string>;
}

/** A call resource in Twilio's JSON shape. */
export interface SandboxCall {
  sid: string;
  account_sid: string;
  api_version: string;
  parent_call_sid: null;
  to: string;
  to_formatted: string;
  from: string;
  from_formatted: string;
  phone_number_sid: null;
  status: CallStatus;
  direction: 'outbound-api';
  start_time: string | null;
  end_time: string | null;
  duration: string | null;
  price: string | null;
  price_unit: 'USD';
  answered_by: null;
  forwarded_from: null;
  group_sid: null;
  caller_name: null;
  queue_time: string;
  trunk_sid: null;
  date_created: string;
  date_updated: string;
  uri: string;
  subresource_uris: Record<string, string>;
}

/** A status callback waiting to be sent (method POST, or GET for calls that asked for it). */
export interface SandboxCallback {
  /** Stable per callback, sent as `I-Twilio-Idempotency-Token` (duplicates share it). */
  id: string;
  sid: string;
  url: string;
  method: 'POST' | 'GET';
  params: Record<string, string>;
}

const ERROR_TEXT: Record<number, string> = {
  30003: 'Unreachable destination handset',
  30005: 'Unknown destination handset',
  30006: 'Landline or unreachable carrier',
  30007: 'Message filtered',
  30008: 'Unknown error',
};

/** Statuses after which Twilio sends no more callbacks for the resource (and lets it be deleted). */
export const FINAL_MESSAGE_STATUSES: readonly string[] = ['delivered', 'undelivered', 'failed', 'received', 'read', 'canceled'];
export const FINAL_CALL_STATUSES: readonly string[] = ['completed', 'busy', 'no-answer', 'failed', 'canceled'];

const E164 = /^\+[1-9]\d{1,14}$/;
/** Alphanumeric sender IDs: up to 11 letters, digits and spaces, at least one letter. */
const ALPHANUMERIC_SENDER = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;
const CALL_EVENTS: readonly CallEvent[] = ['initiated', 'ringing', 'answered', 'completed'];
/** Prices in ten-thousandths of a dollar (integers: no floats for money). */
const SMS_PRICE_PER_SEGMENT = 79;
const CALL_PRICE_PER_MINUTE = 140;

/** What exportState() gives: JSON-able (no Date, Set or undefined). */
export interface TwilioProviderState {
  messages: Array<{ message: SandboxMessage; callback: string | null }>;
  calls: Array<{
    call: SandboxCall;
    callback: { url: string; method: 'POST' | 'GET'; events: CallEvent[] } | null;
    sequence: number;
    answeredAt: string | null;
    timeLimitSeconds: number | null;
  }>;
}

interface CallState {
  call: SandboxCall;
  callback: { url: string; method: 'POST' | 'GET'; events: Set<CallEvent> } | undefined;
  sequence: number;
  answeredAt: Date | undefined;
  /** TimeLimit: the provider ends the call after this many seconds of talk. */
  timeLimitSeconds: number | undefined;
}

interface MessageState {
  message: SandboxMessage;
  callback: string | undefined;
}

/** Messages and calls with Twilio's state machines; every status change that has a callback URL goes to onCallback. */
export class TwilioProvider {
  readonly #accountSid: string;
  readonly #now: () => Date;
  readonly #onCallback: (callback: SandboxCallback) => void;
  #messages = new Map<string, MessageState>();
  #calls = new Map<string, CallState>();

  constructor(input: { accountSid: string; now: () => Date; onCallback: (callback: SandboxCallback) => void }) {
    this.#accountSid = input.accountSid;
    this.#now = input.now;
    this.#onCallback = input.onCallback;
  }

  messages(): SandboxMessage[] {
    return [...this.#messages.values()].map((state) => structuredClone(state.message));
  }

  calls(): SandboxCall[] {
    return [...this.#calls.values()].map((state) => structuredClone(state.call));
  }

  /** Messages and calls with their callback targets, as plain JSON (dates as ISO strings). */
  exportState(): TwilioProviderState {
    return {
      messages: [...this.#messages.values()].map((m) => structuredClone({ message: m.message, callback: m.callback ?? null })),
      calls: [...this.#calls.values()].map((c) => ({
        call: structuredClone(c.call),
        callback: c.callback ? { url: c.callback.url, method: c.callback.method, events: [...c.callback.events] } : null,
        sequence: c.sequence,
        answeredAt: c.answeredAt?.toISOString() ?? null,
        timeLimitSeconds: c.timeLimitSeconds ?? null,
      })),
    };
  }

  importState(state: TwilioProviderState): void {
    this.#messages = new Map(state.messages.map((m) => [m.message.sid, { message: structuredClone(m.message), callback: m.callback ?? undefined }]));
    this.#calls = new Map(
      state.calls.map((c) => [
        c.call.sid,
        {
          call: structuredClone(c.call),
          callback: c.callback ? { url: c.callback.url, method: c.callback.method, events: new Set(c.callback.events) } : undefined,
          sequence: c.sequence,
          answeredAt: c.answeredAt === null ? undefined : new Date(c.answeredAt),
          timeLimitSeconds: c.timeLimitSeconds ?? undefined,
        },
      ]),
    );
  }

  reset(): void {
    this.#messages = new Map();
    this.#calls = new Map();
  }

  createMessage(params: Params): SandboxMessage {
    const to = text(params.To);
    const from = text(params.From);
    const serviceSid = text(params.MessagingServiceSid);
    const body = text(params.Body);
    const statusCallback = text(params.StatusCallback);
    if (to === undefined) throw badRequest(21604, "A 'To' phone number is required.");
    if (from === undefined && serviceSid === undefined) throw badRequest(21603, "A 'From' phone number is required.");
    if (body === undefined && params.MediaUrl === undefined && params.ContentSid === undefined) throw badRequest(21602, 'Message body is required.');
    if (!E164.test(to)) throw badRequest(21211, `Invalid 'To' Phone Number: ${to}`);
    if (from !== undefined && !E164.test(from) && !ALPHANUMERIC_SENDER.test(from)) throw badRequest(21212, `Invalid From Number (caller ID): ${from}`);
    if (serviceSid !== undefined && !/^MG[0-9a-f]{32}$/.test(serviceSid)) throw badRequest(21701, `The Messaging Service Sid ${serviceSid} is invalid.`);
    if (body !== undefined && [...body].length > 1600) throw badRequest(21617, 'The concatenated message body exceeds the 1600 character limit.');
    if (statusCallback !== undefined && !isHttpUrl(statusCallback)) throw badRequest(21609, `Invalid StatusCallback url: ${statusCallback}`);
    const outcome = smsOutcome(to);
    if (outcome === 'not-mobile') throw badRequest(21614, `'To' number ${to} is not a valid mobile number`);
    if (outcome === 'unsubscribed') throw badRequest(21610, 'Attempt to send to unsubscribed recipient');

    const now = rfc2822(this.#now());
    const sid = newSid('SM');
    const segments = countSegments(body ?? '').segments;
    const message: SandboxMessage = {
      sid,
      account_sid: this.#accountSid,
      api_version: API_VERSION,
      messaging_service_sid: serviceSid ?? null,
      to,
      from: from ?? null,
      body: body ?? '',
      // Twilio answers `accepted` when a Messaging Service still has to pick the sender.
      status: from === undefined ? 'accepted' : 'queued',
      direction: 'outbound-api',
      num_segments: String(segments),
      num_media: '0',
      price: null,
      price_unit: 'USD',
      error_code: null,
      error_message: null,
      date_created: now,
      date_updated: now,
      date_sent: null,
      uri: `/${API_VERSION}/Accounts/${this.#accountSid}/Messages/${sid}.json`,
      subresource_uris: { media: `/${API_VERSION}/Accounts/${this.#accountSid}/Messages/${sid}/Media.json` },
    };
    const state: MessageState = { message, callback: statusCallback };
    this.#messages.set(sid, state);
    const created = structuredClone(message);
    // The carrier's part happens at once; only the callbacks wait (in the sandbox's queue).
    message.from ??= TEST_NUMBERS.serviceSender;
    message.date_sent = now;
    message.price = negativePrice(SMS_PRICE_PER_SEGMENT * segments);
    this.#setMessageStatus({ state, status: 'sent' });
    if (outcome === 'deliver') this.#setMessageStatus({ state, status: 'delivered' });
    if (outcome === 'undelivered') this.#setMessageStatus({ state, status: 'undelivered', errorCode: 30003 });
    return created;
  }

  getMessage(input: { sid: string; path: string }): SandboxMessage {
    const state = this.#messages.get(input.sid);
    if (!state) throw notFound(input.path);
    return structuredClone(state.message);
  }

  /** GET …/Messages.json: newest first, filtered by To, From and DateSent / DateSent< / DateSent> (as Twilio: a day, or an instant). */
  listMessages(params: Params): SandboxMessage[] {
    const to = text(params.To);
    const from = text(params.From);
    const sent = dateFilter(params, 'DateSent');
    return [...this.#messages.values()]
      .map((state) => state.message)
      .filter((m) => (to === undefined || m.to === to) && (from === undefined || m.from === from) && sent(m.date_sent))
      .reverse()
      .map((m) => structuredClone(m));
  }

  /**
   * POST …/Messages/{sid}.json. Only what Twilio allows: `Body=''` redacts the text (the record stays);
   * `Status=canceled` is for scheduled messages, which the sandbox never has (30409). Anything else is 30400.
   */
  updateMessage(input: { sid: string; path: string; params: Params }): SandboxMessage {
    const state = this.#messages.get(input.sid);
    if (!state) throw notFound(input.path);
    const { Body: body, Status: status } = input.params;
    if (body !== undefined && status !== undefined) throw badRequest(30400, 'Cannot cancel a message and redact its body in the same request.');
    if (status !== undefined) {
      if (status !== 'canceled') throw badRequest(30400, `Invalid Status: ${String(status)}`);
      throw badRequest(30409, 'This message cannot be canceled');
    }
    if (body === undefined) throw badRequest(30400, 'Body or Status is required.');
    if (body !== '') throw badRequest(30400, 'A message body can only be redacted: Body must be empty.');
    state.message.body = '';
    state.message.date_updated = rfc2822(this.#now());
    return structuredClone(state.message);
  }

  /** DELETE …/Messages/{sid}.json: only once the message is final (else 20009, as Twilio). */
  deleteMessage(input: { sid: string; path: string }): void {
    const state = this.#messages.get(input.sid);
    if (!state) throw notFound(input.path);
    if (!FINAL_MESSAGE_STATUSES.includes(state.message.status)) throw notComplete();
    this.#messages.delete(input.sid);
  }

  /** Moves a message that is still `sent` to its final status (what the carrier reports). */
  deliver(input: { sid: string; status: 'delivered' | 'undelivered' | 'failed'; errorCode?: number }): SandboxMessage {
    const state = this.#messages.get(input.sid);
    if (!state) throw new TwilioApiError({ status: 404, code: 20404, message: `No message ${input.sid}` });
    if (!['delivered', 'undelivered', 'failed'].includes(input.status)) {
      throw badRequest(20001, `status must be delivered, undelivered or failed, got ${String(input.status)}`);
    }
    if (state.message.status !== 'sent') {
      throw new TwilioApiError({ status: 409, code: 20409, message: `Message ${input.sid} is already ${state.message.status}` });
    }
    const errorCode = input.status === 'delivered' ? undefined : (input.errorCode ?? (input.status === 'undelivered' ? 30003 : 30008));
    this.#setMessageStatus({ state, status: input.status, ...(errorCode === undefined ? {} : { errorCode }) });
    return structuredClone(state.message);
  }

  #setMessageStatus(input: { state: MessageState; status: MessageStatus; errorCode?: number }): void {
    const { message, callback } = input.state;
    message.status = input.status;
    message.date_updated = rfc2822(this.#now());
    if (input.errorCode !== undefined) {
      message.error_code = input.errorCode;
      message.error_message = ERROR_TEXT[input.errorCode] ?? 'Unknown error';
    }
    if (callback === undefined) return;
    this.#onCallback({
      id: newSid('CB'),
      sid: message.sid,
      url: callback,
      method: 'POST',
      params: {
        AccountSid: message.account_sid,
        ApiVersion: API_VERSION,
        From: message.from ?? '',
        MessageSid: message.sid,
        MessageStatus: input.status,
        SmsSid: message.sid,
        SmsStatus: input.status,
        To: message.to,
        ...(message.messaging_service_sid ? { MessagingServiceSid: message.messaging_service_sid } : {}),
        ...(input.errorCode === undefined ? {} : { ErrorCode: String(input.errorCode) }),
      },
    });
  }

  createCall(params: Params): SandboxCall {
    const to = text(params.To);
    const from = text(params.From);
    const url = text(params.Url);
    const twiml = text(params.Twiml);
    const statusCallback = text(params.StatusCallback);
    if (to === undefined) throw badRequest(21201, "No 'To' number is specified");
    if (from === undefined) throw badRequest(21213, "No 'From' number is specified");
    if (url === undefined && twiml === undefined && text(params.ApplicationSid) === undefined)
      throw badRequest(21205, 'Url, Twiml or ApplicationSid is required');
    if (!E164.test(to)) throw badRequest(21211, `Invalid 'To' Phone Number: ${to}`);
    if (!E164.test(from)) throw badRequest(21212, `Invalid From Number (caller ID): ${from}`);
    if (url !== undefined && !isHttpUrl(url)) throw badRequest(21205, `Url is not a valid URL: ${url}`);
    if (statusCallback !== undefined && !isHttpUrl(statusCallback)) throw badRequest(21609, `Invalid StatusCallback url: ${statusCallback}`);
    const method = (text(params.StatusCallbackMethod) ?? 'POST').toUpperCase();
    if (method !== 'POST' && method !== 'GET') throw badRequest(20001, `StatusCallbackMethod must be GET or POST, got ${method}`);
    const rawEvents =
      params.StatusCallbackEvent === undefined
        ? []
        : ([] as unknown[])
            .concat(params.StatusCallbackEvent)
            .flatMap((value) => String(value).split(' '))
            .filter(Boolean);
    for (const event of rawEvents) {
      if (!CALL_EVENTS.includes(event as CallEvent)) throw badRequest(20001, `Invalid StatusCallbackEvent: ${event}`);
    }
    const rawLimit = text(params.TimeLimit);
    const timeLimitSeconds = rawLimit === undefined ? undefined : Number(rawLimit);
    if (timeLimitSeconds !== undefined && (!Number.isInteger(timeLimitSeconds) || timeLimitSeconds < 1 || timeLimitSeconds > 86_400)) {
      throw badRequest(21219, `TimeLimit must be a whole number of seconds from 1 to 86400, got ${rawLimit}`);
    }
    // Twilio's default: only the final status is reported.
    const events = new Set<CallEvent>(rawEvents.length > 0 ? (rawEvents as CallEvent[]) : ['completed']);

    const now = this.#now();
    const sid = newSid('CA');
    const call: SandboxCall = {
      sid,
      account_sid: this.#accountSid,
      api_version: API_VERSION,
      parent_call_sid: null,
      to,
      to_formatted: to,
      from,
      from_formatted: from,
      phone_number_sid: null,
      status: 'queued',
      direction: 'outbound-api',
      start_time: null,
      end_time: null,
      duration: null,
      price: null,
      price_unit: 'USD',
      answered_by: null,
      forwarded_from: null,
      group_sid: null,
      caller_name: null,
      queue_time: '0',
      trunk_sid: null,
      date_created: rfc2822(now),
      date_updated: rfc2822(now),
      uri: `/${API_VERSION}/Accounts/${this.#accountSid}/Calls/${sid}.json`,
      subresource_uris: {
        notifications: `/${API_VERSION}/Accounts/${this.#accountSid}/Calls/${sid}/Notifications.json`,
        recordings: `/${API_VERSION}/Accounts/${this.#accountSid}/Calls/${sid}/Recordings.json`,
      },
    };
    const state: CallState = {
      call,
      callback: statusCallback === undefined ? undefined : { url: statusCallback, method, events },
      sequence: 0,
      answeredAt: undefined,
      timeLimitSeconds,
    };
    this.#calls.set(sid, state);
    const created = structuredClone(call);
    const outcome = callOutcome(to);
    this.#setCallStatus({ state, status: 'initiated', event: 'initiated' });
    if (outcome === 'failed') {
      this.#finishCall({ state, status: 'failed', durationSeconds: 0 });
      return created;
    }
    this.#setCallStatus({ state, status: 'ringing', event: 'ringing' });
    if (outcome === 'busy' || outcome === 'no-answer') {
      this.#finishCall({ state, status: outcome, durationSeconds: 0 });
      return created;
    }
    state.answeredAt = now;
    call.start_time = rfc2822(now);
    this.#setCallStatus({ state, status: 'in-progress', event: 'answered' });
    return created;
  }

  getCall(input: { sid: string; path: string }): SandboxCall {
    const state = this.#calls.get(input.sid);
    if (!state) throw notFound(input.path);
    return structuredClone(state.call);
  }

  /** GET …/Calls.json: newest first, filtered by To, From, Status, StartTime(</>) and EndTime(</>). */
  listCalls(params: Params): SandboxCall[] {
    const to = text(params.To);
    const from = text(params.From);
    const status = text(params.Status);
    const started = dateFilter(params, 'StartTime');
    const ended = dateFilter(params, 'EndTime');
    return [...this.#calls.values()]
      .map((state) => state.call)
      .filter(
        (c) =>
          (to === undefined || c.to === to) &&
          (from === undefined || c.from === from) &&
          (status === undefined || c.status === status) &&
          started(c.start_time) &&
          ended(c.end_time),
      )
      .reverse()
      .map((c) => structuredClone(c));
  }

  /** DELETE …/Calls/{sid}.json: only a call that has ended (else 20009, as Twilio). */
  deleteCall(input: { sid: string; path: string }): void {
    const state = this.#calls.get(input.sid);
    if (!state) throw notFound(input.path);
    if (!FINAL_CALL_STATUSES.includes(state.call.status)) throw notComplete();
    this.#calls.delete(input.sid);
  }

  /** POST .../Calls/{sid}.json: `Status=completed` hangs up, `Status=canceled` cancels a call not yet answered; Url/Twiml redirect. */
  updateCall(input: { sid: string; path: string; params: Params }): SandboxCall {
    const state = this.#calls.get(input.sid);
    if (!state) throw notFound(input.path);
    const status = text(input.params.Status);
    if (status !== undefined && status !== 'completed' && status !== 'canceled') throw badRequest(20001, `Status must be completed or canceled, got ${status}`);
    const live = state.call.status === 'queued' || state.call.status === 'initiated' || state.call.status === 'ringing' || state.call.status === 'in-progress';
    if (!live) throw badRequest(21220, 'Call is not in-progress. Cannot redirect.');
    if (status === 'completed' || (status === 'canceled' && state.call.status !== 'in-progress')) {
      const answered = state.call.status === 'in-progress';
      const seconds = answered && state.answeredAt ? Math.max(0, Math.floor((this.#now().getTime() - state.answeredAt.getTime()) / 1000)) : 0;
      this.#finishCall({ state, status: answered ? 'completed' : 'canceled', durationSeconds: seconds });
    } else {
      state.call.date_updated = rfc2822(this.#now());
    }
    return structuredClone(state.call);
  }

  /** The callee hangs up after `durationSeconds` of talk. */
  completeCall(input: { sid: string; durationSeconds: number }): SandboxCall {
    const state = this.#calls.get(input.sid);
    if (!state) throw new TwilioApiError({ status: 404, code: 20404, message: `No call ${input.sid}` });
    if (!Number.isInteger(input.durationSeconds) || input.durationSeconds < 0)
      throw badRequest(20001, `durationSeconds must be a whole number >= 0, got ${input.durationSeconds}`);
    if (state.call.status !== 'in-progress')
      throw new TwilioApiError({ status: 409, code: 20409, message: `Call ${input.sid} is ${state.call.status}, not in-progress` });
    // The provider hangs up at TimeLimit, whatever the callee would have done.
    const durationSeconds = state.timeLimitSeconds === undefined ? input.durationSeconds : Math.min(input.durationSeconds, state.timeLimitSeconds);
    this.#finishCall({ state, status: 'completed', durationSeconds });
    return structuredClone(state.call);
  }

  #finishCall(input: { state: CallState; status: CallStatus; durationSeconds: number }): void {
    const { call } = input.state;
    call.end_time = rfc2822(this.#now());
    call.duration = String(input.durationSeconds);
    const minutes = Math.ceil(input.durationSeconds / 60);
    call.price = input.status === 'completed' ? negativePrice(CALL_PRICE_PER_MINUTE * minutes) : null;
    this.#setCallStatus({ state: input.state, status: input.status, event: 'completed', extra: { CallDuration: String(input.durationSeconds) } });
  }

  #setCallStatus(input: { state: CallState; status: CallStatus; event: CallEvent; extra?: Record<string, string> }): void {
    const { call, callback } = input.state;
    call.status = input.status;
    call.date_updated = rfc2822(this.#now());
    if (!callback?.events.has(input.event)) return;
    const sequence = input.state.sequence;
    input.state.sequence += 1;
    this.#onCallback({
      id: newSid('CB'),
      sid: call.sid,
      url: callback.url,
      method: callback.method,
      params: {
        AccountSid: call.account_sid,
        ApiVersion: API_VERSION,
        CallSid: call.sid,
        CallStatus: input.status,
        Called: call.to,
        Caller: call.from,
        CallbackSource: 'call-progress-events',
        Direction: 'outbound-api',
        From: call.from,
        SequenceNumber: String(sequence),
        Timestamp: rfc2822(this.#now()),
        To: call.to,
        ...input.extra,
      },
    });
  }
}

export function newSid(prefix: string): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}

/** Twilio's date format: `Thu, 15 Jan 2026 09:00:00 +0000` (what the SDK's rfc2822DateTime parses). */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

export function notFound(path: string): TwilioApiError {
  return new TwilioApiError({ status: 404, code: 20404, message: `The requested resource ${path} was not found` });
}

function notComplete(): TwilioApiError {
  return new TwilioApiError({ status: 409, code: 20009, message: 'Cannot delete this resource before it is complete' });
}

const DAY_MS = 86_400_000;

/**
 * Twilio's date filters: `Name=` (that day, or that instant), `Name<` (on or before), `Name>` (on or after),
 * each a date (YYYY-MM-DD, UTC) or an ISO 8601 instant. A resource without the date never matches a filter.
 */
function dateFilter(params: Params, name: string): (rfc: string | null) => boolean {
  const bound = (suffix: '' | '<' | '>') => {
    const raw = text(params[name + suffix]);
    if (raw === undefined) return undefined;
    const day = /^\d{4}-\d{2}-\d{2}$/.test(raw);
    const at = Date.parse(day ? `${raw}T00:00:00Z` : raw);
    if (Number.isNaN(at)) throw badRequest(20001, `Invalid ${name}${suffix}: ${raw}`);
    return { at, day };
  };
  const exact = bound('');
  const before = bound('<');
  const after = bound('>');
  if (!exact && !before && !after) return () => true;
  return (rfc) => {
    if (rfc === null) return false;
    const t = Date.parse(rfc);
    if (exact && !(exact.day ? t >= exact.at && t < exact.at + DAY_MS : Math.floor(t / 1000) === Math.floor(exact.at / 1000))) return false;
    if (before && !(before.day ? t < before.at + DAY_MS : t <= before.at)) return false;
    if (after && !(t >= after.at)) return false;
    return true;
  };
}

function badRequest(code: number, message: string): TwilioApiError {
  return new TwilioApiError({ status: 400, code, message });
}

function text(value: unknown): string | undefined {
  if (Array.isArray(value)) return text(value.at(-1));
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** `-0.0158` from 158 ten-thousandths. */
function negativePrice(tenThousandths: number): string {
  return `-${Math.floor(tenThousandths / 10_000)}.${String(tenThousandths % 10_000).padStart(4, '0')}`;
}
