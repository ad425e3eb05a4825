import { TEST_NUMBERS, startTwilioSandbox, type TwilioSandbox } from '@tollgate/sandbox-twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TwilioVoiceClient, VoiceProviderError } from './twilio-voice.client.js';

/** The official SDK against the sandbox: the request shapes, the base URL override, errors and signatures. */
describe('TwilioVoiceClient (twilio SDK → sandbox)', () => {
  let sandbox: TwilioSandbox;
  let client: TwilioVoiceClient;
  const statusCallback = 'http://127.0.0.1:9/v1/plugins/voice/status-callbacks';

  beforeAll(async () => {
    sandbox = await startTwilioSandbox({ now: () => new Date('2026-03-02T09:00:00.000Z') });
    client = new TwilioVoiceClient({ accountSid: sandbox.accountSid, authToken: sandbox.authToken, baseUrl: `${sandbox.url}/`, timeoutMs: 2000 });
  });
  afterAll(() => sandbox?.close());

  it('creates a call with the four status events and reads it back', async () => {
    const call = await client.createCall({ to: '+32470123456', from: TEST_NUMBERS.serviceSender, statusCallback, twiml: '<Response><Say>Hi</Say></Response>' });
    expect(call).toEqual({ sid: expect.stringMatching(/^CA[0-9a-f]{32}$/), status: 'queued', durationSeconds: null });
    expect(
      sandbox.control
        .pendingCallbacks()
        .filter((c) => c.sid === call.sid)
        .map((c) => [c.url, c.params.CallStatus]),
    ).toEqual([
      [statusCallback, 'initiated'],
      [statusCallback, 'ringing'],
      [statusCallback, 'in-progress'],
    ]);
    expect(await client.fetchCall({ sid: call.sid })).toEqual({ sid: call.sid, status: 'in-progress', durationSeconds: null });
    sandbox.control.completeCall({ sid: call.sid, durationSeconds: 61 });
    expect(await client.fetchCall({ sid: call.sid })).toEqual({ sid: call.sid, status: 'completed', durationSeconds: 61 });
  });

  it('hangs up with Status=completed', async () => {
    const call = await client.createCall({ to: '+32470123457', from: TEST_NUMBERS.serviceSender, statusCallback, url: 'http://127.0.0.1:9/twiml' });
    expect(await client.hangUp({ sid: call.sid })).toMatchObject({ sid: call.sid, status: 'completed', durationSeconds: 0 });
  });

  it('accepts the signature the sandbox puts on its callbacks, and refuses others', async () => {
    const call = await client.createCall({ to: '+32470123458', from: TEST_NUMBERS.serviceSender, statusCallback, twiml: '<Response/>' });
    const callback = sandbox.control.pendingCallbacks().find((c) => c.sid === call.sid)!;
    const { signTwilioRequest } = await import('@tollgate/sandbox-twilio');
    const signature = signTwilioRequest({ authToken: sandbox.authToken, url: callback.url, params: callback.params });
    expect(client.validateSignature({ signature, url: callback.url, params: callback.params }).valid).toBe(true);
    expect(client.validateSignature({ signature, url: callback.url, params: { ...callback.params, CallStatus: 'completed' } }).valid).toBe(false);
    expect(client.validateSignature({ signature, url: `${callback.url}?x=1`, params: callback.params }).valid).toBe(false);
    expect(client.validateSignature({ signature: '', url: callback.url, params: callback.params }).valid).toBe(false);
  });

  it("turns Twilio's errors and an unreachable API into VoiceProviderError", async () => {
    const wrong = new TwilioVoiceClient({ accountSid: sandbox.accountSid, authToken: 'wrong', baseUrl: sandbox.url });
    await expect(wrong.createCall({ to: '+32470123456', from: TEST_NUMBERS.serviceSender, statusCallback, twiml: '<Response/>' })).rejects.toMatchObject({
      name: 'VoiceProviderError',
      status: 401,
      code: 20003,
    });
    sandbox.control.failNextRequests({ count: 1, status: 503 });
    await expect(client.fetchCall({ sid: 'CA00000000000000000000000000000000' })).rejects.toMatchObject({ status: 503 });
    await expect(client.fetchCall({ sid: 'CA00000000000000000000000000000001' })).rejects.toMatchObject({ status: 404, code: 20404 });
    const closed = new TwilioVoiceClient({ accountSid: sandbox.accountSid, authToken: sandbox.authToken, baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000 });
    const error = await closed.fetchCall({ sid: 'CA00000000000000000000000000000000' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VoiceProviderError);
    expect(error).toMatchObject({ status: null, code: null, message: expect.stringContaining('could not be reached') });
  });
});
