import { Decimal } from 'decimal.js';
import { ValidationError, type AccountingDocument, type ExportFile, type ExportRefusal } from '@tollgate/plugin-sdk';
import { describe, expect, it } from 'vitest';
import { WinbooksExporter } from '../src/index.js';
import { derivedCustomerNumber } from '../src/winbooks-act.js';
import { accountingFixtures, BUYERS, makeDocument } from './accounting-fixtures.js';
import { decode, readEntries, readTable, type Record_ } from './winbooks-reader.js';

const exporter = new WinbooksExporter();

/** A target as an accountant would set it up: Tryton's Belgian WinBooks VAT codes (account_be.xml). */
const TARGET = {
  journalCode: 'VEN',
  creditNoteJournalCode: 'VNC',
  revenueAccounts: { 'S:6': '700100', E: '700300' },
  vatCodes: { 'S:21': '211400', 'S:6': '211200', 'Z:0': '211100', AE: '222000', E: '211100' },
  bookYears: { '2025': '2', '2026': '3' },
  // The fixtures' source ids (C1001…) are WinBooks numbers already; the default ('auto') is tested on its own.
  customerNumber: 'sourceId',
};
const CODE_OF: Record<string, string> = { 'S:21': '211400', 'S:6': '211200', 'Z:0': '211100', 'AE:0': '222000', 'E:0': '211100' };

async function render(documents: readonly AccountingDocument[], options: Record<string, unknown> = TARGET) {
  return exporter.render({ accountId: 'acc_1', documents, options });
}

function file(files: ExportFile[], name: string): ExportFile {
  const found = files.find((f) => f.name === name);
  if (!found) throw new Error(`no ${name}`);
  return found;
}

/** Every document in exactly one file's documentIds or in refused: never both, never neither. */
function expectAccountedOnce(documents: readonly AccountingDocument[], result: { files: ExportFile[]; refused: ExportRefusal[] }) {
  const seen = [...result.files.flatMap((f) => f.documentIds), ...result.refused.map((r) => r.documentId)];
  expect(seen.sort()).toEqual(documents.map((d) => d.id).sort());
}

