import { startTeamleaderSandbox, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { sandboxPluginOptions } from './teamleader-test-kit.js';

/** With `returnUrl`, the OAuth callback sends the browser back to the product, success or not. */
const engine = testEngines()[0]!;

describe(`source-teamleader returnUrl [${engine.name}]`, () => {
  const clock = new ManualClock('2026-03-02T09:00:00.000Z');
  let sandbox: TeamleaderSandbox;
  let t: TestHost;

  const consent = async (key: string) => {
    const start = await t.request({ path: '/v1/plugins/source-teamleader/connect', key });
    const redirect = await fetch(start.body.authorizeUrl as string, { redirect: 'manual' });
    return new URL(redirect.headers.get('location') as string);
  };
  const callback = async (url: URL) => {
    const res = await fetch(`${t.url}${url.pathname}${url.search}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location') as string);
  };

  beforeAll(async () => {
    sandbox = await startTeamleaderSandbox({ now: () => clock.now(), rateLimitPerMinute: 100_000 });
    t = await createTestHost({
      engine,
      clock,
      plugins: [{ plugin, options: { ...sandboxPluginOptions({ sandbox, maxAttempts: 2 }), returnUrl: 'https://app.example.test/settings/teamleader?tab=1' } }],
    });
  });
  afterAll(async () => {
    await t?.close();
    await sandbox?.close();
  });

  it('connected: back to the product with the core connection id', async () => {
    const owner = await t.createAccount();
    const back = await callback(await consent(owner.ownerKey));
    expect(`${back.origin}${back.pathname}`).toBe('https://app.example.test/settings/teamleader');
    expect(Object.fromEntries(back.searchParams)).toEqual({ tab: '1', teamleader: 'connected', connectionId: expect.stringMatching(/^conn_/) });
    const listed = await t.request({ path: '/v1/invoice-sync/connections', key: owner.ownerKey });
    expect(listed.body.data.map((c: { id: string }) => c.id)).toEqual([back.searchParams.get('connectionId')]);
  });

  it('a reused state or a denial: back to the product with the error code, nothing connected', async () => {
    const owner = await t.createAccount();
    const url = await consent(owner.ownerKey);
    const denied = new URL(url);
    denied.searchParams.delete('code');
    denied.searchParams.set('error', 'access_denied');
    expect(Object.fromEntries((await callback(denied)).searchParams)).toMatchObject({ teamleader: 'error', code: 'access_denied' });
    expect(Object.fromEntries((await callback(url)).searchParams)).toMatchObject({ teamleader: 'error', code: 'invalid_state' }); // the state was used up
    expect((await t.request({ path: '/v1/invoice-sync/connections', key: owner.ownerKey })).body.data).toEqual([]);
  });
});
