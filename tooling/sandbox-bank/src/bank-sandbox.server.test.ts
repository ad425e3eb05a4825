import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBankSandbox, type BankSandbox } from './bank-sandbox.server.js';
import { SETTLING_IBANS, TEST_IBANS, hasValidIbanChecksum } from './test-ibans.js';

interface Tx {
  e2e: string;
  amount: string;
  iban: string;
  mandate?: string;
}

/** A minimal pain.008.001.02 file, written by hand so the sandbox is tested without the plugin. */
function pain008(input: { msgId: string; date: string; txs: Tx[]; ctrlSum?: string; namespace?: string; seq?: string }): string {
  const sum = input.ctrlSum ?? (input.txs.reduce((s, t) => s + Math.round(Number(t.amount) * 100), 0) / 100).toFixed(2);
  const txs = input.txs
    .map(
      (t) => `<DrctDbtTxInf><PmtId><EndToEndId>${t.e2e}</EndToEndId></PmtId><InstdAmt Ccy="EUR">${t.amount}</InstdAmt>
      <DrctDbtTx><MndtRltdInf><MndtId>${t.mandate ?? 'M-1'}</MndtId><DtOfSgntr>2026-01-02</DtOfSgntr></MndtRltdInf></DrctDbtTx>
      <DbtrAgt><FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId></DbtrAgt><Dbtr><Nm>Debtor ${t.e2e}</Nm></Dbtr>
      <DbtrAcct><Id><IBAN>${t.iban}</IBAN></Id></DbtrAcct></DrctDbtTxInf>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="${input.namespace ?? 'urn:iso:std:iso:20022:tech:xsd:pain.008.001.02'}"><CstmrDrctDbtInitn>
<GrpHdr><MsgId>${input.msgId}</MsgId><CreDtTm>2026-01-15T09:00:00</CreDtTm><NbOfTxs>${input.txs.length}</NbOfTxs><CtrlSum>${sum}</CtrlSum><InitgPty><Nm>Tollgate</Nm></InitgPty></GrpHdr>
<PmtInf><PmtInfId>${input.msgId}.0</PmtInfId><PmtMtd>DD</PmtMtd><NbOfTxs>${input.txs.length}</NbOfTxs><CtrlSum>${sum}</CtrlSum>
<PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl><LclInstrm><Cd>CORE</Cd></LclInstrm><SeqTp>${input.seq ?? 'FRST'}</SeqTp></PmtTpInf>
<ReqdColltnDt>${input.date}</ReqdColltnDt><Cdtr><Nm>Tollgate</Nm></Cdtr><CdtrAcct><Id><IBAN>BE68539007547034</IBAN></Id></CdtrAcct>
<CdtrAgt><FinInstnId><BIC>GEBABEBB</BIC></FinInstnId></CdtrAgt><ChrgBr>SLEV</ChrgBr>
<CdtrSchmeId><Id><PrvtId><Othr><Id>BE69ZZZ0123456789</Id><SchmeNm><Prtry>SEPA</Prtry></SchmeNm></Othr></PrvtId></Id></CdtrSchmeId>
${txs}</PmtInf></CstmrDrctDbtInitn></Document>`;
}

const ibanFor = (code: string): string => Object.entries(TEST_IBANS).find(([, o]) => o.code === code)![0];
const parser = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, parseTagValue: false, isArray: (n) => n === 'TxInfAndSts' });

describe('test IBANs', () => {
  it('have valid checksums, one per scripted outcome', () => {
    for (const iban of [...Object.keys(TEST_IBANS), ...SETTLING_IBANS]) expect(hasValidIbanChecksum(iban), iban).toBe(true);
    expect(hasValidIbanChecksum('BE68539007547035')).toBe(false);
    expect(
      Object.values(TEST_IBANS)
        .map((o) => o.code)
        .sort(),
    ).toEqual(['AC04', 'AM04', 'MD01', 'MD06']);
  });
});

