import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sendOperatorCommand, startOperatorAccess } from '@tollgate/host';
import { createTestHost, ManualClock, testEngines, type TestHost, type TestHostInput } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxStack, type SandboxStack } from '../src/sandbox-stack.js';
import { seedTeamleaderDemo, TEAMLEADER_DEMO, watchTeamleaderDemo } from '../src/teamleader-demo.js';

/**
 * Issue 20 point 7 in the `pnpm start` set-up: the Teamleader demo data, the plugin as the dev stack
 * configures it, and the dev stack's demo set-up on connect. An import with no profile is refused
 * (API and CLI) and makes no run; the custom fields are listed with their options; once the demo
 * set-up ran, an import routes at least one invoice per demo profile through the field.
 */
const API = '/v1/invoice-sync';
type Plugin = Extract<NonNullable<TestHostInput['plugins']>[number], { plugin: unknown }>['plugin'];

for (const engine of testEngines()) {
  describe(`Teamleader demo: profiles routed by the custom field [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let stack: SandboxStack;
    let t: TestHost;
    let dir: string;
    let owner: { accountId: string; ownerKey: string };
    let connectionId: string;
    const api = (input: { method?: string; path: string; body?: unknown; key?: string }) =>
      t.request<any>({ ...input, path: `${API}${input.path}`, key: input.key ?? owner.ownerKey });
    const connect = async () => {
      const start = await t.request<{ authorizeUrl: string }>({ path: '/v1/plugins/source-teamleader/connect', key: owner.ownerKey });
      const back = new URL((await fetch(start.body.authorizeUrl, { redirect: 'manual' })).headers.get('location')!);
      const res = await t.request<{ connection: { syncConnectionId: string } }>({ path: `${back.pathname}${back.search}` });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.connection.syncConnectionId;
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tollgate-tl-demo-'));
      stack = await startSandboxStack({ hostUrl: 'http://127.0.0.1:0', autoDeliver: false, now: () => clock.now() });
      expect(seedTeamleaderDemo({ sandbox: stack.teamleader, now: clock.now() })).toMatchObject({ profileFieldId: TEAMLEADER_DEMO.profileField.id });
      // Only the Teamleader plugin, configured as `pnpm start` configures it.
      const entry = stack.plugins.find((p) => p.package === '@tollgate/plugin-source-teamleader')!;
      const plugin = ((await import(entry.package)) as { default: Plugin }).default;
      t = await createTestHost({ engine, clock, plugins: [{ plugin, options: entry.options }] });
      owner = await t.createAccount({ name: 'Demo BV' });
    });
    afterAll(async () => {
      await t?.host.invoiceSync.jobs.idle().catch(() => undefined);
      await t?.close();
      await stack?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('without the demo set-up and without a profile: an import is refused up front, by the API and the CLI, and no run is made', async () => {
      connectionId = await connect();
      const refused = await api({ method: 'POST', path: `/connections/${connectionId}/imports`, body: { days: 30 } });
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatchObject({ code: 'no_profile_configured', message: expect.stringMatching(/profile.*default/i) });

      const dataDir = join(dir, 'data');
      const access = await startOperatorAccess({ host: t.host, dataDir, env: {}, print: () => {} });
      try {
        await expect(
          sendOperatorCommand({ dataDir, command: 'invoice-sync.import', input: { account: owner.accountId, connection: connectionId, days: 30 } }),
        ).rejects.toMatchObject({ code: 'no_profile_configured', status: 422 });
      } finally {
        await access.close();
      }
      expect((await api({ path: `/connections/${connectionId}/runs` })).body).toEqual({ data: [], nextCursor: null });
    });

    it('GET …/custom-fields lists the demo field with its fixed ids and option labels; members read it; 404 and reconsent_needed', async () => {
      const res = await api({ path: `/connections/${connectionId}/custom-fields` });
      expect(res.status).toBe(200);
      const { profileField, options } = TEAMLEADER_DEMO;
      expect(res.body).toEqual({
        data: [
          {
            id: profileField.id,
            label: profileField.label,
            type: 'single_select',
            context: 'invoice',
            options: [
              { id: options.directDebit.id, label: options.directDebit.label },
              { id: options.paymentLink.id, label: options.paymentLink.label },
            ],
          },
        ],
      });
      const member = (await t.request<{ key: string }>({ method: 'POST', path: '/v1/api-keys', key: owner.ownerKey, body: { name: 'reader', role: 'member' } }))
        .body.key;
      expect((await api({ path: `/connections/${connectionId}/custom-fields`, key: member })).status).toBe(200);
      const missing = await api({ path: '/connections/conn_missing/custom-fields' });
      expect([missing.status, missing.body.error.code]).toEqual([404, 'connection_not_found']);

      await t.host.invoiceSync.connections.markReconsentNeeded({ id: connectionId });
      const reconsent = await api({ path: `/connections/${connectionId}/custom-fields` });
      expect([reconsent.status, reconsent.body.error.code]).toEqual([409, 'reconsent_needed']);
      expect(reconsent.body.error.message).toMatch(/connect/);
    });

    it('the dev stack’s demo set-up on (re)connect: three profiles, the profile field; an import routes invoices to each profile by the field', async () => {
      const demo = watchTeamleaderDemo({ host: t.host });
      try {
        // Consent again (the connection needed it): the same connection is revived, and the demo set-up runs.
        expect(await connect()).toBe(connectionId);
        await demo.idle();
      } finally {
        demo.stop();
      }
      const connection = (await api({ path: `/connections/${connectionId}` })).body;
      expect(connection).toMatchObject({ status: 'connected', profileFieldId: TEAMLEADER_DEMO.profileField.id });
      const profiles = (await api({ path: '/profiles' })).body.data as Array<{
        id: string;
        name: string;
        isDefault: boolean;
        sourceOptionValue: string | null;
      }>;
      const byName = Object.fromEntries(profiles.map((p) => [p.name, p]));
      expect(byName).toMatchObject({
        Transfer: { isDefault: true, sourceOptionValue: null },
        // One profile names the option by the text users see, the other by its id: both route.
        'Direct debit': { isDefault: false, sourceOptionValue: TEAMLEADER_DEMO.options.directDebit.label },
        'Payment link': { isDefault: false, sourceOptionValue: TEAMLEADER_DEMO.options.paymentLink.id },
      });

      const started = await api({ method: 'POST', path: `/connections/${connectionId}/imports`, body: { days: 30 } });
      expect(started.status).toBe(202);
      await t.host.invoiceSync.jobs.idle();
      const run = (await api({ path: `/runs/${started.body.id}` })).body;
      expect(run).toMatchObject({ status: 'completed', counts: { failed: 0 } });
      expect(run.counts.new).toBeGreaterThanOrEqual(9);

      const invoices = (await api({ path: '/invoices?kind=invoice&limit=200' })).body.data as Array<{ id: string; profileId: string }>;
      const routes: Array<{ profile: string; from: string }> = [];
      for (const invoice of invoices) {
        const detail = (await api({ path: `/invoices/${invoice.id}` })).body;
        const imported = detail.events.find((e: { type: string }) => e.type === 'imported');
        routes.push({ profile: profiles.find((p) => p.id === invoice.profileId)!.name, from: imported.detail.profileFrom });
      }
      const count = (profile: string, from: string) => routes.filter((r) => r.profile === profile && r.from === from).length;
      expect(count('Direct debit', 'document')).toBeGreaterThanOrEqual(1);
      expect(count('Payment link', 'document')).toBeGreaterThanOrEqual(1);
      expect(count('Transfer', 'account_default')).toBeGreaterThanOrEqual(1);
      // Every invoice that names an option went to that option's profile.
      expect(routes.filter((r) => r.from === 'document').every((r) => r.profile !== 'Transfer')).toBe(true);

      // A second connect does not make the profiles again, nor change a profile field already set.
      const again = watchTeamleaderDemo({ host: t.host });
      try {
        await connect();
        await again.idle();
      } finally {
        again.stop();
      }
      expect((await api({ path: '/profiles' })).body.data).toHaveLength(3);
    });
  });
}
