import { Decimal } from 'decimal.js';
import { ValidationError, type AccountingDocument, type ExportFile, type ExportRefusal } from '@tollgate/plugin-sdk';
import { describe, expect, it } from 'vitest';
import { TwinfieldExporter } from '../src/index.js';
import { accountingFixtures, BUYERS, makeDocument } from './accounting-fixtures.js';
import { readTransactions } from './twinfield-reader.js';

const exporter = new TwinfieldExporter();

/** A Dutch accountant's set-up: Twinfield's usual codes (VH high, VL low, VN zero, IC intra-community, VV exempt). */
const TARGET = {
  office: 'NLA000001',
  defaultRevenueAccount: '8020',
  revenueAccounts: { 'S:6': '8010', AE: '8100', E: '8300' },
  vatCodes: { 'S:21': 'VH', 'S:6': 'VL', Z: 'VN', AE: 'IC', E: 'VV' },
};
const CODE_OF: Record<string, string> = { 'S:21': 'VH', 'S:6': 'VL', 'Z:0': 'VN', 'AE:0': 'IC', 'E:0': 'VV' };

async function render(documents: readonly AccountingDocument[], options: Record<string, unknown> = TARGET) {
  return exporter.render({ accountId: 'acc_1', documents, options });
}

function expectAccountedOnce(documents: readonly AccountingDocument[], result: { files: ExportFile[]; refused: ExportRefusal[] }) {
  const seen = [...result.files.flatMap((f) => f.documentIds), ...result.refused.map((r) => r.documentId)];
  expect(seen.sort()).toEqual(documents.map((d) => d.id).sort());
}

