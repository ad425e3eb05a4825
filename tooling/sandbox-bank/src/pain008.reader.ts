import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { hasValidIbanChecksum, normaliseIban } from './test-ibans.js';

export const PAIN_008_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.008.001.02';

export type SequenceType = 'FRST' | 'RCUR' | 'OOFF' | 'FNAL';

/** One collection of a received file, as the bank keeps it. */
export interface CollectionInFile {
  pmtInfId: string;
  endToEndId: string;
  /** Decimal string, e.g. '1000.00'. */
  amount: string;
  currency: string;
  debtorIban: string;
  debtorName: string;
  mandateId: string;
  mandateSignatureDate: string;
  /** ReqdColltnDt, 'YYYY-MM-DD'. */
  collectionDate: string;
  sequenceType: SequenceType;
}

export interface Pain008File {
  msgId: string;
  creditorName: string;
  transactionCount: number;
  controlSum: string;
  collections: CollectionInFile[];
}

/** Why a file is refused; the server answers 400 with `reason`. */
export class Pain008Error extends Error {}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => name === 'PmtInf' || name === 'DrctDbtTxInf',
});

type Node = Record<string, unknown>;

const AMOUNT = /^\d{1,15}(\.\d{1,2})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** '12.3' -> 1230n; amounts in files are decimal text, never floats. */
export function toCents(amount: string): bigint {
  const [whole, fraction = ''] = amount.split('.');
  return BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, '0'));
}

export function fromCents(cents: bigint): string {
  const whole = cents / 100n;
  return `${whole}.${String(cents % 100n).padStart(2, '0')}`;
}

function text(node: unknown, path: string): string {
  let current: unknown = node;
  for (const part of path.split('/')) {
    current = (current as Node | undefined)?.[part];
  }
  if (current !== null && typeof current === 'object' && '#text' in current) current = (current as Node)['#text'];
  if (typeof current !== 'string' || current === '') throw new Pain008Error(`missing ${path}`);
  return current;
}

function optionalText(node: unknown, path: string): string | undefined {
  try {
    return text(node, path);
  } catch {
    return undefined;
  }
}

/** The default-namespace (or prefixed) URI of the root element's ISO 20022 message. */
export function messageNamespace(xml: string): string | undefined {
  return /xmlns(?::[\w.-]+)?\s*=\s*["'](urn:iso:std:iso:20022:tech:xsd:[^"']+)["']/.exec(xml)?.[1];
}

