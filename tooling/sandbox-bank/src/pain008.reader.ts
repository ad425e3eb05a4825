import { XMLParser, XMLValidator } from 'fast-xml-parser';

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
  /** CdtrSchmeId/Id/PrvtId/Othr/Id: with mandateId, what identifies a mandate for the sequence rules. */
  creditorSchemeId: string;
}

/** A DrctDbtTxInf as read (the XSD has vouched for its shape before anything relies on it). */
export interface Pain008Transaction {
  endToEndId: string;
  /** As written in the file, e.g. '12.3'. */
  amount: string;
  currency: string;
  mandateId: string;
  mandateSignatureDate: string;
  debtorName: string;
  /** Electronic form (no spaces, upper case). */
  debtorIban: string;
  /** DbtrAgt/FinInstnId/BIC, when given (NOTPROVIDED files carry Othr/Id instead). */
  debtorBic?: string;
  /** Dbtr/PstlAdr: its country and whether it has any address line or structured element. */
  debtorAddress?: { country?: string; hasAddress: boolean };
}

/** A PmtInf block as read. */
export interface Pain008Batch {
  pmtInfId: string;
  nbOfTxs?: string;
  ctrlSum?: string;
  serviceLevel?: string;
  localInstrument?: string;
  sequenceType: string;
  collectionDate: string;
  creditorIban: string;
  creditorSchemeId: string;
  transactions: Pain008Transaction[];
}

export interface Pain008File {
  msgId: string;
  /** GrpHdr/NbOfTxs as written. */
  nbOfTxs: string;
  /** GrpHdr/CtrlSum as written (optional in the schema). */
  ctrlSum?: string;
  creditorName: string;
  batches: Pain008Batch[];
}

/** The body is not XML at all (or empty): the only thing the upload itself refuses (400). */
export class Pain008Error extends Error {}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => name === 'PmtInf' || name === 'DrctDbtTxInf' || name === 'AdrLine',
});

type Node = Record<string, unknown>;

/** '12.3' -> 1230n; amounts in files are decimal text, never floats. Only for amounts with at most 2 decimals. */
export function toCents(amount: string): bigint {
  const [whole, fraction = ''] = amount.split('.');
  return BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, '0'));
}

export function fromCents(cents: bigint): string {
  const whole = cents / 100n;
  return `${whole}.${String(cents % 100n).padStart(2, '0')}`;
}

function at(node: unknown, path: string): unknown {
  let current: unknown = node;
  for (const part of path.split('/')) current = (current as Node | undefined)?.[part];
  return current;
}

function optionalText(node: unknown, path: string): string | undefined {
  let current = at(node, path);
  if (current !== null && typeof current === 'object' && '#text' in current) current = (current as Node)['#text'];
  return typeof current === 'string' && current !== '' ? current : undefined;
}

const text = (node: unknown, path: string): string => optionalText(node, path) ?? '';

/** The default-namespace (or prefixed) URI of the root element's ISO 20022 message. */
export function messageNamespace(xml: string): string | undefined {
  return /xmlns(?::[\w.-]+)?\s*=\s*["'](urn:iso:std:iso:20022:tech:xsd:[^"']+)["']/.exec(xml)?.[1];
}

/** Throws Pain008Error when the body is empty or not well-formed XML; anything else is for the bank's checks. */
export function assertXml(xml: string): void {
  if (xml.trim() === '') throw new Pain008Error('empty body: expected a pain.008.001.02 XML file');
  const wellFormed = XMLValidator.validate(xml);
  if (wellFormed !== true) throw new Pain008Error(`not well-formed XML: ${wellFormed.err.msg} (line ${wellFormed.err.line})`);
}

/** GrpHdr/MsgId of any well-formed document that has one, whatever its namespace (the EBICS-level duplicate check needs it before validation). */
export function peekMsgId(xml: string): string | undefined {
  const root = (parser.parse(xml) as Node).Document as Node | undefined;
  const message = root && Object.values(root).find((v): v is Node => v !== null && typeof v === 'object');
  return optionalText(message, 'GrpHdr/MsgId');
}

/**
 * Reads a pain.008.001.02 CstmrDrctDbtInitn that passed the XSD: no business rule is checked here
 * (sepa-rules.ts does, and decides at which level a failure rejects).
 */
export function readPain008(xml: string): Pain008File {
  assertXml(xml);
  const initiation = at(parser.parse(xml), 'Document/CstmrDrctDbtInitn') as Node | undefined;
  const infos = (initiation?.PmtInf as Node[] | undefined) ?? [];
  return {
    msgId: text(initiation, 'GrpHdr/MsgId'),
    nbOfTxs: text(initiation, 'GrpHdr/NbOfTxs'),
    ...(optionalText(initiation, 'GrpHdr/CtrlSum') !== undefined ? { ctrlSum: optionalText(initiation, 'GrpHdr/CtrlSum') } : {}),
    creditorName: text(infos[0], 'Cdtr/Nm'),
    batches: infos.map((info) => ({
      pmtInfId: text(info, 'PmtInfId'),
      ...optional({
        nbOfTxs: optionalText(info, 'NbOfTxs'),
        ctrlSum: optionalText(info, 'CtrlSum'),
        serviceLevel: optionalText(info, 'PmtTpInf/SvcLvl/Cd'),
        localInstrument: optionalText(info, 'PmtTpInf/LclInstrm/Cd'),
      }),
      sequenceType: text(info, 'PmtTpInf/SeqTp'),
      collectionDate: text(info, 'ReqdColltnDt'),
      creditorIban: normalise(text(info, 'CdtrAcct/Id/IBAN')),
      // The scheme id may sit in the batch or (rarely) per transaction; EPC asks for the batch.
      creditorSchemeId: text(info, 'CdtrSchmeId/Id/PrvtId/Othr/Id'),
      transactions: ((info.DrctDbtTxInf as Node[] | undefined) ?? []).map((tx) => readTransaction(tx)),
    })),
  };
}

function readTransaction(tx: Node): Pain008Transaction {
  const address = at(tx, 'Dbtr/PstlAdr') as Node | undefined;
  const structured = ['StrtNm', 'BldgNb', 'PstCd', 'TwnNm', 'CtrySubDvsn', 'Dept', 'SubDept'];
  return {
    endToEndId: text(tx, 'PmtId/EndToEndId'),
    amount: text(tx, 'InstdAmt'),
    currency: (at(tx, 'InstdAmt/@_Ccy') as string | undefined) ?? '',
    mandateId: text(tx, 'DrctDbtTx/MndtRltdInf/MndtId'),
    mandateSignatureDate: text(tx, 'DrctDbtTx/MndtRltdInf/DtOfSgntr'),
    debtorName: text(tx, 'Dbtr/Nm'),
    debtorIban: normalise(text(tx, 'DbtrAcct/Id/IBAN')),
    ...optional({ debtorBic: optionalText(tx, 'DbtrAgt/FinInstnId/BIC') }),
    ...(address
      ? {
          debtorAddress: {
            ...optional({ country: optionalText(address, 'Ctry') }),
            hasAddress:
              ((address.AdrLine as unknown[] | undefined) ?? []).some((l) => typeof l === 'string' && l.trim() !== '') ||
              structured.some((k) => optionalText(address, k)),
          },
        }
      : {}),
  };
}

function normalise(iban: string): string {
  return iban.replace(/\s+/g, '').toUpperCase();
}

/** Drops undefined values (exactOptionalPropertyTypes). */
function optional<T extends Record<string, string | undefined>>(values: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: string };
}
