import { create } from 'xmlbuilder2';

type XMLBuilder = ReturnType<typeof create>;

export const PAIN_002_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.002.001.03';

/** One rejected (or returned) collection in a status report, or one settled (TxSts ACSC). */
export interface RejectedCollection {
  pmtInfId: string;
  endToEndId: string;
  /** 'RJCT' (default): refused, with `code`; 'ACSC': settled, the money is on the creditor's account. */
  status?: 'RJCT' | 'ACSC';
  /** ISO 20022 external status reason code (Rsn/Cd): AM04, MD01, AC04, FF01... (ignored for ACSC and when `proprietary` is set). */
  code: string;
  /** A bank-specific reason, sent as Rsn/Prtry instead of Rsn/Cd. */
  proprietary?: string;
  amount: string;
  /** Default EUR. */
  currency?: string;
  collectionDate: string;
  mandateId: string;
  debtorName: string;
  debtorIban: string;
}

/**
 * A reason as ISO 20022 puts it: an external code (Rsn/Cd) or a bank's own (Rsn/Prtry). No AddtlInf:
 * the EPC profile of pain.002 has none (the human text is in GET /_sandbox/files instead).
 */
export interface ReportReason {
  code?: string;
  proprietary?: string;
}

/** A whole PmtInf refused (PmtInfSts RJCT), without transaction details. */
export interface RejectedBatch {
  pmtInfId: string;
  reason: ReportReason;
}

/**
 * A pain.002.001.03 customer payment status report about one original pain.008 file: GrpHdr,
 * OrgnlGrpInfAndSts (with GrpSts and its reason when given), then one OrgnlPmtInfAndSts per original
 * PmtInf concerned: a batch status (PmtInfSts) or transaction statuses (TxInfAndSts).
 */
export function buildPain002(input: {
  msgId: string;
  createdAt: Date;
  bankBic: string;
  originalMsgId: string;
  /** Left out for the later reports (refusals, settlements) that speak of single transactions only. */
  groupStatus?: 'ACCP' | 'ACTC' | 'PART' | 'RJCT';
  groupReason?: ReportReason;
  /** Original NbOfTxs and CtrlSum, echoed when known. */
  original?: { nbOfTxs?: string; ctrlSum?: string };
  batches?: readonly RejectedBatch[];
  rejected: readonly RejectedCollection[];
}): string {
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(PAIN_002_NAMESPACE, 'Document').ele('CstmrPmtStsRpt');
  const header = root.ele('GrpHdr');
  header.ele('MsgId').txt(input.msgId);
  header.ele('CreDtTm').txt(input.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  header.ele('DbtrAgt').ele('FinInstnId').ele('BIC').txt(input.bankBic);
  const group = root.ele('OrgnlGrpInfAndSts');
  group.ele('OrgnlMsgId').txt(input.originalMsgId);
  group.ele('OrgnlMsgNmId').txt('pain.008.001.02');
  if (input.original?.nbOfTxs && /^\d{1,15}$/.test(input.original.nbOfTxs)) group.ele('OrgnlNbOfTxs').txt(input.original.nbOfTxs);
  if (input.original?.ctrlSum && /^\d{1,18}(\.\d{1,17})?$/.test(input.original.ctrlSum)) group.ele('OrgnlCtrlSum').txt(input.original.ctrlSum);
  if (input.groupStatus) group.ele('GrpSts').txt(input.groupStatus);
  if (input.groupReason) addReason(group, input.bankBic, input.groupReason);

  // One OrgnlPmtInfAndSts per original PmtInf, in the order they come.
  const byPmtInf = new Map<string, { batch?: RejectedBatch; items: RejectedCollection[] }>();
  for (const batch of input.batches ?? []) byPmtInf.set(batch.pmtInfId, { batch, items: [] });
  for (const item of input.rejected) {
    const entry = byPmtInf.get(item.pmtInfId) ?? { items: [] };
    entry.items.push(item);
    byPmtInf.set(item.pmtInfId, entry);
  }
  let n = 0;
  for (const [pmtInfId, { batch, items }] of byPmtInf) {
    const info = root.ele('OrgnlPmtInfAndSts');
    info.ele('OrgnlPmtInfId').txt(pmtInfId);
    if (batch) {
      info.ele('PmtInfSts').txt('RJCT');
      addReason(info, input.bankBic, batch.reason);
    }
    for (const item of items) {
      n += 1;
      const tx = info.ele('TxInfAndSts');
      tx.ele('StsId').txt(`${input.msgId}-${n}`);
      tx.ele('OrgnlEndToEndId').txt(item.endToEndId);
      tx.ele('TxSts').txt(item.status ?? 'RJCT');
      if (item.status !== 'ACSC') {
        addReason(tx, input.bankBic, item.proprietary ? { proprietary: item.proprietary } : { code: item.code });
      }
      const ref = tx.ele('OrgnlTxRef');
      ref
        .ele('Amt')
        .ele('InstdAmt', { Ccy: item.currency ?? 'EUR' })
        .txt(item.amount);
      ref.ele('ReqdColltnDt').txt(item.collectionDate);
      ref.ele('MndtRltdInf').ele('MndtId').txt(item.mandateId);
      ref.ele('Dbtr').ele('Nm').txt(item.debtorName);
      ref.ele('DbtrAcct').ele('Id').ele('IBAN').txt(item.debtorIban);
    }
  }
  return root.end({ prettyPrint: true });
}

function addReason(parent: XMLBuilder, bankBic: string, reason: ReportReason): void {
  const info = parent.ele('StsRsnInf');
  info.ele('Orgtr').ele('Id').ele('OrgId').ele('BICOrBEI').txt(bankBic);
  const rsn = info.ele('Rsn');
  if (reason.proprietary) rsn.ele('Prtry').txt(reason.proprietary.slice(0, 35));
  else rsn.ele('Cd').txt(reason.code ?? 'NARR');
}
