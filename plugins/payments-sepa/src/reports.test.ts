import { describe, expect, it } from 'vitest';
import { camt, pain002 } from '../test/iso-fixtures.js';
import { parseCamt } from './camt.js';
import { parsePain002, showReason } from './pain002.js';
import { addBusinessDays, isNonEeaSepaIban } from './sepa-rules.js';

describe('pain.002 levels', () => {
  it('reads the group status and reason, batch statuses, and keeps a proprietary reason as such', () => {
    const report = parsePain002(
      pain002({
        msgId: 'R1',
        originalMsgId: 'M1',
        groupStatus: 'PART',
        batches: [
          { pmtInfId: 'M1.0', status: 'RJCT', reason: { cd: 'AM05' } },
          {
            pmtInfId: 'M1.1',
            status: 'PART',
            txs: [
              { endToEndId: 'E1', status: 'RJCT', reason: { prtry: 'SL01' } },
              { endToEndId: 'E2', status: 'ACCP' },
            ],
          },
        ],
      }),
    );
    expect(report).toMatchObject({
      groupStatus: 'PART',
      batches: [
        { originalPmtInfId: 'M1.0', status: 'RJCT', reason: { code: 'AM05', type: 'Cd' }, transactions: [] },
        {
          originalPmtInfId: 'M1.1',
          status: 'PART',
          transactions: [
            { endToEndId: 'E1', status: 'RJCT', reason: { code: 'SL01', type: 'Prtry' } },
            { endToEndId: 'E2', status: 'ACCP' },
          ],
        },
      ],
    });
    expect(report.transactions.map((t) => t.endToEndId)).toEqual(['E1', 'E2']);
    expect(report.groupReason).toBeUndefined();
    expect(showReason({ code: 'SL01', type: 'Prtry' })).toBe('SL01 (proprietary)');
    expect(showReason({ code: 'AM04', type: 'Cd' })).toBe('AM04');
  });

  it('reads a file rejection with no transactions', () => {
    const report = parsePain002(pain002({ msgId: 'R2', originalMsgId: 'M2', groupStatus: 'RJCT', groupReason: { cd: 'FF01' } }));
    expect(report).toMatchObject({ groupStatus: 'RJCT', groupReason: { code: 'FF01', type: 'Cd' }, batches: [], transactions: [] });
  });

  it('refuses a batch without OrgnlPmtInfId', () => {
    expect(() => parsePain002(pain002({ msgId: 'R3', originalMsgId: 'M3', batches: [{ pmtInfId: '' }] }))).toThrow(/OrgnlPmtInfId/);
  });
});

