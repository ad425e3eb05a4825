import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestHost, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostOperatorContext, runOperatorCommand } from '../src/operator/operator-commands.js';

/** `tollgate users set-password`: an operator gives a person a dashboard password (docs/api.md, Sessions). */
describe('tollgate users set-password in a running host', () => {
  let t: TestHost;
  beforeAll(async () => {
    t = await createTestHost();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("sets the password the user then signs in with, and ends the user's sessions", async () => {
    const a = await t.createAccount({ ownerEmail: 'ops-set@example.test' });
    const ctx = hostOperatorContext(t.host);
    const set = (password: string) =>
      runOperatorCommand({ ctx, name: 'users.set-password', input: { account: a.accountId, email: 'OPS-SET@example.test', password } });
    expect((await set('first operator password')).output).toMatchObject({ ok: true, userId: a.ownerId, email: 'ops-set@example.test' });
    const signIn = (password: string) => t.request({ method: 'POST', path: '/auth/sessions', body: { email: 'ops-set@example.test', password } });
    const first = await signIn('first operator password');
    expect(first.status).toBe(201);
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    await set('second operator password');
    expect((await t.request({ path: '/auth/session', headers: { cookie } })).status).toBe(401);
    expect((await signIn('first operator password')).status).toBe(401);
    expect((await signIn('second operator password')).status).toBe(201);
    await expect(set('short')).rejects.toMatchObject({ status: 400 });
    await expect(
      runOperatorCommand({ ctx, name: 'users.set-password', input: { account: a.accountId, email: 'nobody@example.test', password: 'long enough password' } }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });
});

// The built CLI: the password comes from stdin (out of the shell history), or --password.
const cli = resolve(import.meta.dirname, '../dist/cli.js');
describe.skipIf(!existsSync(cli))('tollgate users set-password, the process', () => {
  const run = (dir: string, args: string[], stdin?: string) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(process.execPath, [cli, ...args], {
        env: { ...process.env, DATABASE_URL: '', TOLLGATE_CONFIG: join(dir, 'tollgate.config.json'), TOLLGATE_DATA_DIR: join(dir, 'data') },
        cwd: dir,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => done({ code, stdout, stderr }));
      child.stdin.end(stdin ?? '');
    });

  it('reads the password from stdin; a short one is refused with exit code 1', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-users-cli-'));
    try {
      writeFileSync(join(dir, 'tollgate.config.json'), JSON.stringify({ logLevel: 'silent' }));
      const created = await run(dir, ['accounts', 'create', '--name', 'CLI BV', '--owner-email', 'cli@example.test']);
      expect(created.code, created.stderr).toBe(0);
      const accountId = (JSON.parse(created.stdout) as { account: { id: string } }).account.id;
      const set = await run(dir, ['users', 'set-password', '--account', accountId, '--email', 'cli@example.test'], 'a password from stdin\n');
      expect(set.code, set.stderr).toBe(0);
      expect(JSON.parse(set.stdout)).toMatchObject({ ok: true, accountId, email: 'cli@example.test' });
      const short = await run(dir, ['users', 'set-password', '--account', accountId, '--email', 'cli@example.test', '--password', 'short']);
      expect(short.code).toBe(1);
      expect(short.stderr).toMatch(/^tollgate: .*password/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
