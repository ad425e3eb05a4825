import type { Locale, Role } from '../../api/session.js';

/* What `GET /v1/dashboard/panels` answers (plugin SDK 2.9): declarative panels, paths already resolved. */

export type LocalizedText = Record<Locale, string>;
export type PanelFieldType = 'text' | 'number' | 'money' | 'boolean' | 'select' | 'textarea' | 'phone' | 'email';
export type PanelColumnFormat = 'text' | 'money' | 'datetime' | 'status';

export interface PanelField {
  name: string;
  label: LocalizedText;
  help?: LocalizedText | null;
  type: PanelFieldType;
  options?: Array<{ value: string; label: LocalizedText }> | null;
  required?: boolean;
  readOnly?: boolean;
}

export interface PanelForm {
  load: string;
  save?: { method: 'PUT' | 'PATCH' | 'POST'; path: string } | null;
  submitLabel?: LocalizedText | null;
  fields: PanelField[];
}

export interface PanelColumn {
  key: string;
  label: LocalizedText;
  format?: PanelColumnFormat;
}

export interface PanelTable {
  source: string;
  empty?: LocalizedText | null;
  columns: PanelColumn[];
}

export interface DashboardPanelView {
  pluginId: string;
  id: string;
  placement: 'feature' | 'settings';
  title: LocalizedText;
  description?: LocalizedText | null;
  channel?: string | null;
  minRole: Role;
  form?: PanelForm | null;
  table?: PanelTable | null;
}

/** A plugin's text in the user's language; English when a language is missing (the SDK requires all four). */
export function localized(text: LocalizedText | null | undefined, locale: Locale): string {
  if (!text) return '';
  return text[locale] || text.en;
}

/** The address of a panel's own screen. */
export function panelPath(panel: Pick<DashboardPanelView, 'pluginId' | 'id'>): string {
  return `/features/${encodeURIComponent(panel.pluginId)}/${encodeURIComponent(panel.id)}`;
}
