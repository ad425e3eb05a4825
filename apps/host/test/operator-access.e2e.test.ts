import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestHost, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendOperatorCommand, startOperatorAccess } from '../src/index.js';

/**
 * What a long-running host adds for its operator (issue 20, point 2): the first admin key, shown
 * once or taken from TOLLGATE_ADMIN_KEY, and the socket through which the CLI runs its commands
 * inside the running host.
 */
for (const engine of testEngines()) {
  describe(`operator access [${engine.name}]`, () => {
    let t: TestHost;
    let dir: string;
    const adminKeys = async () => (await t.db.query<{ n: number }>(`select count(*)::int as n from api_keys where role = 'platform_admin'`)).rows[0]!.n;

    beforeAll(async () => {
      t = await createTestHost({ engine });
      dir = mkdtempSync(join(tmpdir(), 'tollgate-operator-'));
    });
    afterAll(async () => {
      await t?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('makes the first admin key only while there is none, shows it once, and it works over HTTP', async () => {
      await t.db.query(`delete from api_keys where role = 'platform_admin'`);
      const shown: string[] = [];
      const first = await startOperatorAccess({ host: t.host, dataDir: join(dir, 'data'), env: {}, print: (line) => shown.push(line) });
      await first.close();
      expect(shown).toHaveLength(1);
      const key = /: (tga_\S+)$/.exec(shown[0]!)?.[1];
      expect(key).toMatch(/^tga_[A-Za-z0-9_-]{32}$/);
      expect((await t.request({ path: '/admin/accounts', key })).status).toBe(200);
      // A restart shows nothing and makes nothing.
      const again = await startOperatorAccess({ host: t.host, dataDir: join(dir, 'data'), env: {}, print: (line) => shown.push(line) });
      await again.close();
      expect(shown).toHaveLength(1);
      expect(await adminKeys()).toBe(1);
    });

    it('registers TOLLGATE_ADMIN_KEY once and prints nothing; refuses a malformed one', async () => {
      const key = 'tga_' + 'k'.repeat(32);
      const shown: string[] = [];
      for (let i = 0; i < 2; i++) {
        const access = await startOperatorAccess({
          host: t.host,
          dataDir: join(dir, 'data'),
          env: { TOLLGATE_ADMIN_KEY: key },
          print: (line) => shown.push(line),
        });
        await access.close();
      }
      expect(shown).toEqual([]);
      expect((await t.request({ path: '/admin/accounts', key })).status).toBe(200);
      expect((await t.db.query(`select name from api_keys where name = 'TOLLGATE_ADMIN_KEY'`)).rows).toHaveLength(1);
      await expect(startOperatorAccess({ host: t.host, dataDir: join(dir, 'data'), env: { TOLLGATE_ADMIN_KEY: 'letmein' } })).rejects.toMatchObject({
        code: 'admin_key_invalid',
      });
    });

    it('two hosts starting at once on a database without admin keys make one key', async () => {
      await t.db.query(`delete from api_keys where role = 'platform_admin'`);
      const results = await Promise.all([t.host.accounts.bootstrapAdminKey({}), t.host.accounts.bootstrapAdminKey({})]);
      expect(results.filter((r) => r.created).length).toBe(1);
      expect(await adminKeys()).toBe(1);
    });

    it('runs CLI commands inside the running host over a 0600 socket in the data folder', async () => {
      const access = await startOperatorAccess({ host: t.host, dataDir: join(dir, 'data'), env: {}, print: () => {} });
      try {
        expect(access.socketPath).toBe(join(dir, 'data', 'tollgate.sock'));
        expect(statSync(access.socketPath!).mode & 0o777).toBe(0o600);
        const dataDir = join(dir, 'data');
        const created = (await sendOperatorCommand({
          dataDir,
          command: 'accounts.create',
          input: { name: 'Via socket', ownerEmail: 'sock@example.test', ownerName: 'S', locale: 'de', timeZone: 'Europe/Berlin' },
        })) as { output: { account: { id: string }; apiKey: { key: string } } };
        // The account exists in the host's database and its key works at once.
        const account = await t.request({ path: '/v1/account', key: created.output.apiKey.key });
        expect(account.body).toMatchObject({ id: created.output.account.id, locale: 'de' });

        await expect(
          sendOperatorCommand({ dataDir, command: 'accounts.create', input: { name: 'X', ownerEmail: 'nope', ownerName: 'S', locale: 'nl', timeZone: 'UTC' } }),
        ).rejects.toMatchObject({ code: 'validation_failed', status: 400, message: '--owner-email: not an e-mail address' });
        await expect(
          sendOperatorCommand({ dataDir, command: 'api-keys.create', input: { account: 'acc_nope', name: 'x', role: 'member' } }),
        ).rejects.toMatchObject({
          status: 404,
          message: 'No account acc_nope',
        });
        await expect(sendOperatorCommand({ dataDir, command: 'drop-everything', input: {} })).rejects.toMatchObject({ code: 'unknown_command' });
        const check = (await sendOperatorCommand({ dataDir, command: 'wallet.check', input: {} })) as { output: { ok: boolean }; problems: string[] };
        expect([check.output.ok, check.problems]).toEqual([true, []]);
      } finally {
        await access.close();
      }
      // Closed: the socket file is gone and the CLI is told no host answers (it then works on the database itself).
      await expect(sendOperatorCommand({ dataDir: join(dir, 'data'), command: 'funding.packs', input: {} })).rejects.toMatchObject({ code: 'no_running_host' });
    });
  });
}
