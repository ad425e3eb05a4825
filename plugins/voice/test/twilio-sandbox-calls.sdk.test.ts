import { startTwilioSandbox, TEST_NUMBERS, type TwilioSandbox } from '@tollgate/sandbox-twilio';
import { ManualClock } from '@tollgate/testing';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The sandbox's Calls list, fetch and delete through the official twilio SDK. */
describe('Twilio sandbox Calls through the twilio SDK', () => {
  const clock = new ManualClock('2026-03-09T17:00:00.000Z');
  let sandbox: TwilioSandbox;
  let client: twilio.Twilio;
  const placed: string[] = [];

  beforeAll(async () => {
    sandbox = await startTwilioSandbox({ now: () => clock.now() });
    client = twilio(sandbox.accountSid, sandbox.authToken, { autoRetry: false });
    client.api.baseUrl = sandbox.url;
    const dial = async (to: string) =>
      placed.push((await client.calls.create({ to, from: TEST_NUMBERS.serviceSender, twiml: '<Response><Say>Hi</Say></Response>' })).sid);
    for (let i = 0; i < 4; i++) {
      await dial('+32470000011');
      clock.advance({ minutes: 10 });
    }
    await dial(TEST_NUMBERS.callBusy);
    sandbox.control.completeCall({ sid: placed[0]!, durationSeconds: 30 });
  });
  afterAll(() => sandbox?.close());

  it('lists newest first, auto-paging, filtered by Status, To and StartTime', async () => {
    expect((await client.calls.list({ pageSize: 2 })).map((c) => c.sid)).toEqual([...placed].reverse());
    expect((await client.calls.list({ status: 'in-progress' })).map((c) => c.sid)).toEqual([placed[3], placed[2], placed[1]]);
    expect((await client.calls.list({ to: TEST_NUMBERS.callBusy })).map((c) => c.status)).toEqual(['busy']);
    // A busy call never started: no start_time, so a StartTime filter never matches it.
    expect(await client.calls.list({ startTimeAfter: new Date('2026-03-09T17:15:00Z') })).toHaveLength(2);
    expect(await client.calls.list({ startTimeBefore: new Date('2026-03-09T17:10:00Z') })).toHaveLength(2);
  });

  it('deletes an ended call (204) but not one in progress (20009); fetch then answers 404', async () => {
    const live = placed[3]!;
    await expect(client.calls(live).remove()).rejects.toMatchObject({ status: 409, code: 20009 });
    expect((await client.calls(live).fetch()).status).toBe('in-progress');
    const ended = placed[0]!;
    expect(await client.calls(ended).fetch()).toMatchObject({ status: 'completed', duration: '30' });
    expect(await client.calls(ended).remove()).toBe(true);
    await expect(client.calls(ended).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
    expect(await client.calls(placed[4]!).remove()).toBe(true);
    expect(await client.calls.list({})).toHaveLength(3);
  });
});
