import { z } from 'zod';

/* What the accounting-export routes answer (for the OpenAPI document); objects may gain properties. */

const when = z.string().describe('ISO 8601 date-time');
const amount = z.string().describe('Decimal string in euro, e.g. "1.50"');

export const exportersView = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      label: z.string(),
      format: z.string(),
      channel: z.string().describe('The spend channel charged per exported document'),
      layout: z.enum(['document', 'batch']),
      pluginId: z.string(),
    }),
  ),
});

export const targetView = z.object({
  id: z.string(),
  exporterId: z.string(),
  name: z.string(),
  options: z.record(z.string(), z.unknown()),
  delivery: z
    .object({ kind: z.enum(['download', 'email', 'sftp']) })
    .passthrough()
    .describe('download; email {to, subject}; sftp {host, port, username, directory, hostKeyFingerprint, hasPassword, hasPrivateKey}: secrets are never shown'),
  createdAt: when,
  updatedAt: when,
});
export const targetsPage = z.object({ data: z.array(targetView) });
export const targetDeleted = z.object({ id: z.string(), deleted: z.literal(true) });

export const runView = z.object({
  id: z.string(),
  targetId: z.string(),
  exporterId: z.string(),
  deliveryKind: z.enum(['download', 'email', 'sftp']),
  selection: z.record(z.string(), z.unknown()),
  reexport: z.boolean(),
  status: z
    .enum(['queued', 'running', 'delivering', 'completed', 'partially_delivered', 'failed'])
    .describe('partially_delivered and failed runs with undelivered files can be resumed'),
  reason: z.string().nullable().describe('insufficient_funds, sftp_connection_lost, sftp_host_key_mismatch, email_too_large, …'),
  message: z.string().nullable(),
  attempt: z.number().int().describe('1, then +1 per resume'),
  counts: z.object({
    selected: z.number().int(),
    exported: z.number().int(),
    refused: z.number().int(),
    skipped: z.number().int(),
    undelivered: z.number().int(),
  }),
  amounts: z.object({ held: amount, charged: amount, released: amount, currency: z.literal('EUR') }),
  files: z.array(
    z.object({
      name: z.string(),
      contentType: z.string(),
      size: z.number().int(),
      sha256: z.string(),
      documents: z.number().int(),
      deliveredAt: when.nullable(),
    }),
  ),
  createdBy: z.string().nullable(),
  createdAt: when,
  updatedAt: when,
  startedAt: when.nullable(),
  finishedAt: when.nullable(),
});
export const runsPage = z.object({ data: z.array(runView), nextCursor: z.string().nullable() });

export const runDetail = runView.extend({
  report: z.object({
    exported: z.number().int(),
    refused: z.array(z.object({ invoiceId: z.string(), number: z.string(), rule: z.string(), message: z.string() })),
    skipped: z.array(z.object({ invoiceId: z.string(), number: z.string(), reason: z.string() })),
    undelivered: z.array(z.object({ invoiceId: z.string(), number: z.string(), file: z.string().nullable(), message: z.string().nullable() })),
    charged: amount,
    released: amount,
    currency: z.literal('EUR'),
  }),
});
