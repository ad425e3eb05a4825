import type { DashboardPanel, Role } from '@tollgate/plugin-sdk';
import { atLeast } from '../accounts/roles.js';
import type { RegisteredPanel } from '../plugins/dashboard-panels.js';
import type { DashboardPanelView } from './dashboard-panels.responses.js';

/** The plugin's route path as the host mounts it (see PluginHost#addRoute). */
function mounted(pluginId: string, path: string): string {
  return `/v1/plugins/${pluginId}${path === '/' ? '' : path}`;
}

function view(pluginId: string, panel: DashboardPanel): DashboardPanelView {
  // Absent optional parts are null, so the dashboard reads one shape.
  const base = {
    pluginId,
    id: panel.id,
    placement: panel.placement,
    title: panel.title,
    description: panel.description ?? null,
    channel: panel.channel ?? null,
    minRole: panel.minRole ?? 'member',
  };
  if (panel.table) {
    const { source, empty, columns } = panel.table;
    return {
      ...base,
      table: {
        source: mounted(pluginId, source),
        empty: empty ?? null,
        columns: columns.map((c) => ({ key: c.key, label: c.label, format: c.format ?? 'text' })),
      },
    };
  }
  const { load, save, submitLabel, fields } = panel.form!;
  return {
    ...base,
    form: {
      load: mounted(pluginId, load),
      save: save ? { method: save.method, path: mounted(pluginId, save.path) } : null,
      submitLabel: submitLabel ?? null,
      fields: fields.map((f) => ({
        name: f.name,
        label: f.label,
        help: f.help ?? null,
        type: f.type,
        options: f.options ?? null,
        required: f.required ?? false,
        readOnly: f.readOnly ?? false,
      })),
    },
  };
}

/** The panels a caller with `role` may see, in plugin id order (each plugin's in the order it added them). */
export function dashboardPanelViews(input: { panels: readonly RegisteredPanel[]; role: Role }): DashboardPanelView[] {
  return input.panels
    .map((entry, index) => ({ entry, index }))
    .filter(({ entry }) => atLeast(input.role, entry.panel.minRole ?? 'member'))
    .sort((a, b) => (a.entry.pluginId < b.entry.pluginId ? -1 : a.entry.pluginId > b.entry.pluginId ? 1 : a.index - b.index))
    .map(({ entry }) => view(entry.pluginId, entry.panel));
}