describe('bank sandbox', () => {
  let now = new Date('2026-01-15T09:00:00Z');
  let bank: BankSandbox;
  beforeAll(async () => {
    bank = await startBankSandbox({ now: () => now, token: 'tok' });
  });
  afterAll(() => bank?.close());
  beforeEach(() => {
    bank.control.reset();
    now = new Date('2026-01-15T09:00:00Z');
  });

  const upload = (xml: string, token = 'tok') =>
    fetch(`${bank.url}/files/pain.008`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' }, body: xml });
  const reports = async (after?: string) => {
    const res = await fetch(`${bank.url}/files/pain.002${after ? `?after=${after}` : ''}`, { headers: { authorization: 'Bearer tok' } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: Array<{ id: string; createdAt: string; xml: string }> }).data;
  };

  it('takes a pain.008 file and keeps every transaction', async () => {
    const res = await upload(
      pain008({
        msgId: 'MSG1',
        date: '2026-01-19',
        txs: [
          { e2e: 'E1', amount: '1000.00', iban: SETTLING_IBANS[0]! },
          { e2e: 'E2', amount: '5', iban: 'NL91 ABNA 0417 1643 00', mandate: 'M-2' },
        ],
      }),
    );
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ msgId: 'MSG1', transactions: 2, fileId: expect.stringMatching(/^file_/) });
    expect(bank.control.files()).toHaveLength(1);
    expect(bank.control.files()[0]).toMatchObject({ msgId: 'MSG1', transactionCount: 2, controlSum: '1005.00' });
    expect(bank.control.transactions().map((t) => [t.endToEndId, t.amount, t.debtorIban, t.mandateId, t.collectionDate, t.sequenceType, t.status])).toEqual([
      ['E1', '1000.00', 'BE68539007547034', 'M-1', '2026-01-19', 'FRST', 'accepted'],
      ['E2', '5.00', 'NL91ABNA0417164300', 'M-2', '2026-01-19', 'FRST', 'accepted'],
    ]);
  });

  it('refuses a missing token, other messages, broken files and a second copy', async () => {
    const good = pain008({ msgId: 'MSG2', date: '2026-01-19', txs: [{ e2e: 'E1', amount: '10.00', iban: SETTLING_IBANS[0]! }] });
    expect((await upload(good, 'wrong')).status).toBe(401);
    const other = await upload(
      pain008({
        msgId: 'X',
        date: '2026-01-19',
        txs: [{ e2e: 'E9', amount: '1.00', iban: SETTLING_IBANS[0]! }],
        namespace: 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.03',
      }),
    );
    expect(other.status).toBe(400);
    expect(((await other.json()) as { error: { message: string } }).error.message).toContain('pain.008.001.02');
    const broken = await upload('<Document><CstmrDrctDbtInitn></Document>');
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { message: string } }).error.message).toContain('not well-formed');
    const wrongSum = await upload(
      pain008({ msgId: 'MSG3', date: '2026-01-19', txs: [{ e2e: 'E3', amount: '10.00', iban: SETTLING_IBANS[0]! }], ctrlSum: '10.01' }),
    );
    expect(wrongSum.status).toBe(400);
    expect(((await wrongSum.json()) as { error: { message: string } }).error.message).toMatch(/CtrlSum 10\.01 does not match/);
    const badIban = await upload(pain008({ msgId: 'MSG4', date: '2026-01-19', txs: [{ e2e: 'E4', amount: '10.00', iban: 'BE68539007547035' }] }));
    expect(badIban.status).toBe(400);
    expect((await upload(good)).status).toBe(202);
    const again = await upload(good);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('duplicate_file');
    expect(bank.control.files().map((f) => f.msgId)).toEqual(['MSG2']);
  });

  it('refuses AM04/MD01/AC04 IBANs on the collection date and reverses MD06 after reversalDays; others settle', async () => {
    const txs: Tx[] = [
      { e2e: 'OK', amount: '20.00', iban: SETTLING_IBANS[1]! },
      { e2e: 'AM', amount: '20.00', iban: ibanFor('AM04') },
      { e2e: 'MD', amount: '21.50', iban: ibanFor('MD01'), mandate: 'TG-M-42' },
      { e2e: 'AC', amount: '20.00', iban: ibanFor('AC04') },
      { e2e: 'RV', amount: '30.00', iban: ibanFor('MD06') },
    ];
    expect((await upload(pain008({ msgId: 'MSG5', date: '2026-01-19', txs, seq: 'RCUR' }))).status).toBe(202);
    expect(await reports()).toEqual([]);
    now = new Date('2026-01-18T23:59:59Z');
    expect(await reports()).toEqual([]);

    now = new Date('2026-01-19T00:00:00Z');
    const [refusal, ...more] = await reports();
    expect(more).toEqual([]);
    const doc = parser.parse(refusal!.xml).Document.CstmrPmtStsRpt;
    expect(doc.GrpHdr.MsgId).toBe(refusal!.id);
    expect(doc.OrgnlGrpInfAndSts).toMatchObject({ OrgnlMsgId: 'MSG5', OrgnlMsgNmId: 'pain.008.001.02' });
    const items = doc.OrgnlPmtInfAndSts.TxInfAndSts as Array<Record<string, any>>;
    expect(items.map((i) => [i.OrgnlEndToEndId, i.TxSts, i.StsRsnInf.Rsn.Cd])).toEqual([
      ['AM', 'RJCT', 'AM04'],
      ['MD', 'RJCT', 'MD01'],
      ['AC', 'RJCT', 'AC04'],
    ]);
    expect(items[1]!.OrgnlTxRef).toMatchObject({
      Amt: { InstdAmt: { '#text': '21.50', '@_Ccy': 'EUR' } },
      ReqdColltnDt: '2026-01-19',
      MndtRltdInf: { MndtId: 'TG-M-42' },
    });

    now = new Date('2026-01-28T23:00:00Z');
    expect(await reports(refusal!.id)).toEqual([]);
    now = new Date('2026-01-29T00:00:00Z');
    const [reversal] = await reports(refusal!.id);
    const rv = parser.parse(reversal!.xml).Document.CstmrPmtStsRpt.OrgnlPmtInfAndSts.TxInfAndSts;
    expect(rv.map((i: Record<string, any>) => [i.OrgnlEndToEndId, i.StsRsnInf.Rsn.Cd])).toEqual([['RV', 'MD06']]);
    expect((await reports()).map((r) => r.id)).toEqual([refusal!.id, reversal!.id]);
    expect(bank.control.transactions().find((t) => t.endToEndId === 'OK')).toMatchObject({ status: 'accepted' });
    expect(bank.control.transactions().find((t) => t.endToEndId === 'RV')).toMatchObject({
      status: 'rejected',
      rejection: { kind: 'reversal', code: 'MD06', reportId: reversal!.id },
    });
  });

  it('returns a transaction on command, over HTTP too, and refuses unknown ones', async () => {
    await upload(
      pain008({
        msgId: 'MSG6',
        date: '2026-01-19',
        txs: [
          { e2e: 'A', amount: '9.99', iban: SETTLING_IBANS[2]! },
          { e2e: 'B', amount: '1.00', iban: SETTLING_IBANS[3]! },
        ],
      }),
    );
    expect(bank.control.returnTransaction({ endToEndId: 'A', code: 'MS02' })).toMatchObject({ code: 'MS02', dueAt: now });
    const viaHttp = await fetch(`${bank.url}/_sandbox/returns`, {
      method: 'POST',
      body: JSON.stringify({ endToEndId: 'B', code: 'AC06', at: '2026-01-20T10:00:00Z' }),
    });
    expect(viaHttp.status).toBe(201);
    expect((await fetch(`${bank.url}/_sandbox/returns`, { method: 'POST', body: JSON.stringify({ endToEndId: 'nope', code: 'AC06' }) })).status).toBe(404);
    expect(() => bank.control.returnTransaction({ endToEndId: 'A', code: 'bad' })).toThrow(/R-codes/);

    const first = await reports();
    expect(first).toHaveLength(1);
    expect(first[0]!.xml).toContain('<Cd>MS02</Cd>');
    now = new Date('2026-01-20T10:00:00Z');
    const second = await reports(first[0]!.id);
    expect(second).toHaveLength(1);
    expect(second[0]!.xml).toContain('<Cd>AC06</Cd>');
    const listed = (await (await fetch(`${bank.url}/_sandbox/reports`)).json()) as { data: unknown[] };
    expect(listed.data).toHaveLength(2);
    expect((await fetch(`${bank.url}/files/pain.002?after=RPT99999999`, { headers: { authorization: 'Bearer tok' } })).status).toBe(400);
  });

  it('settles now on command: ACSC for collections that pay, the scripted refusal now for those that do not, MD06 still later', async () => {
    const txs: Tx[] = [
      { e2e: 'P1', amount: '20.00', iban: SETTLING_IBANS[0]! },
      { e2e: 'P2', amount: '5.00', iban: SETTLING_IBANS[1]! },
      { e2e: 'NO', amount: '20.00', iban: ibanFor('AM04') },
      { e2e: 'RV', amount: '30.00', iban: ibanFor('MD06') },
    ];
    expect((await upload(pain008({ msgId: 'MSG8', date: '2026-01-19', txs }))).status).toBe(202);
    const one = await fetch(`${bank.url}/_sandbox/settle`, { method: 'POST', body: JSON.stringify({ endToEndId: 'P1' }) });
    expect(await one.json()).toEqual({ settled: ['P1'], refused: [] });
    const rest = await fetch(`${bank.url}/_sandbox/settle`, { method: 'POST' });
    expect(await rest.json()).toEqual({ settled: ['P2', 'RV'], refused: ['NO'] });
    expect((await fetch(`${bank.url}/_sandbox/settle`, { method: 'POST', body: JSON.stringify({ endToEndId: 'nope' }) })).status).toBe(404);

    const issued = await reports();
    const statuses = issued.flatMap((r) =>
      (parser.parse(r.xml).Document.CstmrPmtStsRpt.OrgnlPmtInfAndSts.TxInfAndSts as Array<Record<string, any>>).map((i) => [
        i.OrgnlEndToEndId,
        i.TxSts,
        i.StsRsnInf?.Rsn?.Cd,
      ]),
    );
    expect(statuses).toEqual([
      ['P1', 'ACSC', undefined],
      ['NO', 'RJCT', 'AM04'],
      ['P2', 'ACSC', undefined],
      ['RV', 'ACSC', undefined],
    ]);
    expect(bank.control.transactions().map((t) => [t.endToEndId, t.status])).toEqual([
      ['P1', 'settled'],
      ['P2', 'settled'],
      ['NO', 'rejected'],
      ['RV', 'settled'],
    ]);
    // Settling twice settles nothing more; the debtor's refund request still comes after reversalDays.
    expect(bank.control.settle()).toEqual({ settled: [], refused: [] });
    now = new Date('2026-01-29T00:00:00Z');
    const [reversal] = await reports(issued.at(-1)!.id);
    expect(reversal!.xml).toContain('<Cd>MD06</Cd>');
  });

  it('fails the next requests on command, then recovers; reset forgets everything', async () => {
    const res = await fetch(`${bank.url}/_sandbox/fail-next-requests`, { method: 'POST', body: JSON.stringify({ count: 2, status: 503 }) });
    expect(res.status).toBe(200);
    const xml = pain008({ msgId: 'MSG7', date: '2026-01-19', txs: [{ e2e: 'Z', amount: '3.00', iban: SETTLING_IBANS[0]! }] });
    expect((await upload(xml)).status).toBe(503);
    expect((await upload(xml)).status).toBe(503);
    expect(bank.control.files()).toEqual([]);
    expect((await upload(xml)).status).toBe(202);
    bank.control.failNextRequests({ count: 1 });
    expect((await fetch(`${bank.url}/files/pain.002`, { headers: { authorization: 'Bearer tok' } })).status).toBe(500);
    expect((await fetch(`${bank.url}/_sandbox/reset`, { method: 'POST' })).status).toBe(200);
    expect(bank.control.files()).toEqual([]);
    expect(bank.control.transactions()).toEqual([]);
    expect((await upload(xml)).status).toBe(202);
  });
});

