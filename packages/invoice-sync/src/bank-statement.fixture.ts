/** One incoming transfer for `camt053`: a structured creditor reference, or free text, or neither. */
export interface TransferLine {
  amount: string;
  /** The bank's reference (AcctSvcrRef); omit to test the fingerprint. */
  bankRef?: string;
  structured?: string;
  unstructured?: string;
  debtorName?: string;
  bookingDate?: string;
  direction?: 'CRDT' | 'DBIT';
  status?: 'BOOK' | 'PDNG';
  currency?: string;
}

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A camt.053.001.02 statement (or camt.054.001.02 notification) with one entry per line, as a Belgian bank sends it. */
export function camtStatement(input: { msgId: string; lines: readonly TransferLine[]; kind?: 'camt.053' | 'camt.054'; iban?: string }): string {
  const kind = input.kind ?? 'camt.053';
  const [root, report] = kind === 'camt.053' ? ['BkToCstmrStmt', 'Stmt'] : ['BkToCstmrDbtCdtNtfctn', 'Ntfctn'];
  const entries = input.lines
    .map((line) => {
      const rmt = [
        line.unstructured ? `<Ustrd>${esc(line.unstructured)}</Ustrd>` : '',
        line.structured
          ? `<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>BBA</Issr></Tp><Ref>${esc(line.structured)}</Ref></CdtrRefInf></Strd>`
          : '',
      ].join('');
      const ccy = line.currency ?? 'EUR';
      return `<Ntry>
        <Amt Ccy="${ccy}">${line.amount}</Amt><CdtDbtInd>${line.direction ?? 'CRDT'}</CdtDbtInd><Sts>${line.status ?? 'BOOK'}</Sts>
        <BookgDt><Dt>${line.bookingDate ?? '2026-03-19'}</Dt></BookgDt><ValDt><Dt>${line.bookingDate ?? '2026-03-19'}</Dt></ValDt>
        ${line.bankRef ? `<AcctSvcrRef>${esc(line.bankRef)}</AcctSvcrRef>` : ''}
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
          <AmtDtls><TxAmt><Amt Ccy="${ccy}">${line.amount}</Amt></TxAmt></AmtDtls>
          <RltdPties><Dbtr><Nm>${esc(line.debtorName ?? 'Acme NV')}</Nm></Dbtr><DbtrAcct><Id><IBAN>BE68539007547034</IBAN></Id></DbtrAcct></RltdPties>
          ${rmt ? `<RmtInf>${rmt}</RmtInf>` : ''}
        </TxDtls></NtryDtls>
      </Ntry>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:${kind}.001.02">
  <${root}>
    <GrpHdr><MsgId>${esc(input.msgId)}</MsgId><CreDtTm>2026-03-20T06:00:00Z</CreDtTm></GrpHdr>
    <${report}>
      <Id>${esc(input.msgId)}-1</Id><CreDtTm>2026-03-20T06:00:00Z</CreDtTm>
      <Acct><Id><IBAN>${input.iban ?? 'BE71096123456769'}</IBAN></Id><Ccy>EUR</Ccy></Acct>
      ${entries}
    </${report}>
  </${root}>
</Document>`;
}
