import { describe, expect, it } from 'vitest';
import { isValidCreditorId } from './direct-debit.service.js';
import { MandateCsvInvalidError } from './invoice-sync.errors.js';
import { MAX_MANDATE_ROWS, mandateReportCsv, readMandateCsv } from './mandate-csv.js';

const today = '2026-03-02';
const reasons = (text: string) => readMandateCsv({ text, today }).map((r) => r.reasons);

describe('readMandateCsv', () => {
  it('reads comma or semicolon files, a BOM, quoted cells and header names written any way', () => {
    const semicolon = readMandateCsv({
      text: '\uFEFFCustomer Number;IBAN;BIC;Mandate-Reference;Signature date;Sequence type\r\nC-1;be68 5390 0754 7034;gebabebb;MNDT 1;03/11/2025;rcur\r\n\r\n',
      today,
    });
    expect(semicolon).toEqual([
      {
        line: 2,
        customerNumber: 'C-1',
        iban: 'BE68539007547034',
        bic: 'GEBABEBB',
        reference: 'MNDT 1',
        signatureDate: '2025-11-03',
        sequence: 'RCUR',
        reasons: [],
      },
    ]);
    const comma = readMandateCsv({ text: 'iban,customerNumber,bic,mandateId,signedOn\n"NL91 ABNA 0417 1643 00","C,2",,M-2,2025-01-31\n', today });
    expect(comma[0]).toMatchObject({ customerNumber: 'C,2', iban: 'NL91ABNA0417164300', bic: null, sequence: null, reasons: [] });
  });

  it('gives each bad row its reasons, row by row', () => {
    const head = 'customerNumber,iban,bic,mandateReference,signatureDate,sequence\n';
    expect(
      reasons(
        head +
          [
            ',BE68539007547034,GEBABEBB,M1,2025-11-03,', // no customer number
            'C,,GEBABEBB,M2,2025-11-03,', // no IBAN
            'C,BE68539007547035,GEBABEBB,M3,2025-11-03,', // checksum
            'C,US64SVBKUS6S3300958879,,M4,2025-11-03,', // not SEPA (not a valid IBAN country either)
            'C,NL91ABNA0417164300,GEBABEBB,M5,2025-11-03,', // BIC of another country
            'C,NL91ABNA0417164300,ABNA,M6,2025-11-03,', // not a BIC
            'C,NL91ABNA0417164300,ABNANL2A,,2025-11-03,', // no reference
            'C,NL91ABNA0417164300,ABNANL2A,M#7,2025-11-03,', // not SEPA text
            'C,NL91ABNA0417164300,ABNANL2A,M8,,', // no date
            'C,NL91ABNA0417164300,ABNANL2A,M9,2025-02-29,', // not a day
            'C,NL91ABNA0417164300,ABNANL2A,M10,2026-03-03,', // tomorrow
            'C,NL91ABNA0417164300,ABNANL2A,M11,2026-03-02,FNAL', // not a sequence we take
            'C,NL91ABNA0417164300,ABNANL2A,M12,2026-03-02,OOFF', // fine: signed today
          ].join('\n'),
      ),
    ).toEqual([
      ['missing_customer_number'],
      ['missing_iban'],
      ['invalid_iban'],
      [expect.stringMatching(/^(invalid_iban|iban_not_sepa)$/)],
      ['bic_country_mismatch'],
      ['invalid_bic'],
      ['missing_reference'],
      ['invalid_reference'],
      ['missing_signature_date'],
      ['invalid_signature_date'],
      ['signature_date_in_future'],
      ['invalid_sequence'],
      [],
    ]);
  });

  it('refuses a whole file that is empty, lacks a column, has no rows, too many rows, or is no CSV', () => {
    const refused = (text: string) => {
      try {
        readMandateCsv({ text, today });
      } catch (error) {
        expect(error).toBeInstanceOf(MandateCsvInvalidError);
        return (error as MandateCsvInvalidError).details;
      }
      throw new Error('not refused');
    };
    expect(refused('')).toMatchObject({ reason: 'the file is empty' });
    expect(refused('customerNumber,iban,signatureDate\nC,BE68539007547034,2025-01-01\n')).toMatchObject({ missing: ['bic', 'reference'] });
    expect(refused('customerNumber,iban,bic,reference,signatureDate\n')).toMatchObject({ reason: 'the file has a header but no rows' });
    const big = `customerNumber,iban,bic,reference,signatureDate\n${'C,BE68539007547034,,M,2025-01-01\n'.repeat(MAX_MANDATE_ROWS + 1)}`;
    expect(refused(big)).toMatchObject({ reason: expect.stringContaining('more than') });
    expect(refused('customerNumber,iban,bic,reference,signatureDate\n"C,BE68\n')).toMatchObject({ reason: expect.stringContaining('not a readable CSV') });
  });
});

describe('mandateReportCsv', () => {
  it('one line per row; cells a spreadsheet would run as a formula are neutralised', () => {
    expect(
      mandateReportCsv([
        { line: 2, customerNumber: 'C-1', reference: 'M1', outcome: 'linked', reasons: [] },
        { line: 3, customerNumber: '=HYPERLINK("x")', reference: 'M,2', outcome: 'failed', reasons: ['unknown_customer', 'invalid_bic'] },
      ]),
    ).toBe('line,customerNumber,mandateReference,outcome,reasons\r\n2,C-1,M1,linked,\r\n3,"\'=HYPERLINK(""x"")","M,2",failed,unknown_customer invalid_bic\r\n');
  });
});

describe('isValidCreditorId', () => {
  it('checks the SEPA creditor identifier checksum (the business code does not count)', () => {
    expect(isValidCreditorId('BE68ZZZ0123456789')).toBe(true);
    expect(isValidCreditorId('BE68ABC0123456789')).toBe(true);
    expect(isValidCreditorId('BE69ZZZ0123456789')).toBe(false);
    expect(isValidCreditorId('XX68ZZZ0123456789')).toBe(false);
  });
});
