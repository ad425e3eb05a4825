import { randomBytes } from 'node:crypto';
import {
  dashboardPanelsExtensionPoint,
  definePlugin,
  defineRoute,
  httpRoutesExtensionPoint,
  type DashboardPanel,
  type PluginRoute,
  type Role,
} from '@tollgate/plugin-sdk';
import { SANDBOX_KEYS, startTrendsTopSandbox, type TrendsTopSandbox } from '@tollgate/sandbox-trendstop';
import { createTestHost, ManualClock, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlugin } from './fixtures/bundled-plugins.js';

/**
 * Dashboard panels (issue 21, plugin API 2.9): the bundled plugins' panels are listed with their
 * paths resolved and filtered by role, each panel's routes really answer for the role that sees it,
 * and a panel that binds to a route its plugin does not have (or one its viewers may not call)
 * refuses the start.
 */

type PanelView = {
  pluginId: string;
  id: string;
  placement: string;
  minRole: Role;
  channel: string | null;
  form?: { load: string; save: { method: string; path: string } | null; fields: Array<{ name: string; readOnly: boolean }> };
  table?: { source: string; columns: Array<{ key: string }> };
};

const text = (en: string) => ({ en, nl: `${en} nl`, fr: `${en} fr`, de: `${en} de` });

/** A plugin with one member read, one admin write and one public route, and the panels the test gives it. */
function panelPlugin(panels: unknown[]) {
  return definePlugin({
    id: 'panel-test',
    compatibility: '^2.9.0',
    register(env) {
      env.registerInit({
        deps: { routes: httpRoutesExtensionPoint, dashboard: dashboardPanelsExtensionPoint },
        init({ routes, dashboard }) {
          // Panels before routes: the host checks the bindings once every init ran.
          dashboard.add(...(panels as DashboardPanel[]));
          routes.add(
            ...([
              defineRoute({ method: 'GET', path: '/settings', auth: 'account', summary: 'read', handler: async () => ({ body: { on: true } }) }),
              defineRoute({ method: 'PUT', path: '/settings', auth: 'account', summary: 'write', handler: async () => ({ body: { on: true } }) }),
              defineRoute({ method: 'GET', path: '/hook', auth: 'public', summary: 'public', handler: async () => ({ body: {} }) }),
            ] as PluginRoute[]),
          );
        },
      });
    },
  });
}

const settingsForm = (form: Record<string, unknown>, minRole?: Role) => ({
  id: 'settings',
  placement: 'settings',
  title: text('Settings'),
  ...(minRole ? { minRole } : {}),
  form: { load: '/settings', fields: [{ name: 'on', label: text('On'), type: 'boolean' }], ...form },
});

