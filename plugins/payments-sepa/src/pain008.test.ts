import { Money } from '@tollgate/plugin-sdk';
import { SETTLING_IBANS, TEST_IBANS } from '@tollgate/sandbox-bank';
import { XMLParser } from 'fast-xml-parser';
import { isValidIBAN } from 'ibantools';
import { describe, expect, it } from 'vitest';
import { expectValidPain008, validatePain008 } from '../test/pain008-xsd.js';
import { buildPain008, type Pain008Transaction } from './pain008.js';
import { parsePain002 } from './pain002.js';
import { addBusinessDays, toSepaText } from './sepa-rules.js';

const creditor = { name: 'Tollgate Société Coopérative', iban: 'BE68539007547034', bic: 'GEBABEBB', id: 'BE68ZZZ0123456789' };

const tx = (n: number, amount: string, name: string, iban: string, bic?: string): Pain008Transaction => ({
  endToEndId: `TGC0000000000000000000000${n}`,
  amount: Money.of(amount),
  mandateId: `TG-MANDATE-${n}`,
  mandateSignatureDate: '2026-01-02',
  debtorName: name,
  debtorIban: iban,
  ...(bic ? { debtorBic: bic } : {}),
  remittance: `pur_${n} Wallet top-up`,
});

const parser = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, parseTagValue: false, isArray: (n) => n === 'DrctDbtTxInf' });

describe('pain.008.001.02 files', () => {
  it('validate against the official XSD (FRST, several transactions, control sum, accented names)', async () => {
    const file = buildPain008({
      msgId: 'TG20260119ABCDEFGHJKMN',
      createdAt: new Date('2026-01-15T09:00:00Z'),
      creditor,
      collectionDate: '2026-01-19',
      sequenceType: 'FRST',
      transactions: [
        tx(1, '1000.00', 'Zoë Müller-Lüdenscheidt', 'DE89370400440532013000', 'COBADEFFXXX'),
        tx(2, '5.00', 'François Dupré & Fils', 'FR1420041010050500013M02606'),
        tx(3, '0.10', 'Ørsted Åse', 'NL91ABNA0417164300', 'ABNANL2A'),
        tx(4, '0.20', 'Łukasz Straße', 'BE68539007547034'),
      ],
    });
    await expectValidPain008(file.xml);
    expect(file.controlSum.toString()).toBe('1005.30');
    expect(file.transactionCount).toBe(4);
    const doc = parser.parse(file.xml).Document.CstmrDrctDbtInitn;
    expect(doc.GrpHdr).toMatchObject({ MsgId: 'TG20260119ABCDEFGHJKMN', NbOfTxs: '4', CtrlSum: '1005.30' });
    expect(doc.PmtInf).toMatchObject({ PmtMtd: 'DD', CtrlSum: '1005.30', ReqdColltnDt: '2026-01-19', PmtTpInf: { SeqTp: 'FRST', LclInstrm: { Cd: 'CORE' } } });
    expect(doc.PmtInf.CdtrSchmeId.Id.PrvtId.Othr.Id).toBe('BE68ZZZ0123456789');
    const txs = doc.PmtInf.DrctDbtTxInf as Array<Record<string, any>>;
    expect(txs.map((t) => [t.InstdAmt['#text'], t.Dbtr.Nm])).toEqual([
      ['1000.00', 'Zoe Muller-Ludenscheidt'],
      ['5.00', 'Francois Dupre + Fils'],
      ['0.10', 'Orsted Ase'],
      ['0.20', 'Lukasz Strasse'],
    ]);
    expect(txs[1]!.DbtrAgt.FinInstnId.Othr.Id).toBe('NOTPROVIDED');
    expect(txs[0]!.RmtInf.Ustrd).toBe('pur-1 Wallet top-up');
  });

  it('validate as RCUR too, and the validator does catch a broken file', async () => {
    const file = buildPain008({
      msgId: 'TG20260120RCUR000000001',
      createdAt: new Date('2026-01-15T09:00:00Z'),
      creditor,
      collectionDate: '2026-01-20',
      sequenceType: 'RCUR',
      transactions: [tx(5, '12.34', 'Anna', 'BE68539007547034')],
    });
    await expectValidPain008(file.xml);
    expect(file.xml).toContain('<SeqTp>RCUR</SeqTp>');
    const broken = file.xml.replace(/<MsgId>[^<]+<\/MsgId>/, '');
    const result = await validatePain008(broken);
    expect(result.valid).toBe(false);
    expect(result.errors.join()).toMatch(/MsgId/);
  });

  it('refuses to build a file in another currency', () => {
    expect(() =>
      buildPain008({
        msgId: 'TG1',
        createdAt: new Date(),
        creditor,
        collectionDate: '2026-01-20',
        sequenceType: 'RCUR',
        transactions: [{ ...tx(6, '1.00', 'A', 'BE68539007547034'), amount: Money.of('1.00', 'USD') }],
      }),
    ).toThrow(/EUR/);
  });
});

describe('helpers', () => {
  it('the sandbox test IBANs are valid IBANs (ibantools)', () => {
    for (const iban of [...Object.keys(TEST_IBANS), ...SETTLING_IBANS]) expect(isValidIBAN(iban), iban).toBe(true);
  });

  it('counts business days Monday to Friday', () => {
    expect(addBusinessDays('2026-01-15', 2)).toBe('2026-01-19'); // Thu -> Mon
    expect(addBusinessDays('2026-01-17', 1)).toBe('2026-01-19'); // Sat -> Mon
    expect(addBusinessDays('2026-01-19', 2)).toBe('2026-01-21');
  });

  it('keeps texts in the SEPA character set', () => {
    expect(toSepaText('Ça coûte 5€ <ok>', 140)).toBe('Ca coute 5 ok');
    expect(toSepaText('x'.repeat(80), 70)).toHaveLength(70);
  });

  it('parses a pain.002 report and refuses other documents', () => {
    const report = parsePain002(`<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
      <GrpHdr><MsgId>R1</MsgId><CreDtTm>2026-01-19T00:00:00</CreDtTm></GrpHdr>
      <OrgnlGrpInfAndSts><OrgnlMsgId>M1</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId></OrgnlGrpInfAndSts>
      <OrgnlPmtInfAndSts><OrgnlPmtInfId>M1.0</OrgnlPmtInfId>
        <TxInfAndSts><OrgnlEndToEndId>E1</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf></TxInfAndSts>
      </OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>`);
    expect(report).toEqual({
      msgId: 'R1',
      createdAt: new Date('2026-01-19T00:00:00Z'),
      originalMsgId: 'M1',
      originalMsgNmId: 'pain.008.001.02',
      batches: [{ originalPmtInfId: 'M1.0', transactions: [{ endToEndId: 'E1', status: 'RJCT', reason: { code: 'AM04', type: 'Cd' } }] }],
      transactions: [{ endToEndId: 'E1', status: 'RJCT', reason: { code: 'AM04', type: 'Cd' } }],
    });
    expect(() => parsePain002('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"/>')).toThrow(/pain\.002\.001\.03/);
    expect(() => parsePain002('<oops')).toThrow(/well-formed/);
  });
});
