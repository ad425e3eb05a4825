import { startTwilioSandbox, TEST_NUMBERS, type TwilioSandbox } from '@tollgate/sandbox-twilio';
import { ManualClock } from '@tollgate/testing';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The sandbox's Messages list, fetch, redact and delete through the official twilio SDK (the
 * requests and paging Twilio gets), so what the plugin could call is what the sandbox serves.
 */
describe('Twilio sandbox Messages through the twilio SDK', () => {
  const clock = new ManualClock('2026-03-09T17:00:00.000Z');
  let sandbox: TwilioSandbox;
  let client: twilio.Twilio;
  const statusCallback = 'http://127.0.0.1:9/v1/plugins/sms-reminders/status-callbacks';
  const sent: string[] = [];

  beforeAll(async () => {
    sandbox = await startTwilioSandbox({ now: () => clock.now() });
    client = twilio(sandbox.accountSid, sandbox.authToken, { autoRetry: false });
    client.api.baseUrl = sandbox.url;
    // 7 texts to one number on 9 March, 3 to another on 10 March (one held at `sent`).
    for (let i = 0; i < 7; i++) {
      sent.push((await client.messages.create({ to: '+32470000001', from: TEST_NUMBERS.serviceSender, body: `text ${i}`, statusCallback })).sid);
      clock.advance({ minutes: 1 });
    }
    clock.set('2026-03-10T08:00:00.000Z');
    for (const to of ['+32470000002', '+32470000002', TEST_NUMBERS.smsHeld])
      sent.push((await client.messages.create({ to, from: TEST_NUMBERS.serviceSender, body: 'later', statusCallback })).sid);
  });
  afterAll(() => sandbox?.close());

  it('lists newest first with auto-paging over next_page_uri, filtered by To and DateSent', async () => {
    const all = await client.messages.list({ pageSize: 3 });
    expect(all.map((m) => m.sid)).toEqual([...sent].reverse());
    const pages = sandbox.control.requests().filter((r) => r.method === 'GET' && r.path.endsWith('/Messages.json'));
    expect(pages).toHaveLength(4); // 3 + 3 + 3 + 1

    const seen: string[] = [];
    await new Promise<void>((resolve, reject) =>
      client.messages.each({ to: '+32470000001', pageSize: 2, done: (error?: Error) => (error ? reject(error) : resolve()) }, (m) => {
        seen.push(m.sid);
      }),
    );
    expect(seen).toEqual(sent.slice(0, 7).reverse());

    expect((await client.messages.list({ to: '+32470000002' })).map((m) => m.sid)).toEqual([sent[8], sent[7]]);
    expect(await client.messages.list({ dateSentAfter: new Date('2026-03-10T00:00:00Z') })).toHaveLength(3);
    expect(await client.messages.list({ dateSentBefore: new Date('2026-03-09T17:03:00Z') })).toHaveLength(4);
    expect(await client.messages.list({ limit: 5 })).toHaveLength(5);
  });

  it('shows the paging fields Twilio gives', async () => {
    const page = await client.messages.page({ pageSize: 4 });
    expect(page.instances).toHaveLength(4);
    expect(page.nextPageUrl).toContain('PageToken=PA');
    const second = await page.nextPage();
    expect(second!.instances.map((m) => m.sid)).toEqual([...sent].reverse().slice(4, 8));
    const raw = (await (
      await fetch(`${sandbox.url}/2010-04-01/Accounts/${sandbox.accountSid}/Messages.json?PageSize=4&Page=2`, {
        headers: { authorization: `Basic ${Buffer.from(`${sandbox.accountSid}:${sandbox.authToken}`).toString('base64')}` },
      })
    ).json()) as Record<string, unknown>;
    expect(raw).toMatchObject({ page: 2, page_size: 4, start: 8, end: 9, next_page_uri: null });
    expect(raw.previous_page_uri).toContain('Page=1');
    expect(raw.first_page_uri).toContain('Page=0');
  });

  it('fetches, redacts with Body "" (and nothing else), deletes a final message (204), and refuses to delete one still sent (20009)', async () => {
    const delivered = sent[0]!;
    expect(await client.messages(delivered).fetch()).toMatchObject({ sid: delivered, status: 'delivered', body: 'text 0' });
    const redacted = await client.messages(delivered).update({ body: '' });
    expect(redacted.body).toBe('');
    expect((await client.messages(delivered).fetch()).body).toBe('');
    await expect(client.messages(delivered).update({ body: 'new text' })).rejects.toMatchObject({ status: 400, code: 30400 });

    const held = sent[9]!;
    expect((await client.messages(held).fetch()).status).toBe('sent');
    await expect(client.messages(held).remove()).rejects.toMatchObject({ status: 409, code: 20009 });
    expect(await client.messages(delivered).remove()).toBe(true);
    await expect(client.messages(delivered).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
    await expect(client.messages(delivered).remove()).rejects.toMatchObject({ status: 404 });
    expect((await client.messages.list({})).map((m) => m.sid)).not.toContain(delivered);
  });
});
