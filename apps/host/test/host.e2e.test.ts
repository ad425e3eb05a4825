import { createTestHost, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelPlugin } from './fixtures/channel-plugin.js';
import { PLUGIN_API_VERSION as PLUGIN_API_VERSION_UNDER_TEST } from '@tollgate/plugin-sdk';

for (const engine of testEngines()) {
  describe(`host e2e [${engine.name}]`, () => {
    let t: TestHost;
    beforeAll(async () => {
      t = await createTestHost({ engine, plugins: [{ plugin: channelPlugin, options: { greeting: 'hi' } }] });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('answers /health with database readiness', async () => {
      const res = await t.request({ path: '/health' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ok', checks: { database: { status: 'up', engine: engine.name } }, plugins: 1 });
    });

    it('lists plugins and their channels on /plugins', async () => {
      const res = await t.request({ path: '/plugins' });
      expect(res.status).toBe(200);
      expect(res.body.pluginApiVersion).toBe(PLUGIN_API_VERSION_UNDER_TEST);
      expect(res.body.data).toEqual([
        expect.objectContaining({
          id: 'test-channel',
          spendChannels: [{ id: 'test-sms', label: 'Test SMS', unit: 'message', settlement: 'immediate' }],
          routes: ['POST /v1/plugins/test-channel/notes', 'GET /v1/plugins/test-channel/ping/:name'],
        }),
      ]);
    });

    it('serves the OpenAPI document with core and plugin routes', async () => {
      const res = await t.request({ path: '/docs/json' });
      expect(res.status).toBe(200);
      expect(res.body.openapi).toMatch(/^3\./);
      expect(Object.keys(res.body.paths)).toEqual(
        expect.arrayContaining([
          '/health',
          '/plugins',
          '/v1/account',
          '/admin/accounts',
          '/v1/plugins/test-channel/notes',
          '/v1/plugins/test-channel/ping/{name}',
        ]),
      );
      expect(res.body.paths['/v1/plugins/test-channel/notes'].post.requestBody.content['application/json'].schema).toMatchObject({
        type: 'object',
        required: ['text'],
      });
      const ui = await t.request({ path: '/docs' });
      expect(ui.status).toBe(200);
      expect(String(ui.body)).toContain('swagger');
    });

    it('refuses calls without a valid key with 401 and the error shape', async () => {
      for (const key of [undefined, 'nonsense', `tgk_${'A'.repeat(32)}`]) {
        const res = await t.request({ path: '/v1/account', ...(key ? { key } : {}) });
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
      }
    });

    it('answers unknown routes and malformed JSON with the error shape', async () => {
      const missing = await t.request({ path: '/nope' });
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('not_found');
      const { ownerKey } = await t.createAccount();
      const bad = await t.request({ method: 'POST', path: '/v1/users', key: ownerKey, body: '{"email": ' });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ code: 'invalid_request' });
    });

    it('creates an account with an owner and a key shown once; the key sees only its account', async () => {
      const a = await t.createAccount({ name: 'Acme', locale: 'nl' });
      const b = await t.createAccount({ name: 'Globex' });
      const me = await t.request({ path: '/v1/account', key: a.ownerKey });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ id: a.accountId, name: 'Acme', locale: 'nl', timeZone: 'Europe/Brussels', status: 'trial' });

      // B's key asking for A's user: 404, same as a user that does not exist.
      const foreign = await t.request({ path: `/v1/users/${a.ownerId}`, key: b.ownerKey });
      expect(foreign.status).toBe(404);
      expect(foreign.body.error.code).toBe('not_found');
      const own = await t.request({ path: `/v1/users/${a.ownerId}`, key: a.ownerKey });
      expect(own.status).toBe(200);

      const keys = await t.request({ path: '/v1/api-keys', key: a.ownerKey });
      expect(keys.body.data).toHaveLength(1);
      expect(keys.body.data[0].key).toBeUndefined();
      expect(JSON.stringify(keys.body)).not.toContain(a.ownerKey);
    });

    it('validates input, explains the problem and creates nothing', async () => {
      const before = await t.db.query<{ n: string }>('select count(*) as n from accounts');
      const res = await t.request({
        method: 'POST',
        path: '/admin/accounts',
        key: t.adminKey,
        body: { name: '', owner: { email: 'not-an-email', name: 'X' }, extra: 1 },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details.map((d: { path: unknown[] }) => d.path.join('.'))).toEqual(expect.arrayContaining(['name', 'owner.email']));
      const tz = await t.request({
        method: 'POST',
        path: '/admin/accounts',
        key: t.adminKey,
        body: { name: 'X', timeZone: 'Mars/Olympus', owner: { email: 'x@example.test', name: 'X' } },
      });
      expect(tz.status).toBe(400);
      expect(tz.body.error.code).toBe('invalid_time_zone');
      const after = await t.db.query<{ n: string }>('select count(*) as n from accounts');
      expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
    });

    it('keeps admin and account keys apart', async () => {
      const { ownerKey } = await t.createAccount();
      expect((await t.request({ path: '/admin/accounts', key: ownerKey })).status).toBe(403);
      expect((await t.request({ path: '/v1/account', key: t.adminKey })).status).toBe(403);
      const list = await t.request({ path: '/admin/accounts?limit=1', key: t.adminKey });
      expect(list.status).toBe(200);
      expect(list.body.data).toHaveLength(1);
      expect(list.body.nextCursor).toEqual(expect.stringMatching(/^acc_/));
      const next = await t.request({ path: `/admin/accounts?limit=1&after=${list.body.nextCursor}`, key: t.adminKey });
      expect(next.body.data[0].id > list.body.nextCursor).toBe(true);
    });

    it('enforces roles: members read, admins manage, an account keeps an owner', async () => {
      const { ownerKey, ownerId } = await t.createAccount();
      const memberKey = await t.request({ method: 'POST', path: '/v1/api-keys', key: ownerKey, body: { name: 'ci', role: 'member' } });
      expect(memberKey.status).toBe(201);
      expect(memberKey.body.key).toMatch(/^tgk_/);
      const member = memberKey.body.key as string;

      expect((await t.request({ path: '/v1/account', key: member })).status).toBe(200);
      const denied = await t.request({ method: 'POST', path: '/v1/api-keys', key: member, body: { name: 'x' } });
      expect(denied.status).toBe(403);
      expect(denied.body.error.code).toBe('insufficient_role');

      const adminKey = (await t.request({ method: 'POST', path: '/v1/api-keys', key: ownerKey, body: { name: 'ops', role: 'admin' } })).body.key as string;
      const tooHigh = await t.request({ method: 'POST', path: '/v1/api-keys', key: adminKey, body: { name: 'x', role: 'owner' } });
      expect(tooHigh.status).toBe(403);
      expect(tooHigh.body.error.code).toBe('role_too_high');

      const user = await t.request({ method: 'POST', path: '/v1/users', key: adminKey, body: { email: 'Bob@Example.test', name: 'Bob' } });
      expect(user.status).toBe(201);
      expect(user.body).toMatchObject({ email: 'bob@example.test', role: 'member' });
      const dup = await t.request({ method: 'POST', path: '/v1/users', key: adminKey, body: { email: 'bob@example.test', name: 'Bob' } });
      expect(dup.status).toBe(409);

      const demote = await t.request({ method: 'PATCH', path: `/v1/users/${ownerId}`, key: ownerKey, body: { role: 'admin' } });
      expect(demote.status).toBe(409);
      expect(demote.body.error.code).toBe('last_owner');
      const adminDemotes = await t.request({ method: 'PATCH', path: `/v1/users/${ownerId}`, key: adminKey, body: { role: 'member' } });
      expect(adminDemotes.status).toBe(403);
    });

    it('revokes keys: a revoked key gets 401', async () => {
      const { ownerKey } = await t.createAccount();
      const created = await t.request({ method: 'POST', path: '/v1/api-keys', key: ownerKey, body: { name: 'temp', role: 'member' } });
      const revoked = await t.request({ method: 'DELETE', path: `/v1/api-keys/${created.body.id}`, key: ownerKey });
      expect(revoked.status).toBe(200);
      expect(revoked.body.revokedAt).toBe(t.clock.now().toISOString());
      expect((await t.request({ path: '/v1/account', key: created.body.key })).status).toBe(401);
      const badId = await t.request({ method: 'DELETE', path: '/v1/api-keys/not-an-id', key: ownerKey });
      expect(badId.status).toBe(400);
    });

    it('serves plugin routes with auth, validation and the error shape', async () => {
      const { ownerKey, accountId } = await t.createAccount();
      const ok = await t.request({ method: 'POST', path: '/v1/plugins/test-channel/notes', key: ownerKey, body: { text: 'remember' } });
      expect(ok.status).toBe(201);
      expect(ok.body).toMatchObject({ greeting: 'hi', accountId });
      const unauth = await t.request({ method: 'POST', path: '/v1/plugins/test-channel/notes', body: { text: 'x' } });
      expect(unauth.status).toBe(401);
      expect(unauth.body.error.code).toBe('unauthorized');
      const invalid = await t.request({ method: 'POST', path: '/v1/plugins/test-channel/notes', key: ownerKey, body: { text: 'x'.repeat(21) } });
      expect(invalid.status).toBe(400);
      expect(invalid.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: ['text'], message: expect.any(String) }] });
      const rows = await t.pluginDatabase('test-channel').query('select * from test_channel_notes where account_id = $1', [accountId]);
      expect(rows.rows).toHaveLength(1);
      const ping = await t.request({ path: '/v1/plugins/test-channel/ping/abc' });
      expect(ping.body).toEqual({ pong: 'abc', raw: null });
      expect((await t.request({ path: '/v1/plugins/test-channel/ping/ABC' })).status).toBe(400);
    });
  });
}
