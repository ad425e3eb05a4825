import { createHash } from 'node:crypto';
import { ValidationError } from '@tollgate/errors';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { findStructuredCommunications, parseStructuredCommunication } from './structured-communication.js';

/** camt.053 (statement) and camt.054 (debit/credit notification), any version from 02 on. */
const CAMT_NAMESPACE = /^urn:iso:std:iso:20022:tech:xsd:(camt\.05[34])\.001\.(\d{2})$/;
const MAX_LINES = 10_000;

export type StatementKind = 'camt.053' | 'camt.054';

/** One incoming transfer on the statement (a booked credit). */
export interface StatementCredit {
  /** Stable across a replay and across the 054 and 053 reporting the same transfer: the bank's reference, else a fingerprint. */
  ref: string;
  amount: string;
  currency: string;
  /** Booking date (YYYY-MM-DD), else value date, else null. */
  bookingDate: string | null;
  /** The 12 digits of the Belgian structured communication(s) found (structured creditor reference first, then the free text). */
  references: string[];
  /** The free-text remittance information, as sent. */
  remittance: string | null;
  debtorName: string | null;
}

export interface ParsedStatement {
  kind: StatementKind;
  msgId: string;
  createdAt: Date | null;
  credits: StatementCredit[];
  /** Debits, reversals and entries not booked yet: nothing to record. */
  ignored: number;
}

const ARRAYS = new Set(['Ntfctn', 'Stmt', 'Ntry', 'NtryDtls', 'TxDtls', 'Ustrd', 'Strd']);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (name) => ARRAYS.has(name),
});

type Node = Record<string, unknown>;

const str = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (value && typeof value === 'object' && typeof (value as Node)['#text'] === 'string') return str((value as Node)['#text']);
  return undefined;
};
const node = (value: unknown): Node | undefined => (value && typeof value === 'object' ? (value as Node) : undefined);
const nodes = (value: unknown): Node[] => (Array.isArray(value) ? (value as Node[]) : value ? [value as Node] : []);

function invalid(message: string): ValidationError {
  return new ValidationError({ code: 'invalid_bank_statement', message: `Not a usable camt.053/camt.054 document: ${message}` });
}

const AMOUNT = /^\d{1,15}(\.\d{1,5})?$/;

function amountOf(value: unknown): { amount: string; currency: string } | null {
  const amount = str(value);
  const currency = str(node(value)?.['@Ccy']);
  if (!amount || !currency || !AMOUNT.test(amount)) return null;
  return { amount, currency };
}

function dateOf(value: unknown): string | null {
  const n = node(value);
  const text = str(n?.Dt) ?? str(n?.DtTm);
  return text && /^\d{4}-\d{2}-\d{2}/.test(text) ? text.slice(0, 10) : null;
}

/** The structured communications of a transaction's remittance information, structured creditor reference first. */
function referencesOf(rmtInf: Node | undefined, extra: string | undefined): { references: string[]; remittance: string | null } {
  const found: string[] = [];
  for (const strd of nodes(rmtInf?.Strd)) {
    const ref = str(node(strd.CdtrRefInf)?.Ref);
    const digits = ref ? parseStructuredCommunication(ref) : null;
    if (digits && !found.includes(digits)) found.push(digits);
  }
  const texts = nodes(rmtInf?.Ustrd)
    .map((u) => str(u))
    .filter((t): t is string => Boolean(t));
  if (extra) texts.push(extra);
  const remittance = texts.length > 0 ? texts.join(' ') : null;
  if (remittance) for (const digits of findStructuredCommunications(remittance)) if (!found.includes(digits)) found.push(digits);
  return { references: found, remittance };
}

