import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/host-config.js';
import { runLocally } from '../src/operator/local-runner.js';

/**
 * `tollgate plans list`, `tollgate accounts plan|set-plan` and `accounts create --plan` (docs/plans.md)
 * without a running host: on the database, with the config's plans (the running-host path is in plans.e2e).
 */
const PLANS = { default: 'classic', definitions: [{ id: 'focus-plus', label: 'Focus Plus', extends: 'focus' }] };

describe('tollgate plans without a running host', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-plans-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("lists the config's plans, makes an account on the default or a named plan, and moves it", { timeout: 120_000 }, async () => {
    const config = loadConfig({ env: {}, cwd: dir, overrides: { logLevel: 'silent', database: { dataDir: join(dir, 'data') }, plans: PLANS } });
    const local = async (name: string, input: Record<string, unknown>) => (await runLocally({ config, name, input })).output;
    const plans = (await local('plans.list', {})) as Array<{ id: string; default: boolean }>;
    expect(plans.map((p) => [p.id, p.default])).toEqual([
      ['classic', true],
      ['focus', false],
      ['focus-plus', false],
    ]);
    const account = { ownerName: 'L', locale: 'en', timeZone: 'UTC' };
    const onDefault = (await local('accounts.create', { ...account, name: 'Default', ownerEmail: 'default@example.test' })) as {
      account: { id: string };
      plan: string;
    };
    expect(onDefault.plan).toBe('classic');
    expect(await local('accounts.plan', { accountId: onDefault.account.id })).toMatchObject({ id: 'classic', history: [{ plan: 'classic', to: null }] });
    const named = (await local('accounts.create', { ...account, name: 'Named', ownerEmail: 'named@example.test', plan: 'focus-plus' })) as { plan: string };
    expect(named.plan).toBe('focus-plus');
    await expect(local('accounts.create', { ...account, name: 'Gold', ownerEmail: 'gold@example.test', plan: 'gold' })).rejects.toMatchObject({
      code: 'unknown_plan',
      message: 'There is no plan "gold". Plans offered: classic, focus, focus-plus.',
    });
    const moved = await local('accounts.set-plan', { accountId: onDefault.account.id, plan: 'focus' });
    expect(moved).toMatchObject({ id: 'focus', changed: true, history: [{ plan: 'classic' }, { plan: 'focus', changedBy: 'cli', to: null }] });
    expect(await local('accounts.set-plan', { accountId: onDefault.account.id, plan: 'focus' })).toMatchObject({ changed: false });
    await expect(local('accounts.set-plan', { accountId: 'acc_nope', plan: 'focus' })).rejects.toMatchObject({ code: 'not_found' });
  });
});

// The built CLI (`pnpm test` builds first): positional arguments reach the commands; a refusal is one line and exit code 1.
const cli = resolve(import.meta.dirname, '../dist/cli.js');
describe.skipIf(!existsSync(cli))('tollgate plans, the process', () => {
  const run = (dir: string, args: string[]) =>
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
    });

  it(
    'plans list prints the plans; set-plan to an unknown plan prints one line and exits 1; a bad plan in the config stops it',
    { timeout: 300_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tollgate-plans-process-'));
      try {
        writeFileSync(join(dir, 'tollgate.config.json'), JSON.stringify({ logLevel: 'silent', plans: PLANS }));
        const list = await run(dir, ['plans', 'list']);
        expect(list.code, list.stderr).toBe(0);
        expect((JSON.parse(list.stdout) as Array<{ id: string }>).map((p) => p.id)).toEqual(['classic', 'focus', 'focus-plus']);
        const unknown = await run(dir, ['accounts', 'set-plan', 'acc_x', 'gold']);
        expect(unknown.stderr).toBe('tollgate: There is no plan "gold". Plans offered: classic, focus, focus-plus.\n');
        expect(unknown.code).toBe(1);
        writeFileSync(join(dir, 'tollgate.config.json'), JSON.stringify({ plans: { definitions: [{ id: 'gold', extends: 'platinum' }] } }));
        const bad = await run(dir, ['plans', 'list']);
        expect(bad.stderr).toContain('plans.definitions[0] (gold): extends "platinum", which is not a plan');
        expect(bad.code).toBe(1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