describe('Twinfield export of 20 invoices and 3 credit notes, read back from the published structure', async () => {
  const documents = accountingFixtures();
  const result = await render(documents);
  const [file] = result.files;
  const xml = new TextDecoder('utf-8', { fatal: true }).decode(file!.body);
  const transactions = readTransactions(xml);
  const txOf = (d: AccountingDocument) => transactions.find((t) => t.invoicenumber === d.number)!;

  it('writes one well-formed UTF-8 file with a transaction per document, provisional by default', () => {
    expect(result.refused).toEqual([]);
    expect(result.files).toHaveLength(1);
    expect(file!).toMatchObject({
      name: 'twinfield-sales-transactions.xml',
      contentType: 'application/xml; charset=utf-8',
      documentIds: documents.map((d) => d.id),
    });
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(transactions).toHaveLength(23);
    expect(new Set(transactions.map((t) => t.destiny))).toEqual(new Set(['temporary']));
    expect(new Set(transactions.map((t) => `${t.office}/${t.code}`))).toEqual(new Set(['NLA000001/VRK']));
    expectAccountedOnce(documents, result);
  });

  it('balances every transaction: total = Σ detail values + their VAT, on opposite sides', () => {
    for (const d of documents) {
      const tx = txOf(d);
      expect(tx.balance.toFixed(2), d.number).toBe('0.00');
      expect(tx.total.value.toFixed(2), d.number).toBe(new Decimal(d.totals.taxInclusive).toFixed(2));
      expect(tx.total.debitcredit, d.number).toBe(d.kind === 'invoice' ? 'debit' : 'credit');
      expect(tx.total.vattotal!.toFixed(2), d.number).toBe(new Decimal(d.totals.tax).toFixed(2));
      for (const line of tx.details) expect(line.debitcredit).not.toBe(tx.total.debitcredit);
    }
  });

  it('sums to the documents: invoices minus credit notes', () => {
    const read = transactions.reduce((sum, t) => sum.plus(t.total.debitcredit === 'debit' ? t.total.value : t.total.value.neg()), new Decimal(0));
    // Computed apart from the fixtures' code (Python decimal, half-up per line and per VAT subtotal).
    expect(read.toFixed(2)).toBe('11650.52');
  });

  it('reports VAT per Twinfield code as the documents give it', () => {
    for (const d of documents) {
      const want = new Map<string, { base: Decimal; tax: Decimal }>();
      for (const s of d.vatBreakdown) {
        const code = CODE_OF[`${s.vatCategory}:${new Decimal(s.vatRate).toString()}`]!;
        const v = want.get(code) ?? { base: new Decimal(0), tax: new Decimal(0) };
        want.set(code, { base: v.base.plus(s.taxableAmount), tax: v.tax.plus(s.taxAmount) });
      }
      const got = new Map<string, { base: Decimal; tax: Decimal }>();
      for (const l of txOf(d).details) {
        const v = got.get(l.vatcode!) ?? { base: new Decimal(0), tax: new Decimal(0) };
        got.set(l.vatcode!, { base: v.base.plus(l.value), tax: v.tax.plus(l.vatvalue ?? 0) });
      }
      expect([...got.keys()].sort(), d.number).toEqual([...want.keys()].sort());
      for (const [code, v] of want) {
        expect(got.get(code)!.base.toFixed(2), `${d.number} ${code}`).toBe(v.base.toFixed(2));
        expect(got.get(code)!.tax.toFixed(2), `${d.number} ${code}`).toBe(v.tax.toFixed(2));
      }
    }
  });

  it('refers each transaction to its customer (dim2) on the debtors account, with revenue accounts per VAT', () => {
    for (const d of documents) expect(txOf(d).total).toMatchObject({ dim1: '1300', dim2: d.buyer.sourceId });
    expect(txOf(documents[2]!).details.map((l) => [l.dim1, l.vatcode, l.value.toFixed(2)])).toEqual([
      ['8010', 'VL', '29.75'],
      ['8020', 'VH', '180.00'],
    ]);
  });

  it('marks intra-community lines for the ICP declaration: performance type, the buyer’s country and VAT number', () => {
    const dutch = txOf(documents[5]!).details[0]!;
    expect(dutch).toMatchObject({
      dim1: '8100',
      vatcode: 'IC',
      performancetype: 'services',
      performancecountry: 'NL',
      performancevatnumber: 'NL002455799B11',
      performancedate: '2026-01-14',
    });
    expect(txOf(documents[1]!).details[0]!.performancetype).toBeNull();
  });

  it('goods need no performance date', async () => {
    const goods = await render([documents[5]!], { ...TARGET, performanceType: 'goods' });
    const [line] = readTransactions(new TextDecoder().decode(goods.files[0]!.body))[0]!.details;
    expect(line).toMatchObject({ performancetype: 'goods', performancedate: null });
  });

  it('dates yyyymmdd, periods YYYY/PP, due date and structured payment reference in the header', () => {
    expect(txOf(documents[0]!)).toMatchObject({ date: '2025-12-15', period: '2025/12', duedate: '2026-01-14', currency: 'EUR' });
    expect(txOf(documents[20]!)).toMatchObject({ invoicenumber: 'CN2026/0001', period: '2026/01', duedate: null });
    expect(txOf(documents[1]!).paymentreference).toMatch(/^\+\+\+\d{3}\/\d{4}\/\d{5}\+\+\+$/);
  });

  it('escapes text and keeps non-ASCII names as UTF-8', () => {
    expect(xml).toContain('Café "Le Coin" Société');
    expect(xml).toContain('Süd Technik GmbH');
  });

  it("writes destiny 'final' and a financial year from July when the target asks", async () => {
    const final = await render(documents.slice(0, 2), { ...TARGET, destiny: 'final', financialYearStartMonth: 7 });
    const read = readTransactions(new TextDecoder().decode(final.files[0]!.body));
    expect(read.map((t) => [t.destiny, t.period])).toEqual([
      ['final', '2025/06'],
      ['final', '2025/07'],
    ]);
  });
});

