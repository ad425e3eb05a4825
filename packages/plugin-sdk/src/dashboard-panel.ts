import type { Role } from './http-route.js';

/**
 * A screen or settings panel a plugin adds to the web dashboard (since API 2.9). Declarative data
 * only: the dashboard draws it with its own components and calls the plugin's own routes, so no
 * plugin JavaScript ever runs in the dashboard's origin.
 */

/** A text in every language the dashboard speaks. */
export interface LocalizedText {
  en: string;
  nl: string;
  fr: string;
  de: string;
}

export const DASHBOARD_LOCALES = ['en', 'nl', 'fr', 'de'] as const;
export const DASHBOARD_PANEL_PLACEMENTS = ['feature', 'settings'] as const;
export const DASHBOARD_FIELD_TYPES = ['text', 'number', 'money', 'boolean', 'select', 'textarea', 'phone', 'email'] as const;
export const DASHBOARD_COLUMN_FORMATS = ['text', 'money', 'datetime', 'status'] as const;
export const DASHBOARD_SAVE_METHODS = ['PUT', 'PATCH', 'POST'] as const;

export type DashboardPanelPlacement = (typeof DASHBOARD_PANEL_PLACEMENTS)[number];
export type DashboardFieldType = (typeof DASHBOARD_FIELD_TYPES)[number];
export type DashboardColumnFormat = (typeof DASHBOARD_COLUMN_FORMATS)[number];

export interface DashboardFormField {
  /** The key in the loaded object and in the saved body. */
  name: string;
  label: LocalizedText;
  help?: LocalizedText;
  type: DashboardFieldType;
  /** 'select' only: the values the field takes. */
  options?: Array<{ value: string; label: LocalizedText }>;
  required?: boolean;
  /** Shown, never sent: the save body holds only the fields that are not read-only. */
  readOnly?: boolean;
}

export interface DashboardForm {
  /** The plugin's GET route (its `path`, without params) that answers the object the fields show. */
  load: string;
  /** The plugin's route that takes the edited fields as its JSON body; absent = a read-only form. */
  save?: { method: (typeof DASHBOARD_SAVE_METHODS)[number]; path: string };
  submitLabel?: LocalizedText;
  fields: DashboardFormField[];
}

export interface DashboardTableColumn {
  /** A property of each row; dots reach into objects: 'scan.amount'. */
  key: string;
  label: LocalizedText;
  /** 'money': a decimal string shown as euro (never a float); 'status': a code shown as a badge. Default 'text'. */
  format?: DashboardColumnFormat;
}

export interface DashboardTable {
  /** The plugin's GET route (its `path`, without params) that answers `{ data: [...] }`. */
  source: string;
  empty?: LocalizedText;
  columns: DashboardTableColumn[];
}

export interface DashboardPanel {
  /** Kebab-case, unique within the plugin. */
  id: string;
  /** A screen under "Paid features", or a panel under "Settings". */
  placement: DashboardPanelPlacement;
  title: LocalizedText;
  description?: LocalizedText;
  /** The spend channel the panel belongs to: the dashboard shows its price and free quota beside it. */
  channel?: string;
  /** Who sees the panel; default 'member'. At least the role of every route it binds to. */
  minRole?: Role;
  /** A panel has exactly one of `form` and `table`. */
  form?: DashboardForm;
  table?: DashboardTable;
}

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const COLUMN_KEY = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/;
// A panel cannot fill in route params: it binds to fixed paths only.
const PANEL_PATH = /^\/([A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*)?$/;
const ROLES: readonly string[] = ['member', 'admin', 'owner'];
const MAX_TEXT = 500;
const MAX_FIELDS = 40;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

function textProblem(value: unknown, where: string): string | null {
  if (!isObject(value)) return `${where} must be an object with en, nl, fr and de texts, got ${show(value)}`;
  for (const locale of DASHBOARD_LOCALES) {
    const text = value[locale];
    if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_TEXT)
      return `${where}.${locale} must be a non-empty text of at most ${MAX_TEXT} characters, got ${show(text)}`;
  }
  const extra = Object.keys(value).filter((k) => !(DASHBOARD_LOCALES as readonly string[]).includes(k));
  return extra.length ? `${where} has unknown languages: ${extra.join(', ')} (en, nl, fr, de)` : null;
}

function optionalTextProblem(value: unknown, where: string): string | null {
  return value === undefined ? null : textProblem(value, where);
}

function pathProblem(value: unknown, where: string): string | null {
  return typeof value === 'string' && PANEL_PATH.test(value) && !value.split('/').some((segment) => segment === '.' || segment === '..')
    ? null
    : `${where} must be one of the plugin's route paths without params, such as '/settings', got ${show(value)}`;
}

