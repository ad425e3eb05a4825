import { z } from 'zod';

/* What GET /health and GET /plugins answer (for the OpenAPI document). */

export const healthView = z.object({
  status: z.enum(['ok', 'degraded']),
  checks: z.object({ database: z.object({ status: z.enum(['up', 'down']), engine: z.string().describe('pglite or postgres') }) }),
  plugins: z.number().int().describe('How many plugins are loaded'),
  uptimeSeconds: z.number().int(),
});

const labelled = z.object({ id: z.string(), label: z.string() });

export const pluginsView = z.object({
  pluginApiVersion: z.string(),
  data: z.array(
    z.object({
      id: z.string(),
      package: z.string().describe('Where it was loaded from'),
      description: z.string().optional(),
      compatibility: z.string().describe('Semver range of the plugin API it works with'),
      spendChannels: z.array(labelled.extend({ unit: z.string(), settlement: z.string() })),
      paymentProviders: z.array(labelled.extend({ methods: z.array(z.string()) })),
      invoiceSources: z.array(labelled),
      accountingExporters: z.array(labelled.extend({ format: z.string(), channel: z.string(), layout: z.enum(['document', 'batch']) })),
      postalCarriers: z.array(labelled),
      routes: z.array(z.string()).describe('"METHOD /v1/plugins/<id>/…"'),
    }),
  ),
});
