/** Hand-built bank documents for tests: pain.002.001.03 status reports and camt.054/camt.053 entries. */

export type Reason = { cd: string } | { prtry: string };

const rsn = (reason?: Reason) =>
  reason ? `<StsRsnInf><Rsn>${'cd' in reason ? `<Cd>${reason.cd}</Cd>` : `<Prtry>${reason.prtry}</Prtry>`}</Rsn></StsRsnInf>` : '';

export function pain002(input: {
  msgId: string;
  originalMsgId: string;
  groupStatus?: string;
  groupReason?: Reason;
  batches?: Array<{ pmtInfId: string; status?: string; reason?: Reason; txs?: Array<{ endToEndId: string; status: string; reason?: Reason }> }>;
}): string {
  const batches = (input.batches ?? [])
    .map(
      (b) =>
        `<OrgnlPmtInfAndSts><OrgnlPmtInfId>${b.pmtInfId}</OrgnlPmtInfId>${b.status ? `<PmtInfSts>${b.status}</PmtInfSts>` : ''}${rsn(b.reason)}${(b.txs ?? [])
          .map((t) => `<TxInfAndSts><OrgnlEndToEndId>${t.endToEndId}</OrgnlEndToEndId><TxSts>${t.status}</TxSts>${rsn(t.reason)}</TxInfAndSts>`)
          .join('')}</OrgnlPmtInfAndSts>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
<GrpHdr><MsgId>${input.msgId}</MsgId><CreDtTm>2026-01-01T00:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>${input.originalMsgId}</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId>${input.groupStatus ? `<GrpSts>${input.groupStatus}</GrpSts>` : ''}${rsn(input.groupReason)}</OrgnlGrpInfAndSts>
${batches}</CstmrPmtStsRpt></Document>`;
}

export interface CamtEntry {
  direction: 'CRDT' | 'DBIT';
  amount: string;
  /** Without it (batch booking), the entry names only its batch: `pmtInfId`. */
  endToEndId?: string;
  pmtInfId?: string;
  /** RtrInf reason of a return. */
  reason?: Reason;
  status?: 'BOOK' | 'PDNG';
}

const details = (e: CamtEntry) =>
  e.endToEndId === undefined
    ? `<NtryDtls><Btch><PmtInfId>${e.pmtInfId ?? ''}</PmtInfId><TtlAmt Ccy="EUR">${e.amount}</TtlAmt></Btch></NtryDtls>`
    : `<NtryDtls><TxDtls><Refs><EndToEndId>${e.endToEndId}</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy="EUR">${e.amount}</Amt></TxAmt></AmtDtls>${
        e.reason ? `<RtrInf><Rsn>${'cd' in e.reason ? `<Cd>${e.reason.cd}</Cd>` : `<Prtry>${e.reason.prtry}</Prtry>`}</Rsn></RtrInf>` : ''
      }</TxDtls></NtryDtls>`;

/** A camt.054.001.02 notification (or camt.053.001.02 statement) of the creditor's account. */
export function camt(input: { kind: 'camt.054' | 'camt.053'; msgId: string; entries: CamtEntry[] }): string {
  const entries = input.entries
    .map(
      (e) => `<Ntry><Amt Ccy="EUR">${e.amount}</Amt><CdtDbtInd>${e.direction}</CdtDbtInd><Sts>${e.status ?? 'BOOK'}</Sts><BookgDt><Dt>2027-01-01</Dt></BookgDt>
<BkTxCd><Prtry><Cd>${e.direction === 'DBIT' ? 'RTRN' : 'DDBT'}</Cd></Prtry></BkTxCd>
${details(e)}</Ntry>`,
    )
    .join('\n');
  const account = `<Acct><Id><IBAN>BE68539007547034</IBAN></Id></Acct>`;
  const [root, item] = input.kind === 'camt.054' ? ['BkToCstmrDbtCdtNtfctn', 'Ntfctn'] : ['BkToCstmrStmt', 'Stmt'];
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:${input.kind}.001.02"><${root}>
<GrpHdr><MsgId>${input.msgId}</MsgId><CreDtTm>2027-01-01T00:00:00</CreDtTm></GrpHdr>
<${item}><Id>${input.msgId}-1</Id><CreDtTm>2027-01-01T00:00:00</CreDtTm>${account}
${entries}
</${item}></${root}></Document>`;
}