function fieldProblem(field: unknown, where: string): string | null {
  if (!isObject(field)) return `${where} must be an object`;
  if (typeof field.name !== 'string' || !FIELD_NAME.test(field.name))
    return `${where}.name must be a property name such as 'autoScan', got ${show(field.name)}`;
  const at = `${where} (${field.name})`;
  if (!(DASHBOARD_FIELD_TYPES as readonly unknown[]).includes(field.type))
    return `${at}.type must be one of ${DASHBOARD_FIELD_TYPES.join(', ')}, got ${show(field.type)}`;
  const problem = textProblem(field.label, `${at}.label`) ?? optionalTextProblem(field.help, `${at}.help`);
  if (problem) return problem;
  if (field.type === 'select') {
    if (!Array.isArray(field.options) || field.options.length === 0) return `${at}.options must list the values of a select`;
    const values = new Set<string>();
    for (const [i, option] of field.options.entries()) {
      if (!isObject(option) || typeof option.value !== 'string' || option.value === '') return `${at}.options[${i}].value must be a non-empty string`;
      if (values.has(option.value)) return `${at}.options has the value ${show(option.value)} twice`;
      values.add(option.value);
      const label = textProblem(option.label, `${at}.options[${i}].label`);
      if (label) return label;
    }
  } else if (field.options !== undefined) return `${at}.options belongs to a select only`;
  for (const flag of ['required', 'readOnly'] as const)
    if (field[flag] !== undefined && typeof field[flag] !== 'boolean') return `${at}.${flag} must be true or false`;
  return null;
}

function formProblem(form: unknown): string | null {
  if (!isObject(form)) return 'form must be an object { load, save?, fields }';
  const load = pathProblem(form.load, 'form.load');
  if (load) return load;
  if (form.save !== undefined) {
    const save = form.save;
    if (!isObject(save) || !(DASHBOARD_SAVE_METHODS as readonly unknown[]).includes(save.method))
      return `form.save must be { method: ${DASHBOARD_SAVE_METHODS.join(' | ')}, path }, got ${show(save)}`;
    const path = pathProblem(save.path, 'form.save.path');
    if (path) return path;
  }
  const label = optionalTextProblem(form.submitLabel, 'form.submitLabel');
  if (label) return label;
  if (!Array.isArray(form.fields) || form.fields.length === 0 || form.fields.length > MAX_FIELDS) return `form.fields must list 1 to ${MAX_FIELDS} fields`;
  const names = new Set<string>();
  for (const [i, field] of form.fields.entries()) {
    const problem = fieldProblem(field, `form.fields[${i}]`);
    if (problem) return problem;
    const name = (field as { name: string }).name;
    if (names.has(name)) return `form.fields has the name ${show(name)} twice`;
    names.add(name);
  }
  if (form.save !== undefined && form.fields.every((f: { readOnly?: boolean }) => f.readOnly === true))
    return 'form.save is set but every field is readOnly: nothing would be sent';
  return null;
}

function tableProblem(table: unknown): string | null {
  if (!isObject(table)) return 'table must be an object { source, columns }';
  const source = pathProblem(table.source, 'table.source') ?? optionalTextProblem(table.empty, 'table.empty');
  if (source) return source;
  if (!Array.isArray(table.columns) || table.columns.length === 0 || table.columns.length > MAX_FIELDS)
    return `table.columns must list 1 to ${MAX_FIELDS} columns`;
  const keys = new Set<string>();
  for (const [i, column] of table.columns.entries()) {
    const where = `table.columns[${i}]`;
    if (!isObject(column) || typeof column.key !== 'string' || !COLUMN_KEY.test(column.key))
      return `${where}.key must be a property path such as 'status' or 'scan.amount', got ${show(isObject(column) ? column.key : column)}`;
    if (keys.has(column.key)) return `table.columns has the key ${show(column.key)} twice`;
    keys.add(column.key);
    if (column.format !== undefined && !(DASHBOARD_COLUMN_FORMATS as readonly unknown[]).includes(column.format))
      return `${where}.format must be one of ${DASHBOARD_COLUMN_FORMATS.join(', ')}, got ${show(column.format)}`;
    const label = textProblem(column.label, `${where}.label`);
    if (label) return label;
  }
  return null;
}

/**
 * What is wrong with a panel on its own (the host checks its routes at start), or null. Checked
 * field by field because a plugin in plain JavaScript gets no help from the types.
 */
export function dashboardPanelProblem(panel: unknown): string | null {
  if (!isObject(panel)) return 'a panel must be an object';
  if (typeof panel.id !== 'string' || !KEBAB.test(panel.id)) return `id must be kebab-case (a-z, 0-9, '-'), got ${show(panel.id)}`;
  if (!(DASHBOARD_PANEL_PLACEMENTS as readonly unknown[]).includes(panel.placement))
    return `placement must be one of ${DASHBOARD_PANEL_PLACEMENTS.join(', ')}, got ${show(panel.placement)}`;
  const text = textProblem(panel.title, 'title') ?? optionalTextProblem(panel.description, 'description');
  if (text) return text;
  if (panel.channel !== undefined && (typeof panel.channel !== 'string' || !KEBAB.test(panel.channel)))
    return `channel must be a spend channel id (kebab-case), got ${show(panel.channel)}`;
  if (panel.minRole !== undefined && !ROLES.includes(panel.minRole as string)) return `minRole must be one of ${ROLES.join(', ')}, got ${show(panel.minRole)}`;
  if ((panel.form === undefined) === (panel.table === undefined)) return 'a panel has exactly one of form and table';
  return panel.form !== undefined ? formProblem(panel.form) : tableProblem(panel.table);
}

/**
 * Declares a dashboard panel and checks it now, so a mistake shows where the panel is written
 * (a TypeError naming the panel and the field). Add it with `dashboardPanelsExtensionPoint` in init.
 */
export function defineDashboardPanel(panel: DashboardPanel): DashboardPanel {
  const problem = dashboardPanelProblem(panel);
  if (problem) {
    const id = isObject(panel) && typeof panel.id === 'string' ? `(${panel.id})` : '';
    throw new TypeError(`defineDashboardPanel${id}: ${problem}`);
  }
  return panel;
}
