import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBankSandbox, type BankSandbox, type BankSandboxState } from './bank-sandbox.server.js';
import { NON_EEA_IBANS, SETTLING_IBANS, TEST_IBANS, hasValidIbanChecksum } from './test-ibans.js';
import { validateXsd } from './xsd.js';

interface Tx {
  e2e: string;
  amount: string;
  iban: string;
  mandate?: string;
  ccy?: string;
  /** DbtrAgt/FinInstnId/BIC (default: Othr/Id NOTPROVIDED, as the plugin writes for EEA debtors). */
  bic?: string;
  /** Dbtr/PstlAdr */
  address?: { country?: string; line?: string };
}

interface Batch {
  id?: string;
  date: string;
  seq?: string;
  txs: Tx[];
  ctrlSum?: string;
  nbOfTxs?: number;
  creditorId?: string;
  /** LclInstrm/Cd, default CORE. */
  instrument?: string;
}

const cents = (txs: Tx[]): string => (txs.reduce((s, t) => s + Math.round(Number(t.amount) * 100), 0) / 100).toFixed(2);

/** A pain.008.001.02 file, written by hand so the sandbox is tested without the plugin. */
function pain008(input: {
  msgId: string;
  date?: string;
  txs?: Tx[];
  seq?: string;
  batches?: Batch[];
  ctrlSum?: string;
  batchCtrlSum?: string;
  nbOfTxs?: number;
  namespace?: string;
}): string {
  const batches: Batch[] = input.batches ?? [
    { date: input.date!, txs: input.txs!, ...(input.seq ? { seq: input.seq } : {}), ...(input.batchCtrlSum ? { ctrlSum: input.batchCtrlSum } : {}) },
  ];
  const all = batches.flatMap((b) => b.txs);
  const txXml = (t: Tx) => {
    const agent = t.bic ? `<BIC>${t.bic}</BIC>` : '<Othr><Id>NOTPROVIDED</Id></Othr>';
    const address = t.address
      ? `<PstlAdr>${t.address.country ? `<Ctry>${t.address.country}</Ctry>` : ''}${t.address.line ? `<AdrLine>${t.address.line}</AdrLine>` : ''}</PstlAdr>`
      : '';
    return `<DrctDbtTxInf><PmtId><EndToEndId>${t.e2e}</EndToEndId></PmtId><InstdAmt Ccy="${t.ccy ?? 'EUR'}">${t.amount}</InstdAmt>
      <DrctDbtTx><MndtRltdInf><MndtId>${t.mandate ?? `M-${t.e2e}`}</MndtId><DtOfSgntr>2026-01-02</DtOfSgntr></MndtRltdInf></DrctDbtTx>
      <DbtrAgt><FinInstnId>${agent}</FinInstnId></DbtrAgt><Dbtr><Nm>Debtor ${t.e2e}</Nm>${address}</Dbtr>
      <DbtrAcct><Id><IBAN>${t.iban}</IBAN></Id></DbtrAcct></DrctDbtTxInf>`;
  };
  const pmtInf = batches
    .map(
      (
        b,
        i,
      ) => `<PmtInf><PmtInfId>${b.id ?? `${input.msgId}.${i}`}</PmtInfId><PmtMtd>DD</PmtMtd><NbOfTxs>${b.nbOfTxs ?? b.txs.length}</NbOfTxs><CtrlSum>${b.ctrlSum ?? cents(b.txs)}</CtrlSum>
<PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl><LclInstrm><Cd>${b.instrument ?? 'CORE'}</Cd></LclInstrm><SeqTp>${b.seq ?? 'FRST'}</SeqTp></PmtTpInf>
<ReqdColltnDt>${b.date}</ReqdColltnDt><Cdtr><Nm>Tollgate</Nm></Cdtr><CdtrAcct><Id><IBAN>BE68539007547034</IBAN></Id></CdtrAcct>
<CdtrAgt><FinInstnId><BIC>GEBABEBB</BIC></FinInstnId></CdtrAgt><ChrgBr>SLEV</ChrgBr>
<CdtrSchmeId><Id><PrvtId><Othr><Id>${b.creditorId ?? 'BE68ZZZ0123456789'}</Id><SchmeNm><Prtry>SEPA</Prtry></SchmeNm></Othr></PrvtId></Id></CdtrSchmeId>
${b.txs.map(txXml).join('')}</PmtInf>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="${input.namespace ?? 'urn:iso:std:iso:20022:tech:xsd:pain.008.001.02'}"><CstmrDrctDbtInitn>
<GrpHdr><MsgId>${input.msgId}</MsgId><CreDtTm>2026-01-15T09:00:00</CreDtTm><NbOfTxs>${input.nbOfTxs ?? all.length}</NbOfTxs><CtrlSum>${input.ctrlSum ?? cents(all)}</CtrlSum><InitgPty><Nm>Tollgate</Nm></InitgPty></GrpHdr>
${pmtInf}</CstmrDrctDbtInitn></Document>`;
}

const ibanFor = (code: string): string => Object.entries(TEST_IBANS).find(([, o]) => o.code === code)![0];
const parser = new XMLParser({
  ignoreAttributes: false,
  removeNSPrefix: true,
  parseTagValue: false,
  isArray: (n) => ['TxInfAndSts', 'OrgnlPmtInfAndSts', 'Ntry', 'TxDtls', 'Ntfctn'].includes(n),
});
type Any = Record<string, any>;
const statusReport = (xml: string): Any => parser.parse(xml).Document.CstmrPmtStsRpt;
const notification = (xml: string): Any => parser.parse(xml).Document.BkToCstmrDbtCdtNtfctn;
/** [OrgnlEndToEndId, TxSts, Rsn/Cd or Prtry] of every transaction in a pain.002. */
const txStatuses = (xml: string): string[][] =>
  ((statusReport(xml).OrgnlPmtInfAndSts ?? []) as Any[]).flatMap((p) =>
    ((p.TxInfAndSts ?? []) as Any[]).map((t) => [t.OrgnlEndToEndId, t.TxSts, t.StsRsnInf?.Rsn?.Cd ?? t.StsRsnInf?.Rsn?.Prtry].filter((v) => v !== undefined)),
  );

describe('test IBANs', () => {
  it('have valid checksums, one per scripted outcome', () => {
    for (const iban of [...Object.keys(TEST_IBANS), ...SETTLING_IBANS, ...Object.values(NON_EEA_IBANS)]) expect(hasValidIbanChecksum(iban), iban).toBe(true);
    expect(hasValidIbanChecksum('BE68539007547035')).toBe(false);
    expect(
      Object.values(TEST_IBANS)
        .map((o) => o.code)
        .sort(),
    ).toEqual(['AC04', 'AM04', 'MD01', 'MD06', 'TG01']);
  });
});

describe('bank sandbox', () => {
  let now = new Date('2026-01-15T09:00:00Z'); // a Thursday
  let bank: BankSandbox;
  beforeAll(async () => {
    bank = await startBankSandbox({ now: () => now, token: 'tok' });
  });
  afterAll(() => bank?.close());
  beforeEach(() => {
    bank.control.reset();
    now = new Date('2026-01-15T09:00:00Z');
  });
  // Whatever a test made the bank send must be valid: every camt.054 against the ISO schema; every
  // rejection-only pain.002 against the DK/EPC profile (which knows no positive status, see README).
  afterEach(async () => {
    // At most 10 of each (plus the last): the paging test makes a hundred alike, at ~130 ms a validation.
    const some = <T>(items: T[]): T[] => (items.length > 11 ? [...items.slice(0, 10), items.at(-1)!] : items);
    for (const n of some(bank.control.notifications())) expect((await validateXsd(n.xml, 'camt.054.001.02.xsd')).errors, n.id).toEqual([]);
    for (const r of some(bank.control.reports())) {
      // Rsn/Prtry is ISO 20022 but not in that profile.
      if (/<(GrpSts|PmtInfSts|TxSts)>(?!RJCT)|<Prtry>/.test(r.xml)) continue;
      expect((await validateXsd(r.xml, 'pain.002.001.03.dk.xsd')).errors, r.id).toEqual([]);
    }
  });

  const upload = (xml: string, token = 'tok') =>
    fetch(`${bank.url}/files/pain.008`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' }, body: xml });
  const list = async (kind: 'pain.002' | 'camt.054', after?: string) => {
    const res = await fetch(`${bank.url}/files/${kind}${after ? `?after=${after}` : ''}`, { headers: { authorization: 'Bearer tok' } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: Array<{ id: string; createdAt: string; xml: string }> }).data;
  };
  const reports = (after?: string) => list('pain.002', after);
  const notifications = (after?: string) => list('camt.054', after);
  /** Uploads, expects 202, and returns the pain.002 the bank answered at once. */
  const judged = async (xml: string) => {
    const before = bank.control.reports().at(-1)?.id;
    expect((await upload(xml)).status).toBe(202);
    const [report, ...more] = await reports(before);
    expect(more).toEqual([]);
    return statusReport(report!.xml);
  };

  describe('receiving files', () => {
    it('takes a valid pain.008, keeps every collection and says ACCP at once', async () => {
      const res = await upload(
        pain008({
          msgId: 'MSG1',
          date: '2026-01-19',
          txs: [
            { e2e: 'E1', amount: '1000.00', iban: SETTLING_IBANS[0]! },
            { e2e: 'E2', amount: '5', iban: 'NL91ABNA0417164300', mandate: 'M-2' },
          ],
        }),
      );
      expect(res.status).toBe(202);
      expect(await res.json()).toMatchObject({ msgId: 'MSG1', transactions: 2, fileId: expect.stringMatching(/^file_/) });
      expect(bank.control.files()[0]).toMatchObject({ msgId: 'MSG1', status: 'accepted', transactionCount: 2, controlSum: '1005.00' });
      expect(bank.control.transactions().map((t) => [t.endToEndId, t.amount, t.debtorIban, t.mandateId, t.collectionDate, t.sequenceType, t.status])).toEqual([
        ['E1', '1000.00', 'BE68539007547034', 'M-E1', '2026-01-19', 'FRST', 'accepted'],
        ['E2', '5.00', 'NL91ABNA0417164300', 'M-2', '2026-01-19', 'FRST', 'accepted'],
      ]);
      const [accepted] = await reports();
      const doc = statusReport(accepted!.xml);
      expect(doc.OrgnlGrpInfAndSts).toMatchObject({ OrgnlMsgId: 'MSG1', OrgnlMsgNmId: 'pain.008.001.02', OrgnlNbOfTxs: '2', GrpSts: 'ACCP' });
      expect(doc.OrgnlPmtInfAndSts).toBeUndefined();
      expect(await notifications()).toEqual([]);
    });

    it("takes a file written by the payments-sepa plugin's pain.008 builder", async () => {
      // src/fixtures/payments-sepa-pain008.xml: buildPain008 output (README), collection on Monday 2026-01-19.
      const xml = readFileSync(new URL('./fixtures/payments-sepa-pain008.xml', import.meta.url), 'utf8');
      const doc = await judged(xml);
      expect(doc.OrgnlGrpInfAndSts.GrpSts).toBe('ACCP');
      expect(bank.control.transactions().map((t) => [t.endToEndId, t.status])).toEqual([
        ['TGC00000000000000000000001', 'accepted'],
        ['TGC00000000000000000000002', 'accepted'],
      ]);
    });

    it('answers 401 for a bad token, 400 only when the body is not XML, 409 for a MsgId already received', async () => {
      const good = pain008({ msgId: 'MSG2', date: '2026-01-19', txs: [{ e2e: 'E1', amount: '10.00', iban: SETTLING_IBANS[0]! }] });
      expect((await upload(good, 'wrong')).status).toBe(401);
      const broken = await upload('<Document><CstmrDrctDbtInitn></Document>');
      expect(broken.status).toBe(400);
      expect(((await broken.json()) as { error: { message: string } }).error.message).toContain('not well-formed');
      expect((await upload('  ')).status).toBe(400);
      expect((await upload(good)).status).toBe(202);
      const again = await upload(good);
      expect(again.status).toBe(409);
      expect(((await again.json()) as { error: { code: string } }).error.code).toBe('duplicate_file');
      // A refused file's MsgId is spent too: the plugin's retry of it gets 409, not a second report.
      const bad = pain008({ msgId: 'MSG3', date: '2026-01-19', txs: [{ e2e: 'E3', amount: '10.00', iban: SETTLING_IBANS[0]! }], ctrlSum: '10.01' });
      expect((await upload(bad)).status).toBe(202);
      expect((await upload(bad)).status).toBe(409);
      expect(bank.control.files().map((f) => [f.msgId, f.status])).toEqual([
        ['MSG2', 'accepted'],
        ['MSG3', 'rejected'],
      ]);
    });
  });

  describe('file level: GrpSts RJCT, no transaction details', () => {
    it('FF01 when the file fails the pain.008.001.02 XSD (another message, a missing element, a bad amount)', async () => {
      const other = pain008({
        msgId: 'X1',
        date: '2026-01-19',
        txs: [{ e2e: 'E9', amount: '1.00', iban: SETTLING_IBANS[0]! }],
        namespace: 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.03',
      });
      const noDate = pain008({ msgId: 'X2', date: '2026-01-19', txs: [{ e2e: 'E8', amount: '1.00', iban: SETTLING_IBANS[0]! }] }).replace(
        '<ReqdColltnDt>2026-01-19</ReqdColltnDt>',
        '',
      );
      const badAmount = pain008({ msgId: 'X3', date: '2026-01-19', txs: [{ e2e: 'E7', amount: '1,00', iban: SETTLING_IBANS[0]! }], ctrlSum: '1.00' });
      for (const [xml, msgId] of [
        [other, 'X1'],
        [noDate, 'X2'],
        [badAmount, 'X3'],
      ] as const) {
        const doc = await judged(xml);
        expect(doc.OrgnlGrpInfAndSts, msgId).toMatchObject({ OrgnlMsgId: msgId, GrpSts: 'RJCT', StsRsnInf: { Rsn: { Cd: 'FF01' } } });
        expect(bank.control.files().at(-1)!.refusals).toEqual([
          { level: 'file', id: msgId, code: 'FF01', message: expect.stringContaining('not a valid pain.008.001.02') },
        ]);
        expect(doc.OrgnlPmtInfAndSts).toBeUndefined();
      }
      expect(bank.control.transactions()).toEqual([]);
      expect(bank.control.files().map((f) => f.status)).toEqual(['rejected', 'rejected', 'rejected']);
    });

    it('AM10 when GrpHdr/CtrlSum does not match, AM18 when GrpHdr/NbOfTxs does not', async () => {
      const txs = [{ e2e: 'E1', amount: '10.00', iban: SETTLING_IBANS[0]! }];
      const sum = await judged(pain008({ msgId: 'S1', date: '2026-01-19', txs, ctrlSum: '10.01' }));
      expect(sum.OrgnlGrpInfAndSts).toMatchObject({ GrpSts: 'RJCT', StsRsnInf: { Rsn: { Cd: 'AM10' } } });
      expect(sum.OrgnlPmtInfAndSts).toBeUndefined();
      const count = await judged(pain008({ msgId: 'S2', date: '2026-01-19', txs, nbOfTxs: 2 }));
      expect(count.OrgnlGrpInfAndSts).toMatchObject({ GrpSts: 'RJCT', StsRsnInf: { Rsn: { Cd: 'AM18' } } });
      expect(bank.control.transactions()).toEqual([]);
    });

    it('rejects the next file whole on command (POST /_sandbox/reject-next-file), then takes files again', async () => {
      const res = await fetch(`${bank.url}/_sandbox/reject-next-file`, { method: 'POST', body: JSON.stringify({ level: 'file', code: 'FF01' }) });
      expect(res.status).toBe(200);
      expect((await fetch(`${bank.url}/_sandbox/reject-next-file`, { method: 'POST', body: JSON.stringify({ level: 'tx', code: 'FF01' }) })).status).toBe(400);
      const txs = [{ e2e: 'E1', amount: '10.00', iban: SETTLING_IBANS[0]! }];
      const doc = await judged(pain008({ msgId: 'F1', date: '2026-01-19', txs }));
      expect(doc.OrgnlGrpInfAndSts).toMatchObject({ GrpSts: 'RJCT', StsRsnInf: { Rsn: { Cd: 'FF01' } } });
      // A corrected file (new MsgId, same EndToEndId) goes through: refused collections are not kept.
      expect((await judged(pain008({ msgId: 'F2', date: '2026-01-19', txs }))).OrgnlGrpInfAndSts.GrpSts).toBe('ACCP');
    });
  });

  describe('batch level: PmtInfSts RJCT, no transactions', () => {
    it('DT01 for a collection date that is not a TARGET2 business day, GrpSts PART when another batch passes', async () => {
      const doc = await judged(
        pain008({
          msgId: 'B1',
          batches: [
            { id: 'GOOD', date: '2026-01-19', txs: [{ e2e: 'G1', amount: '1.00', iban: SETTLING_IBANS[0]! }] },
            { id: 'SAT', date: '2026-01-24', txs: [{ e2e: 'S1', amount: '2.00', iban: SETTLING_IBANS[1]! }] },
            { id: 'GOODFRIDAY', date: '2026-04-03', txs: [{ e2e: 'H1', amount: '3.00', iban: SETTLING_IBANS[1]! }] },
          ],
        }),
      );
      expect(doc.OrgnlGrpInfAndSts.GrpSts).toBe('PART');
      expect((doc.OrgnlPmtInfAndSts as Any[]).map((p) => [p.OrgnlPmtInfId, p.PmtInfSts, p.StsRsnInf.Rsn.Cd, p.TxInfAndSts])).toEqual([
        ['SAT', 'RJCT', 'DT01', undefined],
        ['GOODFRIDAY', 'RJCT', 'DT01', undefined],
      ]);
      expect(bank.control.transactions().map((t) => t.endToEndId)).toEqual(['G1']);
      expect(bank.control.files()[0]).toMatchObject({ status: 'partial', transactionCount: 1, controlSum: '1.00' });
    });

    it('DT01 for a collection date too soon (SDD Core D-1, or minLeadDays); GrpSts RJCT when no batch passes', async () => {
      // Received Thursday 2026-01-15: Friday the 16th is the earliest with the default lead of 1 business day.
      const today = await judged(pain008({ msgId: 'T1', date: '2026-01-15', txs: [{ e2e: 'T1', amount: '1.00', iban: SETTLING_IBANS[0]! }] }));
      expect(today.OrgnlGrpInfAndSts.GrpSts).toBe('RJCT');
      expect(today.OrgnlGrpInfAndSts.StsRsnInf).toBeUndefined();
      expect(today.OrgnlPmtInfAndSts[0]).toMatchObject({ PmtInfSts: 'RJCT', StsRsnInf: { Rsn: { Cd: 'DT01' } } });
      expect(
        (await judged(pain008({ msgId: 'T2', date: '2026-01-16', txs: [{ e2e: 'T2', amount: '1.00', iban: SETTLING_IBANS[0]! }] }))).OrgnlGrpInfAndSts.GrpSts,
      ).toBe('ACCP');
      // Received on a Saturday: processed Monday, so Tuesday at the earliest.
      now = new Date('2026-01-17T10:00:00Z');
      const monday = await judged(pain008({ msgId: 'T3', date: '2026-01-19', txs: [{ e2e: 'T3', amount: '1.00', iban: SETTLING_IBANS[0]! }] }));
      expect(monday.OrgnlPmtInfAndSts[0]).toMatchObject({ PmtInfSts: 'RJCT', StsRsnInf: { Rsn: { Cd: 'DT01' } } });

      const strict = await startBankSandbox({ now: () => new Date('2026-01-15T09:00:00Z'), token: 'tok', minLeadDays: 2 });
      try {
        const res = await fetch(`${strict.url}/files/pain.008`, {
          method: 'POST',
          headers: { authorization: 'Bearer tok' },
          body: pain008({ msgId: 'T4', date: '2026-01-16', txs: [{ e2e: 'T4', amount: '1.00', iban: SETTLING_IBANS[0]! }] }),
        });
        expect(res.status).toBe(202);
        expect(statusReport(strict.control.reports()[0]!.xml).OrgnlPmtInfAndSts[0]).toMatchObject({ PmtInfSts: 'RJCT', StsRsnInf: { Rsn: { Cd: 'DT01' } } });
      } finally {
        await strict.close();
      }
      await expect(startBankSandbox({ minLeadDays: 0 })).rejects.toThrow(/minLeadDays/);
    });

    it('AM10/AM18 for a batch whose CtrlSum/NbOfTxs is wrong, BE05 for an invalid creditor scheme id, FF01 for a B2B batch at an SDD Core bank', async () => {
      const doc = await judged(
        pain008({
          msgId: 'B2',
          batches: [
            { id: 'SUM', date: '2026-01-19', ctrlSum: '9.99', txs: [{ e2e: 'A1', amount: '1.00', iban: SETTLING_IBANS[0]! }] },
            { id: 'COUNT', date: '2026-01-19', nbOfTxs: 3, txs: [{ e2e: 'A2', amount: '1.00', iban: SETTLING_IBANS[0]! }] },
            { id: 'CID', date: '2026-01-19', creditorId: 'BE69ZZZ0123456789', txs: [{ e2e: 'A3', amount: '1.00', iban: SETTLING_IBANS[0]! }] },
            { id: 'OK', date: '2026-01-19', creditorId: 'DE98ZZZ09999999999', txs: [{ e2e: 'A4', amount: '1.00', iban: SETTLING_IBANS[0]! }] },
            { id: 'B2B', date: '2026-01-19', instrument: 'B2B', txs: [{ e2e: 'A5', amount: '1.00', iban: SETTLING_IBANS[0]! }] },
          ],
          // Group totals right, so the group passes and the batches are judged.
          nbOfTxs: 5,
        }),
      );
      expect(doc.OrgnlGrpInfAndSts.GrpSts).toBe('PART');
      expect((doc.OrgnlPmtInfAndSts as Any[]).map((p) => [p.OrgnlPmtInfId, p.StsRsnInf.Rsn.Cd])).toEqual([
        ['SUM', 'AM10'],
        ['COUNT', 'AM18'],
        ['CID', 'BE05'],
        ['B2B', 'FF01'],
      ]);
      expect(bank.control.transactions().map((t) => t.endToEndId)).toEqual(['A4']);
    });

    it('rejects batches of the next file on command (all, or one PmtInfId)', async () => {
      bank.control.rejectNextFile({ level: 'batch', code: 'DT01', pmtInfId: 'TWO' });
      const doc = await judged(
        pain008({
          msgId: 'B3',
          batches: [
            { id: 'ONE', date: '2026-01-19', txs: [{ e2e: 'O1', amount: '1.00', iban: SETTLING_IBANS[0]! }] },
            { id: 'TWO', date: '2026-01-19', txs: [{ e2e: 'O2', amount: '1.00', iban: SETTLING_IBANS[0]! }] },
          ],
        }),
      );
      expect(doc.OrgnlGrpInfAndSts.GrpSts).toBe('PART');
      expect((doc.OrgnlPmtInfAndSts as Any[]).map((p) => [p.OrgnlPmtInfId, p.PmtInfSts, p.StsRsnInf.Rsn.Cd])).toEqual([['TWO', 'RJCT', 'DT01']]);
      await fetch(`${bank.url}/_sandbox/reject-next-file`, { method: 'POST', body: JSON.stringify({ level: 'batch', code: 'AM05' }) });
      const all = await judged(pain008({ msgId: 'B4', date: '2026-01-19', txs: [{ e2e: 'O3', amount: '1.00', iban: SETTLING_IBANS[0]! }] }));
      expect(all.OrgnlGrpInfAndSts.GrpSts).toBe('RJCT');
      expect(all.OrgnlPmtInfAndSts[0]).toMatchObject({ OrgnlPmtInfId: 'B4.0', PmtInfSts: 'RJCT', StsRsnInf: { Rsn: { Cd: 'AM05' } } });
    });
  });

  describe('transaction level: TxSts RJCT, GrpSts PART when some pass', () => {
    it('RC01 / BE07 for a debtor outside the EEA (CH, GB) without the agent BIC or a postal address; taken with both', async () => {
      const doc = await judged(
        pain008({
          msgId: 'N1',
          date: '2026-01-19',
          txs: [
            { e2e: 'CH-NOBIC', amount: '1.00', iban: NON_EEA_IBANS.CH, address: { country: 'CH', line: 'Bahnhofstrasse 1, 8001 Zurich' } },
            { e2e: 'GB-NOADDR', amount: '1.00', iban: NON_EEA_IBANS.GB, bic: 'NWBKGB2L' },
            { e2e: 'GB-NOLINE', amount: '1.00', iban: NON_EEA_IBANS.GB, bic: 'NWBKGB2L', address: { country: 'GB' } },
            { e2e: 'CH-OK', amount: '1.00', iban: NON_EEA_IBANS.CH, bic: 'UBSWCHZH80A', address: { country: 'CH', line: 'Bahnhofstrasse 1, 8001 Zurich' } },
            { e2e: 'EEA-OK', amount: '1.00', iban: SETTLING_IBANS[0]! },
          ],
        }),
      );
      expect(doc.OrgnlGrpInfAndSts.GrpSts).toBe('PART');
      expect(txStatuses(bank.control.reports()[0]!.xml)).toEqual([
        ['CH-NOBIC', 'RJCT', 'RC01'],
        ['GB-NOADDR', 'RJCT', 'BE07'],
        ['GB-NOLINE', 'RJCT', 'BE07'],
      ]);
      expect(bank.control.transactions().map((t) => t.endToEndId)).toEqual(['CH-OK', 'EEA-OK']);
    });

    it('AM03 for another currency, AC01 for a bad IBAN checksum, AM01/AM12 for a zero or sub-cent amount, DNOR outside SEPA, AM05 for an EndToEndId already taken', async () => {
      expect(
        (await judged(pain008({ msgId: 'D1', date: '2026-01-19', txs: [{ e2e: 'SAME', amount: '1.00', iban: SETTLING_IBANS[0]! }] }))).OrgnlGrpInfAndSts.GrpSts,
      ).toBe('ACCP');
      const doc = await judged(
        pain008({
          msgId: 'D2',
          date: '2026-01-19',
          // Exact totals with the sub-cent amount, so only the transactions are judged.
          ctrlSum: '6.005',
          batchCtrlSum: '6.005',
          txs: [
            { e2e: 'SAME', amount: '1.00', iban: SETTLING_IBANS[1]! },
            { e2e: 'USD', amount: '1.00', iban: SETTLING_IBANS[1]!, ccy: 'USD' },
            { e2e: 'IBAN', amount: '1.00', iban: 'BE68539007547035' },
            { e2e: 'ZERO', amount: '0.00', iban: SETTLING_IBANS[1]! },
            { e2e: 'CENT', amount: '1.005', iban: SETTLING_IBANS[1]! },
            // Turkey has IBANs but is not in SEPA.
            { e2e: 'TR', amount: '1.00', iban: 'TR330006100519786457841326' },
            { e2e: 'FINE', amount: '1.00', iban: SETTLING_IBANS[1]! },
          ],
        }),
      );
      expect(doc.OrgnlGrpInfAndSts.GrpSts).toBe('PART');
      expect(txStatuses(bank.control.reports().at(-1)!.xml)).toEqual([
        ['SAME', 'RJCT', 'AM05'],
        ['USD', 'RJCT', 'AM03'],
        ['IBAN', 'RJCT', 'AC01'],
        ['ZERO', 'RJCT', 'AM01'],
        ['CENT', 'RJCT', 'AM12'],
        ['TR', 'RJCT', 'DNOR'],
      ]);
      expect(bank.control.transactions().map((t) => [t.endToEndId, t.msgId])).toEqual([
        ['SAME', 'D1'],
        ['FINE', 'D2'],
      ]);
    });

    it('AG01 for a collection on a mandate after its FNAL, or a second OOFF; RCUR may open a mandate (FRST optional since 2016)', async () => {
      const doc = await judged(
        pain008({
          msgId: 'Q1',
          batches: [
            { id: 'FIRST', date: '2026-01-19', seq: 'RCUR', txs: [{ e2e: 'R1', amount: '1.00', iban: SETTLING_IBANS[0]!, mandate: 'MR' }] },
            { id: 'FINAL', date: '2026-01-20', seq: 'FNAL', txs: [{ e2e: 'F1', amount: '1.00', iban: SETTLING_IBANS[0]!, mandate: 'MF' }] },
            { id: 'ONCE', date: '2026-01-20', seq: 'OOFF', txs: [{ e2e: 'O1', amount: '1.00', iban: SETTLING_IBANS[0]!, mandate: 'MO' }] },
          ],
        }),
      );
      expect(doc.OrgnlGrpInfAndSts.GrpSts).toBe('ACCP');
      const after = await judged(
        pain008({
          msgId: 'Q2',
          batches: [
            { id: 'AFTERFNAL', date: '2026-01-21', seq: 'RCUR', txs: [{ e2e: 'F2', amount: '1.00', iban: SETTLING_IBANS[0]!, mandate: 'MF' }] },
            {
              id: 'OOFF2',
              date: '2026-01-21',
              seq: 'OOFF',
              txs: [
                { e2e: 'O2', amount: '1.00', iban: SETTLING_IBANS[0]!, mandate: 'MO' },
                { e2e: 'O3', amount: '1.00', iban: SETTLING_IBANS[0]!, mandate: 'MR' },
              ],
            },
            // The same mandate id under another creditor is another mandate.
            {
              id: 'OTHER',
              date: '2026-01-21',
              seq: 'RCUR',
              creditorId: 'DE98ZZZ09999999999',
              txs: [{ e2e: 'X1', amount: '1.00', iban: SETTLING_IBANS[0]!, mandate: 'MF' }],
            },
            { id: 'AGAIN', date: '2026-01-21', seq: 'FRST', txs: [{ e2e: 'R2', amount: '1.00', iban: SETTLING_IBANS[0]!, mandate: 'MR' }] },
          ],
        }),
      );
      expect(after.OrgnlGrpInfAndSts.GrpSts).toBe('PART');
      expect(txStatuses(bank.control.reports().at(-1)!.xml)).toEqual([
        ['F2', 'RJCT', 'AG01'],
        ['O2', 'RJCT', 'AG01'],
        ['O3', 'RJCT', 'AG01'],
      ]);
      expect(bank.control.transactions().map((t) => t.endToEndId)).toEqual(['R1', 'F1', 'O1', 'X1', 'R2']);
    });
  });

  describe('refusals, settlement and returns', () => {
    it('refuses AM04/MD01/AC04 IBANs on the collection date (pain.002), settles the others then (ACSC + camt.054 CRDT), MD06 later as camt.054 DBIT only', async () => {
      const txs: Tx[] = [
        { e2e: 'OK', amount: '20.00', iban: SETTLING_IBANS[1]! },
        { e2e: 'AM', amount: '20.00', iban: ibanFor('AM04') },
        { e2e: 'MD', amount: '21.50', iban: ibanFor('MD01'), mandate: 'TG-M-42' },
        { e2e: 'AC', amount: '20.00', iban: ibanFor('AC04') },
        { e2e: 'RV', amount: '30.00', iban: ibanFor('MD06') },
      ];
      expect((await upload(pain008({ msgId: 'MSG5', date: '2026-01-19', txs, seq: 'RCUR' }))).status).toBe(202);
      const [accepted] = await reports();
      now = new Date('2026-01-18T23:59:59Z');
      expect(await reports(accepted!.id)).toEqual([]);
      expect(await notifications()).toEqual([]);

      now = new Date('2026-01-19T00:00:00Z');
      const [refusal, settlement, ...more] = await reports(accepted!.id);
      expect(more).toEqual([]);
      const doc = statusReport(refusal!.xml);
      expect(doc.GrpHdr.MsgId).toBe(refusal!.id);
      expect(doc.OrgnlGrpInfAndSts).toMatchObject({ OrgnlMsgId: 'MSG5', OrgnlMsgNmId: 'pain.008.001.02' });
      expect(txStatuses(refusal!.xml)).toEqual([
        ['AM', 'RJCT', 'AM04'],
        ['MD', 'RJCT', 'MD01'],
        ['AC', 'RJCT', 'AC04'],
      ]);
      expect(doc.OrgnlPmtInfAndSts[0].TxInfAndSts[1].OrgnlTxRef).toMatchObject({
        Amt: { InstdAmt: { '#text': '21.50', '@_Ccy': 'EUR' } },
        ReqdColltnDt: '2026-01-19',
        MndtRltdInf: { MndtId: 'TG-M-42' },
      });
      expect(txStatuses(settlement!.xml)).toEqual([
        ['OK', 'ACSC'],
        ['RV', 'ACSC'],
      ]);
      const [credit] = await notifications();
      expect(notification(credit!.xml).Ntfctn[0].Ntry.map((n: Any) => [n.CdtDbtInd, n.Amt['#text']])).toEqual([['CRDT', '50.00']]);

      // reversalDays (default 10) counts TARGET2 business days: Monday 19th + 10 = Monday 2 February.
      now = new Date('2026-02-01T23:59:59Z');
      expect(await notifications(credit!.id)).toEqual([]);
      now = new Date('2026-02-02T00:00:00Z');
      const [reversal] = await notifications(credit!.id);
      const entry = notification(reversal!.xml).Ntfctn[0].Ntry[0];
      expect(entry).toMatchObject({ CdtDbtInd: 'DBIT', RvslInd: 'false', Sts: 'BOOK', Amt: { '#text': '30.00' } });
      expect(entry.BkTxCd.Domn).toEqual({ Cd: 'PMNT', Fmly: { Cd: 'IDDT', SubFmlyCd: 'UPDD' } });
      expect(entry.NtryDtls.TxDtls[0].Refs.EndToEndId).toBe('RV');
      expect(entry.NtryDtls.TxDtls[0].RtrInf.Rsn.Cd).toBe('MD06');
      // After settlement the bank says nothing more in pain.002.
      expect(await reports(settlement!.id)).toEqual([]);
      expect(bank.control.transactions().map((t) => [t.endToEndId, t.status])).toEqual([
        ['OK', 'settled'],
        ['AM', 'rejected'],
        ['MD', 'rejected'],
        ['AC', 'rejected'],
        ['RV', 'returned'],
      ]);
      expect(bank.control.transactions().find((t) => t.endToEndId === 'RV')!.rejection).toMatchObject({
        kind: 'reversal',
        code: 'MD06',
        reportId: reversal!.id,
      });
    });

    it('reports a proprietary reason as Rsn/Prtry, not Rsn/Cd', async () => {
      await upload(pain008({ msgId: 'P1', date: '2026-01-19', txs: [{ e2e: 'PR', amount: '5.00', iban: ibanFor('TG01') }] }));
      now = new Date('2026-01-19T00:00:00Z');
      const [, refusal] = await reports();
      const reason = statusReport(refusal!.xml).OrgnlPmtInfAndSts[0].TxInfAndSts[0].StsRsnInf.Rsn;
      expect(reason).toEqual({ Prtry: 'TG01' });
      expect(bank.control.transactions()[0]).toMatchObject({ status: 'rejected', rejection: { kind: 'refusal', code: 'TG01', proprietary: true } });
    });

    it('camt.054 on settlement: one CRDT entry per PmtInf batch, with Btch and TxDtls per collection', async () => {
      await upload(
        pain008({
          msgId: 'C1',
          batches: [
            {
              id: 'C1.A',
              date: '2026-01-19',
              txs: [
                { e2e: 'A1', amount: '10.00', iban: SETTLING_IBANS[0]!, mandate: 'MA1' },
                { e2e: 'A2', amount: '2.50', iban: SETTLING_IBANS[1]!, mandate: 'MA2' },
              ],
            },
            { id: 'C1.B', date: '2026-01-19', seq: 'RCUR', txs: [{ e2e: 'B1', amount: '7.00', iban: SETTLING_IBANS[2]!, mandate: 'MB1' }] },
            { id: 'C1.C', date: '2026-01-20', txs: [{ e2e: 'C1', amount: '1.00', iban: SETTLING_IBANS[3]!, mandate: 'MC1' }] },
          ],
        }),
      );
      now = new Date('2026-01-19T08:00:00Z');
      const [ntf, ...more] = await notifications();
      expect(more).toEqual([]);
      expect(ntf!.id).toBe('NTF00000001');
      expect(ntf!.createdAt).toBe('2026-01-19T00:00:00.000Z');
      const doc = notification(ntf!.xml);
      expect(doc.GrpHdr.MsgId).toBe('NTF00000001');
      expect(doc.Ntfctn[0].Acct.Id.IBAN).toBe('BE68539007547034');
      const [a, b] = doc.Ntfctn[0].Ntry as [Any, Any];
      expect(doc.Ntfctn[0].Ntry).toHaveLength(2);
      expect(a).toMatchObject({
        Amt: { '#text': '12.50', '@_Ccy': 'EUR' },
        CdtDbtInd: 'CRDT',
        Sts: 'BOOK',
        BookgDt: { Dt: '2026-01-19' },
        ValDt: { Dt: '2026-01-19' },
        BkTxCd: { Domn: { Cd: 'PMNT', Fmly: { Cd: 'IDDT', SubFmlyCd: 'ESDD' } } },
      });
      expect(a.NtryDtls.Btch).toMatchObject({ MsgId: 'C1', PmtInfId: 'C1.A', NbOfTxs: '2', TtlAmt: { '#text': '12.50' }, CdtDbtInd: 'CRDT' });
      expect((a.NtryDtls.TxDtls as Any[]).map((t) => [t.Refs.EndToEndId, t.Refs.MndtId, t.AmtDtls.TxAmt.Amt['#text']])).toEqual([
        ['A1', 'MA1', '10.00'],
        ['A2', 'MA2', '2.50'],
      ]);
      expect(b.NtryDtls.Btch.PmtInfId).toBe('C1.B');
      // The schema check after each test does bite: an entry status camt.054.001.02 does not know.
      expect((await validateXsd(ntf!.xml, 'camt.054.001.02.xsd')).valid).toBe(true);
      expect((await validateXsd(ntf!.xml.replace('<Sts>BOOK</Sts>', '<Sts>DONE</Sts>'), 'camt.054.001.02.xsd')).valid).toBe(false);
      now = new Date('2026-01-20T00:00:00Z');
      const [next] = await notifications(ntf!.id);
      expect((notification(next!.xml).Ntfctn[0].Ntry as Any[]).map((n) => n.NtryDtls.Btch.PmtInfId)).toEqual(['C1.C']);
    });

    it('a return on command: pain.002 RJCT up to the collection date, camt.054 DBIT after it, refused once the D+5 window is closed', async () => {
      await upload(
        pain008({
          msgId: 'MSG6',
          date: '2026-01-19',
          txs: [
            { e2e: 'A', amount: '9.99', iban: SETTLING_IBANS[2]! },
            { e2e: 'B', amount: '1.00', iban: SETTLING_IBANS[3]! },
            { e2e: 'C', amount: '4.00', iban: SETTLING_IBANS[0]! },
          ],
        }),
      );
      const [accepted] = await reports();
      expect(bank.control.returnTransaction({ endToEndId: 'A', code: 'MS02' })).toMatchObject({ code: 'MS02', dueAt: now });
      const viaHttp = await fetch(`${bank.url}/_sandbox/returns`, {
        method: 'POST',
        body: JSON.stringify({ endToEndId: 'B', code: 'AC06', at: '2026-01-20T10:00:00Z' }),
      });
      expect(viaHttp.status).toBe(201);
      expect((await fetch(`${bank.url}/_sandbox/returns`, { method: 'POST', body: JSON.stringify({ endToEndId: 'nope', code: 'AC06' }) })).status).toBe(404);
      expect(() => bank.control.returnTransaction({ endToEndId: 'A', code: 'bad' })).toThrow(/R-codes/);
      // D+5 TARGET2 business days after Monday 19th is Monday 26th: a return on the 27th is too late, a refund (MD06) is not.
      expect(() => bank.control.returnTransaction({ endToEndId: 'C', code: 'AM04', at: new Date('2026-01-27T00:00:00Z') })).toThrow(/only before 2026-01-27/);
      expect(bank.control.returnTransaction({ endToEndId: 'C', code: 'MD06', at: new Date('2026-03-10T00:00:00Z') }).code).toBe('MD06');
      expect(() => bank.control.returnTransaction({ endToEndId: 'C', code: 'MD06', at: new Date('2026-03-17T00:00:00Z') })).toThrow(/only before/);

      const [first] = await reports(accepted!.id);
      expect(txStatuses(first!.xml)).toEqual([['A', 'RJCT', 'MS02']]);
      now = new Date('2026-01-20T10:00:00Z');
      expect(await reports(first!.id)).toHaveLength(1); // ACSC for B and C on the 19th, nothing for B's return
      const [credit, dbit] = await notifications();
      expect(notification(credit!.xml).Ntfctn[0].Ntry[0].NtryDtls.Btch.NbOfTxs).toBe('2');
      const entry = notification(dbit!.xml).Ntfctn[0].Ntry[0];
      expect(entry).toMatchObject({ CdtDbtInd: 'DBIT', Amt: { '#text': '1.00' }, BookgDt: { Dt: '2026-01-20' } });
      expect(entry.NtryDtls.TxDtls[0]).toMatchObject({ Refs: { EndToEndId: 'B' }, RtrInf: { Rsn: { Cd: 'AC06' }, OrgnlBkTxCd: { Domn: { Cd: 'PMNT' } } } });
      expect((await (await fetch(`${bank.url}/_sandbox/notifications`)).json()) as { data: unknown[] }).toMatchObject({
        data: [{ id: credit!.id }, { id: dbit!.id }],
      });
      expect((await fetch(`${bank.url}/files/pain.002?after=RPT99999999`, { headers: { authorization: 'Bearer tok' } })).status).toBe(400);
      expect(() => bank.control.returnTransaction({ endToEndId: 'B', code: 'AC06' })).toThrow(/already/);
    });

    it('pages camt.054 by `after`, 100 at a time, only what is due by the sandbox clock', async () => {
      const txs: Tx[] = Array.from({ length: 101 }, (_, i) => ({ e2e: `P${i}`, amount: '1.00', iban: SETTLING_IBANS[i % 4]! }));
      await upload(pain008({ msgId: 'PG', date: '2026-01-19', txs }));
      // One return per hour from Monday 01:00: 101 notifications after the settlement one.
      txs.forEach((t, i) =>
        bank.control.returnTransaction({ endToEndId: t.e2e, code: 'AM04', at: new Date(Date.parse('2026-01-19T01:00:00Z') + i * 3_600_000) }),
      );
      now = new Date('2026-01-19T00:30:00Z');
      expect((await notifications()).map((n) => n.id)).toEqual(['NTF00000001']);
      now = new Date('2026-01-30T00:00:00Z');
      const page1 = await notifications();
      expect(page1).toHaveLength(100);
      expect(page1[0]!.id).toBe('NTF00000001');
      const page2 = await notifications(page1.at(-1)!.id);
      expect(page2.map((n) => n.id)).toEqual(['NTF00000101', 'NTF00000102']);
      expect(await notifications(page2.at(-1)!.id)).toEqual([]);
      expect((await fetch(`${bank.url}/files/camt.054?after=NTF99999999`, { headers: { authorization: 'Bearer tok' } })).status).toBe(400);
      expect((await fetch(`${bank.url}/files/camt.054`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    });

    it('settles now on command: ACSC + camt.054 CRDT for collections that pay, the scripted refusal now for those that do not, MD06 still later', async () => {
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

      const [, ...issued] = await reports();
      expect(issued.flatMap((r) => txStatuses(r.xml))).toEqual([
        ['P1', 'ACSC'],
        ['NO', 'RJCT', 'AM04'],
        ['P2', 'ACSC'],
        ['RV', 'ACSC'],
      ]);
      const credits = await notifications();
      expect(credits.map((n) => notification(n.xml).Ntfctn[0].Ntry[0]).map((e: Any) => [e.CdtDbtInd, e.Amt['#text'], e.BookgDt.Dt, e.ValDt.Dt])).toEqual([
        ['CRDT', '20.00', '2026-01-15', '2026-01-19'],
        ['CRDT', '35.00', '2026-01-15', '2026-01-19'],
      ]);
      // Settling twice settles nothing more, nor does the collection date; the refund request still comes after reversalDays.
      expect(bank.control.settle()).toEqual({ settled: [], refused: [] });
      now = new Date('2026-01-19T12:00:00Z');
      expect(await reports(issued.at(-1)!.id)).toEqual([]);
      now = new Date('2026-02-02T00:00:00Z');
      const [reversal] = await notifications(credits.at(-1)!.id);
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
      expect((await fetch(`${bank.url}/files/camt.054`, { headers: { authorization: 'Bearer tok' } })).status).toBe(500);
      expect((await fetch(`${bank.url}/_sandbox/reset`, { method: 'POST' })).status).toBe(200);
      expect(bank.control.files()).toEqual([]);
      expect(bank.control.transactions()).toEqual([]);
      expect(bank.control.reports()).toEqual([]);
      expect((await upload(xml)).status).toBe(202);
    });
  });
});

describe('bank sandbox state (exportState / importState)', () => {
  it('files, collections, reports and notifications survive a JSON round trip into a new bank', async () => {
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
          { e2e: 'RV1', amount: '30.00', iban: ibanFor('MD06') },
        ],
      });
      const upload = (bank: BankSandbox) =>
        fetch(`${bank.url}/files/pain.008`, { method: 'POST', headers: { authorization: 'Bearer tok', 'content-type': 'application/xml' }, body: xml });
      expect((await upload(first)).status).toBe(202);
      expect(changes).toBe(1);
      now = new Date('2026-01-19T00:00:00Z');
      expect(first.control.notifications()).toHaveLength(1);

      second.control.importState(JSON.parse(JSON.stringify(first.control.exportState())));
      expect(second.control.files()).toEqual(first.control.files());
      expect(second.control.transactions()).toEqual(first.control.transactions());
      expect(second.control.reports()).toEqual(first.control.reports());
      expect(second.control.notifications()).toEqual(first.control.notifications());
      // The restarted bank still knows the file, and still books the scripted refund when it is due.
      expect((await upload(second)).status).toBe(409);
      now = new Date('2026-02-02T00:00:00Z');
      expect(second.control.notifications().map((n) => n.endToEndIds)).toEqual([['OK1', 'RV1'], ['RV1']]);
      // Ids go on from where the first process stopped.
      const again = await startBankSandbox({ now: () => now, token: 'tok' });
      again.control.importState(JSON.parse(JSON.stringify(second.control.exportState())));
      expect(again.control.reports().map((r) => r.id)).toEqual(['RPT00000001', 'RPT00000002', 'RPT00000003']);
      expect(again.control.notifications().map((n) => n.id)).toEqual(['NTF00000001', 'NTF00000002']);
      await again.close();
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('takes a version 1 snapshot (before camt.054): the collections get their creditor back from the stored file', async () => {
    let now = new Date('2026-01-15T09:00:00Z');
    const bank = await startBankSandbox({ now: () => now });
    try {
      const xml = pain008({ msgId: 'OLD', date: '2026-01-19', txs: [{ e2e: 'OLD1', amount: '10.00', iban: SETTLING_IBANS[0]! }] });
      const v1 = {
        version: 1,
        files: [{ fileId: 'file_1', msgId: 'OLD', receivedAt: '2026-01-15T09:00:00.000Z', xml, transactionCount: 1, controlSum: '10.00' }],
        transactions: [
          {
            pmtInfId: 'OLD.0',
            endToEndId: 'OLD1',
            amount: '10.00',
            currency: 'EUR',
            debtorIban: SETTLING_IBANS[0]!,
            debtorName: 'Debtor OLD1',
            mandateId: 'M-OLD1',
            mandateSignatureDate: '2026-01-02',
            collectionDate: '2026-01-19',
            sequenceType: 'FRST',
            fileId: 'file_1',
            msgId: 'OLD',
            status: 'accepted',
          },
        ],
        reports: [],
        reportSeq: 0,
      };
      bank.control.importState(v1 as never);
      expect(bank.control.transactions()[0]).toMatchObject({ creditorSchemeId: 'BE68ZZZ0123456789', creditorIban: 'BE68539007547034' });
      now = new Date('2026-01-19T00:00:00Z');
      expect(notification(bank.control.notifications()[0]!.xml).Ntfctn[0].Acct.Id.IBAN).toBe('BE68539007547034');
      expect((bank.control.exportState() satisfies BankSandboxState).version).toBe(2);
    } finally {
      await bank.close();
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
