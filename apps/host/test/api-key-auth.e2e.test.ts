import type { Database } from '@tollgate/db';
import { AccountsService } from '@tollgate/host';
import { createTestHost, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadsControl, uploadsPlugin } from './fixtures/upload-plugin.js';

/** Records the statements and transactions a Database is asked for, from now until stop(). */
function spy(db: Database): { statements: string[]; transactions: number; stop(): void } {
  const query = db.query;
  const transaction = db.transaction;
  const seen = { statements: [] as string[], transactions: 0, stop: () => Object.assign(db, { query, transaction }) };
  Object.assign(db, {
    query: (text: string, params?: readonly unknown[]) => {
      seen.statements.push(text.replace(/\s+/g, ' ').trim());
      return query.call(db, text, params);
    },
    transaction: (...args: Parameters<Database['transaction']>) => {
      seen.transactions++;
      return transaction.apply(db, args);
    },
  });
  return seen;
}

const writes = (statements: string[]) => statements.filter((s) => /\b(insert into|update \w+( \w+)? set|delete from)\b/i.test(s));

for (const engine of testEngines()) {
  describe(`API keys: reads do not write [${engine.name}]`, () => {
    let t: TestHost;
    const uploads = uploadsControl();
    beforeAll(async () => {
      t = await createTestHost({ engine, plugins: [uploadsPlugin(uploads)] });
    });
    afterAll(async () => {
      await t?.close();
    });

    const lastUsed = async (keyId: string) =>
      (await t.db.query<{ at: Date | null }>('select last_used_at as at from api_keys where id = $1', [keyId])).rows[0]!.at?.toISOString() ?? null;

    it('GET /v1/wallet, its history, holds and lots send no write and open no transaction', async () => {
      const { ownerKey } = await t.createAccount();
      expect((await t.request({ path: '/v1/wallet', key: ownerKey })).status).toBe(200);
      t.clock.advance({ ms: 60_000 }); // the key's next use is queued again (a minute later); still no write
      expect((await t.request({ path: '/v1/wallet', key: ownerKey })).status).toBe(200); // cached from here on
      for (const cold of [false, true]) {
        // cold: the cache entry has expired, so the key is looked up again (a select)
        if (cold) t.clock.advance({ ms: 10_000 });
        const seen = spy(t.host.db);
        try {
          for (const path of ['/v1/wallet', '/v1/wallet/history', '/v1/wallet/holds', '/v1/wallet/lots', '/v1/account']) {
            expect((await t.request({ path, key: ownerKey })).status).toBe(200);
          }
        } finally {
          seen.stop();
        }
        expect(writes(seen.statements)).toEqual([]);
        expect(seen.transactions).toBe(0);
        if (cold) expect(seen.statements.filter((s) => s.includes('from api_keys'))).toHaveLength(1);
        else expect(seen.statements.filter((s) => s.includes('api_keys'))).toEqual([]);
      }
    });

    it('an upload refused for its key or role writes nothing, stores no file and runs no handler', async () => {
      const { ownerKey } = await t.createAccount();
      const member = (await t.request({ method: 'POST', path: '/v1/api-keys', key: ownerKey, body: { name: 'm', role: 'member' } })).body.key as string;
      expect((await t.request({ path: '/v1/wallet', key: member })).status).toBe(200); // the key is cached, its use queued
      const runs = uploads.runs;
      const seen = spy(t.host.db);
      try {
        for (const key of [member, 'tgk_not_a_key', undefined]) {
          const res = await t.upload({ path: '/v1/plugins/test-uploads/receipts', key, file: Buffer.from('%PDF-1.4 refused'), idempotencyKey: 'refused-1' });
          expect([401, 403]).toContain(res.status);
        }
      } finally {
        seen.stop();
      }
      expect(writes(seen.statements)).toEqual([]);
      expect(uploads.runs).toBe(runs);
    });

    it('records last use off the request path: visible after the flush, at most once a minute per key', async () => {
      const { ownerKey } = await t.createAccount();
      const keyId = (await t.request({ path: '/v1/api-keys', key: ownerKey })).body.data[0].id as string;
      await t.host.accounts.flushLastUse(); // the list above was a use
      const first = t.clock.now().toISOString();
      expect(await lastUsed(keyId)).toBe(first);

      t.clock.advance({ ms: 30_000 });
      expect((await t.request({ path: '/v1/wallet', key: ownerKey })).status).toBe(200);
      await t.host.accounts.flushLastUse();
      expect(await lastUsed(keyId)).toBe(first); // within the minute: not recorded again

      t.clock.advance({ ms: 31_000 });
      expect((await t.request({ path: '/v1/wallet', key: ownerKey })).status).toBe(200);
      expect(await lastUsed(keyId)).toBe(first); // queued, not yet written
      const seen = spy(t.host.db);
      try {
        await t.host.accounts.flushLastUse();
      } finally {
        seen.stop();
      }
      expect(seen.statements).toHaveLength(1); // every queued key in one statement
      expect(await lastUsed(keyId)).toBe(t.clock.now().toISOString());
      const listed = await t.request({ path: '/v1/api-keys', key: ownerKey });
      expect(listed.body.data[0].lastUsedAt).toBe(t.clock.now().toISOString());
    });

    it('a key revoked through this host gets 401 at once, though it was cached', async () => {
      const { ownerKey } = await t.createAccount();
      const created = await t.request({ method: 'POST', path: '/v1/api-keys', key: ownerKey, body: { name: 'temp', role: 'member' } });
      expect((await t.request({ path: '/v1/wallet', key: created.body.key })).status).toBe(200);
      expect((await t.request({ method: 'DELETE', path: `/v1/api-keys/${created.body.id}`, key: ownerKey })).status).toBe(200);
      expect((await t.request({ path: '/v1/wallet', key: created.body.key })).status).toBe(401);
    });

    it("removing a user revokes the keys they made at once, on this host's cache too", async () => {
      const { ownerKey } = await t.createAccount();
      const user = await t.request({ method: 'POST', path: '/v1/users', key: ownerKey, body: { email: 'ann@example.test', name: 'Ann', role: 'admin' } });
      expect(user.status).toBe(201);
      // A key the user made (keys record who made them; here set in the database).
      const made = await t.request({ method: 'POST', path: '/v1/api-keys', key: ownerKey, body: { name: 'ann-ci', role: 'member' } });
      await t.db.query('update api_keys set created_by = $2 where id = $1', [made.body.id, user.body.id]);
      expect((await t.request({ path: '/v1/wallet', key: made.body.key })).status).toBe(200);
      expect((await t.request({ method: 'DELETE', path: `/v1/users/${user.body.id}`, key: ownerKey })).status).toBe(204);
      expect((await t.request({ path: '/v1/wallet', key: made.body.key })).status).toBe(401);
    });

    it('a key revoked elsewhere (another host) stops working here within the cache TTL', async () => {
      const { ownerKey } = await t.createAccount();
      const created = await t.request({ method: 'POST', path: '/v1/api-keys', key: ownerKey, body: { name: 'temp', role: 'member' } });
      expect((await t.request({ path: '/v1/wallet', key: created.body.key })).status).toBe(200);
      // Another host on the same database revokes it: this host's cache does not know.
      const other = new AccountsService({ db: t.db, clock: t.clock });
      const caller = await other.authenticate(ownerKey);
      if (caller.kind !== 'account') throw new Error('expected an account key');
      await other.revokeApiKey({ caller, keyId: created.body.id });
      t.clock.advance({ ms: 4_999 });
      expect((await t.request({ path: '/v1/wallet', key: created.body.key })).status).toBe(200);
      t.clock.advance({ ms: 1 });
      expect((await t.request({ path: '/v1/wallet', key: created.body.key })).status).toBe(401);
    });

    it('with keyCacheMs 0 every request looks the key up', async () => {
      const db = t.db;
      const accounts = new AccountsService({ db, clock: t.clock, keyCache: { ttlMs: 0 } });
      const { ownerKey } = await t.createAccount();
      const seen = spy(db);
      try {
        await accounts.authenticate(ownerKey);
        await accounts.authenticate(ownerKey);
      } finally {
        seen.stop();
      }
      expect(seen.statements.filter((s) => s.includes('from api_keys'))).toHaveLength(2);
      expect(writes(seen.statements)).toEqual([]);
    });
  });
}
