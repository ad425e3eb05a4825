import { RUN_STATUSES } from '@tollgate/accounting-exports';
import { z } from 'zod';
import { idempotencyKeyInput } from '../wallet/wallet.schemas.js';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');

const deliveryInput = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('download') }).describe('Nothing is pushed: the run’s ZIP is downloaded (GET /v1/accounting-exports/runs/:id/download)'),
  z
    .strictObject({
      kind: z.literal('email'),
      to: z.array(z.string().max(254)).min(1).max(10).describe('The accountant’s addresses'),
      subject: z.string().trim().min(1).max(200).nullable().optional(),
    })
    .describe('The ZIP attached to a mail (up to accountingExports.emailMaxMegabytes)'),
  z
    .strictObject({
      kind: z.literal('sftp'),
      host: z.string().min(1).max(253),
      port: z.number().int().min(1).max(65535).default(22),
      username: z.string().min(1).max(100),
      password: z.string().min(1).max(500).nullable().optional().describe('Stored sealed, never shown back'),
      privateKey: z.string().min(1).max(20_000).nullable().optional().describe('OpenSSH or PEM; stored sealed, never shown back'),
      passphrase: z.string().min(1).max(500).nullable().optional(),
      directory: z.string().min(1).max(500).default('.').describe('Remote directory, created if missing'),
      hostKeyFingerprint: z
        .string()
        .max(60)
        .nullable()
        .optional()
        .describe("'SHA256:…' as ssh-keygen -l prints it; absent: recorded on the first connection and required from then on"),
    })
    .describe('Each file uploaded as <name>.part and renamed into place'),
]);

export const createTargetBody = z.strictObject({
  exporterId: z.string().min(1).max(100).describe('GET /v1/accounting-exports/exporters lists them: peppol-ubl, winbooks, twinfield'),
  name: z.string().trim().min(1).max(120),
  options: z.record(z.string(), z.unknown()).optional().describe('The exporter’s target options (journal, GL accounts…), checked by the exporter'),
  delivery: deliveryInput,
});

export const updateTargetBody = z
  .strictObject({
    name: z.string().trim().min(1).max(120).optional(),
    options: z.record(z.string(), z.unknown()).optional(),
    delivery: deliveryInput.optional().describe('Replaces the delivery; an SFTP delivery without password or key keeps the stored ones'),
  })
  .refine((b) => b.name !== undefined || b.options !== undefined || b.delivery !== undefined, { message: 'give name, options or delivery' });

const invoiceStatus = z.enum(['booked', 'pending', 'paid', 'expired']);

export const startRunBody = z.strictObject({
  targetId: z.string().min(1).max(100),
  selection: z
    .strictObject({
      issuedFrom: date.optional(),
      issuedTo: date.optional(),
      kinds: z
        .array(z.enum(['invoice', 'credit_note']))
        .min(1)
        .max(2)
        .optional(),
      statuses: z.array(invoiceStatus).min(1).max(4).optional(),
      ids: z.array(z.string().min(1).max(100)).min(1).max(1000).optional(),
      notYetExported: z
        .boolean()
        .default(true)
        .describe('Default true: documents the target already has are left out; false: they are reported as skipped (already_exported)'),
    })
    .prefault({}),
  reexport: z.boolean().default(false).describe('Export documents already exported to this target again (and pay for them again)'),
  idempotencyKey: idempotencyKeyInput.optional(),
});

export const runsQuery = z.strictObject({
  status: z.enum(RUN_STATUSES).optional(),
  targetId: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().min(1).max(100).optional().describe('nextCursor of the previous page'),
});

export const targetIdParam = z.string().min(1).max(100);
export const runIdParam = z.string().min(1).max(100);
