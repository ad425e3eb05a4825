import { request as httpRequest } from 'node:http';
import { createTestHost, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadsControl, uploadsPlugin } from './fixtures/upload-plugin.js';
import { walletPlugin } from './fixtures/wallet-plugin.js';

/** A raw request whose body is streamed in chunks without a Content-Length, as a proxy or curl -T - sends it. */
function chunked(input: { url: string; path: string; key: string; bytes: number }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(input.path, input.url);
    const req = httpRequest(
      target,
      { method: 'PATCH', headers: { authorization: `Bearer ${input.key}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    const chunk = 'x'.repeat(64 * 1024);
    req.write('{"name":"');
    for (let sent = 0; sent < input.bytes; sent += chunk.length) req.write(chunk);
    req.end('"}');
  });
}

for (const engine of testEngines()) {
  describe(`input rules every route shares [${engine.name}]`, () => {
    let t: TestHost;
    let account: { accountId: string; ownerKey: string };
    const ledgerCount = async () => (await t.db.query<{ n: number }>('select count(*)::int as n from ledger_transactions')).rows[0]!.n;

    beforeAll(async () => {
      t = await createTestHost({ engine, plugins: [walletPlugin, uploadsPlugin(uploadsControl())], config: { wallet: { maxGrant: '500.00' } } });
      account = await t.createAccount();
      const price = await t.request({
        method: 'POST',
        path: '/admin/catalog/prices',
        key: t.adminKey,
        body: { channel: 'rules-sms', unit: 'message', unitPrice: '0.18', effectiveFrom: '2020-01-01T00:00:00.000Z' },
      });
      expect(price.status).toBe(201);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('names the path parameter or query value that holds a NUL, instead of answering 500', async () => {
      const path = await t.request({ path: '/v1/users/%00', key: account.ownerKey });
      expect(path.status).toBe(400);
      expect(path.body.error).toMatchObject({ code: 'invalid_text', details: [{ path: ['userId'] }] });
      const query = await t.request({ path: '/v1/invoice-sync/invoices?number=a%00b', key: account.ownerKey });
      expect(query.status).toBe(400);
      expect(query.body.error).toMatchObject({ code: 'invalid_text', details: [{ path: ['number'] }] });
      const body = await t.request({ method: 'POST', path: '/v1/users', key: account.ownerKey, body: { email: 'n@x.test', name: 'A\u0000B' } });
      expect(body.status).toBe(400);
      expect(body.body.error).toMatchObject({ code: 'invalid_text', details: [{ path: ['name'] }] });
      const bad = await t.request({ path: '/v1/users/%', key: account.ownerKey });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ code: 'invalid_url' });
    });

    it('answers 413 to a body over 1 MiB, and the client reads it (by Content-Length and chunked)', async () => {
      const big = JSON.stringify({ name: 'x'.repeat(2_000_000) });
      const res = await t.request({ method: 'PATCH', path: '/v1/account', key: account.ownerKey, body: big });
      expect(res.status).toBe(413);
      expect(res.body.error).toMatchObject({ code: 'payload_too_large', details: { limit: 1_048_576 } });
      const streamed = await chunked({ url: t.url, path: '/v1/account', key: account.ownerKey, bytes: 3_000_000 });
      expect(streamed.status).toBe(413);
      expect(JSON.parse(streamed.body)).toMatchObject({ error: { code: 'payload_too_large' } });
      // A chunked body within the limit still goes through.
      const small = await chunked({ url: t.url, path: '/v1/account', key: account.ownerKey, bytes: 1 });
      expect(small.status).toBe(400); // a 64 KiB name: validated, not refused for its size
      expect(JSON.parse(small.body)).toMatchObject({ error: { code: 'validation_failed' } });
    });

    it('refuses a charge or hold priced to 0.00 and books nothing; one that rounds up to 0.01 is charged', async () => {
      const before = await ledgerCount();
      for (const [path, key] of [
        ['/v1/wallet/charges', 'tiny-charge'],
        ['/v1/wallet/holds', 'tiny-hold'],
      ] as const) {
        const res = await t.request({
          method: 'POST',
          path,
          key: account.ownerKey,
          body: { channel: 'rules-sms', units: '0.001' },
          headers: { 'idempotency-key': key },
        });
        expect(res.status, JSON.stringify(res.body)).toBe(400);
        expect(res.body.error.code).toBe('units_below_minimum');
      }
      expect(await ledgerCount()).toBe(before);
      const charged = await t.request({
        method: 'POST',
        path: '/v1/wallet/charges',
        key: account.ownerKey,
        body: { channel: 'rules-sms', units: '0.03' },
        headers: { 'idempotency-key': 'round-up' },
      });
      expect(charged.status).toBe(201);
      expect(charged.body.amount).toBe('0.01'); // 0.0054
    });

    it('caps a single grant at wallet.maxGrant', async () => {
      const before = await ledgerCount();
      const grant = (amount: string, key: string) =>
        t.request({
          method: 'POST',
          path: `/admin/accounts/${account.accountId}/wallet/grants`,
          key: t.adminKey,
          body: { amount, kind: 'promo' },
          headers: { 'idempotency-key': key },
        });
      const refused = await grant('999999999999.00', 'huge');
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'grant_too_large', details: { maxGrant: '500.00' } });
      expect(await ledgerCount()).toBe(before);
      expect((await grant('500.00', 'at-cap')).status).toBe(201);
    });

    it('answers 415 to a body that is not JSON, after the key and role checks, and changes nothing', async () => {
      const before = await ledgerCount();
      const users = (await t.db.query<{ n: number }>('select count(*)::int as n from users')).rows[0]!.n;
      const raw = (input: { path: string; key: string; type?: string; body: string }) =>
        fetch(new URL(input.path, t.url), {
          method: 'POST',
          headers: { authorization: `Bearer ${input.key}`, ...(input.type ? { 'content-type': input.type } : {}) },
          // Bytes, not a string: fetch would label a string text/plain.
          body: new TextEncoder().encode(input.body),
        }).then(async (res) => ({ status: res.status, body: (await res.json()) as { error: { code: string; details?: unknown } } }));
      for (const [type, body] of [
        ['application/x-www-form-urlencoded', 'email=f%40x.test&name=F'],
        ['text/plain', '{"email":"t@x.test","name":"T"}'],
        ['application/xml', '<user/>'],
        [undefined, '{"email":"n@x.test","name":"N"}'],
      ] as const) {
        const res = await raw({ path: '/v1/users', key: account.ownerKey, type, body });
        expect(res.status, `${type}: ${JSON.stringify(res.body)}`).toBe(415);
        expect(res.body.error).toMatchObject({ code: 'unsupported_media_type', details: { accepted: ['application/json'], received: type ?? null } });
      }
      const charge = await raw({
        path: '/v1/wallet/charges',
        key: account.ownerKey,
        type: 'application/x-www-form-urlencoded',
        body: 'channel=rules-sms&units=1',
      });
      expect(charge.status).toBe(415);
      // A member is told about the role first, as for any other input.
      const member = await t.request({ method: 'POST', path: '/v1/api-keys', key: account.ownerKey, body: { name: 'm', role: 'member' } });
      const asMember = await raw({ path: '/v1/users', key: member.body.key as string, type: 'text/plain', body: 'x' });
      expect([asMember.status, asMember.body.error.code]).toEqual([403, 'insufficient_role']);
      // JSON with a charset, and a JSON subtype, are JSON.
      const ok = await fetch(new URL('/v1/users', t.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${account.ownerKey}`, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ email: 'json@x.test', name: 'J' }),
      });
      expect(ok.status).toBe(201);
      expect(await ledgerCount()).toBe(before);
      expect((await t.db.query<{ n: number }>('select count(*)::int as n from users')).rows[0]!.n).toBe(users + 1);
    });

    it("upload routes: a file's size is held to the route's maxBytes (not the 1 MiB body limit), its type to the route's types; JSON routes refuse files", async () => {
      const png = Buffer.alloc(1_048_576, 0x20);
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png);
      // A 1 MiB PNG in a multipart body (over 1 MiB with its framing) on a route that takes 1 MiB files.
      const fits = await t.upload({
        method: 'PUT',
        path: '/v1/plugins/test-uploads/avatar',
        key: account.ownerKey,
        file: png,
        multipart: true,
        contentType: 'image/png',
      });
      expect(fits.status, JSON.stringify(fits.body)).toBe(200);
      expect(fits.body.size).toBe(1_048_576);
      const over = await t.upload({
        method: 'PUT',
        path: '/v1/plugins/test-uploads/avatar',
        key: account.ownerKey,
        file: Buffer.concat([png, Buffer.from('x')]),
        contentType: 'image/png',
      });
      expect(over.status).toBe(413);
      expect(over.body.error.details).toEqual({ maxBytes: 1_048_576 });
      // JSON sent to an upload route is judged by its bytes: not a PNG.
      const json = await t.request({ method: 'PUT', path: '/v1/plugins/test-uploads/avatar', key: account.ownerKey, body: { image: 'x' } });
      expect(json.status).toBe(415);
      expect(json.body.error).toMatchObject({ code: 'unsupported_media_type', details: { accepted: ['image/png'], declared: 'application/json' } });
      // A core JSON route answers a file with its own 415.
      const core = await t.upload({ path: '/v1/users', key: account.ownerKey, file: png.subarray(0, 100), contentType: 'image/png' });
      expect(core.status).toBe(415);
      expect(core.body.error.details.accepted).toEqual(['application/json']);
    });

    it('takes a plain date in the wallet history as a whole day in the account’s time zone', async () => {
      const ny = await t.createAccount({ timeZone: 'America/New_York' });
      // 03:00 UTC on the 5th is still the evening of the 4th in New York.
      t.clock.set('2026-12-05T03:00:00.000Z');
      const charged = await t.request({
        method: 'POST',
        path: '/v1/wallet/charges',
        key: ny.ownerKey,
        body: { channel: 'rules-sms', units: '1', description: 'evening charge' },
        headers: { 'idempotency-key': 'ny-1' },
      });
      expect(charged.status).toBe(201);
      const described = async (query: string) => {
        const res = await t.request({ path: `/v1/wallet/history?${query}`, key: ny.ownerKey });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return (res.body.data as Array<{ description: string }>).map((e) => e.description).filter((d) => d === 'evening charge');
      };
      expect(await described('from=2026-12-04&to=2026-12-04')).toEqual(['evening charge']);
      expect(await described('from=2026-12-05')).toEqual([]);
      expect(await described('to=2026-12-03')).toEqual([]);
      // A date-time is still a moment.
      expect(await described('from=2026-12-05T02:59:59Z&to=2026-12-05T03:00:01Z')).toEqual(['evening charge']);
      const csv = await t.request({ path: '/v1/wallet/history.csv?from=2026-12-04&to=2026-12-04', key: ny.ownerKey });
      expect(String(csv.body)).toContain('evening charge');
      for (const bad of ['2026-02-30', '2026-12-5', '05/12/2026']) {
        const res = await t.request({ path: `/v1/wallet/history?from=${encodeURIComponent(bad)}`, key: ny.ownerKey });
        expect(res.status, bad).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
      }
    });

    it('names the idempotency key the caller sent in a 409, not the namespaced key the wallet stores', async () => {
      const charge = (units: string) =>
        t.request({
          method: 'POST',
          path: '/v1/wallet/charges',
          key: account.ownerKey,
          body: { channel: 'rules-sms', units },
          headers: { 'idempotency-key': 'buy-5' },
        });
      expect((await charge('1')).status).toBe(201);
      const reused = await charge('2');
      expect(reused.status).toBe(409);
      expect(reused.body.error.code).toBe('idempotency_key_reused');
      expect(reused.body.error.message).toBe('Idempotency key "buy-5" was already used for a different charge request.');
      expect(reused.body.error.details).toMatchObject({ key: 'buy-5' });
      expect(JSON.stringify(reused.body)).not.toContain('api:');
    });
  });
}
