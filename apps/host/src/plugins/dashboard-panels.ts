import type { DashboardPanel, HttpMethod } from '@tollgate/plugin-sdk';
import { atLeast } from '../accounts/roles.js';
import { PluginLoadError } from './plugin-loader.js';
import type { MountedRoute } from './plugin-host.js';

export interface RegisteredPanel {
  pluginId: string;
  panel: DashboardPanel;
}

/** The routes a panel calls: the form's load and save, or the table's source. */
export function panelBindings(panel: DashboardPanel): Array<{ what: string; method: HttpMethod; path: string }> {
  if (panel.table) return [{ what: 'table.source', method: 'GET', path: panel.table.source }];
  const form = panel.form!;
  return [{ what: 'form.load', method: 'GET', path: form.load }, ...(form.save ? [{ what: 'form.save', method: form.save.method, path: form.save.path }] : [])];
}

/**
 * Each panel binds only to routes of its own plugin that exist, take an account's caller, and need
 * no more than the panel's role: a panel whose save needs an admin is not shown to a member only
 * to fail with 403. Refuses the start otherwise, like any other registration mistake.
 */
export function checkPanelBindings(input: { panels: readonly RegisteredPanel[]; routes: readonly MountedRoute[] }): void {
  for (const { pluginId, panel } of input.panels) {
    const shownFrom = panel.minRole ?? 'member';
    for (const binding of panelBindings(panel)) {
      const refuse = (why: string) =>
        new PluginLoadError({ source: pluginId, message: `dashboard panel "${panel.id}": ${binding.what} ${binding.method} ${binding.path} ${why}` });
      const own = input.routes.filter((r) => r.pluginId === pluginId);
      const route = own.find((r) => r.route.method === binding.method && r.route.path === binding.path);
      if (!route) {
        const same = own.filter((r) => r.route.method === binding.method).map((r) => r.route.path);
        throw refuse(`is not a route of this plugin (its ${binding.method} routes: ${same.length ? same.join(', ') : 'none'})`);
      }
      if (route.route.auth !== 'account' || !route.minRole)
        throw refuse(`has auth '${route.route.auth}': a panel calls the plugin as the signed-in person of an account`);
      if (!atLeast(shownFrom, route.minRole))
        throw refuse(`needs the ${route.minRole} role, but the panel is shown from ${shownFrom}: set the panel's minRole to '${route.minRole}' or higher`);
    }
  }
}
