import { ManualClock } from '@tollgate/clock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNTING_EXAMPLE_IDS, startTeamleaderSandbox, type TeamleaderSandbox } from './index.js';

/** Exact sums of amounts Teamleader sends as JSON numbers: in cents. */
const toCents = (amount: number) => Math.round(amount * 100);

describe('teamleader sandbox: what an accounting export reads (P-6)', () => {
  let clock: ManualClock;
  let sandbox: TeamleaderSandbox;
  let accessToken: string;

  beforeEach(async () => {
    clock = new ManualClock('2026-03-02T09:00:00.000Z');
    sandbox = await startTeamleaderSandbox({ now: () => clock.now(), rateLimitPerMinute: 1000 });
    accessToken = sandbox.control.issueTokens().access_token;
  });
  afterEach(async () => {
    await sandbox.close();
  });

  async function call(path: string, body: unknown = {}): Promise<{ status: number; body: any }> {
    const response = await fetch(`${sandbox.url}/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  it('invoices.info: grouped lines with sections, discounts, tax rate refs and line totals; total.taxes per rate add up to the totals', async () => {
    sandbox.control.seedAccountingExamples({ on: '2026-03-02' });
    const { body } = await call('invoices.info', { id: ACCOUNTING_EXAMPLE_IDS.mixedRates });
    const info = body.data;
    expect(info.grouped_lines.map((g: any) => g.section.title)).toEqual(['Consultancy', 'Goods']);
    const items = info.grouped_lines.flatMap((g: any) => g.line_items);
    expect(items).toHaveLength(5);
    // 1.5 × 850.00 = 1275.00, −10 % = 1147.50
    expect(items[0]).toMatchObject({
      quantity: 1.5,
      description: 'Strategy workshop',
      unit_price: { amount: 850, tax: 'excluding' },
      tax: { type: 'taxRate', id: sandbox.control.ids.taxRate21 },
      discount: { type: 'percentage', value: 10 },
      total: {
        tax_exclusive: { amount: 1147.5, currency: 'EUR' },
        tax_exclusive_before_discount: { amount: 1275, currency: 'EUR' },
        tax_inclusive: { amount: 1388.48, currency: 'EUR' },
        tax_inclusive_before_discount: { amount: 1542.75, currency: 'EUR' },
      },
    });
    expect(items[1]).toMatchObject({ extended_description: 'Gent – Aalst, 2 return trips', discount: null, unit: null });
    // 3 × 39.95 = 119.85, −5 % (5.99) = 113.86
    expect(items[3].total.tax_exclusive.amount).toBe(113.86);
    expect(info.total.taxes).toEqual([
      { rate: 0.21, taxable: { amount: 1196.2, currency: 'EUR' }, tax: { amount: 251.2, currency: 'EUR' } },
      { rate: 0.12, taxable: { amount: 215.88, currency: 'EUR' }, tax: { amount: 25.91, currency: 'EUR' } },
      { rate: 0.06, taxable: { amount: 113.86, currency: 'EUR' }, tax: { amount: 6.83, currency: 'EUR' } },
      { rate: 0, taxable: { amount: 120, currency: 'EUR' }, tax: { amount: 0, currency: 'EUR' } },
    ]);
    const lineSum = items.reduce((sum: number, item: any) => sum + toCents(item.total.tax_exclusive.amount), 0);
    expect(toCents(info.total.tax_exclusive.amount)).toBe(lineSum);
    const taxSum = info.total.taxes.reduce((sum: number, t: any) => sum + toCents(t.tax.amount), 0);
    expect(toCents(info.total.tax_inclusive.amount)).toBe(lineSum + taxSum);
    expect(toCents(info.total.tax_exclusive_before_discount.amount)).toBe(
      items.reduce((sum: number, item: any) => sum + toCents(item.total.tax_exclusive_before_discount.amount), 0),
    );
    expect(info).toMatchObject({ purchase_order_number: 'PO-2026-017', payment_reference: expect.stringMatching(/^\+\+\+\d{3}\/\d{4}\/\d{5}\+\+\+$/) });
    expect(info.invoicee).toMatchObject({
      name: 'Brouwerij Aalst NV',
      vat_number: 'BE0417497106',
      customer: { type: 'company', id: ACCOUNTING_EXAMPLE_IDS.brewery },
      email: 'boekhouding@brouwerij-aalst.test',
      national_identification_number: '0417.497.106',
    });
  });

  it('every seeded example adds up: line totals = tax_exclusive, taxes = tax_inclusive − tax_exclusive', async () => {
    const { invoices, creditNote } = sandbox.control.seedAccountingExamples({ on: '2026-03-02' });
    for (const doc of [...invoices, creditNote] as any[]) {
      const items = doc.grouped_lines.flatMap((g: any) => g.line_items);
      const lineSum = items.reduce((sum: number, item: any) => sum + toCents(item.total.tax_exclusive.amount), 0);
      expect(toCents(doc.total.tax_exclusive.amount), doc.id).toBe(lineSum);
      const taxable = doc.total.taxes.reduce((sum: number, t: any) => sum + toCents(t.taxable.amount), 0);
      const tax = doc.total.taxes.reduce((sum: number, t: any) => sum + toCents(t.tax.amount), 0);
      expect(taxable, doc.id).toBe(lineSum);
      expect(toCents(doc.total.tax_inclusive.amount) - toCents(doc.total.tax_exclusive.amount), doc.id).toBe(tax);
    }
  });

  it('creditNotes.info carries the lines and names the credited invoice', async () => {
    sandbox.control.seedAccountingExamples({ on: '2026-03-02' });
    const { body } = await call('creditNotes.info', { id: ACCOUNTING_EXAMPLE_IDS.creditNote });
    expect(body.data).toMatchObject({
      invoice: { type: 'invoice', id: ACCOUNTING_EXAMPLE_IDS.mixedRates },
      credit_note_date: '2026-03-02',
      total: { tax_exclusive: { amount: 60.33 }, taxes: [{ rate: 0.21 }, { rate: 0.12 }] },
    });
    expect(body.data.grouped_lines.flatMap((g: any) => g.line_items)).toHaveLength(2);
  });

  it('taxRates.list: every rate with description and department, paged like other lists; 0 % kinds differ by description only', async () => {
    const all = await call('taxRates.list', {});
    expect(all.status).toBe(200);
    expect(all.body.data.map((r: any) => r.rate)).toEqual([0.21, 0.12, 0.06, 0, 0, 0, 0, 0]);
    expect(all.body.data.find((r: any) => r.id === sandbox.control.ids.taxRate0ReverseCharge)).toEqual({
      id: sandbox.control.ids.taxRate0ReverseCharge,
      description: '0% Medecontractant',
      rate: 0,
      department: { type: 'department', id: sandbox.control.ids.department },
    });
    const pages = [await call('taxRates.list', { page: { size: 3, number: 1 } }), await call('taxRates.list', { page: { size: 3, number: 3 } })];
    expect(pages.map((p) => p.body.data.length)).toEqual([3, 2]);
    expect((await call('taxRates.list', { page: { size: 101 } })).status).toBe(400);
    expect((await call('taxRates.list', { filter: { department_id: 'ffffffff-0000-4000-8000-000000000000' } })).body.data).toEqual([]);
    expect((await call('taxRates.list', { page: { size: 5 }, includes: 'pagination' })).body.meta).toEqual({ page: { size: 5, number: 1 }, matches: 8 });
  });

  it('departments.info: name, VAT, address, IBAN/BIC, e-mails, currency; a seeded department has what was seeded (null when not)', async () => {
    const info = (await call('departments.info', { id: sandbox.control.ids.department })).body.data;
    expect(info).toMatchObject({
      name: 'Sandbox BV',
      vat_number: 'BE0899623035',
      currency: 'EUR',
      emails: [{ type: 'primary', email: 'billing@sandbox.test' }],
      address: { line_1: 'Sandboxstraat 1', postal_code: '9000', city: 'Gent', country: 'BE' },
      iban: 'BE68539007547034',
      bic: 'BBRUBEBB',
    });
    const bare = sandbox.control.seedDepartment({ name: 'Bare BV' }) as { id: string };
    expect((await call('departments.info', { id: bare.id })).body.data).toMatchObject({ address: null, iban: null, bic: null, vat_number: null });
  });

  it('is strict: unknown ids are 404 with the usual error shape; bad discounts and unknown tax rates are 400', async () => {
    const missing = 'ffffffff-0000-4000-8000-000000000000';
    for (const path of ['departments.info', 'invoices.info', 'creditNotes.info', 'companies.info', 'contacts.info']) {
      const answer = await call(path, { id: missing });
      expect(answer.status, path).toBe(404);
      expect(answer.body).toEqual({ errors: [expect.objectContaining({ title: expect.stringContaining(missing), status: 404 })] });
    }
    const company = sandbox.control.seedCompany({ name: 'Acme NV' }) as { id: string };
    const draft = (lineItem: Record<string, unknown>) =>
      call('invoices.draft', {
        invoicee: { customer: { type: 'company', id: company.id } },
        department_id: sandbox.control.ids.department,
        payment_term: { type: 'cash' },
        grouped_lines: [{ line_items: [{ quantity: 1, description: 'x', unit_price: { amount: 10, tax: 'excluding' }, ...lineItem }] }],
      });
    expect((await draft({ tax_rate_id: missing })).status).toBe(400);
    expect((await draft({ tax_rate_id: sandbox.control.ids.taxRate21, discount: { type: 'amount', value: 2 } })).status).toBe(400);
    expect((await draft({ tax_rate_id: sandbox.control.ids.taxRate21, discount: { type: 'percentage', value: 120 } })).status).toBe(400);
    expect((await draft({ tax_rate_id: sandbox.control.ids.taxRate21, discount: { type: 'percentage', value: 12.5 } })).status).toBe(201);
  });

  it('companies and contacts carry invoicing / primary addresses, VAT and enterprise numbers', async () => {
    sandbox.control.seedAccountingExamples();
    const brewery = (await call('companies.info', { id: ACCOUNTING_EXAMPLE_IDS.brewery })).body.data;
    expect(brewery).toMatchObject({
      vat_number: 'BE0417497106',
      national_identification_number: '0417.497.106',
      addresses: [{ type: 'invoicing', address: { line_1: 'Molenstraat 12', postal_code: '9300', city: 'Aalst', country: 'BE' } }],
    });
    const person = (await call('contacts.info', { id: ACCOUNTING_EXAMPLE_IDS.person })).body.data;
    expect(person.addresses).toEqual([{ type: 'primary', address: { line_1: 'Kerkstraat 3', postal_code: '2000', city: 'Antwerpen', country: 'BE' } }]);
  });
});
