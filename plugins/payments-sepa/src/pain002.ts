import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ValidationError } from '@tollgate/plugin-sdk';

export const PAIN_002_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.002.001.03';

/**
 * A status of pain.002.001.03 (TransactionGroupStatus3Code / TransactionIndividualStatus3Code): ACCP, ACSP,
 * ACTC, ACWC, PDNG, RCVD (noted, nothing changes), ACSC (settled), PART (only what is listed), RJCT
 * (refused). Kept as a string: a code this version does not know is noted, not a reason to stop reading.
 */
export type Pain002Status = string;

/** A reason as the bank gave it: an ISO code (`Rsn/Cd`, e.g. AM04) or the bank's own (`Rsn/Prtry`, e.g. SL01). */
export interface SepaReason {
  code: string;
  type: 'Cd' | 'Prtry';
}

export interface Pain002Transaction {
  endToEndId: string;
  /** TxSts: 'RJCT' (refused or returned), 'ACCP', 'ACSC', 'PDNG'... */
  status: Pain002Status;
  /** StsRsnInf/Rsn: the R-code (AM04, MD06…) or a proprietary one. */
  reason?: SepaReason;
}

/** One OrgnlPmtInfAndSts: a batch (PmtInf) of the original file, with its own status when the bank gives one. */
export interface Pain002Batch {
  /** OrgnlPmtInfId, the PmtInfId of the pain.008. */
  originalPmtInfId: string;
  /** PmtInfSts: RJCT = the whole batch is refused; PART = only the listed transactions have a status. */
  status?: Pain002Status;
  reason?: SepaReason;
  transactions: Pain002Transaction[];
}

/** What the plugin reads from a pain.002.001.03 customer payment status report. */
export interface Pain002Report {
  /** GrpHdr/MsgId: the report's id. */
  msgId: string;
  createdAt?: Date;
  originalMsgId: string;
  originalMsgNmId: string;
  /** GrpSts: RJCT with no transaction listed = the whole file is refused. */
  groupStatus?: Pain002Status;
  groupReason?: SepaReason;
  batches: Pain002Batch[];
  /** Every transaction of every batch, in file order. */
  transactions: Pain002Transaction[];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => name === 'OrgnlPmtInfAndSts' || name === 'TxInfAndSts' || name === 'StsRsnInf',
});

type Node = Record<string, unknown>;

export function str(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && '#text' in value) return str((value as Node)['#text']);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function invalid(message: string): ValidationError {
  return new ValidationError({ code: 'invalid_pain002', message: `Not a usable pain.002.001.03 report: ${message}` });
}

/** `Rsn/Cd` or `Rsn/Prtry` of a node holding a `Rsn`; the first StsRsnInf counts. */
export function reasonOf(rsn: unknown): SepaReason | undefined {
  const node = rsn as Node | undefined;
  const cd = str(node?.Cd);
  if (cd) return { code: cd, type: 'Cd' };
  const prtry = str(node?.Prtry);
  return prtry ? { code: prtry, type: 'Prtry' } : undefined;
}

/** How a reason is shown: 'AM04', or 'SL01 (proprietary)' when it is the bank's own code. */
export function showReason(reason: SepaReason): string {
  return reason.type === 'Prtry' ? `${reason.code} (proprietary)` : reason.code;
}

function statusOf(value: unknown): Pain002Status | undefined {
  return str(value)?.toUpperCase();
}

const firstReason = (node: Node | undefined) => reasonOf((node?.StsRsnInf as Node[] | undefined)?.[0]?.Rsn);

/** Parses a status report; throws a ValidationError (400) saying what is wrong. */
export function parsePain002(xml: string): Pain002Report {
  if (xml.trim() === '') throw invalid('the document is empty');
  const wellFormed = XMLValidator.validate(xml);
  if (wellFormed !== true) throw invalid(`not well-formed XML (${wellFormed.err.msg}, line ${wellFormed.err.line})`);
  const namespace = /xmlns(?::[\w.-]+)?\s*=\s*["'](urn:iso:std:iso:20022:tech:xsd:[^"']+)["']/.exec(xml)?.[1];
  if (namespace !== PAIN_002_NAMESPACE) throw invalid(`expected namespace ${PAIN_002_NAMESPACE}, got ${namespace ?? 'none'}`);
  const report = ((parser.parse(xml) as Node).Document as Node | undefined)?.CstmrPmtStsRpt as Node | undefined;
  if (!report) throw invalid('expected Document/CstmrPmtStsRpt');
  const header = report.GrpHdr as Node | undefined;
  const group = report.OrgnlGrpInfAndSts as Node | undefined;
  const msgId = str(header?.MsgId);
  if (!msgId) throw invalid('GrpHdr/MsgId is missing');
  const originalMsgId = str(group?.OrgnlMsgId);
  if (!originalMsgId) throw invalid('OrgnlGrpInfAndSts/OrgnlMsgId is missing');
  const created = str(header?.CreDtTm);
  // ISO date-time without an offset is read as UTC, like everything else here.
  const createdAt = created ? new Date(/[zZ]|[+-]\d{2}:\d{2}$/.test(created) ? created : `${created}Z`) : undefined;
  const groupStatus = statusOf(group?.GrpSts);
  const groupReason = firstReason(group);

  const batches: Pain002Batch[] = [];
  const transactions: Pain002Transaction[] = [];
  for (const info of (report.OrgnlPmtInfAndSts as Node[] | undefined) ?? []) {
    const originalPmtInfId = str(info.OrgnlPmtInfId);
    if (!originalPmtInfId) throw invalid('an OrgnlPmtInfAndSts has no OrgnlPmtInfId');
    const status = statusOf(info.PmtInfSts);
    const reason = firstReason(info);
    const batch: Pain002Batch = { originalPmtInfId, ...(status ? { status } : {}), ...(reason ? { reason } : {}), transactions: [] };
    for (const tx of (info.TxInfAndSts as Node[] | undefined) ?? []) {
      const endToEndId = str(tx.OrgnlEndToEndId);
      const txStatus = statusOf(tx.TxSts);
      if (!endToEndId || !txStatus) throw invalid('a TxInfAndSts has no OrgnlEndToEndId or TxSts');
      const txReason = firstReason(tx);
      const item: Pain002Transaction = { endToEndId, status: txStatus, ...(txReason ? { reason: txReason } : {}) };
      batch.transactions.push(item);
      transactions.push(item);
    }
    batches.push(batch);
  }
  return {
    msgId,
    ...(createdAt && !Number.isNaN(createdAt.getTime()) ? { createdAt } : {}),
    originalMsgId,
    originalMsgNmId: str(group?.OrgnlMsgNmId) ?? '',
    ...(groupStatus ? { groupStatus } : {}),
    ...(groupReason ? { groupReason } : {}),
    batches,
    transactions,
  };
}
