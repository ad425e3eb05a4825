import { describe, expect, it } from 'vitest';
import { dashboardPanelProblem, defineDashboardPanel, type DashboardPanel } from './dashboard-panel.js';

const text = (en: string) => ({ en, nl: `${en} (nl)`, fr: `${en} (fr)`, de: `${en} (de)` });

const form: DashboardPanel = {
  id: 'scan-settings',
  placement: 'settings',
  title: text('Scanning'),
  channel: 'expense-scan',
  minRole: 'admin',
  form: {
    load: '/settings',
    save: { method: 'PUT', path: '/settings' },
    fields: [
      { name: 'autoScan', label: text('Scan every upload'), type: 'boolean' },
      { name: 'isDefault', label: text('Never chosen'), type: 'boolean', readOnly: true },
    ],
  },
};

const table: DashboardPanel = {
  id: 'scans',
  placement: 'feature',
  title: text('Scans'),
  table: {
    source: '/expenses',
    empty: text('No scans yet'),
    columns: [
      { key: 'file.filename', label: text('File') },
      { key: 'scan.amount', label: text('Cost'), format: 'money' },
    ],
  },
};

/** The message defineDashboardPanel throws for a changed copy of a valid panel. */
function refusal(panel: unknown): string {
  try {
    defineDashboardPanel(panel as DashboardPanel);
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('defineDashboardPanel', () => {
  it('returns a valid form or table panel as given', () => {
    expect(defineDashboardPanel(form)).toBe(form);
    expect(defineDashboardPanel(table)).toBe(table);
    expect(dashboardPanelProblem({ ...form, form: { load: '/settings', fields: form.form!.fields } })).toBeNull();
  });

  it('names the panel and the field that is wrong', () => {
    expect(refusal({ ...form, id: 'Scan_Settings' })).toBe(`defineDashboardPanel(Scan_Settings): id must be kebab-case (a-z, 0-9, '-'), got "Scan_Settings"`);
    expect(refusal({ ...form, placement: 'sidebar' })).toBe('defineDashboardPanel(scan-settings): placement must be one of feature, settings, got "sidebar"');
    expect(refusal({ ...form, minRole: 'root' })).toContain('minRole must be one of member, admin, owner');
    expect(refusal({ ...form, channel: 'Expense Scan' })).toContain('channel must be a spend channel id');
    expect(refusal(null)).toBe('defineDashboardPanel: a panel must be an object');
  });

  it('wants every text in en, nl, fr and de, and no other language', () => {
    expect(refusal({ ...form, title: { en: 'Scanning', nl: 'Scannen', fr: 'Numérisation' } })).toContain(
      'title.de must be a non-empty text of at most 500 characters, got undefined',
    );
    expect(refusal({ ...form, title: { ...text('Scanning'), nl: '  ' } })).toContain('title.nl must be a non-empty text');
    expect(refusal({ ...form, title: { ...text('Scanning'), es: 'Escaneo' } })).toContain('title has unknown languages: es');
    expect(refusal({ ...form, description: 'Scanning' })).toContain('description must be an object with en, nl, fr and de texts');
  });

  it('wants exactly one of form and table', () => {
    expect(refusal({ ...form, table: table.table })).toContain('a panel has exactly one of form and table');
    expect(refusal({ id: 'x', placement: 'feature', title: text('X') })).toContain('a panel has exactly one of form and table');
  });

  it('binds only to fixed paths: a panel cannot fill in route params', () => {
    expect(refusal({ ...form, form: { ...form.form, load: '/expenses/:id' } })).toContain(
      "form.load must be one of the plugin's route paths without params, such as '/settings', got \"/expenses/:id\"",
    );
    expect(refusal({ ...form, form: { ...form.form, load: '/v1/plugins/x/../settings' } })).toContain('form.load must be');
    expect(refusal({ ...form, form: { ...form.form, load: 'settings' } })).toContain('form.load must be');
    expect(refusal({ ...form, form: { ...form.form, save: { method: 'DELETE', path: '/settings' } } })).toContain(
      'form.save must be { method: PUT | PATCH | POST, path }',
    );
    expect(refusal({ ...table, table: { ...table.table, source: 'https://evil.test/x' } })).toContain('table.source must be');
  });

  it('checks the fields of a form', () => {
    const fields = form.form!.fields;
    const withField = (field: unknown) => ({ ...form, form: { ...form.form, fields: [field] } });
    expect(refusal({ ...form, form: { ...form.form, fields: [] } })).toContain('form.fields must list 1 to 40 fields');
    expect(refusal(withField({ ...fields[0], type: 'date' }))).toContain('form.fields[0] (autoScan).type must be one of text, number, money');
    expect(refusal(withField({ ...fields[0], name: 'auto-scan' }))).toContain("form.fields[0].name must be a property name such as 'autoScan'");
    expect(refusal(withField({ ...fields[0], label: text('') }))).toContain('form.fields[0] (autoScan).label.en must be a non-empty text');
    expect(refusal(withField({ ...fields[0], type: 'select' }))).toContain('(autoScan).options must list the values of a select');
    expect(refusal(withField({ ...fields[0], options: [{ value: 'a', label: text('A') }] }))).toContain('(autoScan).options belongs to a select only');
    expect(
      refusal(
        withField({
          ...fields[0],
          type: 'select',
          options: [
            { value: 'a', label: text('A') },
            { value: 'a', label: text('B') },
          ],
        }),
      ),
    ).toContain('options has the value "a" twice');
    expect(refusal(withField({ ...fields[0], required: 'yes' }))).toContain('(autoScan).required must be true or false');
    expect(refusal({ ...form, form: { ...form.form, fields: [fields[0], fields[0]] } })).toContain('form.fields has the name "autoScan" twice');
    expect(refusal(withField(fields[1]))).toContain('form.save is set but every field is readOnly');
  });

  it('checks the columns of a table', () => {
    const columns = table.table!.columns;
    expect(refusal({ ...table, table: { ...table.table, columns: [] } })).toContain('table.columns must list 1 to 40 columns');
    expect(refusal({ ...table, table: { ...table.table, columns: [{ ...columns[0], key: 'file..name' }] } })).toContain(
      "table.columns[0].key must be a property path such as 'status' or 'scan.amount'",
    );
    expect(refusal({ ...table, table: { ...table.table, columns: [columns[0], columns[0]] } })).toContain('table.columns has the key "file.filename" twice');
    expect(refusal({ ...table, table: { ...table.table, columns: [{ ...columns[1], format: 'float' }] } })).toContain(
      'table.columns[0].format must be one of text, money, datetime, status',
    );
  });
});
