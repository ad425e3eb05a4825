import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ValidationError } from '@tollgate/plugin-sdk';

export const PAIN_002_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.002.001.03';

export interface Pain002Transaction {
  endToEndId: string;
  /** TxSts: 'RJCT' (refused or returned), 'ACCP', 'ACSC', 'PDNG'... */
  status: string;
  /** StsRsnInf/Rsn/Cd, the R-code: AM04, MD06... */
  reason?: string;
}

/** What the plugin reads from a pain.002.001.03 customer payment status report. */
export interface Pain002Report {
  /** GrpHdr/MsgId: the report's id. */
  msgId: string;
  createdAt?: Date;
  originalMsgId: string;
  originalMsgNmId: string;
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

function str(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && '#text' in value) return str((value as Node)['#text']);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function invalid(message: string): ValidationError {
  return new ValidationError({ code: 'invalid_pain002', message: `Not a usable pain.002.001.03 report: ${message}` });
}

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

  const transactions: Pain002Transaction[] = [];
  for (const info of (report.OrgnlPmtInfAndSts as Node[] | undefined) ?? []) {
    for (const tx of (info.TxInfAndSts as Node[] | undefined) ?? []) {
      const endToEndId = str(tx.OrgnlEndToEndId);
      const status = str(tx.TxSts);
      if (!endToEndId || !status) throw invalid('a TxInfAndSts has no OrgnlEndToEndId or TxSts');
      const reason = str(((tx.StsRsnInf as Node[] | undefined)?.[0]?.Rsn as Node | undefined)?.Cd);
      transactions.push({ endToEndId, status, ...(reason ? { reason } : {}) });
    }
  }
  return {
    msgId,
    ...(createdAt && !Number.isNaN(createdAt.getTime()) ? { createdAt } : {}),
    originalMsgId,
    originalMsgNmId: str(group?.OrgnlMsgNmId) ?? '',
    transactions,
  };
}