describe('WinBooks export of 20 invoices and 3 credit notes, read back from the published layout', async () => {
  const documents = accountingFixtures();
  const result = await render(documents);
  const act = file(result.files, 'ACT.txt');
  const csf = file(result.files, 'CSF.txt');
  const actRows = readTable({ text: decode(act.body, 'latin1'), kind: 'ACT' });
  const entries = readEntries(actRows);
  const csfRows = readTable({ text: decode(csf.body, 'latin1'), kind: 'CSF' });
  const entryOf = (d: AccountingDocument) =>
    entries.find((e) => e.journal === (d.kind === 'invoice' ? 'VEN' : 'VNC') && e.docNumber === d.number.replace(/\D/g, ''))!;

  it('writes every document into ACT.txt; CSF.txt carries no document', () => {
    expect(documents).toHaveLength(23);
    expect(result.refused).toEqual([]);
    expect(act.documentIds).toEqual(documents.map((d) => d.id));
    expect(csf.documentIds).toEqual([]);
    expect(act.contentType).toBe('text/plain; charset=iso-8859-1');
    expectAccountedOnce(documents, result);
    expect(entries).toHaveLength(23);
  });

  it('balances every entry (Σ debit = Σ credit) and books the amount due on the customer', () => {
    for (const d of documents) {
      const entry = entryOf(d);
      expect(entry.balance.toFixed(2), d.number).toBe('0.00');
      expect(entry.debit.toFixed(2), d.number).toBe(entry.credit.toFixed(2));
      const due = new Decimal(d.totals.taxInclusive);
      expect(entry.customerAmount.toFixed(2), d.number).toBe((d.kind === 'invoice' ? due : due.neg()).toFixed(2));
      expect(entry.dbkType).toBe(d.kind === 'invoice' ? 'sale' : 'sale_credit_note');
    }
  });

  it('sums to the documents: invoices minus credit notes', () => {
    const expected = documents.reduce(
      (sum, d) => sum.plus(d.kind === 'invoice' ? d.totals.taxInclusive : new Decimal(d.totals.taxInclusive).neg()),
      new Decimal(0),
    );
    const read = entries.reduce((sum, e) => sum.plus(e.customerAmount), new Decimal(0));
    expect(read.toFixed(2)).toBe(expected.toFixed(2));
    // Computed apart from the fixtures' code (Python decimal, half-up per line and per VAT subtotal).
    expect(read.toFixed(2)).toBe('11650.52');
  });

  it('reports VAT per WinBooks code: base and tax as the document gives them, 0 % codes as DOCTYPE 4 bases', () => {
    for (const d of documents) {
      const want = new Map<string, { base: Decimal; tax: Decimal }>();
      for (const s of d.vatBreakdown) {
        const code = CODE_OF[`${s.vatCategory}:${new Decimal(s.vatRate).toString()}`]!;
        const v = want.get(code) ?? { base: new Decimal(0), tax: new Decimal(0) };
        want.set(code, { base: v.base.plus(s.taxableAmount), tax: v.tax.plus(s.taxAmount) });
      }
      const got = entryOf(d).vat;
      expect([...got.keys()].sort(), d.number).toEqual([...want.keys()].sort());
      for (const [code, v] of want) {
        expect(got.get(code)!.base.toFixed(2), `${d.number} ${code}`).toBe(v.base.toFixed(2));
        expect(got.get(code)!.tax.toFixed(2), `${d.number} ${code}`).toBe(v.tax.toFixed(2));
        expect(got.get(code)!.zeroRated).toBe(v.tax.isZero());
      }
    }
    // Reverse charge to the Dutch buyer: the base under 222000, no VAT.
    const reverse = entryOf(documents[5]!);
    const rc = reverse.vat.get('222000')!;
    expect([rc.base.toFixed(2), rc.tax.toFixed(2), rc.zeroRated]).toEqual(['750.00', '0.00', true]);
  });

  it('books revenue per mapped account and the VAT rows on the VAT account', () => {
    const bakery = entryOf(documents[2]!);
    expect(Object.fromEntries([...bakery.revenue].map(([k, v]) => [k, v.toFixed(2)]))).toEqual({ '700100': '29.75', '700000': '180.00' });
    const training = entryOf(documents[7]!);
    expect(training.revenue.get('700300')!.toFixed(2)).toBe('1250.00');
  });

  it('dates, book years and periods: yyyymmdd, December 2025 in book year 2, March 2026 period 03', () => {
    const december = entryOf(documents[0]!);
    expect(december).toMatchObject({ bookYear: '2', period: '12', date: '2025-12-15', dueDate: '2026-01-14' });
    expect(entryOf(documents[19]!)).toMatchObject({ bookYear: '3', period: '03', date: '2026-03-30' });
    expect(entryOf(documents[20]!).dueDate).toBe('2026-01-30');
    expect(entryOf(documents[1]!).structuredCommunication).toMatch(/^\+\+\+\d{3}\/\d{4}\/\d{5}\+\+\+$/);
  });

  it('refers every entry to a CSF customer: one row each, Belgian VAT numbers 0999.999.999, VATCAT 1 or 3', () => {
    const numbers = csfRows.map((r) => r.NUMBER);
    expect(numbers).toEqual([...new Set(numbers)]);
    expect(new Set(entries.map((e) => e.customer))).toEqual(new Set(numbers));
    const by = (n: string): Record_ => csfRows.find((r) => r.NUMBER === n)!;
    expect(by('C1001')).toMatchObject({
      TYPE: '1',
      NAME1: 'Acme Brussels SA',
      VATCAT: '1',
      COUNTRY: 'BE',
      VATNUMBER: '0477.574.154',
      CENTRAL: '400000',
      ZIPCODE: '1000',
    });
    expect(by('C1004')).toMatchObject({ VATCAT: '3', VATNUMBER: '' });
    expect(by('C2001')).toMatchObject({ VATCAT: '1', COUNTRY: 'NL', VATNUMBER: '002455799B11' });
    expect(by('C2002')).toMatchObject({ COUNTRY: 'DE', VATNUMBER: '136695976', NAME1: 'Süd Technik GmbH', CITY: 'München' });
  });

  it('encodes ISO-8859-1 (one byte for ü and é) and turns a double quote into a single one', () => {
    expect([...csf.body].includes(0xfc)).toBe(true);
    expect(decode(csf.body, 'latin1')).toContain(`"Café 'Le Coin' Société"`);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(csf.body)).toThrow();
  });

  it('writes UTF-8 when the target asks for it', async () => {
    const utf8 = await render(documents, { ...TARGET, encoding: 'utf-8' });
    const text = decode(file(utf8.files, 'CSF.txt').body, 'utf-8');
    expect(text).toContain('Süd Technik GmbH');
    expect(file(utf8.files, 'ACT.txt').contentType).toBe('text/plain; charset=utf-8');
  });
});

