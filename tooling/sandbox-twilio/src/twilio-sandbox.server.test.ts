import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_ACCOUNT_SID, TEST_NUMBERS, signTwilioRequest, startTwilioSandbox, type TwilioSandbox } from './index.js';

const NOW = new Date('2026-01-15T09:00:00.000Z');
const FROM = '+15005550006';
const TO = '+31612345678';

interface Received {
  method: string;
  url: string;
  body: string;
  params: Record<string, string>;
  signature: string | undefined;
  settings: string | undefined;
  token: string | undefined;
}

/** A local callback receiver: records what arrives, answers the next queued status (default 200). */
async function startReceiver(): Promise<{ base: string; received: Received[]; answers: number[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const answers: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        body,
        params: Object.fromEntries(new URLSearchParams(body)),
        signature: req.headers['x-twilio-signature'] as string | undefined,
        settings: req.headers['x-twilio-webhooks-signature-settings'] as string | undefined,
        token: req.headers['i-twilio-idempotency-token'] as string | undefined,
      });
      res.writeHead(answers.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, received, answers, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('twilio sandbox', () => {
  let sandbox: TwilioSandbox;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let now = NOW;
  const callbackUrl = (): string => `${receiver.base}/twilio/status?channel=sms`;

  async function api(input: {
    method?: string;
    path: string;
    form?: Record<string, string | string[]>;
    auth?: string | null;
  }): Promise<{ status: number; headers: Headers; body: any }> {
    const auth = input.auth === undefined ? `${sandbox.accountSid}:${sandbox.authToken}` : input.auth;
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(input.form ?? {})) for (const one of ([] as string[]).concat(value)) form.append(name, one);
    const response = await fetch(`${sandbox.url}${input.path}`, {
      method: input.method ?? (input.form ? 'POST' : 'GET'),
      headers: {
        ...(auth === null ? {} : { authorization: `Basic ${Buffer.from(auth).toString('base64')}` }),
        ...(input.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(input.form ? { body: form.toString() } : {}),
    });
    return { status: response.status, headers: response.headers, body: await response.json() };
  }

  const messagesPath = (): string => `/2010-04-01/Accounts/${sandbox.accountSid}/Messages.json`;
  const callsPath = (): string => `/2010-04-01/Accounts/${sandbox.accountSid}/Calls.json`;
  const sms = (form: Record<string, string>) =>
    api({ path: messagesPath(), form: { To: TO, From: FROM, Body: 'Your booking is tomorrow at 10:00', StatusCallback: callbackUrl(), ...form } });
  const call = (form: Record<string, string | string[]>) =>
    api({
      path: callsPath(),
      form: { To: TO, From: FROM, Twiml: '<Response><Say>Hello</Say></Response>', StatusCallback: `${receiver.base}/twilio/voice`, ...form },
    });

  beforeAll(async () => {
    receiver = await startReceiver();
    sandbox = await startTwilioSandbox({ now: () => now });
  });
  afterEach(() => {
    sandbox.control.reset();
    receiver.received.length = 0;
    receiver.answers.length = 0;
    now = NOW;
  });
  afterAll(async () => {
    await sandbox?.close();
    await receiver?.close();
  });

  it('uses a fixed account SID and refuses missing or wrong credentials with 401 code 20003', async () => {
    expect(sandbox.accountSid).toBe(SANDBOX_ACCOUNT_SID);
    expect(sandbox.accountSid).toMatch(/^AC[0-9a-f]{32}$/);
    expect(sandbox.authToken).toBe('sandbox-auth-token');
    for (const auth of [null, `${sandbox.accountSid}:wrong`, `AC${'1'.repeat(32)}:${sandbox.authToken}`]) {
      const res = await api({ path: messagesPath(), form: { To: TO, From: FROM, Body: 'x' }, auth });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ code: 20003, message: expect.any(String), more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
      expect(res.headers.get('www-authenticate')).toContain('Basic');
    }
    // Right credentials, someone else's account in the path.
    const other = await api({ path: `/2010-04-01/Accounts/AC${'1'.repeat(32)}/Messages.json`, form: { To: TO, From: FROM, Body: 'x' } });
    expect(other.status).toBe(401);
    expect(sandbox.control.messages()).toEqual([]);
  });

  it('creates a message with 201 in Twilio’s shape and serves it back', async () => {
    const created = await sms({ Body: 'Hi €5' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      account_sid: sandbox.accountSid,
      to: TO,
      from: FROM,
      body: 'Hi €5',
      status: 'queued',
      num_segments: '1',
      direction: 'outbound-api',
      api_version: '2010-04-01',
      date_created: 'Thu, 15 Jan 2026 09:00:00 +0000',
      price: null,
      error_code: null,
    });
    expect(created.body.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(created.body.uri).toBe(`/2010-04-01/Accounts/${sandbox.accountSid}/Messages/${created.body.sid}.json`);

    const fetched = await api({ path: `/2010-04-01/Accounts/${sandbox.accountSid}/Messages/${created.body.sid}.json` });
    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({ sid: created.body.sid, status: 'delivered', date_sent: 'Thu, 15 Jan 2026 09:00:00 +0000', price: '-0.0079' });
    const missing = await api({ path: `/2010-04-01/Accounts/${sandbox.accountSid}/Messages/SM${'0'.repeat(32)}.json` });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe(20404);
  });

  it('answers `accepted` when a Messaging Service picks the sender', async () => {
    const res = await api({ path: messagesPath(), form: { To: TO, MessagingServiceSid: `MG${'a'.repeat(32)}`, Body: 'hi' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'accepted', from: null, messaging_service_sid: `MG${'a'.repeat(32)}` });
    expect(sandbox.control.messages()[0]).toMatchObject({ status: 'delivered', from: TEST_NUMBERS.serviceSender });
  });

  it.each([
    [{ To: '' }, 21604],
    [{ From: '' }, 21603],
    [{ Body: '' }, 21602],
    [{ To: '0612345678' }, 21211],
    [{ To: '+0612345678' }, 21211],
    [{ From: 'not a sender!' }, 21212],
    [{ Body: 'a'.repeat(1601) }, 21617],
    [{ StatusCallback: 'not-a-url' }, 21609],
    [{ MessagingServiceSid: 'MG123', From: '' }, 21701],
  ])('refuses %o with 400 code %i and sends nothing', async (form, code) => {
    const res = await sms(form);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code, message: expect.any(String), more_info: `https://www.twilio.com/docs/errors/${code}`, status: 400 });
    expect(sandbox.control.messages()).toEqual([]);
    expect(sandbox.control.pendingCallbacks()).toEqual([]);
  });

  it('accepts 1600 characters and an alphanumeric sender, and counts segments as the carrier does', async () => {
    const cases: Array<[string, string]> = [
      ['a'.repeat(160), '1'],
      ['a'.repeat(161), '2'],
      [`${'a'.repeat(159)}€`, '2'],
      ['ł'.repeat(70), '1'],
      ['ł'.repeat(71), '2'],
      ['a'.repeat(1600), '11'],
    ];
    for (const [body, segments] of cases) {
      const res = await sms({ Body: body, From: 'Tollgate' });
      expect(res.status).toBe(201);
      expect(res.body.num_segments).toBe(segments);
    }
    expect(sandbox.control.messages().at(-1)!.price).toBe('-0.0869');
  });

  it('sends signed status callbacks sent → delivered, only when told, in order', async () => {
    const created = await sms({});
    const sid = created.body.sid as string;
    expect(receiver.received).toEqual([]);
    expect(sandbox.control.pendingCallbacks().map((callback) => callback.params.MessageStatus)).toEqual(['sent', 'delivered']);

    const report = await sandbox.control.deliverCallbacks();
    expect(report).toEqual({ delivered: 2, statuses: [200, 200] });
    expect(receiver.received.map((r) => r.params.MessageStatus)).toEqual(['sent', 'delivered']);
    const [sent] = receiver.received;
    expect(sent!.method).toBe('POST');
    expect(sent!.url).toBe('/twilio/status?channel=sms');
    expect(sent!.params).toMatchObject({ MessageSid: sid, SmsSid: sid, AccountSid: sandbox.accountSid, To: TO, From: FROM, MessageStatus: 'sent' });
    expect(sent!.params.ErrorCode).toBeUndefined();
    for (const r of receiver.received) {
      expect(r.signature).toBe(signTwilioRequest({ authToken: sandbox.authToken, url: callbackUrl(), params: r.params }));
    }
    expect(sandbox.control.pendingCallbacks()).toEqual([]);
    expect(await sandbox.control.deliverCallbacks()).toEqual({ delivered: 0, statuses: [] });
  });

  it('drops a callback not answered with a 2xx and logs it, as Twilio (no retry); with redelivery on it is sent again', async () => {
    const first = await sms({});
    receiver.answers.push(500);
    expect(await sandbox.control.deliverCallbacks()).toEqual({ delivered: 2, statuses: [500, 200] });
    expect(sandbox.control.pendingCallbacks()).toEqual([]);
    expect(await sandbox.control.deliverCallbacks()).toEqual({ delivered: 0, statuses: [] });
    expect(sandbox.control.callbackLog().map((a) => [a.sid, a.status, a.outcome, a.httpStatus, a.requeued])).toEqual([
      [first.body.sid, 'sent', 'refused', 500, false],
      [first.body.sid, 'delivered', 'delivered', 200, false],
    ]);

    sandbox.control.setRedelivery(true);
    await sms({});
    receiver.answers.push(503);
    expect(await sandbox.control.deliverCallbacks()).toEqual({ delivered: 2, statuses: [503, 200] });
    expect(sandbox.control.pendingCallbacks().map((callback) => callback.params.MessageStatus)).toEqual(['sent']);
    expect(await sandbox.control.deliverCallbacks()).toEqual({ delivered: 1, statuses: [200] });
    expect(
      sandbox.control
        .callbackLog()
        .slice(2)
        .map((a) => [a.status, a.outcome, a.requeued]),
    ).toEqual([
      ['sent', 'refused', true],
      ['delivered', 'delivered', false],
      ['sent', 'delivered', false],
    ]);
    // reset() restores the start option (off).
    sandbox.control.reset();
    await sms({});
    receiver.answers.push(500);
    await sandbox.control.deliverCallbacks();
    expect(sandbox.control.pendingCallbacks()).toEqual([]);
  });

  it('redelivery from the start option and over HTTP', async () => {
    const other = await startTwilioSandbox({ now: () => now, redeliverCallbacks: true });
    try {
      const auth = `Basic ${Buffer.from(`${other.accountSid}:${other.authToken}`).toString('base64')}`;
      const send = () =>
        fetch(`${other.url}/2010-04-01/Accounts/${other.accountSid}/Messages.json`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ To: TO, From: FROM, Body: 'hi', StatusCallback: callbackUrl() }).toString(),
        });
      await send();
      receiver.answers.push(500, 500);
      await other.control.deliverCallbacks();
      expect(other.control.pendingCallbacks()).toHaveLength(2);
      const off = await fetch(`${other.url}/_sandbox/callbacks/redelivery`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ enabled: false }),
      });
      expect(await off.json()).toEqual({ ok: true, redelivery: false });
      receiver.answers.push(500, 500);
      await other.control.deliverCallbacks();
      expect(other.control.pendingCallbacks()).toEqual([]);
      const bad = await fetch(`${other.url}/_sandbox/callbacks/redelivery`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(bad.status).toBe(400);
      const log = (await (await fetch(`${other.url}/_sandbox/callbacks/log`)).json()) as { callbacks: Array<{ outcome: string; requeued: boolean }> };
      expect(log.callbacks.map((a) => `${a.outcome}:${a.requeued}`)).toEqual(['refused:true', 'refused:true', 'refused:false', 'refused:false']);
    } finally {
      await other.close();
    }
  });

  it('loses final callbacks on command: one message or call, or all of them; the rest still go out', async () => {
    const kept = await sms({});
    const lost = await sms({});
    sandbox.control.loseFinalCallbacks({ sid: lost.body.sid });
    await sandbox.control.deliverCallbacks();
    expect(receiver.received.map((r) => `${r.params.MessageSid === lost.body.sid ? 'lost' : 'kept'}:${r.params.MessageStatus}`)).toEqual([
      'kept:sent',
      'kept:delivered',
      'lost:sent',
    ]);
    expect(sandbox.control.callbackLog().filter((a) => a.outcome === 'lost')).toMatchObject([{ sid: lost.body.sid, status: 'delivered', httpStatus: null }]);
    // The message itself is delivered: only the news of it is lost (a fetch tells the truth).
    expect((await api({ path: `/2010-04-01/Accounts/${sandbox.accountSid}/Messages/${lost.body.sid}.json` })).body.status).toBe('delivered');
    expect(kept.body.sid).not.toBe(lost.body.sid);

    receiver.received.length = 0;
    const lose = await fetch(`${sandbox.url}/_sandbox/callbacks/lose-final`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ all: true }),
    });
    expect(lose.status).toBe(200);
    await sms({ To: TEST_NUMBERS.smsUndelivered });
    await call({ To: TEST_NUMBERS.callBusy, StatusCallbackEvent: ['initiated', 'ringing', 'completed'] });
    await sandbox.control.deliverCallbacks();
    expect(receiver.received.map((r) => r.params.MessageStatus ?? r.params.CallStatus)).toEqual(['sent', 'initiated', 'ringing']);
    sandbox.control.loseFinalCallbacks({ all: false });
    await sms({});
    await sandbox.control.deliverCallbacks();
    expect(receiver.received.slice(3).map((r) => r.params.MessageStatus)).toEqual(['sent', 'delivered']);
    expect(
      (await fetch(`${sandbox.url}/_sandbox/callbacks/lose-final`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status,
    ).toBe(400);
    expect(() => sandbox.control.loseFinalCallbacks({ sid: 'nope' })).toThrow(RangeError);
  });

  it('signs callbacks with a SharedKey on command (HMAC-SHA256 and the settings header), and with the auth token again after', async () => {
    sandbox.control.signWithSharedKey({ id: 'HKtest', secret: 'shared-secret' });
    await sms({});
    await sandbox.control.deliverCallbacks();
    const [first] = receiver.received;
    expect(first!.settings).toBe('key=HKtest,algorithm=HMAC_SHA256');
    expect(first!.signature).toBe(signTwilioRequest({ authToken: 'shared-secret', algorithm: 'HMAC_SHA256', url: callbackUrl(), params: first!.params }));
    expect(first!.signature).not.toBe(signTwilioRequest({ authToken: sandbox.authToken, url: callbackUrl(), params: first!.params }));

    receiver.received.length = 0;
    const off = await fetch(`${sandbox.url}/_sandbox/callbacks/signing`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(await off.json()).toEqual({ ok: true, signing: 'auth-token' });
    await sms({});
    await sandbox.control.deliverCallbacks();
    expect(receiver.received[0]!.settings).toBeUndefined();
    expect(receiver.received[0]!.signature).toBe(signTwilioRequest({ authToken: sandbox.authToken, url: callbackUrl(), params: receiver.received[0]!.params }));
    const bad = await fetch(`${sandbox.url}/_sandbox/callbacks/signing`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'HK1', secret: 's', algorithm: 'MD5' }),
    });
    expect(bad.status).toBe(400);
    expect(() => sandbox.control.signWithSharedKey({ id: 'HK1', secret: '' })).toThrow(RangeError);
  });

  it('duplicates and drops callbacks on command', async () => {
    await sms({});
    sandbox.control.duplicateNextCallbacks(2);
    await sandbox.control.deliverCallbacks();
    expect(receiver.received.map((r) => r.params.MessageStatus)).toEqual(['sent', 'sent', 'sent', 'delivered']);
    // Copies carry the same signature and idempotency token.
    expect(new Set(receiver.received.slice(0, 3).map((r) => `${r.signature}|${r.token}`)).size).toBe(1);
    expect(receiver.received[3]!.token).not.toBe(receiver.received[0]!.token);

    receiver.received.length = 0;
    await sms({});
    sandbox.control.dropNextCallbacks(1);
    expect(await sandbox.control.deliverCallbacks()).toEqual({ delivered: 1, statuses: [200] });
    expect(receiver.received.map((r) => r.params.MessageStatus)).toEqual(['delivered']);
  });

  it('creates a second message for a repeated POST: Twilio has no idempotency keys', async () => {
    const first = await sms({});
    const second = await sms({});
    expect(second.body.sid).not.toBe(first.body.sid);
    expect(sandbox.control.messages()).toHaveLength(2);
  });

  it('fails the next requests on command, before or after doing the work', async () => {
    sandbox.control.failNextRequests({ count: 2, status: 503 });
    for (let i = 0; i < 2; i += 1) {
      const res = await sms({});
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 20503, status: 503 });
    }
    expect(sandbox.control.messages()).toEqual([]);
    expect((await sms({})).status).toBe(201);

    sandbox.control.failNextRequests({ count: 1, status: 500, afterExecution: true });
    const lost = await sms({ Body: 'lost answer' });
    expect(lost.status).toBe(500);
    expect(lost.body.code).toBe(20500);
    // The work was done: a retry after a lost answer sends the SMS twice.
    expect(sandbox.control.messages().map((message) => message.body)).toEqual(['Your booking is tomorrow at 10:00', 'lost answer']);
    expect(sandbox.control.requests().map((request) => request.status)).toEqual([503, 503, 201, 500]);
    expect(() => sandbox.control.failNextRequests({ count: 1, status: 200 })).toThrow(RangeError);
  });

  describe('destination numbers', () => {
    it('refuses a number that is not a mobile (21614) or that opted out (21610)', async () => {
      expect((await sms({ To: TEST_NUMBERS.smsNotMobile })).body).toMatchObject({ status: 400, code: 21614 });
      expect((await sms({ To: TEST_NUMBERS.smsUnsubscribed })).body).toMatchObject({ status: 400, code: 21610 });
      expect(sandbox.control.messages()).toEqual([]);
    });

    it('accepts, then reports `undelivered` with ErrorCode 30003', async () => {
      const res = await sms({ To: TEST_NUMBERS.smsUndelivered });
      expect(res.body.status).toBe('queued');
      await sandbox.control.deliverCallbacks();
      expect(receiver.received.map((r) => [r.params.MessageStatus, r.params.ErrorCode])).toEqual([
        ['sent', undefined],
        ['undelivered', '30003'],
      ]);
      expect(sandbox.control.messages()[0]).toMatchObject({ status: 'undelivered', error_code: 30003, error_message: 'Unreachable destination handset' });
    });

    it('holds a message at `sent` until control.deliver()', async () => {
      const res = await sms({ To: TEST_NUMBERS.smsHeld });
      await sandbox.control.deliverCallbacks();
      expect(receiver.received.map((r) => r.params.MessageStatus)).toEqual(['sent']);
      expect(sandbox.control.messages()[0]!.status).toBe('sent');

      now = new Date(NOW.getTime() + 60_000);
      expect(sandbox.control.deliver({ sid: res.body.sid, status: 'failed' })).toMatchObject({
        status: 'failed',
        error_code: 30008,
        date_updated: 'Thu, 15 Jan 2026 09:01:00 +0000',
      });
      await sandbox.control.deliverCallbacks();
      expect(receiver.received.at(-1)!.params).toMatchObject({ MessageStatus: 'failed', ErrorCode: '30008' });
      expect(() => sandbox.control.deliver({ sid: res.body.sid, status: 'delivered' })).toThrow(/already failed/);
    });

    it('delivers a held message over HTTP control too', async () => {
      const res = await sms({ To: TEST_NUMBERS.smsHeld });
      const control = await fetch(`${sandbox.url}/_sandbox/messages/${res.body.sid}/deliver`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'undelivered', errorCode: 30006 }),
      });
      expect(control.status).toBe(200);
      expect(await control.json()).toMatchObject({ status: 'undelivered', error_code: 30006 });
      const delivered = await fetch(`${sandbox.url}/_sandbox/callbacks/deliver`, { method: 'POST' });
      expect(await delivered.json()).toEqual({ delivered: 2, statuses: [200, 200] });
    });
  });

  describe('calls', () => {
    const events = ['initiated', 'ringing', 'answered', 'completed'];

    it('answers, stays in-progress, and completes with the duration control.completeCall() gives', async () => {
      const res = await call({ StatusCallbackEvent: events });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ status: 'queued', to: TO, from: FROM, direction: 'outbound-api', duration: null, account_sid: sandbox.accountSid });
      expect(res.body.sid).toMatch(/^CA[0-9a-f]{32}$/);
      const path = `/2010-04-01/Accounts/${sandbox.accountSid}/Calls/${res.body.sid}.json`;
      expect((await api({ path })).body).toMatchObject({ status: 'in-progress', start_time: 'Thu, 15 Jan 2026 09:00:00 +0000' });

      now = new Date(NOW.getTime() + 95_000);
      expect(sandbox.control.completeCall({ sid: res.body.sid, durationSeconds: 95 })).toMatchObject({ status: 'completed', duration: '95', price: '-0.0280' });
      expect(() => sandbox.control.completeCall({ sid: res.body.sid, durationSeconds: 1 })).toThrow(/not in-progress/);

      await sandbox.control.deliverCallbacks();
      expect(receiver.received.map((r) => r.params.CallStatus)).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
      const completed = receiver.received[3]!.params;
      expect(completed).toMatchObject({
        CallSid: res.body.sid,
        AccountSid: sandbox.accountSid,
        To: TO,
        From: FROM,
        CallDuration: '95',
        Timestamp: 'Thu, 15 Jan 2026 09:01:35 +0000',
        SequenceNumber: '3',
      });
      expect(receiver.received[0]!.params.CallDuration).toBeUndefined();
      for (const r of receiver.received)
        expect(r.signature).toBe(signTwilioRequest({ authToken: sandbox.authToken, url: `${receiver.base}/twilio/voice`, params: r.params }));
    });

    it('a call in progress and its unsent callbacks survive exportState → JSON → importState into a new sandbox', async () => {
      const res = await call({ StatusCallbackEvent: events });
      const snapshot = JSON.parse(JSON.stringify(sandbox.control.exportState())) as ReturnType<TwilioSandbox['control']['exportState']>;
      let changes = 0;
      const restarted = await startTwilioSandbox({ now: () => now, onStateChange: () => (changes += 1) });
      try {
        restarted.control.importState(snapshot);
        expect(restarted.control.calls()).toEqual(sandbox.control.calls());
        now = new Date(NOW.getTime() + 95_000);
        // The answer time came along: the duration and price are those of the first process's call.
        expect(restarted.control.completeCall({ sid: res.body.sid, durationSeconds: 95 })).toMatchObject({
          status: 'completed',
          duration: '95',
          price: '-0.0280',
        });
        await restarted.control.deliverCallbacks();
        expect(changes).toBe(1);
        expect(receiver.received.map((r) => [r.params.CallStatus, r.params.SequenceNumber])).toEqual([
          ['initiated', '0'],
          ['ringing', '1'],
          ['in-progress', '2'],
          ['completed', '3'],
        ]);
      } finally {
        await restarted.close();
      }
    });

    it('reports only the final status when no StatusCallbackEvent is given', async () => {
      const res = await call({});
      sandbox.control.completeCall({ sid: res.body.sid, durationSeconds: 3 });
      await sandbox.control.deliverCallbacks();
      expect(receiver.received.map((r) => r.params.CallStatus)).toEqual(['completed']);
    });

    it('hangs up an in-progress call on POST Status=completed, timing it with the clock', async () => {
      const res = await call({});
      now = new Date(NOW.getTime() + 42_500);
      const path = `/2010-04-01/Accounts/${sandbox.accountSid}/Calls/${res.body.sid}.json`;
      const hungUp = await api({ path, form: { Status: 'completed' } });
      expect(hungUp.status).toBe(200);
      expect(hungUp.body).toMatchObject({ status: 'completed', duration: '42', end_time: 'Thu, 15 Jan 2026 09:00:42 +0000' });
      const again = await api({ path, form: { Status: 'completed' } });
      expect(again.body).toMatchObject({ status: 400, code: 21220 });
    });

    it.each([
      [TEST_NUMBERS.callBusy, 'busy', ['initiated', 'ringing', 'busy']],
      [TEST_NUMBERS.callNoAnswer, 'no-answer', ['initiated', 'ringing', 'no-answer']],
      [TEST_NUMBERS.callFailed, 'failed', ['initiated', 'failed']],
    ])('calls to %s end %s', async (to, status, statuses) => {
      const res = await call({ To: to, StatusCallbackEvent: events });
      expect(res.body.status).toBe('queued');
      expect(sandbox.control.calls()[0]).toMatchObject({ status, duration: '0' });
      await sandbox.control.deliverCallbacks();
      expect(receiver.received.map((r) => r.params.CallStatus)).toEqual(statuses);
      expect(receiver.received.at(-1)!.params.CallDuration).toBe('0');
    });

    it('validates calls like Twilio', async () => {
      expect((await call({ To: '' })).body.code).toBe(21201);
      expect((await call({ From: '' })).body.code).toBe(21213);
      expect((await call({ Twiml: '' })).body.code).toBe(21205);
      expect((await call({ To: '12345' })).body.code).toBe(21211);
      expect((await call({ StatusCallbackEvent: ['hangup'] })).body.code).toBe(20001);
      expect(sandbox.control.calls()).toEqual([]);
    });

    it('sends GET callbacks signed over the full URL when StatusCallbackMethod=GET', async () => {
      const res = await call({ StatusCallbackMethod: 'GET' });
      sandbox.control.completeCall({ sid: res.body.sid, durationSeconds: 7 });
      await sandbox.control.deliverCallbacks();
      const [received] = receiver.received;
      expect(received!.method).toBe('GET');
      const url = new URL(received!.url, receiver.base);
      expect(url.searchParams.get('CallStatus')).toBe('completed');
      expect(received!.signature).toBe(signTwilioRequest({ authToken: sandbox.authToken, url: url.toString() }));
    });
  });

  it('lists what was sent on an HTML page at /_sandbox, escaping values', async () => {
    await sms({ Body: '<script>alert("x")</script> & co' });
    await call({});
    const res = await fetch(`${sandbox.url}/_sandbox`);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; co');
    expect(html).not.toContain('<script>');
    expect(html).toContain('Messages (1)');
    expect(html).toContain('Calls (1)');
  });

  it('exposes the control over HTTP and resets everything', async () => {
    await sms({});
    const list = (await (await fetch(`${sandbox.url}/_sandbox/messages`)).json()) as { messages: unknown[] };
    expect(list.messages).toHaveLength(1);
    const pending = (await (await fetch(`${sandbox.url}/_sandbox/callbacks`)).json()) as { callbacks: unknown[] };
    expect(pending.callbacks).toHaveLength(2);
    await fetch(`${sandbox.url}/_sandbox/failures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 1, status: 500 }),
    });
    expect((await sms({})).status).toBe(500);
    const bad = await fetch(`${sandbox.url}/_sandbox/failures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 1, status: 200 }),
    });
    expect(bad.status).toBe(400);
    expect((await fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' })).status).toBe(200);
    expect(sandbox.control.messages()).toEqual([]);
    expect(sandbox.control.pendingCallbacks()).toEqual([]);
    expect((await fetch(`${sandbox.url}/_sandbox/nothing`)).status).toBe(404);
  });

  it('answers unknown routes with 404 code 20404 and the wrong method with 405', async () => {
    expect((await api({ path: '/2010-04-01/Accounts/' + sandbox.accountSid + '/Faxes.json' })).body).toMatchObject({ status: 404, code: 20404 });
    expect((await api({ method: 'DELETE', path: messagesPath() })).status).toBe(405);
    expect((await api({ method: 'PUT', path: `/2010-04-01/Accounts/${sandbox.accountSid}/Messages/SM${'0'.repeat(32)}.json` })).status).toBe(405);
    const account = await api({ path: `/2010-04-01/Accounts/${sandbox.accountSid}.json` });
    expect(account.body).toMatchObject({ sid: sandbox.accountSid, status: 'active' });
  });
});

describe('twilio sandbox with autoDeliverCallbacks', () => {
  it('sends callbacks as soon as they are made', async () => {
    const receiver = await startReceiver();
    const sandbox = await startTwilioSandbox({ autoDeliverCallbacks: true, accountSid: `AC${'b'.repeat(32)}`, authToken: 'other-token' });
    try {
      const response = await fetch(`${sandbox.url}/2010-04-01/Accounts/${sandbox.accountSid}/Messages.json`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${sandbox.accountSid}:other-token`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ To: TO, From: FROM, Body: 'hi', StatusCallback: `${receiver.base}/cb` }).toString(),
      });
      expect(response.status).toBe(201);
      // deliverCallbacks() queues behind the automatic rounds, so once it settles they have run.
      await sandbox.control.deliverCallbacks();
      expect(receiver.received.map((r) => r.params.MessageStatus)).toEqual(['sent', 'delivered']);
      expect(receiver.received[0]!.signature).toBe(
        signTwilioRequest({ authToken: 'other-token', url: `${receiver.base}/cb`, params: receiver.received[0]!.params }),
      );
    } finally {
      await sandbox.close();
      await receiver.close();
    }
  });
});
