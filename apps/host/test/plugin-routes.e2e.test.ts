import { definePlugin, httpRoutesExtensionPoint } from '@tollgate/plugin-sdk';
import { createTestHost, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routesControl, routesPlugin } from './fixtures/routes-plugin.js';

/**
 * Plugin routes pass the core's request pipeline (issue 11, "one request pipeline"): the same
 * authentication, role check (before the input is read), validation body, idempotency semantics
 * and error shape as core routes, on a real host and a real database.
 */
const BASE = '/v1/plugins/test-routes';

for (const engine of testEngines()) {
  describe(`plugin routes pass the core pipeline [${engine.name}]`, () => {
    const control = routesControl();
    let t: TestHost;
    let a: { accountId: string; owner: string; admin: string; member: string };
    let b: { accountId: string; owner: string };

    const order = (key: string, idem: string | undefined, amount = '10.00', query = '') =>
      t.request({
        method: 'POST',
        path: `${BASE}/orders${query}`,
        key,
        body: { amount },
        ...(idem === undefined ? {} : { headers: { 'idempotency-key': idem } }),
      });
    /** Lets POST /orders block until `release()`; `entered` resolves once a run is waiting. */
    const hold = () => {
      let release!: () => void;
      control.gate = new Promise<void>((resolve) => (release = resolve));
      const entered = new Promise<void>((resolve) => (control.entered = resolve));
      return {
        entered,
        release: () => {
          control.gate = undefined;
          control.entered = undefined;
          release();
        },
      };
    };
    const keyWithRole = async (owner: string, role: string) => {
      const res = await t.request({ method: 'POST', path: '/v1/api-keys', key: owner, body: { name: role, role } });
      expect(res.status).toBe(201);
      return res.body.key as string;
    };

    beforeAll(async () => {
      t = await createTestHost({ engine, plugins: [routesPlugin(control)] });
      const acc = await t.createAccount();
      a = { accountId: acc.accountId, owner: acc.ownerKey, admin: await keyWithRole(acc.ownerKey, 'admin'), member: await keyWithRole(acc.ownerKey, 'member') };
      const other = await t.createAccount();
      b = { accountId: other.accountId, owner: other.ownerKey };
    });
    afterAll(async () => {
      await t?.close();
    });

    it('members read; a member key is refused a write with 403 insufficient_role before its input is read', async () => {
      const read = await t.request({ path: `${BASE}/items`, key: a.member });
      expect(read.status).toBe(200);
      expect(read.body).toEqual({ data: [], role: 'member' });

      // An invalid body: the role check answers first, exactly as for a core route.
      const denied = await t.request({ method: 'POST', path: `${BASE}/items`, key: a.member, body: { text: '', extra: true } });
      expect(denied.status).toBe(403);
      expect(denied.body).toEqual({ error: { code: 'insufficient_role', message: 'This needs the admin role; this key has member.' } });
      const core = await t.request({ method: 'POST', path: '/v1/wallet/charges', key: a.member, body: { nonsense: true } });
      expect(core.status).toBe(403);
      expect(core.body).toEqual(denied.body);
      // Refused before idempotency too: nothing is stored under the key, the handler never ran.
      const runs = control.runs;
      expect((await order(a.member, 'member-try')).status).toBe(403);
      expect(control.runs).toBe(runs);
      expect((await t.db.query('select 1 from route_idempotency_keys where key = $1', ['member-try'])).rows).toEqual([]);

      // An upload route too: the role is checked before the file is read (a 413-sized, wrongly typed file still gets the 403).
      const upload = await t.upload({ path: `${BASE}/attachments`, key: a.member, file: Buffer.alloc(100_000), fields: { title: '' } });
      expect(upload.status).toBe(403);
      expect(upload.body).toEqual(denied.body);
      const uploaded = await t.upload({ path: `${BASE}/attachments`, key: a.admin, file: Buffer.from('%PDF-1.7 x'), fields: { title: 'Contract' } });
      expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
      expect(uploaded.body).toMatchObject({ accountId: a.accountId, size: 10, fields: { title: 'Contract' } });

      for (const key of [a.owner, a.admin]) {
        const ok = await t.request({ method: 'POST', path: `${BASE}/items`, key, body: { text: 'hello' } });
        expect(ok.status).toBe(201);
        expect(ok.body).toMatchObject({ accountId: a.accountId, text: 'hello', idempotencyKey: null });
      }
      expect((await t.request({ path: `${BASE}/items`, key: a.member })).body.data).toHaveLength(2);
      expect((await t.request({ path: `${BASE}/items`, key: b.owner })).body.data).toEqual([]);
    });

    it('caller.userId is the user a key acts for, and accounts.getUser reads them (API 2.4)', async () => {
      const users = await t.request({ path: '/v1/users', key: a.owner });
      const owner = (users.body.data as Array<{ id: string; role: string }>).find((u) => u.role === 'owner')!;
      const mine = await t.request({ path: `${BASE}/whoami`, key: a.owner });
      expect(mine.body).toMatchObject({ userId: owner.id, user: { id: owner.id, accountId: a.accountId, role: 'owner' } });
      // A key the owner made without naming a user acts for the owner.
      expect((await t.request({ path: `${BASE}/whoami`, key: a.member })).body.userId).toBe(owner.id);

      const added = await t.request({ method: 'POST', path: '/v1/users', key: a.owner, body: { email: 'rita@example.com', name: 'Rita', role: 'member' } });
      expect(added.status).toBe(201);
      const rita = added.body.id as string;
      const tooHigh = await t.request({ method: 'POST', path: '/v1/api-keys', key: a.owner, body: { name: 'rita', role: 'admin', userId: rita } });
      expect(tooHigh.status).toBe(403);
      expect(tooHigh.body.error.code).toBe('role_too_high');
      const issued = await t.request({ method: 'POST', path: '/v1/api-keys', key: a.owner, body: { name: 'rita', role: 'member', userId: rita } });
      expect(issued.status).toBe(201);
      expect(issued.body.userId).toBe(rita);
      const ritaKey = issued.body.key as string;
      expect((await t.request({ path: `${BASE}/whoami`, key: ritaKey })).body).toMatchObject({
        userId: rita,
        user: { id: rita, name: 'Rita', role: 'member' },
      });

      // Another account's user is not found, and nothing was created.
      const foreign = await t.request({ path: '/v1/users', key: b.owner });
      const foreignUser = (foreign.body.data as Array<{ id: string }>)[0]!.id;
      const refused = await t.request({ method: 'POST', path: '/v1/api-keys', key: a.owner, body: { name: 'x', role: 'member', userId: foreignUser } });
      expect(refused.status).toBe(404);

      // Removing the user revokes the key issued for them, though someone else made it.
      expect((await t.request({ method: 'DELETE', path: `/v1/users/${rita}`, key: a.owner })).status).toBe(204);
      expect((await t.request({ path: `${BASE}/whoami`, key: ritaKey })).status).toBe(401);
    });

    it('an explicit minRole lowers or raises the default', async () => {
      const saved = await t.request({ method: 'POST', path: `${BASE}/preferences`, key: a.member, body: { theme: 'dark' } });
      expect(saved.status).toBe(200);
      expect(saved.body).toEqual({ saved: 'dark', role: 'member' });
      const secret = await t.request({ path: `${BASE}/secrets`, key: a.admin });
      expect(secret.status).toBe(403);
      expect(secret.body.error.code).toBe('insufficient_role');
      expect((await t.request({ path: `${BASE}/secrets`, key: a.owner })).status).toBe(200);
    });

    it('keys of the wrong kind: none → 401, the admin key on an account route → 403 account_key_required, an account key on an admin route → 403 admin_only', async () => {
      const none = await t.request({ path: `${BASE}/items` });
      expect(none.status).toBe(401);
      expect(none.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
      const adminOnAccount = await t.request({ method: 'POST', path: `${BASE}/items`, key: t.adminKey, body: { text: 'x' } });
      expect(adminOnAccount.status).toBe(403);
      expect(adminOnAccount.body.error.code).toBe('account_key_required');
      const uploadWithout = await t.upload({ path: `${BASE}/attachments`, file: Buffer.from('%PDF-1.7 x'), fields: { title: 'x' } });
      expect(uploadWithout.status).toBe(401);
      const uploadAsAdmin = await t.upload({ path: `${BASE}/attachments`, key: t.adminKey, file: Buffer.from('%PDF-1.7 x'), fields: { title: 'x' } });
      expect(uploadAsAdmin.status).toBe(403);
      expect(uploadAsAdmin.body.error.code).toBe('account_key_required');
      const accountOnAdmin = await t.request({ path: `${BASE}/stats`, key: a.owner });
      expect(accountOnAdmin.status).toBe(403);
      expect(accountOnAdmin.body.error.code).toBe('admin_only');
      expect((await t.request({ path: `${BASE}/stats`, key: t.adminKey })).body).toEqual({ items: 2 });
    });

    it('a 400 from a plugin route has the very body of a core route with the same schema: { path, message } details', async () => {
      const input = { name: '', role: 'boss' };
      const plugin = await t.request({ method: 'POST', path: `${BASE}/api-keys-like`, key: a.owner, body: input });
      const core = await t.request({ method: 'POST', path: '/v1/api-keys', key: a.owner, body: input });
      expect(plugin.status).toBe(400);
      expect(core.status).toBe(400);
      expect(plugin.body).toEqual(core.body);
      expect(plugin.body.error.code).toBe('validation_failed');
      expect(plugin.body.error.details).toEqual([
        { path: ['name'], message: expect.any(String) },
        { path: ['role'], message: expect.any(String) },
      ]);
      // An upload's text fields are validated the same way, with the same shape.
      const badFields = await t.upload({ path: `${BASE}/attachments`, key: a.owner, file: Buffer.from('%PDF-1.7 x'), fields: { title: '', extra: 'x' } });
      expect(badFields.status).toBe(400);
      expect(badFields.body.error.code).toBe('validation_failed');
      expect(badFields.body.error.details).toEqual([
        { path: ['title'], message: expect.any(String) },
        { path: [], message: expect.stringContaining('extra') },
      ]);
      // Params and query are validated the same way.
      const badParam = await t.request({ path: `${BASE}/teapot/NOPE`, key: a.owner });
      expect(badParam.status).toBe(400);
      expect(badParam.body.error.details).toEqual([{ path: ['code'], message: expect.any(String) }]);
      const badQuery = await order(a.owner, 'bad-query', '1.00', `?note=${'x'.repeat(21)}`);
      expect(badQuery.status).toBe(400);
      expect(badQuery.body.error.details).toEqual([{ path: ['note'], message: expect.any(String) }]);
      // The query was invalid: the key was not taken, so it can still be used.
      expect((await order(a.owner, 'bad-query', '1.00')).status).toBe(201);
    });

    it('unknown routes, thrown TollgateErrors and crashes: the one error shape', async () => {
      const missing = await t.request({ path: `${BASE}/nope`, key: a.owner });
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
      const teapot = await t.request({ path: `${BASE}/teapot/short_and_stout`, key: a.owner });
      expect(teapot.status).toBe(418);
      expect(teapot.body).toEqual({ error: { code: 'short_and_stout', message: 'I am a teapot', details: { code: 'short_and_stout' } } });
      const crash = await t.request({ path: `${BASE}/crash`, key: a.owner });
      expect(crash.status).toBe(500);
      expect(crash.body).toEqual({ error: { code: 'internal_error', message: 'Internal server error' } });
      const malformed = await t.request({ method: 'POST', path: `${BASE}/items`, key: a.owner, body: '{"text": ' });
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.code).toBe('invalid_request');
    });

    it('public routes take form-encoded callbacks with their exact bytes', async () => {
      const raw = 'CallSid=CA1&CallStatus=completed&Note=a%20b';
      const res = await t.request({ method: 'POST', path: `${BASE}/callbacks`, body: raw, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ parsed: { CallSid: 'CA1', CallStatus: 'completed', Note: 'a b' }, raw, contentType: 'application/x-www-form-urlencoded' });
    });

    describe('idempotency', () => {
      it('the same key and request replays the first response with Idempotent-Replayed; the handler sees the key as sent', async () => {
        const runs = control.runs;
        const first = await order(a.owner, 'order-1', '12.50');
        expect(first.status).toBe(201);
        expect(first.headers.get('idempotent-replayed')).toBeNull();
        expect(first.headers.get('location')).toBe(`/orders/${runs + 1}`);
        expect(control.keys.at(-1)).toBe('order-1');
        // Another key of the same account, same key and request: the same answer, nothing runs.
        const again = await order(a.admin, 'order-1', '12.50');
        expect(again.status).toBe(201);
        expect(again.body).toEqual(first.body);
        expect(again.headers.get('idempotent-replayed')).toBe('true');
        expect(again.headers.get('location')).toBe(`/orders/${runs + 1}`);
        expect(control.runs).toBe(runs + 1);
        // Keys are per account: B's "order-1" is its own.
        const other = await order(b.owner, 'order-1', '12.50');
        expect(other.status).toBe(201);
        expect(other.body.accountId).toBe(b.accountId);
        expect(control.runs).toBe(runs + 2);
      });

      it('the same key with another body, query or route is 409 idempotency_key_reused', async () => {
        expect((await order(a.owner, 'order-2', '1.00')).status).toBe(201);
        const runs = control.runs;
        for (const res of [
          await order(a.owner, 'order-2', '2.00'),
          await order(a.owner, 'order-2', '1.00', '?note=x'),
          await t.request({ method: 'POST', path: `${BASE}/items`, key: a.owner, headers: { 'idempotency-key': 'order-2' }, body: { text: 'x' } }),
        ]) {
          expect(res.status).toBe(409);
          expect(res.body.error).toMatchObject({ code: 'idempotency_key_reused', details: { key: 'order-2', operation: `POST ${BASE}/orders` } });
        }
        expect(control.runs).toBe(runs);
      });

      it("'required' without a key is 400 idempotency_key_required; a malformed key is refused as the core refuses it", async () => {
        const missing = await order(a.owner, undefined);
        expect(missing.status).toBe(400);
        expect(missing.body.error.code).toBe('idempotency_key_required');
        const malformed = await order(a.owner, 'has space');
        const core = await t.request({
          method: 'POST',
          path: '/v1/wallet/charges',
          key: a.owner,
          headers: { 'idempotency-key': 'has space' },
          body: { channel: 'x', units: '1' },
        });
        expect(malformed.status).toBe(400);
        expect(malformed.body).toEqual(core.body);
        expect(malformed.body.error.code).toBe('invalid_idempotency_key');
        // 'optional' without a key: runs every time, nothing stored.
        const one = await t.request({ method: 'POST', path: `${BASE}/items`, key: a.owner, body: { text: 'no key' } });
        const two = await t.request({ method: 'POST', path: `${BASE}/items`, key: a.owner, body: { text: 'no key' } });
        expect(two.body.id).toBe(one.body.id + 1);
        const keyed = await t.request({
          method: 'POST',
          path: `${BASE}/items`,
          key: a.owner,
          headers: { 'idempotency-key': 'item-1' },
          body: { text: 'keyed' },
        });
        const replay = await t.request({
          method: 'POST',
          path: `${BASE}/items`,
          key: a.owner,
          headers: { 'idempotency-key': 'item-1' },
          body: { text: 'keyed' },
        });
        expect(replay.body).toEqual(keyed.body);
        expect(keyed.body.idempotencyKey).toBe('item-1');
      });

      it("an upload route's key covers the file: the same file replays, another file under the key is 409", async () => {
        const attach = (text: string, key = 'attach-1') =>
          t.upload({ path: `${BASE}/attachments`, key: a.owner, file: Buffer.from(`%PDF-1.7 ${text}`), fields: { title: 'T' }, idempotencyKey: key });
        const first = await attach('one');
        expect(first.status).toBe(201);
        const again = await attach('one');
        expect(again.headers.get('idempotent-replayed')).toBe('true');
        expect(again.body).toEqual(first.body);
        const other = await attach('two');
        expect(other.status).toBe(409);
        expect(other.body.error).toMatchObject({ code: 'idempotency_key_reused', details: { key: 'attach-1', operation: `POST ${BASE}/attachments` } });
      });

      it('a retry while the first request runs is 409 idempotency_key_in_use; afterwards it replays', async () => {
        const runs = control.runs;
        const gate = hold();
        const first = order(a.owner, 'order-3');
        await gate.entered;
        const retry = await order(a.owner, 'order-3');
        expect(retry.status).toBe(409);
        expect(retry.body.error.code).toBe('idempotency_key_in_use');
        gate.release();
        expect((await first).status).toBe(201);
        const after = await order(a.owner, 'order-3');
        expect(after.status).toBe(201);
        expect(after.headers.get('idempotent-replayed')).toBe('true');
        expect(control.runs).toBe(runs + 1);
      });

      it('a 5xx or a crash stores nothing: the retry runs again; a 4xx refusal is kept and replayed', async () => {
        const runs = control.runs;
        control.failNext = 'status_503';
        const down = await order(a.owner, 'order-4');
        expect(down.status).toBe(503);
        const retried = await order(a.owner, 'order-4');
        expect(retried.status).toBe(201);
        expect(retried.headers.get('idempotent-replayed')).toBeNull();

        control.failNext = 'crash';
        const crashed = await order(a.owner, 'order-5');
        expect(crashed.status).toBe(500);
        expect(crashed.body).toEqual({ error: { code: 'internal_error', message: 'Internal server error' } });
        expect((await t.db.query('select 1 from route_idempotency_keys where key = $1', ['order-5'])).rows).toEqual([]);
        expect((await order(a.owner, 'order-5')).status).toBe(201);

        control.failNext = 'refuse_422';
        const refused = await order(a.owner, 'order-6');
        expect(refused.status).toBe(422);
        expect(refused.body).toEqual({ error: { code: 'order_refused', message: 'Refused', details: { amount: '10.00' } } });
        const replayed = await order(a.owner, 'order-6');
        expect(replayed.status).toBe(422);
        expect(replayed.body).toEqual(refused.body);
        expect(replayed.headers.get('idempotent-replayed')).toBe('true');
        expect(control.runs).toBe(runs + 5);
      });

      it('a first request running past the in-flight timeout is taken over by its retry; only the retry’s response is kept', async () => {
        const runs = control.runs;
        const gate = hold();
        const stuck = order(a.owner, 'order-7');
        await gate.entered;
        t.clock.advance({ minutes: 4 });
        expect((await order(a.owner, 'order-7')).status).toBe(409);
        t.clock.advance({ minutes: 2 });
        control.gate = undefined; // the retry must not wait
        const takeover = await order(a.owner, 'order-7');
        expect(takeover.status).toBe(201);
        expect(takeover.body.order).toBe(runs + 2);
        gate.release();
        expect((await stuck).status).toBe(201);
        const replay = await order(a.owner, 'order-7');
        expect(replay.body).toEqual(takeover.body);
        expect(control.runs).toBe(runs + 2);
      });

      it('keys live 24 hours: the wallet sweep deletes older ones and the key is free again', async () => {
        expect((await order(a.owner, 'order-8', '1.00')).status).toBe(201);
        t.clock.advance({ hours: 23 });
        expect((await order(a.owner, 'order-8', '2.00')).status).toBe(409);
        t.clock.advance({ hours: 1 });
        const swept = await t.host.walletJobs.runOnce();
        expect(swept.deletedRouteIdempotencyKeys).toBeGreaterThan(0);
        expect(swept.errors).toBe(0);
        expect((await t.db.query('select 1 from route_idempotency_keys where key = $1', ['order-8'])).rows).toEqual([]);
        const fresh = await order(a.owner, 'order-8', '2.00');
        expect(fresh.status).toBe(201);
        expect(fresh.headers.get('idempotent-replayed')).toBeNull();
      });

      it('two hosts on one database, the same key at once: one handler run, the other gets 409 in use, then the replay', async () => {
        const second = await createTestHost({ engine, db: t.db, clock: t.clock, plugins: [routesPlugin(control)] });
        try {
          const runs = control.runs;
          const gate = hold();
          const send = (host: TestHost) =>
            host.request({ method: 'POST', path: `${BASE}/orders`, key: a.owner, headers: { 'idempotency-key': 'order-race' }, body: { amount: '9.99' } });
          const racing = [send(t), send(second)];
          // The loser answers while the winner waits at the gate.
          const loser = await Promise.race(racing);
          expect(loser.status).toBe(409);
          expect(loser.body.error.code).toBe('idempotency_key_in_use');
          await gate.entered;
          gate.release();
          const [one, two] = await Promise.all(racing);
          expect([one!.status, two!.status].sort()).toEqual([201, 409]);
          expect(control.runs).toBe(runs + 1);
          const replayOnOther = await send(second);
          expect(replayOnOther.status).toBe(201);
          expect(replayOnOther.headers.get('idempotent-replayed')).toBe('true');
          expect((await send(t)).body).toEqual(replayOnOther.body);
          expect(control.runs).toBe(runs + 1);
        } finally {
          await second.close();
        }
      });
    });

    it('OpenAPI lists plugin routes with their schemas, role and Idempotency-Key header', async () => {
      const doc = (await t.request({ path: '/docs/json' })).body;
      const post = doc.paths[`${BASE}/orders`].post;
      expect(post['x-min-role']).toBe('admin');
      // A key, or the dashboard's session cookie (docs/api.md, Sessions).
      expect(post.security).toEqual([{ bearer: [] }, { session: [] }]);
      expect(post.parameters).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true }),
          expect.objectContaining({ name: 'note', in: 'query', required: false }),
        ]),
      );
      expect(post.requestBody.content['application/json'].schema).toMatchObject({ type: 'object', required: ['amount'] });
      // Its declared answers (the JSON schema of the 201 in the document's dialect, nullable for OpenAPI 3.0), and the pipeline's errors.
      expect(post.responses['201'].content['application/json'].schema).toMatchObject({
        type: 'object',
        required: ['order', 'amount', 'accountId'],
        properties: { order: { type: 'integer' }, accountId: { type: 'string', nullable: true } },
      });
      expect(post.responses['201'].content['application/json'].schema.additionalProperties).toBeUndefined();
      const errorBody = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
      for (const status of ['400', '401', '403', '409', '413', '415', '422']) expect(post.responses[status]).toMatchObject({ content: errorBody });
      expect(post.responses['422'].description).toBe('order_refused');
      expect(doc.components.schemas.Error).toMatchObject({ properties: { error: { required: ['code', 'message'] } } });
      // A route without `responses` (plugin API 2.0) still has its success answer and its errors.
      expect(doc.paths[`${BASE}/items`].get.responses).toMatchObject({ '200': { description: 'Not described by the plugin' }, '401': { content: errorBody } });
      expect(doc.paths[`${BASE}/callbacks`].post.responses['401']).toBeUndefined();
      expect(doc.paths[`${BASE}/items`].get['x-min-role']).toBe('member');
      expect(doc.paths[`${BASE}/preferences`].post['x-min-role']).toBe('member');
      expect(doc.paths[`${BASE}/teapot/{code}`].get.parameters).toEqual([expect.objectContaining({ name: 'code', in: 'path', required: true })]);
      expect(doc.paths[`${BASE}/callbacks`].post.security).toBeUndefined();
      // An upload route: its file as multipart or raw, not JSON.
      const attach = doc.paths[`${BASE}/attachments`].post;
      expect(Object.keys(attach.requestBody.content).sort()).toEqual(['application/pdf', 'multipart/form-data']);
      expect(attach.requestBody.content['multipart/form-data'].schema).toMatchObject({
        required: ['file', 'title'],
        properties: { file: { format: 'binary' } },
      });
      for (const status of ['400', '401', '403', '409', '413', '415']) expect(attach.responses[status]).toMatchObject({ content: errorBody });
      // Core routes carry their role the same way.
      expect(doc.paths['/v1/wallet/charges'].post['x-min-role']).toBe('admin');
    });
  });
}