/** Parses a camt.053 statement or camt.054 notification into its booked incoming transfers; throws a ValidationError (400) saying what is wrong. */
export function parseBankStatement(xml: string): ParsedStatement {
  if (xml.trim() === '') throw invalid('the document is empty');
  const wellFormed = XMLValidator.validate(xml);
  if (wellFormed !== true) throw invalid(`not well-formed XML (${wellFormed.err.msg}, line ${wellFormed.err.line})`);
  const namespace = /xmlns(?::[\w.-]+)?\s*=\s*["'](urn:iso:std:iso:20022:tech:xsd:[^"']+)["']/.exec(xml)?.[1];
  const match = namespace ? CAMT_NAMESPACE.exec(namespace) : null;
  if (!match || Number(match[2]) < 2) throw invalid(`expected a camt.053.001.xx or camt.054.001.xx namespace, got ${namespace ?? 'none'}`);
  const kind = match[1] as StatementKind;
  const doc = node((parser.parse(xml) as Node).Document);
  const root = node(kind === 'camt.054' ? doc?.BkToCstmrDbtCdtNtfctn : doc?.BkToCstmrStmt);
  if (!root) throw invalid(`expected Document/${kind === 'camt.054' ? 'BkToCstmrDbtCdtNtfctn' : 'BkToCstmrStmt'}`);
  const header = node(root.GrpHdr);
  const msgId = str(header?.MsgId);
  if (!msgId) throw invalid('GrpHdr/MsgId is missing');
  const created = str(header?.CreDtTm);
  const createdAt = created ? new Date(/[zZ]|[+-]\d{2}:\d{2}$/.test(created) ? created : `${created}Z`) : null;

  const credits: StatementCredit[] = [];
  let ignored = 0;
  const fingerprints = new Map<string, number>();
  for (const report of nodes(kind === 'camt.054' ? root.Ntfctn : root.Stmt)) {
    const account = str(node(node(node(report.Acct)?.Id))?.IBAN) ?? str(node(node(node(report.Acct)?.Id)?.Othr)?.Id) ?? '';
    for (const entry of nodes(report.Ntry)) {
      const direction = str(entry.CdtDbtInd);
      if (direction !== 'CRDT' && direction !== 'DBIT') throw invalid(`an Ntry has CdtDbtInd ${JSON.stringify(direction ?? null)}, not CRDT or DBIT`);
      const status = str(entry.Sts) ?? str(node(entry.Sts)?.Cd) ?? str(node(entry.Sts)?.Prtry);
      const booked = status === undefined ? entry.Sts === undefined || entry.Sts === '' : status === 'BOOK';
      const reversal = str(entry.RvslInd) === 'true';
      const entryAmount = amountOf(entry.Amt);
      if (!entryAmount) throw invalid('an Ntry has no usable Amt with a Ccy');
      if (direction !== 'CRDT' || !booked || reversal) {
        ignored++;
        continue;
      }
      const bookingDate = dateOf(entry.BookgDt) ?? dateOf(entry.ValDt);
      const entryRef = str(entry.AcctSvcrRef) ?? str(entry.NtryRef);
      const details = nodes(entry.NtryDtls).flatMap((d) => nodes(d.TxDtls));
      const txs: Array<Node | null> = details.length > 0 ? details : [null];
      txs.forEach((tx, txIndex) => {
        const txDirection = str(tx?.CdtDbtInd);
        if (txDirection === 'DBIT') {
          ignored++;
          return;
        }
        const amount = (tx && (amountOf(tx.Amt) ?? amountOf(node(node(node(tx.AmtDtls)?.TxAmt))?.Amt))) ?? (txs.length === 1 ? entryAmount : null);
        if (!amount) throw invalid('a TxDtls of a multi-transaction Ntry has no amount');
        const { references, remittance } = referencesOf(node(tx?.RmtInf), str(entry.AddtlNtryInf));
        const refs = node(tx?.Refs);
        const bankRef = str(refs?.AcctSvcrRef) ?? (entryRef ? (txs.length === 1 ? entryRef : `${entryRef}#${txIndex + 1}`) : undefined);
        const debtorName = str(node(node(tx?.RltdPties)?.Dbtr)?.Nm) ?? str(node(node(node(tx?.RltdPties)?.Dbtr)?.Pty)?.Nm) ?? null;
        // Without a bank reference: what the transfer is, so the 054 and the 053 of one transfer agree.
        // Without a bank reference: what the transfer is (so the 054 and the 053 of one transfer agree),
        // numbered when the same file holds it more than once.
        let ref = `bank:${account}:${bankRef}`;
        if (!bankRef) {
          const print = [account, bookingDate, amount.amount, amount.currency, references.join(','), remittance, debtorName, str(refs?.EndToEndId)].join('|');
          const fp = `fp:${createHash('sha256').update(print).digest('hex').slice(0, 32)}`;
          const seen = (fingerprints.get(fp) ?? 0) + 1;
          fingerprints.set(fp, seen);
          ref = seen === 1 ? fp : `${fp}#${seen}`;
        }
        credits.push({ ref, ...amount, bookingDate, references, remittance, debtorName });
        if (credits.length > MAX_LINES) throw invalid(`more than ${MAX_LINES} credit lines; split the statement`);
      });
    }
  }
  return { kind, msgId, createdAt: createdAt && !Number.isNaN(createdAt.getTime()) ? createdAt : null, credits, ignored };
}