describe('camt.054 / camt.053', () => {
  it('reads returns (Cd and Prtry), credits and pending entries of a notification', () => {
    const doc = parseCamt(
      camt({
        kind: 'camt.054',
        msgId: 'C1',
        entries: [
          { direction: 'DBIT', amount: '50.00', endToEndId: 'E1', reason: { cd: 'MD06' } },
          { direction: 'DBIT', amount: '7.00', endToEndId: 'E2', reason: { prtry: 'SL01' } },
          { direction: 'CRDT', amount: '25.00', endToEndId: 'E3' },
          { direction: 'CRDT', amount: '10.00', endToEndId: 'E4', status: 'PDNG' },
        ],
      }),
    );
    expect(doc).toEqual({
      kind: 'camt.054',
      msgId: 'C1',
      createdAt: new Date('2027-01-01T00:00:00Z'),
      entriesWithoutReference: 0,
      batches: [],
      lines: [
        { endToEndId: 'E1', direction: 'DBIT', amount: '50.00', currency: 'EUR', reason: { code: 'MD06', type: 'Cd' }, booked: true },
        { endToEndId: 'E2', direction: 'DBIT', amount: '7.00', currency: 'EUR', reason: { code: 'SL01', type: 'Prtry' }, booked: true },
        { endToEndId: 'E3', direction: 'CRDT', amount: '25.00', currency: 'EUR', booked: true },
        { endToEndId: 'E4', direction: 'CRDT', amount: '10.00', currency: 'EUR', booked: false },
      ],
    });
  });

  it('reads the same entries under Stmt in a camt.053, and Sts/Cd of later versions', () => {
    const xml = camt({ kind: 'camt.053', msgId: 'S1', entries: [{ direction: 'DBIT', amount: '5.00', endToEndId: 'E9', reason: { cd: 'AM04' } }] });
    expect(parseCamt(xml)).toMatchObject({
      kind: 'camt.053',
      msgId: 'S1',
      lines: [{ endToEndId: 'E9', direction: 'DBIT', reason: { code: 'AM04', type: 'Cd' } }],
    });
    const v8 = xml.replace('camt.053.001.02', 'camt.053.001.08').replace('<Sts>BOOK</Sts>', '<Sts><Cd>PDNG</Cd></Sts>');
    expect(parseCamt(v8).lines[0]!.booked).toBe(false);
    // Sts/Prtry (the other choice of EntryStatus1Choice): only a booked entry moves money.
    const proprietary = v8.replace('<Sts><Cd>PDNG</Cd></Sts>', '<Sts><Prtry>PDNG</Prtry></Sts>');
    expect(parseCamt(proprietary).lines[0]!.booked).toBe(false);
    expect(parseCamt(v8.replace('<Sts><Cd>PDNG</Cd></Sts>', '<Sts><Cd>BOOK</Cd></Sts>')).lines[0]!.booked).toBe(true);
  });

  it('reads a batch-booked entry (NtryDtls/Btch, no transaction references) as a batch line', () => {
    const doc = parseCamt(camt({ kind: 'camt.054', msgId: 'B1', entries: [{ direction: 'CRDT', amount: '35.00', pmtInfId: 'TG1.0' }] }));
    expect(doc.lines).toEqual([]);
    expect(doc.batches).toEqual([{ pmtInfId: 'TG1.0', direction: 'CRDT', amount: '35.00', currency: 'EUR', booked: true }]);
  });

  it('refuses other documents with a clear error', () => {
    expect(() => parseCamt('')).toThrow(/empty/);
    expect(() => parseCamt('<oops')).toThrow(/well-formed/);
    expect(() => parseCamt(pain002({ msgId: 'R', originalMsgId: 'M' }))).toThrow(/camt\.053\.001\.xx or camt\.054\.001\.xx/);
    expect(() => parseCamt(camt({ kind: 'camt.054', msgId: 'C', entries: [] }).replace('<MsgId>C</MsgId>', ''))).toThrow(/MsgId/);
  });
});

describe('TARGET2 business days and the EEA', () => {
  it('skips weekends and the TARGET2 holidays', () => {
    expect(addBusinessDays('2026-12-23', 2)).toBe('2026-12-28'); // 25 and 26 Dec
    expect(addBusinessDays('2026-12-30', 2)).toBe('2027-01-04'); // 1 Jan
    expect(addBusinessDays('2027-03-25', 2)).toBe('2027-03-31'); // Good Friday, Easter Monday
    expect(addBusinessDays('2026-04-29', 2)).toBe('2026-05-04'); // 1 May
    expect(addBusinessDays('2026-12-30', 5)).toBe('2027-01-07');
    expect(addBusinessDays('2027-01-07', -5)).toBe('2026-12-30');
  });

  it('knows which SEPA countries are outside the EEA', () => {
    for (const iban of ['CH9300762011623852957', 'GB29NWBK60161331926819', 'MC5811222000010123456789030', 'SM86U0322509800000000270100'])
      expect(isNonEeaSepaIban(iban), iban).toBe(true);
    for (const iban of ['BE68539007547034', 'DE89370400440532013000', 'NO9386011117947', 'IS140159260076545510730339'])
      expect(isNonEeaSepaIban(iban), iban).toBe(false);
  });
});
