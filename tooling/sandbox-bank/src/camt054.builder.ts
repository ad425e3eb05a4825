import { create } from 'xmlbuilder2';

export const CAMT_054_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:camt.054.001.02';

/** One collection in an entry: settled (credit) or returned after settlement (debit). */
export interface NotifiedTransaction {
  msgId: string;
  pmtInfId: string;
  endToEndId: string;
  mandateId: string;
  amount: string;
  debtorName: string;
  debtorIban: string;
  /** Returns only: the R-code (RtrInf/Rsn/Cd), or a bank's own reason (RtrInf/Rsn/Prtry). */
  returnReason?: { code?: string; proprietary?: string };
}

/** One booked entry on the creditor's account. */
export interface NotifiedEntry {
  /** 'credit': a settled PmtInf batch (CRDT, PMNT/IDDT/ESDD); 'return': one collection returned after settlement (DBIT, PMNT/IDDT/UPDD). */
  kind: 'credit' | 'return';
  /** AcctSvcrRef: the bank's reference of the entry. */
  reference: string;
  /** Total of the entry. */
  amount: string;
  /** 'YYYY-MM-DD' */
  bookingDate: string;
  valueDate: string;
  transactions: readonly NotifiedTransaction[];
}

const DOMAIN = 'PMNT';
// The creditor's side of a direct debit is "Issued Direct Debits" (IDDT) in the ISO bank transaction
// code list; RDDT (received) is the debtor's side. ESDD: SEPA Core direct debit; UPDD: its reversal
// after a return (unpaid direct debit).
const FAMILY = 'IDDT';
const SUB_FAMILY = { credit: 'ESDD', return: 'UPDD' } as const;

/**
 * A camt.054.001.02 bank-to-customer debit/credit notification: one Ntfctn per creditor account,
 * one Ntry per settled batch (CRDT, NtryDtls/Btch + TxDtls) or per returned collection (DBIT, RtrInf).
 */
export function buildCamt054(input: {
  msgId: string;
  createdAt: Date;
  bankBic: string;
  accounts: ReadonlyArray<{ iban: string; entries: readonly NotifiedEntry[] }>;
}): string {
  const created = input.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(CAMT_054_NAMESPACE, 'Document').ele('BkToCstmrDbtCdtNtfctn');
  const header = root.ele('GrpHdr');
  header.ele('MsgId').txt(input.msgId);
  header.ele('CreDtTm').txt(created);
  input.accounts.forEach((account, index) => {
    const notification = root.ele('Ntfctn');
    notification.ele('Id').txt(input.accounts.length === 1 ? input.msgId : `${input.msgId}-${index + 1}`);
    notification.ele('CreDtTm').txt(created);
    const acct = notification.ele('Acct');
    acct.ele('Id').ele('IBAN').txt(account.iban);
    acct.ele('Ccy').txt('EUR');
    acct.ele('Svcr').ele('FinInstnId').ele('BIC').txt(input.bankBic);
    for (const entry of account.entries) addEntry(notification, entry);
  });
  return root.end({ prettyPrint: true });
}

function addBankTransactionCode(parent: ReturnType<typeof create>, subFamily: string): void {
  const domain = parent.ele('Domn');
  domain.ele('Cd').txt(DOMAIN);
  const family = domain.ele('Fmly');
  family.ele('Cd').txt(FAMILY);
  family.ele('SubFmlyCd').txt(subFamily);
}

function addEntry(notification: ReturnType<typeof create>, entry: NotifiedEntry): void {
  const credit = entry.kind === 'credit';
  const ntry = notification.ele('Ntry');
  ntry.ele('Amt', { Ccy: 'EUR' }).txt(entry.amount);
  ntry.ele('CdtDbtInd').txt(credit ? 'CRDT' : 'DBIT');
  // A return is a new debit entry, not the cancellation of the credit (that would be RvslInd true).
  ntry.ele('RvslInd').txt('false');
  ntry.ele('Sts').txt('BOOK');
  ntry.ele('BookgDt').ele('Dt').txt(entry.bookingDate);
  ntry.ele('ValDt').ele('Dt').txt(entry.valueDate);
  ntry.ele('AcctSvcrRef').txt(entry.reference);
  addBankTransactionCode(ntry.ele('BkTxCd'), SUB_FAMILY[entry.kind]);
  const details = ntry.ele('NtryDtls');
  const first = entry.transactions[0];
  if (credit && first) {
    const batch = details.ele('Btch');
    batch.ele('MsgId').txt(first.msgId);
    batch.ele('PmtInfId').txt(first.pmtInfId);
    batch.ele('NbOfTxs').txt(String(entry.transactions.length));
    batch.ele('TtlAmt', { Ccy: 'EUR' }).txt(entry.amount);
    batch.ele('CdtDbtInd').txt('CRDT');
  }
  for (const tx of entry.transactions) {
    const item = details.ele('TxDtls');
    const refs = item.ele('Refs');
    refs.ele('MsgId').txt(tx.msgId);
    refs.ele('PmtInfId').txt(tx.pmtInfId);
    refs.ele('EndToEndId').txt(tx.endToEndId);
    refs.ele('MndtId').txt(tx.mandateId);
    item.ele('AmtDtls').ele('TxAmt').ele('Amt', { Ccy: 'EUR' }).txt(tx.amount);
    addBankTransactionCode(item.ele('BkTxCd'), SUB_FAMILY[entry.kind]);
    const parties = item.ele('RltdPties');
    parties.ele('Dbtr').ele('Nm').txt(tx.debtorName);
    parties.ele('DbtrAcct').ele('Id').ele('IBAN').txt(tx.debtorIban);
    if (tx.returnReason) {
      const rtr = item.ele('RtrInf');
      addBankTransactionCode(rtr.ele('OrgnlBkTxCd'), SUB_FAMILY.credit);
      const rsn = rtr.ele('Rsn');
      if (tx.returnReason.proprietary) rsn.ele('Prtry').txt(tx.returnReason.proprietary.slice(0, 35));
      else rsn.ele('Cd').txt(tx.returnReason.code ?? 'NARR');
    }
  }
}
