import { z } from 'zod';

/* What the SEPA operator routes answer (the `responses` of their defineRoute, for the OpenAPI document). */

const count = z.number().int();

export const batchView = z.object({
  id: z.string(),
  msgId: z.string().describe('The pain.008 MsgId'),
  collectionDate: z.string().describe('YYYY-MM-DD'),
  sequenceType: z.enum(['FRST', 'RCUR']),
  transactionCount: count,
  controlSum: z.string().describe('Decimal string in euro'),
  status: z.enum(['built', 'submitted', 'rejected']),
  attempts: count,
  lastError: z.string().nullable(),
  createdAt: z.string(),
  submittedAt: z.string().nullable(),
});
export const batchesList = z.object({ data: z.array(batchView) });

const reportResult = z.object({ reports: count, duplicates: count, failed: count, reversed: count, ignored: count });
export const importedReport = reportResult.extend({ reportId: z.string().describe('The pain.002 MsgId') });

export const tickView = z.object({
  submit: z.object({ files: count, submitted: count, uploadFailures: count, refused: count }).nullable(),
  reports: reportResult.nullable(),
  settled: count.nullable(),
  errors: z.array(z.string()).describe('Steps that failed (retried next run)'),
});
