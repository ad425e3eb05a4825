import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { openDatabase } from '@tollgate/db';
import { PLUGIN_API_VERSION } from '@tollgate/plugin-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// These run the built host (`pnpm test` builds first) as a real process, the way `pnpm start` does.
// They wait for readiness (the exit of a command, the host's "listening" line), never a fixed time:
// the deadline of each test only ends a hung run, and is generous because a busy machine is slow
// (a fresh PGlite cluster alone took 10 s at load 8; each CLI command loads the whole host).
const HANG_GUARD_MS = 300_000;
const main = resolve(import.meta.dirname, '../dist/main.js');
const cli = resolve(import.meta.dirname, '../dist/cli.js');
const fixtures = resolve(import.meta.dirname, 'fixtures/process');

let dir: string;
beforeAll(() => {
  if (!existsSync(main)) throw new Error(`${main} is missing: run the build first (pnpm test does)`);
  dir = mkdtempSync(join(tmpdir(), 'tollgate-process-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(name: string, value: unknown): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

function run(file: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [file, ...args], { env: { ...process.env, DATABASE_URL: '', ...env }, cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('host process', () => {
  it.each([
    ['a malformed config', '{"plugins": [', /^tollgate: config .*a-malformed-config\.json: not valid JSON/],
    [
      'an unknown plugin',
      { plugins: [{ package: '@acme/tollgate-nope' }] },
      /^tollgate: plugin @acme\/tollgate-nope: not found \(is the package installed and built\?\)$/,
    ],
    [
      'bad plugin options',
      { plugins: [{ package: join(fixtures, 'strict-plugin.mjs'), options: { sender: 'A sender name that is too long' } }] },
      /^tollgate: plugin strict \(.*strict-plugin\.mjs\): invalid options: sender: /,
    ],
    [
      'an incompatible plugin',
      { plugins: [{ package: join(fixtures, 'future-plugin.mjs') }] },
      new RegExp(
        `^tollgate: plugin from-the-future \\(.*\\): requires plugin API \\^3\\.0\\.0, this host provides ${PLUGIN_API_VERSION.replaceAll('.', '\\.')}$`,
      ),
    ],
    [
      'two plugins with one id',
      {
        plugins: [
          { package: join(fixtures, 'strict-plugin.mjs'), options: { sender: 'A' } },
          { package: join(fixtures, 'strict-plugin.mjs'), options: { sender: 'B' } },
        ],
      },
      /^tollgate: plugin strict \(.*\): id "strict" is already used by/,
    ],
  ])('refuses to start with %s: one line, exit code 1', { timeout: HANG_GUARD_MS }, async (name, value, line) => {
    const file = config(name.replace(/\W+/g, '-'), value);
    const result = await run(main, [], { TOLLGATE_CONFIG: file, TOLLGATE_DATA_DIR: join(dir, 'never-opened') });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    expect(existsSync(join(dir, 'never-opened'))).toBe(false);
  });

  it('refuses a PORT in use with one line naming it, before opening the database', { timeout: HANG_GUARD_MS }, async () => {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as { port: number };
    try {
      const result = await run(main, [], { TOLLGATE_CONFIG: '', PORT: String(port), TOLLGATE_DATA_DIR: join(dir, 'port-clash') });
      expect(result.stderr).toBe(`tollgate: the host cannot listen on port ${port}: it is in use (EADDRINUSE); set PORT to a free port\n`);
      expect(result.code).toBe(1);
      expect(existsSync(join(dir, 'port-clash'))).toBe(false);
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it('starts on the embedded database, serves /health and /plugins, logs JSON and stops on SIGTERM', { timeout: HANG_GUARD_MS }, async () => {
    // dataDir is relative to the config file's folder.
    const file = config('good', {
      port: 0,
      host: '127.0.0.1',
      database: { dataDir: 'data' },
      plugins: [{ package: join(fixtures, 'strict-plugin.mjs'), options: { sender: 'Tollgate' } }],
    });
    const child = spawn(process.execPath, [main], { env: { ...process.env, DATABASE_URL: '', PORT: '', TOLLGATE_CONFIG: file }, cwd: dir });
    const lines = createInterface({ input: child.stdout });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const logs: Array<Record<string, unknown>> = [];
    const url = await new Promise<string>((done, fail) => {
      child.on('exit', (code) => fail(new Error(`host exited with ${code} before it was ready\n${stderr}`)));
      lines.on('line', (line) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (typeof entry.url === 'string' && String(entry.msg).startsWith('Tollgate host listening')) done(entry.url);
      });
    });
    expect(existsSync(join(dir, 'data', 'tollgate.lock'))).toBe(true);

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', checks: { database: { engine: 'pglite', status: 'up' } } });
    const plugins = (await (await fetch(`${url}/plugins`)).json()) as { data: Array<{ id: string; spendChannels: Array<{ id: string }> }> };
    expect(plugins.data.map((p) => [p.id, p.spendChannels.map((c) => c.id)])).toEqual([['strict', ['strict-sms']]]);

    // The first start made a platform admin key and showed it once, on stderr.
    const firstKey = /first platform admin key .*: (tga_\S+)/.exec(stderr)?.[1];
    expect(firstKey).toMatch(/^tga_[A-Za-z0-9_-]{32}$/);
    expect((await fetch(`${url}/admin/accounts`, { headers: { authorization: `Bearer ${firstKey}` } })).status).toBe(200);

    // While the host holds the folder, the CLI runs its commands inside it (operator socket), on the same data.
    expect(existsSync(join(dir, 'data', 'tollgate.sock'))).toBe(true);
    const viaHost = await run(cli, ['admin-keys', 'create', '--name', 'ops'], { TOLLGATE_CONFIG: file });
    expect(viaHost.stderr).toBe('');
    expect(viaHost.code).toBe(0);
    const opsKey = (JSON.parse(viaHost.stdout) as { key: string }).key;
    expect((await fetch(`${url}/admin/accounts`, { headers: { authorization: `Bearer ${opsKey}` } })).status).toBe(200);
    const packs = await run(cli, ['funding', 'packs'], { TOLLGATE_CONFIG: file });
    expect(packs.code).toBe(0);
    const refused = await run(cli, ['api-keys', 'create', '--account', 'acc_nope', '--name', 'x'], { TOLLGATE_CONFIG: file });
    expect([refused.code, refused.stderr]).toEqual([1, 'tollgate: No account acc_nope\n']);
    const invalid = await run(cli, ['accounts', 'create', '--name', 'A', '--owner-email', 'not-mail'], { TOLLGATE_CONFIG: file });
    expect([invalid.code, invalid.stderr]).toEqual([1, 'tollgate: --owner-email: not an e-mail address\n']);
    child.removeAllListeners('exit');
    const stopped = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    child.kill('SIGTERM');
    expect(await stopped).toBe(0);
    expect(logs.every((l) => typeof l.level === 'number' && typeof l.time === 'string')).toBe(true);
    expect(logs.some((l) => l.msg === 'shutting down')).toBe(true);
    expect(existsSync(join(dir, 'data', 'tollgate.lock'))).toBe(false);
    expect(existsSync(join(dir, 'data', 'tollgate.sock'))).toBe(false);

    // With the host stopped, the CLI works on the same data folder.
    const created = await run(cli, ['accounts', 'create', '--name', 'Acme', '--owner-email', 'ann@example.test', '--locale', 'nl'], { TOLLGATE_CONFIG: file });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const out = JSON.parse(created.stdout) as { account: { id: string; locale: string }; apiKey: { key: string } };
    expect(out.account).toMatchObject({ locale: 'nl' });
    expect(out.apiKey.key).toMatch(/^tgk_/);
    const bad = await run(cli, ['api-keys', 'create', '--account', 'acc_nope', '--name', 'x'], { TOLLGATE_CONFIG: file });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('tollgate: No account acc_nope\n');
  });

  it('wallet check: exit 0 on a sound ledger; exit 1 and one line per problem on a corrupt one', { timeout: HANG_GUARD_MS }, async () => {
    const file = config('wallet', { database: { dataDir: 'wallet-data' } });
    const created = await run(cli, ['accounts', 'create', '--name', 'Acme', '--owner-email', 'ann@example.test'], { TOLLGATE_CONFIG: file });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const accountId = (JSON.parse(created.stdout) as { account: { id: string } }).account.id;

    const sound = await run(cli, ['wallet', 'check'], { TOLLGATE_CONFIG: file });
    expect(sound.stderr).toBe('');
    expect(sound.code).toBe(0);
    // The account was opened with its trial credit: one wallet, one lot, one grant of two postings.
    expect(JSON.parse(sound.stdout)).toEqual({ ok: true, problems: [], counts: { wallets: 1, lots: 1, transactions: 1, postings: 2 } });

    // Corrupt a row behind the ledger's back, while no process has the folder (PGlite is one process's).
    const db = await openDatabase({ dataDir: join(dir, 'wallet-data') });
    try {
      await db.query('update credit_lots set remaining = remaining - 0.50 where account_id = $1', [accountId]);
    } finally {
      await db.close();
    }
    const broken = await run(cli, ['wallet', 'check'], { TOLLGATE_CONFIG: file });
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, problems: [{ check: 'lot_remaining' }, { check: 'lots_sum_to_wallet' }] });
    expect(broken.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^tollgate: wallet check: lot_remaining: lot \d+: remaining 1\.50 but its wallet postings sum to 2\.00$/),
      `tollgate: wallet check: lots_sum_to_wallet: wallet ${accountId}: available 2.00 but its lots hold 1.50`,
    ]);
  });

  it(
    'funding commands: packs from the config, a refund refused with a clear line, set-auto-refill needs a real method',
    { timeout: HANG_GUARD_MS },
    async () => {
      const file = config('funding', { database: { dataDir: 'funding-data' }, funding: { packs: ['10', '20'], refundFee: '25.00' } });
      const packs = await run(cli, ['funding', 'packs'], { TOLLGATE_CONFIG: file });
      expect(packs.code).toBe(0);
      expect(JSON.parse(packs.stdout)).toEqual({ packs: ['10.00', '20.00'], refundFee: '25.00' });

      const created = await run(cli, ['accounts', 'create', '--name', 'Acme', '--owner-email', 'ann@example.test'], { TOLLGATE_CONFIG: file });
      const accountId = (JSON.parse(created.stdout) as { account: { id: string } }).account.id;
      const refund = await run(cli, ['funding', 'refund', '--account', accountId, '--credits', '30.00', '--key', 't1'], { TOLLGATE_CONFIG: file });
      expect(refund.code).toBe(1);
      expect(refund.stderr).toBe('tollgate: A refund of €30.00 is more than the €0.00 of unspent purchased credit\n');
      const refill = await run(cli, ['funding', 'set-auto-refill', '--account', accountId, '--minimum', '5', '--pack', '10', '--method', 'pm_nope'], {
        TOLLGATE_CONFIG: file,
      });
      expect(refill.code).toBe(1);
      expect(refill.stderr).toBe('tollgate: No active payment method pm_nope on this account.\n');
      const code = await run(cli, ['funding', 'referral-code', '--account', accountId], { TOLLGATE_CONFIG: file });
      expect(JSON.parse(code.stdout)).toMatchObject({ code: expect.stringMatching(/^[A-Z2-9]{8}$/), referred: 0, creditPerReferral: '10.00' });
    },
  );
});
