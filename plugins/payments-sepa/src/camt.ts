import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ValidationError } from '@tollgate/plugin-sdk';
import { reasonOf, str, type SepaReason } from './pain002.js';

/** camt.054 (debit/credit notification) and camt.053 (statement), any version from 02 on. */
const CAMT_NAMESPACE = /^urn:iso:std:iso:20022:tech:xsd:(camt\.05[34])\.001\.(\d{2})$/;

export type CamtKind = 'camt.053' | 'camt.054';

/** One transaction of a booked entry on the creditor's account, found by the collection's EndToEndId. */
export interface CamtLine {
  endToEndId: string;
  /** CRDT: the collection's money arrived; DBIT: it was returned (RtrInf says why). */
  direction: 'CRDT' | 'DBIT';
  /** Decimal string as in the file (TxDtls amount, or the entry's for a one-transaction entry). */
  amount?: string;
  currency?: string;
  /** RtrInf/Rsn: MD06, SL01 (proprietary)… */
  reason?: SepaReason;
  /** Ntry/Sts is BOOK (or absent): only booked entries change anything; PDNG/INFO ones are noted. */
  booked: boolean;
}

/**
 * A booked batch entry with no transaction references (batch booking: NtryDtls/Btch only): a CRDT
 * confirms every collection of that PmtInf.
 */
export interface CamtBatchLine {
  pmtInfId?: string;
  msgId?: string;
  direction: 'CRDT' | 'DBIT';
  amount?: string;
  currency?: string;
  booked: boolean;
}

export interface CamtDocument {
  kind: CamtKind;
  /** GrpHdr/MsgId */
  msgId: string;
  createdAt?: Date;
  lines: CamtLine[];
  batches: CamtBatchLine[];
  /** Entries without any EndToEndId nor batch reference (fees, other transfers): counted, not applied. */
  entriesWithoutReference: number;
}

const ARRAYS = new Set(['Ntfctn', 'Stmt', 'Ntry', 'NtryDtls', 'TxDtls']);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => ARRAYS.has(name),
});

type Node = Record<string, unknown>;

function invalid(message: string): ValidationError {
  return new ValidationError({ code: 'invalid_camt', message: `Not a usable camt.053/camt.054 document: ${message}` });
}

function amountOf(node: unknown): { amount?: string; currency?: string } {
  const amount = str(node);
  const currency = str((node as Node | undefined)?.['@Ccy']);
  return { ...(amount ? { amount } : {}), ...(currency ? { currency } : {}) };
}

/** Parses a camt.054 notification or camt.053 statement; throws a ValidationError (400) saying what is wrong. */
export function parseCamt(xml: string): CamtDocument {
  if (xml.trim() === '') throw invalid('the document is empty');
  const wellFormed = XMLValidator.validate(xml);
  if (wellFormed !== true) throw invalid(`not well-formed XML (${wellFormed.err.msg}, line ${wellFormed.err.line})`);
  const namespace = /xmlns(?::[\w.-]+)?\s*=\s*["'](urn:iso:std:iso:20022:tech:xsd:[^"']+)["']/.exec(xml)?.[1];
  const match = namespace ? CAMT_NAMESPACE.exec(namespace) : null;
  if (!match || Number(match[2]) < 2) throw invalid(`expected a camt.053.001.xx or camt.054.001.xx namespace, got ${namespace ?? 'none'}`);
  const kind = match[1] as CamtKind;
  const doc = (parser.parse(xml) as Node).Document as Node | undefined;
  const root = (kind === 'camt.054' ? doc?.BkToCstmrDbtCdtNtfctn : doc?.BkToCstmrStmt) as Node | undefined;
  if (!root) throw invalid(`expected Document/${kind === 'camt.054' ? 'BkToCstmrDbtCdtNtfctn' : 'BkToCstmrStmt'}`);
  const header = root.GrpHdr as Node | undefined;
  const msgId = str(header?.MsgId);
  if (!msgId) throw invalid('GrpHdr/MsgId is missing');
  const created = str(header?.CreDtTm);
  const createdAt = created ? new Date(/[zZ]|[+-]\d{2}:\d{2}$/.test(created) ? created : `${created}Z`) : undefined;

  const lines: CamtLine[] = [];
  const batches: CamtBatchLine[] = [];
  let entriesWithoutReference = 0;
  const reports = ((kind === 'camt.054' ? root.Ntfctn : root.Stmt) as Node[] | undefined) ?? [];
  for (const report of reports) {
    for (const entry of (report.Ntry as Node[] | undefined) ?? []) {
      const entryDirection = str(entry.CdtDbtInd);
      if (entryDirection !== 'CRDT' && entryDirection !== 'DBIT')
        throw invalid(`an Ntry has CdtDbtInd ${JSON.stringify(entryDirection ?? null)}, not CRDT or DBIT`);
      // Sts is a code up to version 06 and Sts/Cd or Sts/Prtry from 07 on: a proprietary status is not BOOK either.
      const status = str(entry.Sts) ?? str((entry.Sts as Node | undefined)?.Cd) ?? str((entry.Sts as Node | undefined)?.Prtry);
      const booked = status === undefined ? entry.Sts === undefined || entry.Sts === '' : status === 'BOOK';
      const details = ((entry.NtryDtls as Node[] | undefined) ?? []).flatMap((d) => (d.TxDtls as Node[] | undefined) ?? []);
      const withRef = details.filter((tx) => str((tx.Refs as Node | undefined)?.EndToEndId));
      if (withRef.length === 0) {
        const btch = ((entry.NtryDtls as Node[] | undefined) ?? []).map((d) => d.Btch as Node | undefined).find((b) => b && (str(b.PmtInfId) || str(b.MsgId)));
        if (btch) {
          const pmtInfId = str(btch.PmtInfId);
          const msgId = str(btch.MsgId);
          batches.push({ ...(pmtInfId ? { pmtInfId } : {}), ...(msgId ? { msgId } : {}), direction: entryDirection, ...amountOf(entry.Amt), booked });
        } else entriesWithoutReference += 1;
      }
      for (const tx of withRef) {
        const endToEndId = str((tx.Refs as Node).EndToEndId)!;
        // 'NOTPROVIDED' is how banks say there was none.
        if (endToEndId === 'NOTPROVIDED') continue;
        const txDirection = str(tx.CdtDbtInd);
        const direction = txDirection === 'CRDT' || txDirection === 'DBIT' ? txDirection : entryDirection;
        const amount = tx.Amt
          ? amountOf(tx.Amt)
          : (tx.AmtDtls as Node | undefined)?.TxAmt
            ? amountOf(((tx.AmtDtls as Node).TxAmt as Node).Amt)
            : details.length === 1
              ? amountOf(entry.Amt)
              : {};
        const reason = reasonOf((tx.RtrInf as Node | undefined)?.Rsn);
        lines.push({ endToEndId, direction, ...amount, ...(reason ? { reason } : {}), booked });
      }
    }
  }
  return { kind, msgId, ...(createdAt && !Number.isNaN(createdAt.getTime()) ? { createdAt } : {}), lines, batches, entriesWithoutReference };
}
