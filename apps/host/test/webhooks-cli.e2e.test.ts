import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ManualClock } from '@tollgate/clock';
import { startWebhookSandbox, type WebhookSandbox } from '@tollgate/sandbox-webhooks';
import { createTestHost, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/host-config.js';
import { runLocally } from '../src/operator/local-runner.js';
import { hostOperatorContext, runOperatorCommand, type OperatorContext } from '../src/operator/operator-commands.js';

/**
 * `tollgate webhooks …` and `tollgate events …` (docs/events.md): the operator commands run on the
 * same services as the HTTP routes, in a running host (as over its operator socket) and on the
 * database when no host runs, where the SSRF policy must still follow the config's sandbox flag.
 */

type Endpoint = { id: string; url: string; eventTypes: string[]; status: string; description: string; secret?: string };

const START = '2026-12-01T09:00:00.000Z';

for (const engine of testEngines()) {
  describe(`tollgate webhooks, events [${engine.name}]`, () => {
    const clock = new ManualClock(START);
    let t: TestHost;
    let ctx: OperatorContext;
    let receiver: WebhookSandbox;
    const run = async (name: string, input: Record<string, unknown>): Promise<any> => (await runOperatorCommand({ ctx, name, input })).output;
    const stored = async (accountId: string) =>
      (await t.db.query<{ n: number }>('select count(*)::int as n from webhook_endpoints where account_id = $1', [accountId])).rows[0]!.n;

    beforeAll(async () => {
      receiver = await startWebhookSandbox({ now: () => clock.now() });
      t = await createTestHost({ engine, clock });
      ctx = hostOperatorContext(t.host);
    });
    afterAll(async () => {
      await t?.close();
      await receiver?.close();
    });

    it('adds an endpoint (secret printed once, endpoint stored) and lists it without the secret', async () => {
      const { accountId } = await t.createAccount();
      const added = (await run('webhooks.add', {
        account: accountId,
        url: `${receiver.url}/cli`,
        events: 'wallet.charged, wallet.low_balance',
        description: 'billing',
      })) as Endpoint;
      expect(added).toMatchObject({
        url: `${receiver.url}/cli`,
        eventTypes: ['wallet.charged', 'wallet.low_balance'],
        status: 'enabled',
        description: 'billing',
      });
      expect(added.id).toMatch(/^we_/);
      expect(added.secret).toMatch(/^whsec_/);
      expect(await stored(accountId)).toBe(1);

      const listed = (await run('webhooks.list', { account: accountId })) as Endpoint[];
      expect(listed).toEqual([expect.objectContaining({ id: added.id, eventTypes: ['wallet.charged', 'wallet.low_balance'] })]);
      expect(JSON.stringify(listed)).not.toContain(added.secret);
      // The same endpoint over HTTP: the command made it in the host's database, for this account only.
      expect((await run('webhooks.list', { account: (await t.createAccount()).accountId })) as Endpoint[]).toEqual([]);

      const all = (await run('webhooks.add', { account: accountId, url: `${receiver.url}/all`, events: '*' })) as Endpoint;
      expect(all.eventTypes).toEqual(['*']);
    });

    it('refuses a private URL, an unknown event type and bad options, and stores nothing', async () => {
      const { accountId } = await t.createAccount();
      await expect(run('webhooks.add', { account: accountId, url: 'http://10.0.0.1/x', events: 'wallet.charged' })).rejects.toMatchObject({
        code: 'webhook_url_refused',
        message: 'Webhooks cannot be sent to http://10.0.0.1/x: 10.0.0.1 is a private address.',
      });
      await expect(run('webhooks.add', { account: accountId, url: `${receiver.url}/x`, events: 'wallet.charged,wallet.exploded' })).rejects.toMatchObject({
        code: 'unknown_event_type',
        message: 'Unknown event type(s): wallet.exploded.',
      });
      await expect(run('webhooks.add', { account: 'acc_nope', url: `${receiver.url}/x`, events: '*' })).rejects.toMatchObject({
        code: 'validation_failed',
        message: expect.stringMatching(/^--account: must be an id like acc_/),
      });
      await expect(run('webhooks.add', { account: accountId, url: `${receiver.url}/x`, events: ' , ' })).rejects.toMatchObject({
        code: 'validation_failed',
        message: '--events: name at least one event type, or *',
      });
      // A well-formed id of no account: nothing is stored for it.
      const ghost = `acc_${'0'.repeat(26)}`;
      await expect(run('webhooks.add', { account: ghost, url: `${receiver.url}/x`, events: '*' })).rejects.toMatchObject({
        status: 404,
        message: `No account ${ghost}`,
      });
      expect(await stored(accountId)).toBe(0);
      expect(await stored(ghost)).toBe(0);

      await expect(run('webhooks.list', { account: accountId, endpoint: 'we_x' })).rejects.toMatchObject({ code: 'validation_failed' });
      await expect(run('webhooks.remove', { account: accountId, endpoint: 'nope' })).rejects.toMatchObject({
        code: 'validation_failed',
        message: '--endpoint: a webhook endpoint id (we_…)',
      });
      await expect(run('webhooks.remove', { account: accountId, endpoint: 'we_missing' })).rejects.toMatchObject({ code: 'webhook_endpoint_not_found' });
    });

    it('rotates to a new secret, disables and enables, replays one event and lists its delivery, removes', async () => {
      const { accountId } = await t.createAccount();
      // The trial credit's event reaches the account's log.
      await t.host.events.jobs.runOnce();
      const [event] = await t.host.events.log.list({ accountId, afterSequence: 0, limit: 10 });
      expect(event).toMatchObject({ type: 'wallet.topped_up', accountId });

      const added = (await run('webhooks.add', { account: accountId, url: `${receiver.url}/replay`, events: 'wallet.charged' })) as Endpoint;
      const rotated = (await run('webhooks.rotate', { account: accountId, endpoint: added.id, overlapHours: 24 })) as Endpoint & {
        previousSecretExpiresAt: string;
      };
      expect(rotated.secret).toMatch(/^whsec_/);
      expect(rotated.secret).not.toBe(added.secret);
      expect(rotated.previousSecretExpiresAt).toBe('2026-12-02T09:00:00.000Z');
      await expect(run('webhooks.rotate', { account: accountId, endpoint: added.id, overlapHours: 200 })).rejects.toMatchObject({
        message: expect.stringMatching(/^--overlap-hours: /),
      });

      expect(((await run('webhooks.disable', { account: accountId, endpoint: added.id })) as Endpoint).status).toBe('disabled');
      expect(((await run('webhooks.enable', { account: accountId, endpoint: added.id })) as Endpoint).status).toBe('enabled');

      expect(await run('webhooks.deliveries', { account: accountId, endpoint: added.id, limit: 50 })).toEqual([]);
      await expect(run('webhooks.replay', { account: accountId, endpoint: added.id })).rejects.toMatchObject({
        message: '--event: give either --event, or --from (and --to)',
      });
      await expect(run('webhooks.replay', { account: accountId, endpoint: added.id, event: event!.id, from: START })).rejects.toMatchObject({
        code: 'validation_failed',
      });
      await expect(run('webhooks.replay', { account: accountId, endpoint: added.id, from: 'yesterday' })).rejects.toMatchObject({
        message: expect.stringMatching(/^--from: /),
      });
      await expect(run('webhooks.replay', { account: accountId, endpoint: added.id, event: 'evt_missing' })).rejects.toMatchObject({
        code: 'event_not_found',
      });
      // One event, whatever the endpoint's types: it goes out signed with the new secret, and the log shows it.
      expect(await run('webhooks.replay', { account: accountId, endpoint: added.id, event: event!.id })).toEqual({ replayed: 1 });
      receiver.setSecrets([rotated.secret!]);
      await t.runJobs();
      const got = receiver.received({ path: '/replay' });
      expect(got.map((r) => [r.eventId, r.signature])).toEqual([[event!.id, 'valid']]);
      const deliveries = await run('webhooks.deliveries', { account: accountId, endpoint: added.id, limit: 50 });
      expect(deliveries).toEqual([
        expect.objectContaining({ eventId: event!.id, eventType: 'wallet.topped_up', status: 'delivered', replay: 1, lastStatus: 200 }),
      ]);
      expect(await run('webhooks.deliveries', { account: accountId, endpoint: added.id, status: 'pending', limit: 50 })).toEqual([]);
      // A time range holds only the endpoint's types: the trial credit is not a charge.
      expect(await run('webhooks.replay', { account: accountId, endpoint: added.id, from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z' })).toEqual({
        replayed: 0,
      });

      expect(await run('webhooks.remove', { account: accountId, endpoint: added.id })).toEqual({ id: added.id, deleted: true });
      expect(await run('webhooks.list', { account: accountId })).toEqual([]);
      await expect(run('webhooks.deliveries', { account: accountId, endpoint: added.id, limit: 50 })).rejects.toMatchObject({
        code: 'webhook_endpoint_not_found',
      });
    });

    it('lists parked handler deliveries and refuses to retry an unknown one', async () => {
      expect(await run('events.parked', { limit: 50 })).toEqual([]);
      expect(await run('events.parked', { target: 'some-plugin/mirror', limit: 10 })).toEqual([]);
      await expect(run('events.parked', { target: 'not a target', limit: 10 })).rejects.toMatchObject({ code: 'validation_failed' });
      await expect(run('events.retry', { delivery: '999999' })).rejects.toMatchObject({
        code: 'parked_delivery_not_found',
        message: 'No parked delivery 999999.',
      });
      await expect(run('events.retry', { delivery: 'abc' })).rejects.toMatchObject({ code: 'validation_failed', message: '--delivery: a delivery id' });
    });
  });
}

describe('tollgate webhooks without a running host', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-webhooks-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("checks URLs with the config's sandbox flag, as the host does", { timeout: 120_000 }, async () => {
    const config = loadConfig({ env: {}, cwd: dir, overrides: { sandbox: false, logLevel: 'silent', database: { dataDir: join(dir, 'data') } } });
    const local = async (name: string, input: Record<string, unknown>) => (await runLocally({ config, name, input })).output;
    const created = (await local('accounts.create', {
      name: 'Local',
      ownerEmail: 'local@example.test',
      ownerName: 'L',
      locale: 'en',
      timeZone: 'UTC',
    })) as { account: { id: string } };
    const account = created.account.id;
    // Outside sandbox mode: no http, no loopback (the default options would have let both through).
    await expect(local('webhooks.add', { account, url: 'http://127.0.0.1:9/hooks', events: '*' })).rejects.toMatchObject({
      code: 'webhook_url_refused',
      message: 'Webhooks cannot be sent to http://127.0.0.1:9/hooks: only https URLs.',
    });
    await expect(local('webhooks.add', { account, url: 'https://127.0.0.1:9/hooks', events: '*' })).rejects.toMatchObject({
      code: 'webhook_url_refused',
    });
    expect(await local('webhooks.list', { account })).toEqual([]);
    const added = (await local('webhooks.add', { account, url: 'https://93.184.215.14/hooks', events: 'wallet.charged' })) as Endpoint;
    expect(added.secret).toMatch(/^whsec_/);
    expect(await local('webhooks.list', { account })).toEqual([expect.objectContaining({ id: added.id, url: 'https://93.184.215.14/hooks' })]);
  });
});

// The built CLI (`pnpm test` builds first): the flags reach the commands, and a refused input is one line and exit code 1.
const cli = resolve(import.meta.dirname, '../dist/cli.js');
describe.skipIf(!existsSync(cli))('tollgate webhooks, the process', () => {
  it('prints one line and exits 1 on bad options', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-webhooks-process-'));
    try {
      const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
        const child = spawn(process.execPath, [cli, 'webhooks', 'replay', '--account', 'acc_nope', '--endpoint', 'we_x', '--from', '2026-12-01T00:00:00Z'], {
          env: { ...process.env, DATABASE_URL: '', TOLLGATE_CONFIG: '', TOLLGATE_DATA_DIR: join(dir, 'data') },
          cwd: dir,
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => done({ code, stdout, stderr }));
      });
      expect(result.stderr).toBe('tollgate: --account: must be an id like acc_01j…\n');
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
