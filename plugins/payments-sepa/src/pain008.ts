import { XMLParser } from 'fast-xml-parser';
import { Document } from 'sepa';
import { Money } from '@tollgate/plugin-sdk';
import { toSepaText } from './sepa-rules.js';

export const PAIN_008_FORMAT = 'pain.008.001.02';

export interface Pain008Creditor {
  name: string;
  iban: string;
  bic: string;
  /** SEPA creditor identifier. */
  id: string;
}

export interface Pain008Transaction {
  endToEndId: string;
  amount: Money;
  mandateId: string;
  /** 'YYYY-MM-DD' */
  mandateSignatureDate: string;
  debtorName: string;
  debtorIban: string;
  debtorBic?: string | null;
  /** Required outside the EEA (EPC rulebook): Dbtr/PstlAdr with Ctry and 2 AdrLine. */
  debtorAddress?: { country: string; lines: readonly string[] } | null;
  /** Unstructured remittance text shown to the debtor (cut to 140 SEPA characters). */
  remittance: string;
}

/** A calendar day as the sepa library wants it: it prints dates in local time, so use local noon. */
function localDay(day: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y!, m! - 1, d!, 12, 0, 0);
}

const checker = new XMLParser({
  ignoreAttributes: false,
  removeNSPrefix: true,
  parseTagValue: false,
  isArray: (name) => name === 'PmtInf' || name === 'DrctDbtTxInf',
});

/**
 * One pain.008.001.02 collection file: one PmtInf (one collection date, one sequence type), CORE
 * scheme, built with the sepa library. The library sums amounts as JS numbers, so the totals it
 * prints are checked against the exact Money sum before the file is used.
 */
export function buildPain008(input: {
  msgId: string;
  createdAt: Date;
  creditor: Pain008Creditor;
  collectionDate: string;
  sequenceType: 'FRST' | 'RCUR' | 'OOFF';
  transactions: readonly Pain008Transaction[];
}): { xml: string; controlSum: Money; transactionCount: number; pmtInfId: string } {
  if (input.transactions.length === 0) throw new Error('buildPain008: no transactions');
  const doc = new Document(PAIN_008_FORMAT);
  doc.grpHdr.id = input.msgId;
  doc.grpHdr.created = input.createdAt;
  doc.grpHdr.initiatorName = toSepaText(input.creditor.name, 70);

  const info = doc.createPaymentInfo();
  info.collectionDate = localDay(input.collectionDate);
  info.creditorIBAN = input.creditor.iban;
  info.creditorBIC = input.creditor.bic;
  info.creditorName = toSepaText(input.creditor.name, 70);
  info.creditorId = input.creditor.id;
  info.localInstrumentation = 'CORE';
  info.sequenceType = input.sequenceType;
  info.batchBooking = true;
  doc.addPaymentInfo(info);

  for (const item of input.transactions) {
    if (item.amount.currency !== 'EUR') throw new Error(`buildPain008: ${item.endToEndId} is in ${item.amount.currency}; SEPA collects EUR`);
    const tx = info.createTransaction();
    tx.end2endId = item.endToEndId;
    tx.amount = Number(item.amount.toString());
    tx.currency = 'EUR';
    tx.mandateId = item.mandateId;
    tx.mandateSignatureDate = localDay(item.mandateSignatureDate);
    tx.debtorName = toSepaText(item.debtorName, 70);
    tx.debtorIBAN = item.debtorIban;
    tx.debtorBIC = item.debtorBic ?? '';
    if (item.debtorAddress) {
      // The library writes PstlAdr as Ctry, AdrLine (street), AdrLine (city): the XSD order.
      tx.debtorCountry = item.debtorAddress.country;
      tx.debtorStreet = toSepaText(item.debtorAddress.lines[0] ?? '', 70);
      tx.debtorCity = toSepaText(item.debtorAddress.lines[1] ?? '', 70);
    }
    tx.remittanceInfo = toSepaText(item.remittance, 140);
    info.addTransaction(tx);
  }

  const xml = doc.toString();
  const controlSum = Money.sum(input.transactions.map((t) => t.amount));
  const pmtInfId = assertTotals(xml, controlSum, input.transactions);
  return { xml, controlSum, transactionCount: input.transactions.length, pmtInfId };
}

/** Checks the printed totals; answers the file's PmtInfId (what a pain.002 names the batch by). */
function assertTotals(xml: string, controlSum: Money, transactions: readonly Pain008Transaction[]): string {
  const root = checker.parse(xml).Document.CstmrDrctDbtInitn;
  const amounts = (root.PmtInf[0].DrctDbtTxInf as Array<{ InstdAmt: { '#text': string } }>).map((t) => t.InstdAmt['#text']);
  const expected = transactions.map((t) => t.amount.toString());
  if (root.GrpHdr.CtrlSum !== controlSum.toString() || root.PmtInf[0].CtrlSum !== controlSum.toString() || amounts.join() !== expected.join()) {
    throw new Error(
      `buildPain008: the file's amounts (${amounts.join(', ')}; total ${String(root.GrpHdr.CtrlSum)}) differ from the collections (${expected.join(', ')}; total ${controlSum.toString()})`,
    );
  }
  return String(root.PmtInf[0].PmtInfId);
}
