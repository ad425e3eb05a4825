import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ManualClock } from '@tollgate/clock';
import { dropSchemaFamily, openDatabase, testEngines, type Database } from '@tollgate/db';
import { coreServices, definePlugin, type TollgateEvent } from '@tollgate/plugin-sdk';
import { startWebhookSandbox, type ReceivedWebhook, type WebhookSandbox } from '@tollgate/sandbox-webhooks';
import { createTestHost, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A plugin that mirrors charges the way the docs tell handlers to: an effect once per event id,
 * whatever the number of deliveries. `failAfterEffect` makes the next delivery throw after its
 * effect (a handler that crashed before it could say so). `always-fails` never succeeds.
 */
function eventsFixture() {
  const state = {
    calls: [] as TollgateEvent[],
    effects: new Map<string, number>(),
    failAfterEffect: 0,
    failing: 0,
  };
  const plugin = definePlugin({
    id: 'events-fixture',
    compatibility: '^2.2.0',
    register(env) {
      env.registerInit({
        deps: { events: coreServices.events },
        init({ events }) {
          events.subscribe({
            name: 'mirror',
            types: ['wallet.charged'],
            async handler(event) {
              state.calls.push(event);
              if (!state.effects.has(event.id)) state.effects.set(event.id, state.effects.size + 1);
              if (state.failAfterEffect > 0) {
                state.failAfterEffect--;
                throw new Error('crashed after the effect');
              }
            },
          });
          events.subscribe({
            name: 'always-fails',
            types: ['wallet.charged'],
            maxAttempts: 2,
            async handler() {
              state.failing++;
              throw new Error('this handler is down');
            },
          });
        },
      });
    },
  });
  return { plugin, state };
}

/** The docs' verification snippet (docs/events.md, the `verify-snippet` block), loaded as a module. */
async function documentedVerifier(): Promise<(input: { header: string; rawBody: string; secret: string; now?: number }) => boolean> {
  const doc = readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8');
  const code = /```js verify-snippet\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!code) throw new Error('docs/events.md has no verify-snippet block');
  const file = join(mkdtempSync(join(tmpdir(), 'tollgate-snippet-')), 'verify.mjs');
  writeFileSync(file, code);
  return ((await import(pathToFileURL(file).href)) as { verifyTollgateSignature: never }).verifyTollgateSignature;
}

const START = '2026-12-01T09:00:00.000Z';
const CHANNEL = 'events-test';

async function charge(t: TestHost, key: string, units = '1') {
  const res = await t.request({
    method: 'POST',
    path: '/v1/wallet/charges',
    key,
    body: { channel: CHANNEL, units },
    headers: { 'idempotency-key': randomBytes(8).toString('hex') },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { transactionId: string };
}

async function addEndpoint(t: TestHost, key: string, body: object) {
  const res = await t.request({ method: 'POST', path: '/v1/webhook-endpoints', key, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; secret: string; url: string };
}

const answered = (list: ReceivedWebhook[], status: number) => list.filter((r) => r.answeredWith === status);

for (const engine of testEngines()) {
  describe(`events out: plugin handlers and signed webhooks [${engine.name}]`, () => {
    const clock = new ManualClock(START);
    const fixture = eventsFixture();
    let t: TestHost;
    let receiver: WebhookSandbox;

    beforeAll(async () => {
      receiver = await startWebhookSandbox({ now: () => clock.now() });
      t = await createTestHost({ engine, clock, plugins: [fixture.plugin] });
      const price = await t.request({
        method: 'POST',
        path: '/admin/catalog/prices',
        key: t.adminKey,
        body: { channel: CHANNEL, unit: 'unit', unitPrice: '0.01', effectiveFrom: '2026-01-01T00:00:00.000Z' },
      });
      expect(price.status).toBe(201);
    });
    afterAll(async () => {
      await t?.close();
      await receiver?.close();
    });

    it('a charge reaches the plugin handler and the endpoint once each; redeliveries and replays carry the same id', async () => {
      const a = await t.createAccount();
      const member = (await t.request({ method: 'POST', path: '/v1/api-keys', key: a.ownerKey, body: { name: 'reader', role: 'member' } })).body.key as string;
      // A member reads, but does not decide where the account's data goes.
      const refused = await t.request({ method: 'POST', path: '/v1/webhook-endpoints', key: member, body: { url: `${receiver.url}/a`, eventTypes: ['*'] } });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('insufficient_role');

      const endpoint = await addEndpoint(t, a.ownerKey, { url: `${receiver.url}/a`, eventTypes: ['wallet.charged'], description: 'billing' });
      expect(endpoint.secret).toMatch(/^whsec_/);
      receiver.setSecrets([endpoint.secret]);
      const listed = await t.request({ path: '/v1/webhook-endpoints', key: member });
      expect(listed.body.data).toEqual([expect.objectContaining({ id: endpoint.id, status: 'enabled', eventTypes: ['wallet.charged'] })]);
      expect(JSON.stringify(listed.body)).not.toContain(endpoint.secret);

      const first = await charge(t, a.ownerKey, '3');
      fixture.state.calls.length = 0;
      await t.runJobs();
      const got = receiver.received({ path: '/a' });
      expect(got).toHaveLength(1);
      expect(got[0]!.signature).toBe('valid');
      const event = got[0]!.json as TollgateEvent<'wallet.charged'>;
      expect(event).toMatchObject({
        type: 'wallet.charged',
        version: 1,
        accountId: a.accountId,
        data: { transactionId: first.transactionId, channel: CHANNEL, amount: '0.03' },
      });
      expect(got[0]!.headers['tollgate-event-id']).toBe(event.id);
      // The plugin got the same event (id, sequence), once.
      expect(fixture.state.calls.map((c) => [c.id, c.sequence])).toEqual([[event.id, event.sequence]]);
      // The account's log holds it too, with the topped-up trial credit before it.
      const log = await t.request({ path: '/v1/events', key: member });
      expect(log.body.data.map((e: TollgateEvent) => e.type)).toEqual(['wallet.topped_up', 'wallet.charged']);
      expect(log.body.data.map((e: TollgateEvent) => e.sequence)).toEqual([1, 2]);
      expect((await t.request({ path: `/v1/events/${event.id}`, key: member })).body).toEqual(event);

      // A handler that crashes after its effect is called again with the same event: one effect.
      fixture.state.failAfterEffect = 1;
      fixture.state.calls.length = 0;
      await charge(t, a.ownerKey);
      await t.runJobs();
      expect(fixture.state.calls).toHaveLength(1);
      clock.advance({ seconds: 30 });
      await t.runJobs();
      expect(fixture.state.calls).toHaveLength(2);
      expect(fixture.state.calls[0]!.id).toBe(fixture.state.calls[1]!.id);
      expect([...fixture.state.effects.keys()].filter((id) => id === fixture.state.calls[0]!.id)).toHaveLength(1);

      // A replay is a second delivery of the same event: the receiver dedupes on the id.
      const replay = await t.request({ method: 'POST', path: `/v1/webhook-endpoints/${endpoint.id}/replay`, key: a.ownerKey, body: { eventId: event.id } });
      expect(replay.status).toBe(202);
      expect(replay.body).toEqual({ replayed: 1 });
      await t.runJobs();
      const all = receiver.received({ path: '/a' });
      expect(all).toHaveLength(3);
      expect(all.filter((r) => r.eventId === event.id)).toHaveLength(2);
      expect(new Set(all.map((r) => r.headers['tollgate-delivery-id'])).size).toBe(3);
      expect(new Set(all.map((r) => r.eventId)).size).toBe(2);

      // The delivery log: newest first, each delivered once on its first attempt, with the answer's status.
      const deliveries = await t.request({ path: `/v1/webhook-endpoints/${endpoint.id}/deliveries`, key: member });
      expect(deliveries.body.data).toHaveLength(3);
      expect(deliveries.body.data[0]).toMatchObject({ eventId: event.id, replay: 1, status: 'delivered', attempts: 1, lastStatus: 200 });
      const attempts = await t.request({ path: `/v1/webhook-endpoints/${endpoint.id}/deliveries/${deliveries.body.data[0].id}/attempts`, key: member });
      expect(attempts.body.data).toEqual([expect.objectContaining({ statusCode: 200, responseBody: '{"received":true}', error: null })]);
      // Another endpoint's delivery is not found under this one.
      const other = await addEndpoint(t, a.ownerKey, { url: `${receiver.url}/a2`, eventTypes: ['wallet.low_balance'] });
      const foreign = await t.request({ path: `/v1/webhook-endpoints/${other.id}/deliveries/${deliveries.body.data[0].id}/attempts`, key: member });
      expect(foreign.status).toBe(404);
      expect(foreign.body.error.code).toBe('delivery_not_found');
      // Replays at once are numbered one after another, none refused.
      const racing = await Promise.all(
        Array.from({ length: 4 }, () =>
          t.request({ method: 'POST', path: `/v1/webhook-endpoints/${endpoint.id}/replay`, key: a.ownerKey, body: { eventId: event.id } }),
        ),
      );
      expect(racing.map((r) => r.status)).toEqual([202, 202, 202, 202]);
      const replays = (await t.request({ path: `/v1/webhook-endpoints/${endpoint.id}/deliveries`, key: member })).body.data
        .filter((d: { eventId: string }) => d.eventId === event.id)
        .map((d: { replay: number }) => d.replay);
      expect(replays.sort()).toEqual([0, 1, 2, 3, 4, 5]);
      await t.runJobs();
    });

    it('a failing handler is retried, then parked for the operator, and never holds up the other subscription', async () => {
      const parked = await t.request({ path: '/admin/events/parked?target=events-fixture/always-fails', key: t.adminKey });
      expect(parked.status).toBe(200);
      // Two charges so far went to 'always-fails': two attempts each (maxAttempts 2), then parked.
      expect(parked.body.data.length).toBeGreaterThanOrEqual(1);
      expect(parked.body.data[0]).toMatchObject({ status: 'parked', attempts: 2, target: 'events-fixture/always-fails', lastError: 'this handler is down' });
      const retried = await t.request({ method: 'POST', path: `/admin/events/parked/${parked.body.data[0].id}/retry`, key: t.adminKey });
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ status: 'pending', attempts: 0 });
      const before = fixture.state.failing;
      await t.runJobs();
      expect(fixture.state.failing).toBe(before + 1);
      const again = await t.request({ method: 'POST', path: `/admin/events/parked/${parked.body.data[0].id}/retry`, key: t.adminKey });
      expect(again.status).toBe(404);
      expect(again.body.error.code).toBe('parked_delivery_not_found');
      // Account keys do not see the operator's list.
      const a = await t.createAccount();
      expect((await t.request({ path: '/admin/events/parked', key: a.ownerKey })).status).toBe(403);
    });

    it('an endpoint down for an hour gets its backlog after recovery, in sequence order, nothing before its head', async () => {
      const b = await t.createAccount();
      await t.runJobs(); // the trial credit's event is in the log before the endpoint exists
      const endpoint = await addEndpoint(t, b.ownerKey, { url: `${receiver.url}/b`, eventTypes: ['*'] });
      receiver.setSecrets([endpoint.secret]);
      receiver.behave({ path: '/b', status: 503 });
      const t0 = clock.now().getTime();
      for (let i = 0; i < 3; i++) await charge(t, b.ownerKey);
      await t.runJobs();
      // Minute by minute for an hour: the head is retried at 1, 6 and 36 minutes; nothing else goes.
      for (let minute = 1; minute <= 60; minute++) {
        clock.advance({ minutes: 1 });
        await t.runJobs();
      }
      const down = receiver.received({ path: '/b' });
      expect(down.map((r) => r.answeredWith)).toEqual([503, 503, 503, 503]);
      expect(new Set(down.map((r) => r.eventId)).size).toBe(1);
      const waiting = await t.request({ path: `/v1/webhook-endpoints/${endpoint.id}/deliveries?status=pending`, key: b.ownerKey });
      expect(waiting.body.data).toHaveLength(3);
      const head = waiting.body.data.at(-1);
      expect(head).toMatchObject({ attempts: 4, lastStatus: 503, lastError: 'HTTP 503' });
      // 36 min + 2 h: the next try, now that the endpoint is back.
      expect(head.nextAttemptAt).toBe(new Date(t0 + (36 + 120) * 60_000).toISOString());
      expect((await t.request({ path: `/v1/webhook-endpoints/${endpoint.id}`, key: b.ownerKey })).body.failingSince).not.toBeNull();

      receiver.behave({ path: '/b', status: 200 });
      clock.advance({ minutes: 96 });
      await t.runJobs();
      const ok = answered(receiver.received({ path: '/b' }), 200);
      expect(ok).toHaveLength(3);
      const sequences = ok.map((r) => (r.json as TollgateEvent).sequence);
      expect(sequences).toEqual([...sequences].sort((x, y) => x - y));
      expect(ok[0]!.eventId).toBe(down[0]!.eventId);
      expect(ok.every((r) => r.signature === 'valid')).toBe(true);
      expect((await t.request({ path: `/v1/webhook-endpoints/${endpoint.id}`, key: b.ownerKey })).body.failingSince).toBeNull();
    });

    it('the documented snippet accepts a real delivery and detects a bad signature, a tampered body and an old timestamp; both secrets sign during a rotation', async () => {
      const verify = await documentedVerifier();
      const c = await t.createAccount();
      const endpoint = await addEndpoint(t, c.ownerKey, { url: `${receiver.url}/c`, eventTypes: ['wallet.charged'] });
      await charge(t, c.ownerKey);
      await t.runJobs();
      const [delivery] = receiver.received({ path: '/c' });
      const header = delivery!.headers['tollgate-signature']!;
      const now = clock.now().getTime();
      expect(verify({ header, rawBody: delivery!.body, secret: endpoint.secret, now })).toBe(true);
      expect(verify({ header, rawBody: delivery!.body.replace('"0.01"', '"0.00"'), secret: endpoint.secret, now })).toBe(false);
      expect(verify({ header, rawBody: delivery!.body, secret: 'whsec_not-the-secret', now })).toBe(false);
      expect(verify({ header: header.replace(/v1=[0-9a-f]{6}/, 'v1=000000'), rawBody: delivery!.body, secret: endpoint.secret, now })).toBe(false);
      expect(verify({ header, rawBody: delivery!.body, secret: endpoint.secret, now: now + 10 * 60_000 })).toBe(false);

      const rotated = await t.request({
        method: 'POST',
        path: `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`,
        key: c.ownerKey,
        body: { overlapHours: 24 },
      });
      expect(rotated.status).toBe(200);
      expect(rotated.body.secret).not.toBe(endpoint.secret);
      await charge(t, c.ownerKey);
      await t.runJobs();
      const during = receiver.received({ path: '/c' }).at(-1)!;
      expect(during.headers['tollgate-signature']!.match(/v1=/g)).toHaveLength(2);
      for (const secret of [endpoint.secret, rotated.body.secret as string])
        expect(verify({ header: during.headers['tollgate-signature']!, rawBody: during.body, secret, now: clock.now().getTime() })).toBe(true);
      clock.advance({ hours: 25 });
      await charge(t, c.ownerKey);
      await t.runJobs();
      const after = receiver.received({ path: '/c' }).at(-1)!;
      const at = clock.now().getTime();
      expect(verify({ header: after.headers['tollgate-signature']!, rawBody: after.body, secret: rotated.body.secret, now: at })).toBe(true);
      expect(verify({ header: after.headers['tollgate-signature']!, rawBody: after.body, secret: endpoint.secret, now: at })).toBe(false);
    });

    it('refuses endpoints in private, link-local and reserved ranges, unknown types and bad input, and changes nothing', async () => {
      const d = await t.createAccount();
      for (const url of [
        'http://10.1.2.3/hook',
        'https://10.255.0.1:8443/x',
        'http://192.168.1.10/',
        'http://169.254.169.254/latest/meta-data',
        'http://[::ffff:10.0.0.1]/',
        'http://[fd00::1]/',
        'http://100.64.0.1/',
        'http://0.0.0.0:4050/',
      ]) {
        const res = await t.request({ method: 'POST', path: '/v1/webhook-endpoints', key: d.ownerKey, body: { url, eventTypes: ['*'] } });
        expect(res.status, url).toBe(422);
        expect(res.body.error.code).toBe('webhook_url_refused');
      }
      const ftp = await t.request({ method: 'POST', path: '/v1/webhook-endpoints', key: d.ownerKey, body: { url: 'ftp://example.com/x', eventTypes: ['*'] } });
      expect(ftp.status).toBe(422);
      const creds = await t.request({
        method: 'POST',
        path: '/v1/webhook-endpoints',
        key: d.ownerKey,
        body: { url: 'http://user:pw@127.0.0.1:9/x', eventTypes: ['*'] },
      });
      expect(creds.body.error.code).toBe('webhook_url_refused');
      const unknown = await t.request({
        method: 'POST',
        path: '/v1/webhook-endpoints',
        key: d.ownerKey,
        body: { url: `${receiver.url}/d`, eventTypes: ['wallet.exploded'] },
      });
      expect(unknown.status).toBe(400);
      const replayBoth = await t.request({
        method: 'POST',
        path: '/v1/webhook-endpoints/we_missing/replay',
        key: d.ownerKey,
        body: { eventId: 'evt_x', from: START },
      });
      expect(replayBoth.status).toBe(400);
      const missing = await t.request({ path: '/v1/webhook-endpoints/we_missing', key: d.ownerKey });
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('webhook_endpoint_not_found');
      expect((await t.request({ path: '/v1/webhook-endpoints', key: d.ownerKey })).body.data).toEqual([]);
      // Another account's endpoint is not found, not shown.
      const e = await t.createAccount();
      const theirs = await addEndpoint(t, e.ownerKey, { url: `${receiver.url}/e`, eventTypes: ['*'] });
      expect((await t.request({ path: `/v1/webhook-endpoints/${theirs.id}`, key: d.ownerKey })).status).toBe(404);
      expect((await t.request({ method: 'DELETE', path: `/v1/webhook-endpoints/${theirs.id}`, key: d.ownerKey })).status).toBe(404);
    });

    it('an endpoint failing for three days is disabled, its account is e-mailed, and enabling it sends what waited', async () => {
      const f = await t.createAccount();
      const endpoint = await addEndpoint(t, f.ownerKey, { url: `${receiver.url}/f`, eventTypes: ['wallet.charged'] });
      receiver.behave({ path: '/f', status: 500 });
      await charge(t, f.ownerKey);
      await t.runJobs();
      for (let hour = 1; hour <= 75; hour++) {
        clock.advance({ hours: 1 });
        await t.runJobs();
      }
      const view = (await t.request({ path: `/v1/webhook-endpoints/${endpoint.id}`, key: f.ownerKey })).body;
      expect(view).toMatchObject({ status: 'disabled', disabledReason: 'failing' });
      const [given] = (await t.request({ path: `/v1/webhook-endpoints/${endpoint.id}/deliveries`, key: f.ownerKey })).body.data;
      expect(given).toMatchObject({ status: 'failed', lastStatus: 500, nextAttemptAt: null });
      // 0, 1 m, 6 m, 36 m, 2 h 36, 7 h 36, then every 10 h until 72 h after the first.
      expect(given.attempts).toBe(12);
      const mails = (await t.request({ path: '/v1/notifications', key: f.ownerKey })).body.data;
      expect(mails).toEqual([expect.objectContaining({ template: 'webhook_endpoint_disabled', subject: expect.stringContaining('Webhook disabled') })]);

      // Disabled: what happens meanwhile is not sent (as with Stripe)…
      receiver.behave({ path: '/f', status: 200 });
      await charge(t, f.ownerKey);
      await t.runJobs();
      expect(answered(receiver.received({ path: '/f' }), 200)).toHaveLength(0);
      const enabled = await t.request({ method: 'PATCH', path: `/v1/webhook-endpoints/${endpoint.id}`, key: f.ownerKey, body: { status: 'enabled' } });
      expect(enabled.body).toMatchObject({ status: 'enabled', disabledReason: null, failingSince: null });
      await t.runJobs();
      expect(answered(receiver.received({ path: '/f' }), 200)).toHaveLength(0);
      // …enabled again, new events flow, and a replay of the period sends the failed one and the missed one, in order.
      await charge(t, f.ownerKey);
      await t.runJobs();
      expect(answered(receiver.received({ path: '/f' }), 200)).toHaveLength(1);
      const replay = await t.request({ method: 'POST', path: `/v1/webhook-endpoints/${endpoint.id}/replay`, key: f.ownerKey, body: { from: START } });
      expect(replay.body.replayed).toBe(3);
      await t.runJobs();
      const ok = answered(receiver.received({ path: '/f' }), 200);
      expect(ok).toHaveLength(4);
      expect(new Set(ok.map((r) => r.eventId)).size).toBe(3);
    });

    it('after 30 days events and ended deliveries are forgotten; an event with a parked delivery is kept until it is retried', async () => {
      const g = await t.createAccount();
      const endpoint = await addEndpoint(t, g.ownerKey, { url: `${receiver.url}/g`, eventTypes: ['wallet.charged'] });
      receiver.behave({ path: '/g', status: 200 });
      await charge(t, g.ownerKey);
      await t.runJobs();
      clock.advance({ seconds: 30 });
      await t.runJobs(); // 'always-fails' parks its delivery of this charge
      expect((await t.request({ path: `/v1/webhook-endpoints/${endpoint.id}/deliveries`, key: g.ownerKey })).body.data).toHaveLength(1);
      clock.advance({ days: 31 });
      await charge(t, g.ownerKey);
      await t.runJobs();
      const events = (await t.request({ path: '/v1/events', key: g.ownerKey })).body.data as TollgateEvent[];
      // The trial credit's event is gone; the old charge stays (parked for a handler), the new one is there.
      expect(events.map((e) => [e.type, e.sequence])).toEqual([
        ['wallet.charged', 2],
        ['wallet.charged', 3],
      ]);
      const log = (await t.request({ path: `/v1/webhook-endpoints/${endpoint.id}/deliveries`, key: g.ownerKey })).body.data;
      expect(log.map((d: { sequence: number }) => d.sequence)).toEqual([3]);
    });
  });
}

describe('events out outside sandbox mode', () => {
  let t: TestHost;
  beforeAll(async () => {
    t = await createTestHost({ config: { sandbox: false } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('only https, and never loopback', async () => {
    const a = await t.createAccount();
    for (const [url, reason] of [
      ['http://example.com/hook', 'only https URLs'],
      ['https://127.0.0.1/hook', 'loopback'],
      ['https://[::1]/hook', 'loopback'],
    ] as const) {
      const res = await t.request({ method: 'POST', path: '/v1/webhook-endpoints', key: a.ownerKey, body: { url, eventTypes: ['*'] } });
      expect(res.status, url).toBe(422);
      expect(res.body.error.message).toContain(reason);
    }
  });
});

const postgres = testEngines().find((e) => e.name === 'postgres');
describe.runIf(postgres)('events out on two hosts [postgres]', () => {
  const clock = new ManualClock(START);
  const url = process.env.TEST_DATABASE_URL!;
  const schema = `t_events_${randomBytes(5).toString('hex')}`;
  const fixture = eventsFixture();
  let dbs: Database[] = [];
  const hosts: TestHost[] = [];
  let receiver: WebhookSandbox;

  beforeAll(async () => {
    receiver = await startWebhookSandbox({ now: () => clock.now() });
    dbs = [await openDatabase({ url, schema, poolSize: 8 }), await openDatabase({ url, schema, poolSize: 8 })];
    hosts.push(await createTestHost({ db: dbs[0]!, clock, plugins: [fixture.plugin] }));
    hosts.push(await createTestHost({ db: dbs[1]!, clock, plugins: [fixture.plugin] }));
  });
  afterAll(async () => {
    for (const h of hosts) await h.close();
    await dropSchemaFamily({ url, schema });
    for (const d of dbs) await d.close();
    await receiver?.close();
  });

  it('charges on both hosts, both delivering at once: every event once to the endpoint and once to the handler, in sequence order', async () => {
    const [h1, h2] = hosts as [TestHost, TestHost];
    await h1.request({
      method: 'POST',
      path: '/admin/catalog/prices',
      key: h1.adminKey,
      body: { channel: CHANNEL, unit: 'unit', unitPrice: '0.01', effectiveFrom: '2026-01-01T00:00:00.000Z' },
    });
    const a = await h1.createAccount();
    const endpoint = await addEndpoint(h2, a.ownerKey, { url: `${receiver.url}/two`, eventTypes: ['wallet.charged'] });
    receiver.setSecrets([endpoint.secret]);
    await Promise.all(Array.from({ length: 20 }, (_, i) => charge(i % 2 ? h1 : h2, a.ownerKey)));
    for (let round = 0; round < 3; round++) await Promise.all([h1.runJobs(), h2.runJobs()]);
    const got = receiver.received({ path: '/two' });
    expect(got).toHaveLength(20);
    expect(new Set(got.map((r) => r.eventId)).size).toBe(20);
    const sequences = got.map((r) => (r.json as TollgateEvent).sequence);
    expect(sequences).toEqual([...sequences].sort((x, y) => x - y));
    expect(fixture.state.calls).toHaveLength(20);
    expect(new Set(fixture.state.calls.map((c) => c.id)).size).toBe(20);
    // One sequence per account across both hosts: 1 (trial credit) … 21, no gap, no double.
    const { rows } = await dbs[0]!.query<{ seq: string }>('select seq from events where account_id = $1 order by seq', [a.accountId]);
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
  });
});