describe('bank sandbox state (exportState / importState)', () => {
  it('files, collections and scripted rejections survive a JSON round trip into a new bank', async () => {
    let now = new Date('2026-01-15T09:00:00Z');
    let changes = 0;
    const first = await startBankSandbox({ now: () => now, token: 'tok', onStateChange: () => (changes += 1) });
    const second = await startBankSandbox({ now: () => now, token: 'tok' });
    try {
      const xml = pain008({
        msgId: 'MSG-R',
        date: '2026-01-19',
        txs: [
          { e2e: 'OK1', amount: '10.00', iban: SETTLING_IBANS[0]! },
          { e2e: 'NO1', amount: '20.00', iban: ibanFor('AM04') },
        ],
      });
      const upload = (bank: BankSandbox) =>
        fetch(`${bank.url}/files/pain.008`, { method: 'POST', headers: { authorization: 'Bearer tok', 'content-type': 'application/xml' }, body: xml });
      expect((await upload(first)).status).toBe(202);
      expect(changes).toBe(1);

      second.control.importState(JSON.parse(JSON.stringify(first.control.exportState())));
      expect(second.control.files()).toEqual(first.control.files());
      expect(second.control.transactions()).toEqual(first.control.transactions());
      // The restarted bank still knows the file, and still reports the scripted refusal when it is due.
      expect((await upload(second)).status).toBe(409);
      now = new Date('2026-01-19T00:00:00Z');
      expect(second.control.reports().flatMap((r) => r.endToEndIds)).toEqual(['NO1']);
      expect(second.control.settle()).toEqual({ settled: ['OK1'], refused: [] });
      // Report ids go on from where the first process stopped.
      const again = await startBankSandbox({ now: () => now, token: 'tok' });
      again.control.importState(JSON.parse(JSON.stringify(second.control.exportState())));
      expect(again.control.reports().map((r) => r.id)).toEqual(['RPT00000001', 'RPT00000002']);
      await again.close();
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('refuses a snapshot of an unknown version', async () => {
    const bank = await startBankSandbox();
    try {
      expect(() => bank.control.importState({ version: 0 } as never)).toThrow(/unknown version 0/);
    } finally {
      await bank.close();
    }
  });
});
