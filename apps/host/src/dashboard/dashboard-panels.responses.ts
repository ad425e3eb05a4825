import { z } from 'zod';

/* What GET /v1/dashboard/panels answers: the loaded plugins' panels, paths resolved to full URLs. */

const text = z.object({ en: z.string(), nl: z.string(), fr: z.string(), de: z.string() }).describe('The same text in each language of the dashboard');
const url = z.string().describe("A full path on this host: '/v1/plugins/<plugin id><route path>'");

const formField = z.object({
  name: z.string().describe('The key in the loaded object and in the saved body'),
  label: text,
  help: text.nullable(),
  type: z.enum(['text', 'number', 'money', 'boolean', 'select', 'textarea', 'phone', 'email']),
  options: z
    .array(z.object({ value: z.string(), label: text }))
    .nullable()
    .describe('A select’s values'),
  required: z.boolean(),
  readOnly: z.boolean().describe('Shown, never sent: the save body holds the other fields'),
});

const form = z.object({
  load: url.describe('GET it for the object the fields show'),
  save: z
    .object({ method: z.enum(['PUT', 'PATCH', 'POST']), path: url })
    .nullable()
    .describe('Send the fields that are not readOnly as the JSON body; null: a read-only form'),
  submitLabel: text.nullable(),
  fields: z.array(formField),
});

const table = z.object({
  source: url.describe('GET it for { data: [rows] }'),
  empty: text.nullable(),
  columns: z.array(
    z.object({
      key: z.string().describe("A row property; dots reach into objects ('scan.amount')"),
      label: text,
      format: z.enum(['text', 'money', 'datetime', 'status']),
    }),
  ),
});

export const dashboardPanelView = z.object({
  pluginId: z.string(),
  id: z.string().describe('Unique within the plugin'),
  placement: z.enum(['feature', 'settings']).describe('A screen under "Paid features", or a panel under "Settings"'),
  title: text,
  description: text.nullable(),
  channel: z.string().nullable().describe('The spend channel the panel belongs to (show its price and free quota beside it)'),
  minRole: z.enum(['member', 'admin', 'owner']),
  form: form.optional(),
  table: table.optional(),
});

export const dashboardPanelsList = z.object({ data: z.array(dashboardPanelView) });

export type DashboardPanelView = z.infer<typeof dashboardPanelView>;
