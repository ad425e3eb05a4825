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

const reportResult = z.object({
  reports: count,
  duplicates: count,
  failed: count,
  reversed: count,
  settled: count.describe('Collections the report says were paid (ACSC), their return window over: paid now'),
  confirmed: count.describe('Collections the report says were paid (ACSC) inside their return window: paid when it closes'),
  noted: count.describe('Statuses that change nothing (ACCP, ACTC, PDNG…)'),
  unmatched: count.describe('Lines naming an unknown file, batch or collection (GET /unmatched)'),
  ignored: count.describe('Lines for collections already final'),
});
export const importedReport = reportResult.extend({ reportId: z.string().describe('The pain.002 MsgId') });

const statementResult = z.object({
  statements: count,
  duplicates: count,
  settled: count.describe('CRDT entries: collections paid now (return window over)'),
  confirmed: count.describe('CRDT entries inside the return window: paid when it closes'),
  failed: count.describe('DBIT returns before the settlement date'),
  reversed: count.describe('DBIT returns after it: credit clawed back'),
  noted: count.describe('Entries not booked (PDNG, INFO)'),
  unmatched: count,
  ignored: count,
});
export const importedStatement = statementResult.extend({
  statementId: z.string().describe('The camt GrpHdr/MsgId'),
  kind: z.enum(['camt.053', 'camt.054']),
});

export const reportsList = z.object({
  data: z.array(
    z.object({
      reportId: z.string().describe('The pain.002 id, or <kind>:<MsgId> for a camt statement'),
      kind: z.enum(['pain.002', 'camt.053', 'camt.054']),
      source: z.enum(['bank', 'import']).describe('Polled from the bank, or posted by an operator'),
      originalMsgId: z.string().nullable().describe('pain.002: the collection file it is about'),
      groupStatus: z.string().nullable().describe('pain.002 GrpSts: ACCP, PART, RJCT…'),
      groupReason: z.string().nullable().describe("'FF01', or 'SL01 (proprietary)'"),
      receivedAt: z.string(),
    }),
  ),
});

export const unmatchedList = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      reportId: z.string().describe('The report or statement (camt.054:<MsgId>) it came in'),
      kind: z.enum(['pain.002', 'camt.053', 'camt.054']),
      level: z.enum(['file', 'batch', 'transaction', 'entry']),
      reference: z.string().describe('OrgnlMsgId, OrgnlPmtInfId or EndToEndId as the bank wrote it'),
      status: z.string().nullable().describe('RJCT, ACSC… or CRDT/DBIT for a statement entry'),
      reason: z.string().nullable().describe("'AM04', or 'SL01 (proprietary)'"),
      amount: z.string().nullable().describe('Decimal string in euro (statement entries)'),
      receivedAt: z.string(),
    }),
  ),
});

export const tickView = z.object({
  submit: z.object({ files: count, submitted: count, uploadFailures: count, refused: count }).nullable(),
  reports: reportResult.nullable(),
  statements: statementResult.nullable(),
  settled: count.nullable(),
  errors: z.array(z.string()).describe('Steps that failed (retried next run)'),
});