/** Parses and checks a pain.008.001.02 CstmrDrctDbtInitn; throws Pain008Error with a reason. */
export function readPain008(xml: string): Pain008File {
  if (xml.trim() === '') throw new Pain008Error('empty body: expected a pain.008.001.02 XML file');
  const wellFormed = XMLValidator.validate(xml);
  if (wellFormed !== true) throw new Pain008Error(`not well-formed XML: ${wellFormed.err.msg} (line ${wellFormed.err.line})`);
  const namespace = messageNamespace(xml);
  if (namespace !== PAIN_008_NAMESPACE) throw new Pain008Error(`expected namespace ${PAIN_008_NAMESPACE}, got ${namespace ?? 'none'}`);
  const parsed = parser.parse(xml) as Node;
  const initiation = (parsed.Document as Node | undefined)?.CstmrDrctDbtInitn as Node | undefined;
  if (!initiation) throw new Pain008Error('expected Document/CstmrDrctDbtInitn (a customer direct debit initiation)');

  const msgId = text(initiation, 'GrpHdr/MsgId');
  const declaredCount = Number(text(initiation, 'GrpHdr/NbOfTxs'));
  const declaredSum = optionalText(initiation, 'GrpHdr/CtrlSum');
  const paymentInfos = (initiation.PmtInf as Node[] | undefined) ?? [];
  if (paymentInfos.length === 0) throw new Pain008Error('no PmtInf block');

  const collections: CollectionInFile[] = [];
  const endToEndIds = new Set<string>();
  for (const info of paymentInfos) {
    const pmtInfId = text(info, 'PmtInfId');
    if (text(info, 'PmtMtd') !== 'DD') throw new Pain008Error(`PmtInf ${pmtInfId}: PmtMtd must be DD`);
    const sequenceType = text(info, 'PmtTpInf/SeqTp');
    if (!['FRST', 'RCUR', 'OOFF', 'FNAL'].includes(sequenceType)) throw new Pain008Error(`PmtInf ${pmtInfId}: unknown SeqTp ${sequenceType}`);
    const collectionDate = text(info, 'ReqdColltnDt');
    if (!DATE.test(collectionDate)) throw new Pain008Error(`PmtInf ${pmtInfId}: ReqdColltnDt is not a date: ${collectionDate}`);
    text(info, 'CdtrSchmeId/Id/PrvtId/Othr/Id');
    const transactions = (info.DrctDbtTxInf as Node[] | undefined) ?? [];
    if (transactions.length === 0) throw new Pain008Error(`PmtInf ${pmtInfId}: no DrctDbtTxInf`);
    let infoSum = 0n;
    for (const tx of transactions) {
      const endToEndId = text(tx, 'PmtId/EndToEndId');
      if (endToEndIds.has(endToEndId)) throw new Pain008Error(`EndToEndId ${endToEndId} is used twice in the file`);
      endToEndIds.add(endToEndId);
      const amountNode = tx.InstdAmt as Node | undefined;
      const amount = text(tx, 'InstdAmt');
      const currency = typeof amountNode?.['@_Ccy'] === 'string' ? amountNode['@_Ccy'] : '';
      if (!AMOUNT.test(amount) || toCents(amount) <= 0n) throw new Pain008Error(`${endToEndId}: InstdAmt is not a positive amount: ${amount}`);
      if (currency !== 'EUR') throw new Pain008Error(`${endToEndId}: SEPA direct debits are in EUR, got ${currency || 'no currency'}`);
      const debtorIban = normaliseIban(text(tx, 'DbtrAcct/Id/IBAN'));
      if (!hasValidIbanChecksum(debtorIban)) throw new Pain008Error(`${endToEndId}: debtor IBAN ${debtorIban} is invalid`);
      infoSum += toCents(amount);
      collections.push({
        pmtInfId,
        endToEndId,
        amount: fromCents(toCents(amount)),
        currency,
        debtorIban,
        debtorName: text(tx, 'Dbtr/Nm'),
        mandateId: text(tx, 'DrctDbtTx/MndtRltdInf/MndtId'),
        mandateSignatureDate: text(tx, 'DrctDbtTx/MndtRltdInf/DtOfSgntr'),
        collectionDate,
        sequenceType: sequenceType as SequenceType,
      });
    }
    const infoDeclared = optionalText(info, 'CtrlSum');
    if (infoDeclared !== undefined && (!AMOUNT.test(infoDeclared) || toCents(infoDeclared) !== infoSum)) {
      throw new Pain008Error(`PmtInf ${pmtInfId}: CtrlSum ${infoDeclared} does not match the transactions (${fromCents(infoSum)})`);
    }
  }
  if (declaredCount !== collections.length) throw new Pain008Error(`GrpHdr/NbOfTxs is ${declaredCount}, the file holds ${collections.length} transactions`);
  const total = collections.reduce((sum, c) => sum + toCents(c.amount), 0n);
  if (declaredSum !== undefined && (!AMOUNT.test(declaredSum) || toCents(declaredSum) !== total)) {
    throw new Pain008Error(`GrpHdr/CtrlSum ${declaredSum} does not match the transactions (${fromCents(total)})`);
  }
  return {
    msgId,
    creditorName: optionalText(paymentInfos[0], 'Cdtr/Nm') ?? '',
    transactionCount: collections.length,
    controlSum: fromCents(total),
    collections,
  };
}