describe('WinBooks refusals: a document that cannot be written faithfully is refused with its rule', () => {
  const documents = accountingFixtures();

  it('winbooks-vat-code-missing: reverse charge without a mapped code refuses those documents only', async () => {
    const { AE: _ae, ...vatCodes } = TARGET.vatCodes;
    const result = await render(documents, { ...TARGET, vatCodes });
    const refusedIds = result.refused.map((r) => r.documentId);
    expect(refusedIds).toEqual(['inv_6', 'inv_7', 'inv_12', 'inv_14', 'inv_18', 'cn_2']);
    expect(new Set(result.refused.map((r) => r.rule))).toEqual(new Set(['winbooks-vat-code-missing']));
    expect(result.refused[0]!.message).toContain('AE:0');
    expectAccountedOnce(documents, result);
    const entries = readEntries(readTable({ text: decode(file(result.files, 'ACT.txt').body, 'latin1'), kind: 'ACT' }));
    expect(entries).toHaveLength(17);
    // The CSF file lists only the customers of written documents.
    const csf = readTable({ text: decode(file(result.files, 'CSF.txt').body, 'latin1'), kind: 'CSF' });
    expect(csf.map((r) => r.NUMBER).sort()).toEqual(['C1001', 'C1002', 'C1003', 'C1004']);
  });

  it('winbooks-document-number-duplicate: invoices and credit notes in one journal collide on their digits', async () => {
    const { creditNoteJournalCode: _cn, ...oneJournal } = TARGET;
    const result = await render(documents, oneJournal);
    expect(result.refused.map((r) => [r.documentId, r.rule])).toEqual([
      ['cn_1', 'winbooks-document-number-duplicate'],
      ['cn_2', 'winbooks-document-number-duplicate'],
      ['cn_3', 'winbooks-document-number-duplicate'],
    ]);
    expectAccountedOnce(documents, result);
  });

  it('winbooks-book-year-missing, -currency-not-eur, -customer-number-missing/-invalid, -totals-inconsistent', async () => {
    const usd = makeDocument({
      id: 'usd',
      kind: 'invoice',
      number: '2026/0100',
      buyer: BUYERS.acme,
      issuedOn: '2026-02-01',
      lines: [['X', '1', '10.00', 'S', '21']],
      currency: 'USD',
    });
    const noCustomer = makeDocument({
      id: 'anon',
      kind: 'invoice',
      number: '2026/0101',
      buyer: { ...BUYERS.acme, sourceId: null },
      issuedOn: '2026-02-01',
      lines: [['X', '1', '10.00', 'S', '21']],
    });
    const uuid = makeDocument({
      id: 'uuid',
      kind: 'invoice',
      number: '2026/0102',
      buyer: { ...BUYERS.acme, sourceId: '3f1c-22' },
      issuedOn: '2026-02-01',
      lines: [['X', '1', '10.00', 'S', '21']],
    });
    const broken = makeDocument({
      id: 'broken',
      kind: 'invoice',
      number: '2026/0103',
      buyer: BUYERS.acme,
      issuedOn: '2026-02-01',
      lines: [['X', '1', '10.00', 'S', '21']],
    });
    broken.totals.taxInclusive = '12.11';
    const old = makeDocument({
      id: 'old',
      kind: 'invoice',
      number: '2024/0001',
      buyer: BUYERS.acme,
      issuedOn: '2024-06-01',
      lines: [['X', '1', '10.00', 'S', '21']],
    });
    const good = makeDocument({
      id: 'good',
      kind: 'invoice',
      number: '2026/0104',
      buyer: BUYERS.acme,
      issuedOn: '2026-02-01',
      lines: [['X', '1', '10.00', 'S', '21']],
    });
    const all = [usd, noCustomer, uuid, broken, old, good];
    const result = await render(all);
    expect(Object.fromEntries(result.refused.map((r) => [r.documentId, r.rule]))).toEqual({
      usd: 'winbooks-currency-not-eur',
      anon: 'winbooks-customer-number-missing',
      uuid: 'winbooks-customer-number-invalid',
      broken: 'winbooks-totals-inconsistent',
      old: 'winbooks-book-year-missing',
    });
    expect(file(result.files, 'ACT.txt').documentIds).toEqual(['good']);
    expectAccountedOnce(all, result);

    // A customer-number map and the enterprise-number rule make the same buyers writable.
    const mapped = await render([uuid, noCustomer], { ...TARGET, customerNumbers: { '3f1c-22': 'ACME01' } });
    expect(mapped.refused.map((r) => r.documentId)).toEqual(['anon']);
    const byEnterprise = await render([uuid, noCustomer], { ...TARGET, customerNumber: 'enterpriseNumber' });
    expect(byEnterprise.refused).toEqual([]);
    const rows = readTable({ text: decode(file(byEnterprise.files, 'ACT.txt').body, 'latin1'), kind: 'ACT' });
    expect(new Set(rows.filter((r) => r.DOCTYPE === '1').map((r) => r.ACCOUNTRP))).toEqual(new Set(['0477574154']));
  });

  it('by default (auto) a Teamleader buyer (a UUID) gets its enterprise number, else a stable 10-character code; the CSF file creates it', async () => {
    const { customerNumber: _sourceId, ...defaults } = TARGET;
    const tlCompany = '0c6b1d2e-7a4f-4c55-9a51-1f1e2d3c4b5a';
    const tlPerson = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';
    const company = makeDocument({
      id: 'company',
      kind: 'invoice',
      number: '2026/0201',
      buyer: { ...BUYERS.acme, sourceId: tlCompany },
      issuedOn: '2026-02-01',
      lines: [['X', '1', '10.00', 'S', '21']],
    });
    const person = (id: string, number: string) =>
      makeDocument({
        id,
        kind: 'invoice',
        number,
        buyer: { ...BUYERS.private, sourceId: tlPerson },
        issuedOn: '2026-02-02',
        lines: [['X', '1', '10.00', 'S', '21']],
      });
    const short = makeDocument({
      id: 'short',
      kind: 'invoice',
      number: '2026/0204',
      buyer: BUYERS.dutch,
      issuedOn: '2026-02-03',
      lines: [['X', '1', '10.00', 'S', '21']],
    });
    const all = [company, person('p1', '2026/0202'), person('p2', '2026/0203'), short];
    const result = await render(all, defaults);
    expect(result.refused).toEqual([]);
    const code = derivedCustomerNumber(tlPerson);
    expect(code).toMatch(/^C[0-9A-Z]{9}$/);
    expect(derivedCustomerNumber(tlPerson)).toBe(code);
    expect(derivedCustomerNumber(tlCompany)).not.toBe(code);
    const act = readTable({ text: decode(file(result.files, 'ACT.txt').body, 'latin1'), kind: 'ACT' });
    expect(act.filter((r) => r.DOCTYPE === '1').map((r) => r.ACCOUNTRP)).toEqual(['0477574154', code, code, 'C2001']);
    const csf = readTable({ text: decode(file(result.files, 'CSF.txt').body, 'latin1'), kind: 'CSF' });
    expect(csf.map((r) => [r.NUMBER, r.NAME1])).toEqual([
      ['0477574154', 'Acme Brussels SA'],
      [code, 'Jan Janssens'],
      ['C2001', 'Noord Handel BV'],
    ]);
    // An explicit map still wins; a mapped number that is not a WinBooks number is refused when the target is saved.
    const mapped = await render([person('p3', '2026/0205')], { ...defaults, customerNumbers: { [tlPerson]: 'JANSSENS' } });
    expect(readTable({ text: decode(file(mapped.files, 'ACT.txt').body, 'latin1'), kind: 'ACT' })[0]!.ACCOUNTRP).toBe('JANSSENS');
    expect(exporter.targetOptions.safeParse({ ...defaults, customerNumbers: { [tlPerson]: 'TOO-LONG' } }).success).toBe(false);
    expect(exporter.targetOptions.safeParse({ ...defaults, customerNumbers: { [tlPerson]: 'ELEVENCHARS' } }).success).toBe(false);
  });

  it('winbooks-customer-number-collision: a derived code that is another customer’s number in the export is refused with what to set', async () => {
    const { customerNumber: _sourceId, ...defaults } = TARGET;
    const tlPerson = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';
    const code = derivedCustomerNumber(tlPerson);
    // Another customer whose own source id happens to be that code (taken first, in document order).
    const holder = makeDocument({
      id: 'holder',
      kind: 'invoice',
      number: '2026/0301',
      buyer: { ...BUYERS.dutch, sourceId: code },
      issuedOn: '2026-02-01',
      lines: [['X', '1', '10.00', 'S', '21']],
    });
    const person = makeDocument({
      id: 'person',
      kind: 'invoice',
      number: '2026/0302',
      buyer: { ...BUYERS.private, sourceId: tlPerson },
      issuedOn: '2026-02-02',
      lines: [['X', '1', '10.00', 'S', '21']],
    });
    const result = await render([holder, person], defaults);
    expect(result.refused).toEqual([
      {
        documentId: 'person',
        rule: 'winbooks-customer-number-collision',
        message: `2026/0302: the customer number ${code} derived for the buyer "Jan Janssens" is another customer's in this export; set customerNumbers { "${tlPerson}": "<WinBooks number>" }`,
      },
    ]);
    expect(file(result.files, 'ACT.txt').documentIds).toEqual(['holder']);
    expectAccountedOnce([holder, person], result);
  });

  it('writes no file when every document is refused, and refuses invalid target options outright', async () => {
    const result = await render(documents, { ...TARGET, vatCodes: {} });
    expect(result.files).toEqual([]);
    expect(result.refused).toHaveLength(23);
    await expect(render(documents, { ...TARGET, journalCode: 'TOO-LONG-CODE' })).rejects.toBeInstanceOf(ValidationError);
    await expect(render(documents, { ...TARGET, bookYears: { '2026': '10' } })).rejects.toThrow(/bookYears/);
    expect(exporter.targetOptions.safeParse({ ...TARGET, typo: 1 }).success).toBe(false);
  });

  it('a 21 % subtotal whose tax rounds to 0.00 stays a DOCTYPE 3 VAT row; a 0 % subtotal with tax is refused', async () => {
    const tiny = makeDocument({
      id: 'tiny',
      kind: 'invoice',
      number: '2026/0300',
      buyer: BUYERS.acme,
      issuedOn: '2026-02-01',
      lines: [['Sample', '1', '0.02', 'S', '21']],
    });
    const odd = makeDocument({
      id: 'odd',
      kind: 'invoice',
      number: '2026/0301',
      buyer: BUYERS.acme,
      issuedOn: '2026-02-01',
      lines: [['Paper', '1', '10.00', 'Z', '0']],
    });
    odd.vatBreakdown[0]!.taxAmount = '0.50';
    odd.totals.tax = '0.50';
    odd.totals.taxInclusive = '10.50';
    const result = await render([tiny, odd]);
    expect(result.refused.map((r) => [r.documentId, r.rule])).toEqual([['odd', 'winbooks-totals-inconsistent']]);
    const rows = readTable({ text: decode(file(result.files, 'ACT.txt').body, 'latin1'), kind: 'ACT' });
    expect(rows.filter((r) => r.DOCORDER === 'VAT').map((r) => [r.DOCTYPE, r.ACCOUNTGL, r.AMOUNTEUR, r.VATBASE, r.VATCODE])).toEqual([
      ['3', '451000', '0.00', '0.02', '211400'],
    ]);
  });

  it('with a book year starting in July: periods count from July', async () => {
    const result = await render(documents.slice(0, 3), { ...TARGET, bookYearStartMonth: 7, bookYears: { '2025': '4' } });
    const entries = readEntries(readTable({ text: decode(file(result.files, 'ACT.txt').body, 'latin1'), kind: 'ACT' }));
    expect(entries.map((e) => [e.bookYear, e.period])).toEqual([
      ['4', '06'],
      ['4', '07'],
      ['4', '07'],
    ]);
  });
});