for (const engine of testEngines()) {
  describe(`dashboard panels from plugins [${engine.name}]`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let sandbox: TrendsTopSandbox;
    let t: TestHost;
    let keys: Record<Role, string>;

    const panels = async (key: string) => {
      const res = await t.request({ path: '/v1/dashboard/panels', key });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data as PanelView[];
    };

    beforeAll(async () => {
      sandbox = await startTrendsTopSandbox({ now: () => clock.now() });
      t = await createTestHost({
        engine,
        clock,
        plugins: [
          // Not in id order: the list is.
          await loadPlugin('@tollgate/plugin-voice'),
          await loadPlugin('@tollgate/plugin-sms-reminders'),
          await loadPlugin('@tollgate/plugin-expense-scan'),
          {
            plugin: await loadPlugin('@tollgate/plugin-company-data-trendstop'),
            options: { baseUrl: sandbox.url, partnerApiKey: SANDBOX_KEYS.partner, sealingKey: randomBytes(32).toString('base64'), retries: 0 },
          },
        ],
      });
      const account = await t.createAccount();
      const keyWithRole = async (role: Role) => {
        const res = await t.request({ method: 'POST', path: '/v1/api-keys', key: account.ownerKey, body: { name: role, role } });
        expect(res.status).toBe(201);
        return res.body.key as string;
      };
      keys = { owner: account.ownerKey, admin: await keyWithRole('admin'), member: await keyWithRole('member') };
    });
    afterAll(async () => {
      await t?.close();
      await sandbox?.close();
    });

    it('lists the bundled plugins’ panels in plugin id order, with their paths resolved under /v1/plugins/<id>', async () => {
      const all = await panels(keys.owner);
      expect(all.map((p) => `${p.pluginId}/${p.id}`)).toEqual([
        'company-data-trendstop/companies',
        'company-data-trendstop/users',
        'company-data-trendstop/subscription',
        'expense-scan/expenses',
        'expense-scan/settings',
        'sms-reminders/reminders',
        'sms-reminders/meetings',
        'sms-reminders/settings',
        'voice/calls',
      ]);
      expect(all.find((p) => p.pluginId === 'expense-scan' && p.id === 'settings')).toEqual({
        pluginId: 'expense-scan',
        id: 'settings',
        placement: 'settings',
        title: { en: 'Expense scans', nl: 'Onkosten scannen', fr: 'Numérisation des dépenses', de: 'Belegscan' },
        description: null,
        channel: 'expense-scan',
        minRole: 'admin',
        form: {
          load: '/v1/plugins/expense-scan/settings',
          save: { method: 'PUT', path: '/v1/plugins/expense-scan/settings' },
          submitLabel: { en: 'Save', nl: 'Opslaan', fr: 'Enregistrer', de: 'Speichern' },
          fields: [
            {
              name: 'autoScan',
              type: 'boolean',
              label: expect.objectContaining({ en: 'Scan every upload automatically' }),
              help: expect.objectContaining({ nl: expect.any(String) }),
              options: null,
              required: false,
              readOnly: false,
            },
          ],
        },
      });
      expect(all.find((p) => p.id === 'calls')?.table).toMatchObject({ source: '/v1/plugins/voice/calls', empty: { fr: 'Aucun appel pour l’instant.' } });
      // Every path is a route of the plugin that declared the panel.
      for (const p of all) for (const path of [p.form?.load, p.form?.save?.path, p.table?.source]) if (path) expect(path).toMatch(`/v1/plugins/${p.pluginId}/`);
    });

    it('shows a member no panel meant for admins; an admin key of the platform and a request without a key are refused', async () => {
      const member = await panels(keys.member);
      expect(member.every((p) => p.minRole === 'member')).toBe(true);
      expect(member.map((p) => `${p.pluginId}/${p.id}`)).not.toContain('expense-scan/settings');
      expect(member.map((p) => `${p.pluginId}/${p.id}`)).not.toContain('company-data-trendstop/subscription');
      expect((await panels(keys.admin)).map((p) => `${p.pluginId}/${p.id}`)).toEqual((await panels(keys.owner)).map((p) => `${p.pluginId}/${p.id}`));

      const admin = await t.request({ path: '/v1/dashboard/panels', key: t.adminKey });
      expect(admin.status).toBe(403);
      expect(admin.body.error.code).toBe('account_key_required');
      const anonymous = await t.request({ path: '/v1/dashboard/panels' });
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error.code).toBe('unauthorized');
    });

    it('each panel’s load or source answers 200 to the least role that sees it, with what the panel shows', async () => {
      for (const role of ['member', 'admin'] as const) {
        for (const panel of (await panels(keys[role])).filter((p) => p.minRole === role)) {
          const path = panel.form?.load ?? panel.table!.source;
          const res = await t.request({ path, key: keys[role] });
          expect(res.status, `${panel.pluginId}/${panel.id}: GET ${path} → ${JSON.stringify(res.body)}`).toBe(200);
          if (panel.table) expect(Array.isArray(res.body.data), `${path} answers { data: [...] }`).toBe(true);
          // A read-only field shows a value the route answers (a writable one may be write-only, such as a key).
          for (const field of panel.form?.fields.filter((f) => f.readOnly) ?? []) expect(res.body, `${path} has ${field.name}`).toHaveProperty(field.name);
        }
      }
    });

    it('a form’s save works for an admin with the fields that are not read-only; a member is refused', async () => {
      const panel = (await panels(keys.admin)).find((p) => p.pluginId === 'expense-scan' && p.id === 'settings')!;
      const { save, load, fields } = panel.form!;
      const body = Object.fromEntries(fields.filter((f) => !f.readOnly).map((f) => [f.name, true]));
      const saved = await t.request({ method: save!.method as 'PUT', path: save!.path, key: keys.admin, body });
      expect(saved.status, JSON.stringify(saved.body)).toBe(200);
      expect(saved.body).toEqual({ autoScan: true, isDefault: false });
      expect((await t.request({ path: load, key: keys.member })).body).toEqual({ autoScan: true, isDefault: false });

      const denied = await t.request({ method: 'PUT', path: save!.path, key: keys.member, body: { autoScan: false } });
      expect(denied.status).toBe(403);
      expect(denied.body.error.code).toBe('insufficient_role');
    });

    it('a plugin whose panel binds to a route it does not have, or one its viewers may not call, refuses to start', async () => {
      const start = (panel: unknown) => createTestHost({ engine, clock, plugins: [panelPlugin([panel])] });
      await expect(start(settingsForm({ load: '/setting' }))).rejects.toMatchObject({
        code: 'plugin_invalid',
        message: 'plugin panel-test: dashboard panel "settings": form.load GET /setting is not a route of this plugin (its GET routes: /settings, /hook)',
      });
      await expect(start(settingsForm({ save: { method: 'PATCH', path: '/settings' } }, 'admin'))).rejects.toMatchObject({
        code: 'plugin_invalid',
        message: 'plugin panel-test: dashboard panel "settings": form.save PATCH /settings is not a route of this plugin (its PATCH routes: none)',
      });
      // The PUT needs an admin (the default for a write): a member would see a form whose save fails.
      await expect(start(settingsForm({ save: { method: 'PUT', path: '/settings' } }))).rejects.toMatchObject({
        code: 'plugin_invalid',
        message:
          "plugin panel-test: dashboard panel \"settings\": form.save PUT /settings needs the admin role, but the panel is shown from member: set the panel's minRole to 'admin' or higher",
      });
      await expect(start(settingsForm({ load: '/hook' }))).rejects.toMatchObject({
        code: 'plugin_invalid',
        message: expect.stringContaining("form.load GET /hook has auth 'public': a panel calls the plugin as the signed-in person of an account"),
      });
      // A plugin in plain JavaScript may skip defineDashboardPanel: the host checks the shape itself.
      await expect(start({ ...settingsForm({}), title: { en: 'Settings' } })).rejects.toMatchObject({
        code: 'plugin_invalid',
        message: 'plugin panel-test: dashboard panel "settings": title.nl must be a non-empty text of at most 500 characters, got undefined',
      });
      await expect(createTestHost({ engine, clock, plugins: [panelPlugin([settingsForm({}), settingsForm({})])] })).rejects.toMatchObject({
        code: 'plugin_invalid',
        message: 'plugin panel-test: dashboard panel "settings": is added twice',
      });

      // The same panel, bound right, starts and is listed.
      const ok = await createTestHost({ engine, clock, plugins: [panelPlugin([settingsForm({ save: { method: 'PUT', path: '/settings' } }, 'admin')])] });
      try {
        const owner = await ok.createAccount();
        const res = await ok.request({ path: '/v1/dashboard/panels', key: owner.ownerKey });
        expect(res.body.data.map((p: PanelView) => p.form?.save)).toEqual([{ method: 'PUT', path: '/v1/plugins/panel-test/settings' }]);
      } finally {
        await ok.close();
      }
    });
  });
}