describe('Twinfield refusals: a document that cannot be written faithfully is refused with its rule', () => {
  const documents = accountingFixtures();

  it('twinfield-vat-code-missing: 6 % without a mapped code refuses those documents only', async () => {
    const { 'S:6': _low, ...vatCodes } = TARGET.vatCodes;
    const result = await render(documents, { ...TARGET, vatCodes });
    expect(result.refused.map((r) => r.documentId)).toEqual(['inv_3', 'inv_4', 'inv_8', 'inv_9', 'inv_10', 'inv_15', 'inv_20', 'cn_3']);
    expect(new Set(result.refused.map((r) => r.rule))).toEqual(new Set(['twinfield-vat-code-missing']));
    expect(result.refused[0]!.message).toContain('S:6');
    expectAccountedOnce(documents, result);
    expect(readTransactions(new TextDecoder().decode(result.files[0]!.body))).toHaveLength(15);
  });

  it('twinfield-customer-code-missing and -totals-inconsistent; customerCodes maps an id Twinfield cannot take', async () => {
    const anon = makeDocument({
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
      buyer: { ...BUYERS.acme, sourceId: 'a3f1c2d4-0000-4000-8000-000000000001' },
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
    broken.vatBreakdown[0]!.taxAmount = '2.11';
    const usd = makeDocument({
      id: 'usd',
      kind: 'invoice',
      number: '2026/0104',
      buyer: BUYERS.dutch,
      issuedOn: '2026-02-01',
      lines: [['X', '1', '10.00', 'S', '21']],
      currency: 'USD',
    });
    const all = [anon, uuid, broken, usd];
    const result = await render(all);
    expect(Object.fromEntries(result.refused.map((r) => [r.documentId, r.rule]))).toEqual({
      anon: 'twinfield-customer-code-missing',
      uuid: 'twinfield-customer-code-missing',
      broken: 'twinfield-totals-inconsistent',
    });
    expectAccountedOnce(all, result);
    // The refusal says exactly which entry to set on the target.
    expect(result.refused.find((r) => r.documentId === 'uuid')!.message).toContain(
      'set customerCodes { "a3f1c2d4-0000-4000-8000-000000000001": "<its Twinfield debtor code>" } on the export target',
    );
    // Twinfield books foreign currency itself (rates per administration): the transaction says USD.
    expect(readTransactions(new TextDecoder().decode(result.files[0]!.body)).map((t) => t.currency)).toEqual(['USD']);
    const mapped = await render([uuid], { ...TARGET, customerCodes: { 'a3f1c2d4-0000-4000-8000-000000000001': '1001' } });
    expect(readTransactions(new TextDecoder().decode(mapped.files[0]!.body))[0]!.total.dim2).toBe('1001');
  });

  it('books a negative subtotal on the other side and still balances', async () => {
    const refund = makeDocument({
      id: 'neg',
      kind: 'invoice',
      number: '2026/0200',
      buyer: BUYERS.acme,
      issuedOn: '2026-02-01',
      lines: [
        ['Work', '1', '100.00', 'S', '21'],
        ['Voucher', '-1', '20.00', 'S', '6'],
      ],
    });
    const [tx] = readTransactions(new TextDecoder().decode((await render([refund])).files[0]!.body));
    expect(tx!.details.map((l) => [l.vatcode, l.debitcredit, l.value.toFixed(2), l.vatvalue!.toFixed(2)])).toEqual([
      ['VH', 'credit', '100.00', '21.00'],
      ['VL', 'debit', '20.00', '1.20'],
    ]);
    expect(tx!.balance.toFixed(2)).toBe('0.00');
  });

  it('writes no file when every document is refused, and refuses invalid target options outright', async () => {
    const result = await render(documents, { ...TARGET, vatCodes: {} });
    expect(result.files).toEqual([]);
    expect(result.refused).toHaveLength(23);
    await expect(render(documents, { ...TARGET, office: '' })).rejects.toBeInstanceOf(ValidationError);
    await expect(render(documents, { ...TARGET, destiny: 'posted' })).rejects.toThrow(/destiny/);
    expect(exporter.targetOptions.safeParse({ office: 'NLA000001' }).success).toBe(false);
  });
});
