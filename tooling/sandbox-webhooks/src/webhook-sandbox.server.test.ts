import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_BODY_BYTES, WebhookSandboxError, signWebhook, startWebhookSandbox, type WebhookSandbox } from './index.js';

const NOW = new Date('2026-03-09T12:00:00.000Z');
const T = Math.floor(NOW.getTime() / 1000);
const SECRET = 'whsec_current_0123456789';

describe('webhook sandbox', () => {
  let sandbox: WebhookSandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  async function start(input: Parameters<typeof startWebhookSandbox>[0] = {}): Promise<WebhookSandbox> {
    sandbox = await startWebhookSandbox({ now: () => NOW, ...input });
    return sandbox;
  }

  async function post(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
    const res = await fetch(`${sandbox!.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: res.status, text: await res.text() };
  }

  async function control(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const res = await fetch(`${sandbox!.url}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: res.status, json: await res.json() };
  }

  const event = (id: string) => JSON.stringify({ id, type: 'wallet.topped_up', data: { amountMinor: 2500 } });

  it('records deliveries in arrival order with the signature checked against the injected clock', async () => {
    await start({ secrets: [SECRET] });
    const sign = (body: string, input: { secret?: string; timestamp?: number } = {}) => ({
      'Tollgate-Signature': signWebhook({ secret: input.secret ?? SECRET, timestamp: input.timestamp ?? T, body }),
    });

    expect((await post('/hooks', event('evt_1'), { ...sign(event('evt_1')), 'Tollgate-Delivery-Id': 'dlv_1' })).status).toBe(200);
    await post('/hooks', event('evt_2'), sign(event('evt_2'), { secret: 'whsec_someone_else' }));
    await post('/hooks', event('evt_3'));
    await post('/hooks', event('evt_4'), sign(event('evt_4'), { timestamp: T - 301 }));
    await post('/hooks', event('evt_5'), sign(event('evt_5'), { timestamp: T - 300 })); // at the edge: still valid
    await post('/hooks', event('evt_6'), sign(event('evt_5'))); // evt_5's signature on another body
    await post('/hooks', event('evt_7'), sign(event('evt_7'), { timestamp: T + 301 })); // from the future

    const received = sandbox!.received();
    expect(received.map((w) => [w.seq, w.eventId, w.signature])).toEqual([
      [1, 'evt_1', 'valid'],
      [2, 'evt_2', 'invalid'],
      [3, 'evt_3', 'missing'],
      [4, 'evt_4', 'expired'],
      [5, 'evt_5', 'valid'],
      [6, 'evt_6', 'invalid'],
      [7, 'evt_7', 'expired'],
    ]);
    expect(received[0]).toMatchObject({
      path: '/hooks',
      receivedAt: NOW.toISOString(),
      body: event('evt_1'),
      json: { id: 'evt_1', type: 'wallet.topped_up', data: { amountMinor: 2500 } },
      deliveryId: 'dlv_1',
      answeredWith: 200,
    });
    expect(received[0]!.headers['tollgate-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(received[0]!.headers['tollgate-delivery-id']).toBe('dlv_1');
  });

  it('takes the event id from the header when the body has none, and keeps a non-JSON body raw', async () => {
    await start();
    await post('/hooks', 'not json', { 'Tollgate-Event-Id': 'evt_header' });
    expect(sandbox!.received()[0]).toMatchObject({ body: 'not json', json: null, eventId: 'evt_header', deliveryId: null, signature: 'unchecked' });
  });

  it('accepts a rotation header whose second v1 matches the second secret, and rejects one where none match', async () => {
    await start({ secrets: ['whsec_new', 'whsec_old'] });
    const body = event('evt_rot');
    const foreign = signWebhook({ secret: 'whsec_unknown', timestamp: T, body }).split(',')[1]!;
    const old = signWebhook({ secret: 'whsec_old', timestamp: T, body }).split(',')[1]!;
    await post('/hooks', body, { 'Tollgate-Signature': `t=${T},${foreign},${old}` });
    await post('/hooks', body, { 'Tollgate-Signature': `t=${T},${foreign},${foreign}` });
    // The sender's own rotation header: one v1 per secret.
    await post('/hooks', body, { 'Tollgate-Signature': signWebhook({ secret: ['whsec_unknown', 'whsec_new'], timestamp: T, body }) });
    expect(sandbox!.received().map((w) => w.signature)).toEqual(['valid', 'invalid', 'valid']);
  });

  it('is unchecked without secrets and checks once setSecrets() gives some', async () => {
    await start();
    const body = event('evt_s');
    const header = { 'Tollgate-Signature': signWebhook({ secret: SECRET, timestamp: T, body }) };
    await post('/hooks', body, header);
    sandbox!.setSecrets(['whsec_other']);
    await post('/hooks', body, header);
    sandbox!.setSecrets([SECRET]);
    await post('/hooks', body, header);
    expect(sandbox!.received().map((w) => w.signature)).toEqual(['unchecked', 'invalid', 'valid']);
    expect(() => sandbox!.setSecrets([''])).toThrow(WebhookSandboxError);
  });

  it('answers 500 to the next two deliveries after behave({ status: 500, times: 2 }), then 200 again', async () => {
    await start();
    sandbox!.behave({ status: 500, times: 2, body: '{"error":"boom"}' });
    const answers = [];
    for (let i = 1; i <= 3; i += 1) answers.push(await post('/hooks', event(`evt_${i}`)));
    expect(answers).toEqual([
      { status: 500, text: '{"error":"boom"}' },
      { status: 500, text: '{"error":"boom"}' },
      { status: 200, text: '{"received":true}' },
    ]);
    expect(sandbox!.received().map((w) => w.answeredWith)).toEqual([500, 500, 200]);
  });

  it('uses counted behaviours first, then the path’s standing one, then the any-path one', async () => {
    await start();
    sandbox!.behave({ status: 503 }); // any path, until changed
    sandbox!.behave({ status: 410, path: '/gone' }); // /gone, until changed
    sandbox!.behave({ status: 429, times: 1, path: '/gone' });
    sandbox!.behave({ status: 500, times: 1 });
    const statuses = [];
    for (const path of ['/gone', '/gone', '/gone', '/a', '/a']) statuses.push((await post(path, '{}')).status);
    // /gone takes the 429 (first counted that fits), then the 500 (any path), then its own 410; /a falls to 503.
    expect(statuses).toEqual([429, 500, 410, 503, 503]);
    sandbox!.behave({ status: 200 });
    expect((await post('/a', '{}')).status).toBe(200);
    expect(() => sandbox!.behave({ status: 99 })).toThrow(WebhookSandboxError);
    expect(() => sandbox!.behave({ times: 0 })).toThrow(/times/);
  });

  it('holds a delivery until release(), recording it on arrival with no answer yet', async () => {
    await start();
    sandbox!.behave({ hold: true, times: 1, status: 202 });
    let settled = false;
    const pending = post('/hooks', event('evt_held')).finally(() => {
      settled = true;
    });
    await vi.waitFor(() => expect(sandbox!.received()).toHaveLength(1));
    // A full round trip later the held request is still unanswered.
    expect((await post('/other', '{}')).status).toBe(200);
    expect(settled).toBe(false);
    expect(sandbox!.received({ path: '/hooks' })[0]!.answeredWith).toBeNull();

    expect(sandbox!.release()).toBe(1);
    expect(await pending).toEqual({ status: 202, text: '{"received":true}' });
    expect(sandbox!.received({ path: '/hooks' })[0]!.answeredWith).toBe(202);
    expect(sandbox!.release()).toBe(0);
  });

  it('waits delayMs before answering', async () => {
    await start();
    sandbox!.behave({ delayMs: 150, times: 1 });
    const started = performance.now();
    expect((await post('/hooks', '{}')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('filters received() by path and applies a path behaviour only to that path', async () => {
    await start();
    sandbox!.behave({ status: 500, path: '/b' });
    expect((await post('/a', event('evt_a1'))).status).toBe(200);
    expect((await post('/b', event('evt_b1'))).status).toBe(500);
    expect((await post('/a', event('evt_a2'))).status).toBe(200);
    expect(sandbox!.received({ path: '/a' }).map((w) => [w.seq, w.eventId])).toEqual([
      [1, 'evt_a1'],
      [3, 'evt_a2'],
    ]);
    expect(sandbox!.received({ path: '/b' }).map((w) => w.eventId)).toEqual(['evt_b1']);
    expect(sandbox!.received({ path: '/none' })).toEqual([]);
    sandbox!.clear();
    expect(sandbox!.received()).toEqual([]);
    expect((await post('/b', '{}')).status).toBe(200); // clear() forgot the behaviour too
    expect(sandbox!.received()[0]!.seq).toBe(1);
  });

  it('offers every control over HTTP', async () => {
    await start();
    expect(await control('POST', '/_sandbox/behave', { status: 503, times: 1, body: 'try later' })).toMatchObject({ status: 200 });
    expect(await post('/x', event('evt_1'))).toEqual({ status: 503, text: 'try later' });
    await post('/y', event('evt_2'));

    const all = await control('GET', '/_sandbox/received');
    expect(all.status).toBe(200);
    expect(all.json.data.map((w: { path: string; answeredWith: number }) => [w.path, w.answeredWith])).toEqual([
      ['/x', 503],
      ['/y', 200],
    ]);
    expect((await control('GET', '/_sandbox/received?path=/y')).json.data.map((w: { eventId: string }) => w.eventId)).toEqual(['evt_2']);

    expect((await control('POST', '/_sandbox/secrets', { secrets: [SECRET] })).status).toBe(200);
    const body = event('evt_3');
    await post('/x', body, { 'Tollgate-Signature': signWebhook({ secret: SECRET, timestamp: T, body }) });
    expect(sandbox!.received().at(-1)!.signature).toBe('valid');

    await control('POST', '/_sandbox/behave', { hold: true });
    const held = post('/x', '{}');
    await vi.waitFor(() => expect(sandbox!.received()).toHaveLength(4));
    expect(await control('POST', '/_sandbox/release')).toEqual({ status: 200, json: { released: 1 } });
    expect((await held).status).toBe(200);

    expect((await control('POST', '/_sandbox/clear')).status).toBe(200);
    expect((await control('GET', '/_sandbox/received')).json).toEqual({ data: [] });
  });

  it('answers wrong methods, unknown routes and bad control input with a JSON error', async () => {
    await start();
    const get = await fetch(`${sandbox!.url}/hooks`);
    expect(get.status).toBe(405);
    expect(await get.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
    expect(await control('GET', '/_sandbox/clear')).toMatchObject({ status: 405, json: { error: { code: 'method_not_allowed' } } });
    expect(await control('POST', '/_sandbox/received')).toMatchObject({ status: 405 });
    expect(await control('GET', '/_sandbox/nothing')).toMatchObject({ status: 404, json: { error: { code: 'not_found' } } });
    expect(await control('POST', '/_sandbox/behave', { status: 'teapot' })).toMatchObject({ status: 400, json: { error: { code: 'invalid_behaviour' } } });
    expect(await control('POST', '/_sandbox/secrets', { secrets: 'whsec_x' })).toMatchObject({ status: 400, json: { error: { code: 'invalid_secrets' } } });
    expect(await control('POST', '/_sandbox/behave', [1])).toMatchObject({ status: 400, json: { error: { code: 'invalid_body' } } });
    expect(sandbox!.received()).toEqual([]);
  });

  it('refuses a body over 1 MiB with 413 and does not record it; exactly 1 MiB is fine', async () => {
    await start();
    const tooLarge = await post('/hooks', 'x'.repeat(MAX_BODY_BYTES + 1));
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.text)).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(sandbox!.received()).toEqual([]);
    expect((await post('/hooks', 'x'.repeat(MAX_BODY_BYTES))).status).toBe(200);
    expect(sandbox!.received()[0]!.body).toHaveLength(MAX_BODY_BYTES);
  });

  it('close() cuts off held requests instead of waiting for them', async () => {
    await start();
    sandbox!.behave({ hold: true });
    const held = post('/hooks', '{}');
    await vi.waitFor(() => expect(sandbox!.received()).toHaveLength(1));
    await sandbox!.close();
    sandbox = undefined;
    await expect(held).rejects.toThrow();
  });
});