describe('plugin routes that break the contract are refused at start-up', () => {
  const engine = testEngines()[0]!;
  const bad = (route: Record<string, unknown>) =>
    definePlugin({
      id: 'bad-routes',
      compatibility: '^2.0.0',
      register(env) {
        env.registerInit({
          deps: { routes: httpRoutesExtensionPoint },
          init({ routes }) {
            routes.add({ method: 'POST', path: '/x', summary: 'x', handler: async () => ({}), ...route } as never);
          },
        });
      },
    });
  it.each([
    [{ auth: 'public', minRole: 'member' }, /minRole "member" needs auth 'account'/],
    [{ auth: 'admin', idempotency: 'required' }, /idempotency "required" needs auth 'account'/],
    [{ auth: 'account', minRole: 'root' }, /minRole "root"/],
    [{ auth: 'account', idempotency: 'always' }, /idempotency "always"/],
    [{ auth: 'anyone' }, /auth must be/],
    [{ auth: 'account', responses: { 200: { description: 'ok', body: { type: 'object' } } } }, /responses\[200\] needs/],
    [{ auth: 'account', responses: { ok: { description: 'ok' } } }, /responses\[ok\] needs/],
    [{ auth: 'account', responses: { 201: {} } }, /responses\[201\] needs/],
  ])('%j', async (route, message) => {
    await expect(createTestHost({ engine, plugins: [bad(route)] })).rejects.toThrow(message);
  });
});
