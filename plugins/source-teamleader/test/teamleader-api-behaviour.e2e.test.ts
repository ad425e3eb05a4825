import { startTeamleaderSandbox, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { connectThroughSandbox, sandboxPluginOptions } from './teamleader-test-kit.js';

/**
 * Issue 14 A3, A4, A8, A9 end to end: a real host with the source-teamleader plugin and the
 * Teamleader sandbox behaving as the real API does (or may): pages capped below the size asked, a
 * dead refresh token answered with another 4xx than invalid_grant, a small rate limit hit by
 * parallel calls, and only the documented rate-limit headers. One sandbox and one host; the tests
 * run in order (each on its own Tollgate account) because the sandbox holds one Teamleader account.
 */
const API = '/v1/invoice-sync';
const PLUGIN = '/v1/plugins/source-teamleader';
/** Teamleader's documented reset form, in Brussels time: `2026-03-02T10:01:00+01:00`. */
const BRUSSELS_STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+01:00$/;

for (const engine of testEngines()) {
  describe(`Teamleader as its API behaves, end to end [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let sandbox: TeamleaderSandbox;
    let t: TestHost;
    /** Documents booked by the tests so far (the A3 import reads them all: one Teamleader account). */
    let booked = 0;
    /** The account the sandbox's Teamleader account is linked to now. */
    let linked: { ownerKey: string } | null = null;

    const requests = (path?: string) => sandbox.control.requests().filter((r) => path === undefined || r.path === path);
    /** API answers 429 (A4 makes the token endpoint say 429 on purpose). */
    const tooMany = () => requests().filter((r) => r.status === 429 && !r.path.startsWith('/oauth2/'));
    const api = (key: string, input: { method?: string; path: string; body?: unknown }) => t.request({ ...input, path: `${API}${input.path}`, key });
    /** A Tollgate account connected to the sandbox by OAuth, with a default profile. */
    const connectedAccount = async (name: string) => {
      // Whatever switches an earlier (failed) test left on are off.
      sandbox.control.setRateLimit(100_000);
      sandbox.control.setMaxPageSize(100);
      sandbox.control.setRefreshRefusal(null);
      if (linked) await disconnect(linked); // a test that failed half-way left it linked
      const owner = await t.createAccount({ name });
      const res = await connectThroughSandbox({ t, key: owner.ownerKey });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const profile = await api(owner.ownerKey, {
        method: 'POST',
        path: '/profiles',
        body: { name: 'Standard', directDebit: true, paymentLink: false, transfer: false },
      });
      expect(profile.status).toBe(201);
      linked = owner;
      return { ...owner, connectionId: res.body.connection.syncConnectionId as string };
    };
    const book = (customer: { type: 'company'; id: string }, count: number) => {
      const ids = Array.from({ length: count }, () => (sandbox.control.seedInvoice({ customer, booked: true }) as { id: string }).id);
      booked += count;
      // Their webhooks are not what these tests are about.
      sandbox.control.dropNextWebhooks(sandbox.control.pendingWebhooks().length);
      return ids;
    };
    const importNow = async (owner: { ownerKey: string; connectionId: string }) => {
      const res = await api(owner.ownerKey, { method: 'POST', path: `/connections/${owner.connectionId}/imports`, body: { days: 30 } });
      expect(res.status).toBe(202);
      await t.host.invoiceSync.jobs.idle();
      return (await api(owner.ownerKey, { path: `/runs/${res.body.id}` })).body as { status: string; error: string | null; counts: Record<string, number> };
    };
    /** One Teamleader account links to one Tollgate account at a time: the next test's account connects after this. */
    const disconnect = async (owner: { ownerKey: string }) => {
      clock.advance({ seconds: 61 }); // whatever the test left of the rate-limit window is gone
      const gone = await t.request({ method: 'DELETE', path: `${PLUGIN}/connection`, key: owner.ownerKey });
      expect(gone.status, JSON.stringify(gone.body)).toBe(200);
      linked = null;
    };
    const importedIds = async (connectionId: string) =>
      (await t.db.query<{ source_id: string }>(`select source_id from sync_invoices where connection_id = $1 and kind = 'invoice'`, [connectionId])).rows.map(
        (r) => r.source_id,
      );

    beforeAll(async () => {
      sandbox = await startTeamleaderSandbox({ now: () => clock.now(), rateLimitPerMinute: 100_000 });
      t = await createTestHost({ engine, clock, plugins: [{ plugin, options: sandboxPluginOptions({ sandbox, maxAttempts: 3 }) }] });
    });
    afterAll(async () => {
      await t?.close();
      await sandbox?.close();
    });

    it('A4 lost consent: a dead refresh token answered 400 invalid_request or 401 marks the connection reconsent_needed; the sweep stops retrying', async () => {
      for (const refusal of [
        { status: 400, error: 'invalid_request' },
        { status: 401, error: 'invalid_client' },
      ]) {
        const owner = await connectedAccount(`Consent ${refusal.status} BV`);
        clock.advance({ hours: 2 }); // the access token has expired: the next call refreshes
        sandbox.control.setRefreshRefusal(refusal);
        const tokenCalls = requests('/oauth2/access_token').length;

        await t.host.invoiceSync.jobs.runOnce();
        await t.host.invoiceSync.jobs.idle();
        expect(
          requests('/oauth2/access_token')
            .slice(tokenCalls)
            .map((r) => r.status),
        ).toEqual([refusal.status]);
        const runs = (await api(owner.ownerKey, { path: `/connections/${owner.connectionId}/runs` })).body.data as Array<{ status: string; error: string }>;
        expect(runs).toEqual([expect.objectContaining({ trigger: 'sweep', status: 'interrupted', error: expect.stringMatching(/authorised again/) })]);
        expect((await api(owner.ownerKey, { path: `/connections/${owner.connectionId}` })).body).toMatchObject({ status: 'reconsent_needed' });
        const shown = await t.request({ path: `${PLUGIN}/connection`, key: owner.ownerKey });
        expect(shown.body).toMatchObject({
          status: 'reconsent_needed',
          reconsentReason: expect.stringContaining(`HTTP ${refusal.status} ${refusal.error}`),
        });

        // The next sweeps leave it alone: no run, no refresh, until someone connects again.
        await t.host.invoiceSync.jobs.runOnce();
        await t.host.invoiceSync.jobs.idle();
        expect(requests('/oauth2/access_token').length).toBe(tokenCalls + 1);
        expect((await api(owner.ownerKey, { path: `/connections/${owner.connectionId}/runs` })).body.data).toHaveLength(1);
        sandbox.control.setRefreshRefusal(null);
        await disconnect(owner);
      }

      // 429 from the token endpoint is "try later", not a lost consent: the connection stays connected.
      const owner = await connectedAccount('Consent 429 BV');
      clock.advance({ hours: 2 });
      sandbox.control.setRefreshRefusal({ status: 429, error: 'slow_down' });
      await t.host.invoiceSync.jobs.runOnce();
      await t.host.invoiceSync.jobs.idle();
      expect((await api(owner.ownerKey, { path: `/connections/${owner.connectionId}` })).body).toMatchObject({ status: 'connected' });
      sandbox.control.setRefreshRefusal(null);
      await disconnect(owner);
    });

    it('A8 five parallel calls under a small limit: the calls in flight count against the budget, no 429 reaches Teamleader', async () => {
      const owner = await connectedAccount('Budget BV');
      const company = { type: 'company' as const, id: (sandbox.control.seedCompany({ name: 'Budget Customer NV' }) as { id: string }).id };
      const ids = book(company, 12);
      clock.advance({ minutes: 2 }); // an empty window
      // Another host of the same integration spends most of the minute: 3 of 20 are left.
      sandbox.control.setRateLimit(20);
      const other = sandbox.control.issueTokens().access_token;
      for (let i = 0; i < 17; i += 1) {
        const spent = await fetch(`${sandbox.url}/users.me`, { method: 'POST', headers: { authorization: `Bearer ${other}` }, body: '{}' });
        expect(spent.status).toBe(200);
      }

      // invoices.list learns that 2 are left; then 5 invoices.info calls would go at once.
      const first = await importNow(owner);
      expect(first).toMatchObject({ status: 'interrupted', error: expect.stringMatching(/rate limit is spent until \d{4}-\d{2}-\d{2}T.*not sent/) });
      expect(tooMany()).toEqual([]);

      // After the reset the import resumes and completes, still without a single 429.
      let last = first;
      for (let round = 0; round < 5 && last.status !== 'completed'; round += 1) {
        clock.advance({ seconds: 61 });
        last = await importNow(owner);
      }
      expect(last.status).toBe('completed');
      expect((await importedIds(owner.connectionId)).sort()).toEqual([...ids].sort());
      expect(tooMany()).toEqual([]);
      sandbox.control.setRateLimit(100_000);
      await disconnect(owner);
    });

    it('A9 only the documented rate-limit headers (reset in Brussels time, no Retry-After); the client reads them and waits for the reset', async () => {
      const owner = await connectedAccount('Headers BV');
      clock.advance({ minutes: 2 });
      const token = sandbox.control.issueTokens().access_token;
      const call = () => fetch(`${sandbox.url}/users.me`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{}' });
      sandbox.control.setRateLimit(2);
      const answer = await call();
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-ratelimit-limit')).toBe('2');
      expect(answer.headers.get('x-ratelimit-remaining')).toBe('1');
      const reset = answer.headers.get('x-ratelimit-reset') as string;
      expect(reset).toMatch(BRUSSELS_STAMP);
      expect(new Date(reset).toISOString()).toBe(new Date(clock.now().getTime() + 60_000).toISOString());
      expect(answer.headers.get('retry-after')).toBeNull();
      await call();
      const refused = await call();
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBeNull();
      expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(refused.headers.get('x-ratelimit-reset')).toBe(reset);

      // The host, not knowing another host spent the minute, gets one 429 and reads the reset from it.
      const before = tooMany().length;
      const fields = await api(owner.ownerKey, { path: `/connections/${owner.connectionId}/custom-fields` });
      expect(fields.status).toBe(429);
      expect(fields.body.error).toMatchObject({ code: 'teamleader_rate_limited', message: expect.stringContaining(new Date(reset).toISOString()) });
      expect(tooMany().length - before).toBe(1); // no storm of retries into the spent window
      clock.advance({ seconds: 61 });
      expect((await api(owner.ownerKey, { path: `/connections/${owner.connectionId}/custom-fields` })).status).toBe(200);
      expect(tooMany().length - before).toBe(1);
      sandbox.control.setRateLimit(100_000);
      await disconnect(owner);
    });

    it('A3 a server that serves 50 a page when 100 are asked: the import of 214 documents gets all 214', async () => {
      const owner = await connectedAccount('Paging BV');
      const company = { type: 'company' as const, id: (sandbox.control.seedCompany({ name: 'Paging Customer NV' }) as { id: string }).id };
      const ids = book(company, 214);
      sandbox.control.setMaxPageSize(50);
      const listed = requests('/invoices.list').length;

      const run = await importNow(owner);
      expect(run).toMatchObject({ status: 'completed', error: null, counts: expect.objectContaining({ new: booked, failed: 0 }) });
      const imported = new Set(await importedIds(owner.connectionId));
      expect(imported.size).toBe(booked);
      expect(ids.filter((id) => !imported.has(id))).toEqual([]);
      // Asked 100 a page, served 50: every page until an empty one.
      const pages = requests('/invoices.list').slice(listed);
      expect(pages.every((r) => (r.body as { page: { size: number } }).page.size === 100)).toBe(true);
      expect(pages).toHaveLength(Math.ceil(booked / 50) + 1);
      sandbox.control.setMaxPageSize(100);
    });
  });
}
