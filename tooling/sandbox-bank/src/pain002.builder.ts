import { create } from 'xmlbuilder2';

export const PAIN_002_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.002.001.03';

/** One rejected (or returned) collection in a status report, or one settled (TxSts ACSC). */
export interface RejectedCollection {
  pmtInfId: string;
  endToEndId: string;
  /** 'RJCT' (default): refused or returned, with `code`; 'ACSC': settled, the money is on the creditor's account. */
  status?: 'RJCT' | 'ACSC';
  /** ISO 20022 external reason code: AM04, MD01, AC04, MD06... (ignored for ACSC). */
  code: string;
  amount: string;
  collectionDate: string;
  mandateId: string;
  debtorName: string;
  debtorIban: string;
}

/**
 * A pain.002.001.03 customer payment status report that rejects (or reports settled) collections of one original
 * pain.008 file: GrpHdr, OrgnlGrpInfAndSts, then one OrgnlPmtInfAndSts per original PmtInf.
 */
export function buildPain002(input: {
  msgId: string;
  createdAt: Date;
  bankBic: string;
  originalMsgId: string;
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

  const byPmtInf = new Map<string, RejectedCollection[]>();
  for (const item of input.rejected) byPmtInf.set(item.pmtInfId, [...(byPmtInf.get(item.pmtInfId) ?? []), item]);
  let n = 0;
  for (const [pmtInfId, items] of byPmtInf) {
    const info = root.ele('OrgnlPmtInfAndSts');
    info.ele('OrgnlPmtInfId').txt(pmtInfId);
    for (const item of items) {
      n += 1;
      const tx = info.ele('TxInfAndSts');
      tx.ele('StsId').txt(`${input.msgId}-${n}`);
      tx.ele('OrgnlEndToEndId').txt(item.endToEndId);
      tx.ele('TxSts').txt(item.status ?? 'RJCT');
      if (item.status !== 'ACSC') {
        const reason = tx.ele('StsRsnInf');
        reason.ele('Orgtr').ele('Id').ele('OrgId').ele('BICOrBEI').txt(input.bankBic);
        reason.ele('Rsn').ele('Cd').txt(item.code);
      }
      const ref = tx.ele('OrgnlTxRef');
      ref.ele('Amt').ele('InstdAmt', { Ccy: 'EUR' }).txt(item.amount);
      ref.ele('ReqdColltnDt').txt(item.collectionDate);
      ref.ele('MndtRltdInf').ele('MndtId').txt(item.mandateId);
      ref.ele('Dbtr').ele('Nm').txt(item.debtorName);
      ref.ele('DbtrAcct').ele('Id').ele('IBAN').txt(item.debtorIban);
    }
  }
  return root.end({ prettyPrint: true });
}
