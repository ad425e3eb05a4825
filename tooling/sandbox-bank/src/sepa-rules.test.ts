import { describe, expect, it } from 'vitest';
import type { Pain008Batch, Pain008File, Pain008Transaction, SequenceType } from './pain008.reader.js';
import { isValidCreditorId, judgeFile, type RulesContext } from './sepa-rules.js';

const tx = (over: Partial<Pain008Transaction> = {}): Pain008Transaction => ({
  endToEndId: 'E1',
  amount: '10.00',
  currency: 'EUR',
  mandateId: 'M1',
  mandateSignatureDate: '2026-01-02',
  debtorName: 'D',
  debtorIban: 'BE68539007547034',
  ...over,
});

const batch = (over: Partial<Pain008Batch> = {}): Pain008Batch => ({
  pmtInfId: 'P1',
  serviceLevel: 'SEPA',
  localInstrument: 'CORE',
  sequenceType: 'RCUR',
  collectionDate: '2026-12-28',
  creditorIban: 'BE68539007547034',
  creditorSchemeId: 'BE68ZZZ0123456789',
  transactions: [tx()],
  ...over,
});

const file = (batches: Pain008Batch[]): Pain008File => ({
  msgId: 'F',
  nbOfTxs: String(batches.flatMap((b) => b.transactions).length),
  creditorName: 'C',
  batches,
});

const context = (over: Partial<RulesContext> = {}): RulesContext => ({
  receivedDay: '2026-12-23',
  minLeadDays: 1,
  knownEndToEndId: () => false,
  mandateHistory: () => [],
  ...over,
});

const batchCode = (b: Pain008Batch, c: RulesContext = context()): string | undefined => {
  const failure = judgeFile(file([b]), c).batches.get(b.pmtInfId);
  return failure && 'code' in failure.reason ? failure.reason.code : undefined;
};

describe('SEPA rules', () => {
  it('creditor scheme ids: ISO 7064 MOD 97-10 over the national id, the business code left out', () => {
    expect(isValidCreditorId('BE68ZZZ0123456789')).toBe(true);
    expect(isValidCreditorId('BE68AAA0123456789')).toBe(true); // the business code is not in the check digits
    expect(isValidCreditorId('DE98ZZZ09999999999')).toBe(true);
    expect(isValidCreditorId('BE69ZZZ0123456789')).toBe(false);
    expect(isValidCreditorId('be68zzz0123456789')).toBe(false);
    expect(isValidCreditorId('BE68ZZZ')).toBe(false);
  });

  it('counts the lead time in TARGET2 business days around Christmas (25 and 26 December closed)', () => {
    // Received Thursday 24th: Friday 25th and Saturday 26th are closed, so Monday 28th is D-1 + 1.
    expect(batchCode(batch({ collectionDate: '2026-12-28' }), context({ receivedDay: '2026-12-24' }))).toBeUndefined();
    expect(batchCode(batch({ collectionDate: '2026-12-25' }), context({ receivedDay: '2026-12-23' }))).toBe('DT01');
    // Received on the closed Friday 25th: counted from Monday 28th, so Tuesday 29th at the earliest.
    expect(batchCode(batch({ collectionDate: '2026-12-28' }), context({ receivedDay: '2026-12-25' }))).toBe('DT01');
    expect(batchCode(batch({ collectionDate: '2026-12-29' }), context({ receivedDay: '2026-12-25' }))).toBeUndefined();
    expect(batchCode(batch({ collectionDate: '2026-12-29' }), context({ receivedDay: '2026-12-24', minLeadDays: 2 }))).toBeUndefined();
    expect(batchCode(batch({ collectionDate: '2026-12-28' }), context({ receivedDay: '2026-12-24', minLeadDays: 2 }))).toBe('DT01');
    expect(batchCode(batch({ collectionDate: '2027-01-01' }), context())).toBe('DT01'); // New Year's Day
  });

  it('sequence per mandate: RCUR and FRST in any order, nothing after FNAL or OOFF, no OOFF on a used mandate', () => {
    const code = (sequenceType: string, history: SequenceType[]) => {
      const b = batch({ sequenceType });
      const failure = judgeFile(file([b]), context({ mandateHistory: () => history })).transactions.get(b.transactions[0]!);
      return failure && 'code' in failure.reason ? failure.reason.code : undefined;
    };
    expect(code('RCUR', [])).toBeUndefined();
    expect(code('FRST', ['RCUR'])).toBeUndefined();
    expect(code('FNAL', ['FRST', 'RCUR'])).toBeUndefined();
    expect(code('OOFF', [])).toBeUndefined();
    expect(code('RCUR', ['FRST', 'FNAL'])).toBe('AG01');
    expect(code('OOFF', ['OOFF'])).toBe('AG01');
    expect(code('RCUR', ['OOFF'])).toBe('AG01');
    expect(code('OOFF', ['RCUR'])).toBe('AG01');
  });

  it('a file-level failure leaves batches and transactions unjudged', () => {
    const verdict = judgeFile({ ...file([batch({ collectionDate: '2026-12-26' })]), nbOfTxs: '2' }, context());
    expect(verdict.file?.reason).toEqual({ code: 'AM18' });
    expect(verdict.batches.size + verdict.transactions.size).toBe(0);
  });
});
