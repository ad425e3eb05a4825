import { Decimal } from 'decimal.js';
import { ManualClock } from '@tollgate/testing';
import { ValidationError } from '@tollgate/plugin-sdk';
import { ACCOUNTING_EXAMPLE_IDS, startTeamleaderSandbox, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { parseTeamleaderJson, type Company, type Contact, type CreditNote, type DepartmentInfo, type Invoice, type TaxRate } from '@tollgate/teamleader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  creditNoteAccounting,
  enterpriseNumber,
  invoiceAccounting,
  normaliseVatNumber,
  paymentTermsText,
  taxRateMeaning,
  vatBreakdownOf,
  type AccountingLookups,
} from './teamleader-accounting.js';

/**
 * P-6 mapping against what the Teamleader sandbox serves (read over HTTP and parsed like the client
 * does: amounts and rates as the decimal strings written in the JSON), so the shapes are the real ones.
 */
describe('Teamleader → AccountingDetails (P-6)', () => {
  const clock = new ManualClock('2026-03-02T09:00:00.000Z');
  let sandbox: TeamleaderSandbox;
  let token: string;
  let taxRates: Map<string, TaxRate>;
  let department: DepartmentInfo;
  const ids = ACCOUNTING_EXAMPLE_IDS;

  async function read<T>(action: string, body: Record<string, unknown>): Promise<T> {
    const response = await fetch(`${sandbox.url}/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status, action).toBe(200);
    return (parseTeamleaderJson(await response.text()) as { data: T }).data;
  }
  const company = async (id: string) => ({ type: 'company' as const, party: await read<Company>('companies.info', { id }) });
  const contact = async (id: string) => ({ type: 'contact' as const, party: await read<Contact>('contacts.info', { id }) });
  const lookups = (customer: AccountingLookups['customer']): AccountingLookups => ({ department, taxRates, customer });
  const invoice = async (id: string, customer: AccountingLookups['customer']) => {
    const info = await read<Invoice>('invoices.info', { id });
    return { info, ...invoiceAccounting({ info, ...lookups(customer) }) };
  };

  beforeAll(async () => {
    sandbox = await startTeamleaderSandbox({ now: () => clock.now(), rateLimitPerMinute: 100_000 });
    token = sandbox.control.issueTokens().access_token;
    sandbox.control.seedAccountingExamples({ on: '2026-03-02' });
    taxRates = new Map((await read<TaxRate[]>('taxRates.list', {})).map((rate) => [rate.id, rate]));
    department = await read<DepartmentInfo>('departments.info', { id: sandbox.control.ids.department });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('mixed 21/12/6/0 % with discounts: lines, their categories, the breakdown per rate, totals equal to Teamleader’s', async () => {
    const { info, details, check } = await invoice(ids.mixedRates, await company(ids.brewery));
    expect(details.lines.map((l) => [l.id, l.section, l.quantity, l.unitPrice, l.discount, l.lineTotal, l.vatCategory, l.vatRate])).toEqual([
      ['1', 'Consultancy', '1.5', '850.00', '127.50', '1147.50', 'S', '21'],
      ['2', 'Consultancy', '2', '24.35', '0.00', '48.70', 'S', '21'],
      ['3', 'Goods', '12', '17.99', '0.00', '215.88', 'S', '12'],
      ['4', 'Goods', '3', '39.95', '5.99', '113.86', 'S', '6'],
      ['5', 'Goods', '1', '120.00', '0.00', '120.00', 'Z', '0'],
    ]);
    expect(details.lines.every((l) => l.unitCode === 'C62' && l.vatExemptionReason === null)).toBe(true);
    expect(details.vatBreakdown).toEqual([
      { vatCategory: 'S', vatRate: '21', taxableAmount: '1196.20', taxAmount: '251.20', vatExemptionReason: null },
      { vatCategory: 'S', vatRate: '12', taxableAmount: '215.88', taxAmount: '25.91', vatExemptionReason: null },
      { vatCategory: 'S', vatRate: '6', taxableAmount: '113.86', taxAmount: '6.83', vatExemptionReason: null },
      { vatCategory: 'Z', vatRate: '0', taxableAmount: '120.00', taxAmount: '0.00', vatExemptionReason: null },
    ]);
    expect(check).toEqual({ tookTeamleaderTax: ['21', '12', '6', '0'], disagreed: [] });
    expect(details.totals).toEqual({
      lineExtension: '1645.94',
      allowances: '0.00',
      taxExclusive: '1645.94',
      tax: '283.94',
      taxInclusive: '1929.88',
      prepaid: '0.00',
      payable: '1929.88',
    });
    expect(new Decimal(details.totals.taxExclusive).equals(info.total.tax_exclusive.amount)).toBe(true);
    expect(new Decimal(details.totals.taxInclusive).equals(info.total.tax_inclusive.amount)).toBe(true);
    expect(details.seller).toEqual({
      name: 'Sandbox BV',
      vatNumber: 'BE0899623035',
      enterpriseNumber: '0899623035',
      address: { line1: 'Sandboxstraat 1', postalCode: '9000', city: 'Gent', country: 'BE' },
      email: 'billing@sandbox.test',
      sourceId: sandbox.control.ids.department,
    });
    expect(details.buyer).toEqual({
      name: 'Brouwerij Aalst NV',
      vatNumber: 'BE0417497106',
      enterpriseNumber: '0417497106',
      address: { line1: 'Molenstraat 12', postalCode: '9300', city: 'Aalst', country: 'BE' },
      email: 'boekhouding@brouwerij-aalst.test',
      sourceId: ids.brewery,
    });
    expect(details.payment).toEqual({
      meansCode: '58',
      reference: info.payment_reference,
      iban: 'BE68539007547034',
      bic: 'BBRUBEBB',
      termDays: 30,
      termsText: 'Payment within 30 days',
    });
    expect(details.payment.reference).toMatch(/^\+\+\+\d{3}\/\d{4}\/\d{5}\+\+\+$/);
    expect(details.references).toEqual({ buyerReference: 'PO-2026-017', orderReference: 'PO-2026-017' });
    expect(details.note).toBe('Thank you for your order.');
  });

  it('every example: quantity × unit price − discount = line total exactly; line totals add up to Teamleader’s tax_exclusive; VAT to its taxes', async () => {
    const examples: Array<[string, AccountingLookups['customer']]> = [
      [ids.mixedRates, await company(ids.brewery)],
      [ids.reverseCharge, await company(ids.builder)],
      [ids.intraCommunity, await company(ids.tulip)],
      [ids.rounding, await contact(ids.person)],
      [ids.directDebit, await company(ids.brewery)],
      [ids.export, await company(ids.tulip)],
    ];
    for (const [id, customer] of examples) {
      const { info, details, check } = await invoice(id, customer);
      for (const line of details.lines) {
        const gross = new Decimal(line.quantity).times(line.unitPrice).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
        expect(gross.minus(line.discount).toFixed(2), `${id} line ${line.id}`).toBe(line.lineTotal);
      }
      const sum = details.lines.reduce((s, l) => s.plus(l.lineTotal), new Decimal(0));
      expect(sum.equals(info.total.tax_exclusive.amount), id).toBe(true);
      expect(new Decimal(details.totals.tax).equals(new Decimal(info.total.tax_inclusive.amount).minus(info.total.tax_exclusive.amount)), id).toBe(true);
      expect(details.vatBreakdown.reduce((s, v) => s.plus(v.taxableAmount), new Decimal(0)).equals(sum), id).toBe(true);
      expect(check.disagreed, id).toEqual([]);
    }
  });

  it('reverse charge (medecontractant) → AE with its reason; intra-community → K; export → G; exempt → E beside 21 % S', async () => {
    const reverse = (await invoice(ids.reverseCharge, await company(ids.builder))).details;
    expect(reverse.lines.map((l) => [l.vatCategory, l.vatRate, l.vatExemptionReason, l.discount, l.lineTotal])).toEqual([
      ['AE', '0', 'Reverse charge', '0.00', '12500.00'],
      ['AE', '0', 'Reverse charge', '37.28', '459.72'], // 14 × 35.50 = 497.00, −7.5 % (37.275 → 37.28)
    ]);
    expect(reverse.vatBreakdown).toEqual([
      { vatCategory: 'AE', vatRate: '0', taxableAmount: '12959.72', taxAmount: '0.00', vatExemptionReason: 'Reverse charge' },
    ]);
    expect(reverse.buyer).toMatchObject({ vatNumber: 'BE0403170701', enterpriseNumber: '0403170701' });
    expect(reverse.references).toEqual({ buyerReference: 'WERF-88', orderReference: 'WERF-88' });

    const intra = (await invoice(ids.intraCommunity, await company(ids.tulip))).details;
    expect(intra.vatBreakdown).toEqual([
      { vatCategory: 'K', vatRate: '0', taxableAmount: '815.00', taxAmount: '0.00', vatExemptionReason: 'Intra-community supply' },
    ]);
    expect(intra.buyer).toMatchObject({ vatNumber: 'NL859012345B01', enterpriseNumber: null, address: { country: 'NL', postalCode: '1015 AA' } });
    // Without a purchase order number the buyer reference is the customer's Teamleader id.
    expect(intra.references).toEqual({ buyerReference: ids.tulip, orderReference: null });
    // BG-13: Teamleader's delivery_date, and the buyer's country as where an intra-community supply went.
    const intraInfo = await read<Invoice>('invoices.info', { id: ids.intraCommunity });
    expect(intraInfo.delivery_date).toBe('2026-03-02');
    expect(intra.delivery).toEqual({ date: '2026-03-02', country: 'NL' });
    // A K document without a delivery date still names the country; a delivery date alone is kept.
    expect(invoiceAccounting({ info: { ...intraInfo, delivery_date: null }, ...lookups(await company(ids.tulip)) }).details.delivery).toEqual({
      date: null,
      country: 'NL',
    });

    const exported = (await invoice(ids.export, await company(ids.tulip))).details;
    expect(exported.vatBreakdown.map((v) => [v.vatCategory, v.vatExemptionReason])).toEqual([['G', 'Export outside the EU']]);
    // Not intra-community and no delivery_date at Teamleader: no delivery at all.
    expect(exported).not.toHaveProperty('delivery');
    const exportInfo = await read<Invoice>('invoices.info', { id: ids.export });
    expect(invoiceAccounting({ info: { ...exportInfo, delivery_date: '2026-02-27' }, ...lookups(await company(ids.tulip)) }).details.delivery).toEqual({
      date: '2026-02-27',
      country: null,
    });

    const { details: debit } = await invoice(ids.directDebit, await company(ids.brewery));
    expect(debit.vatBreakdown.map((v) => [v.vatCategory, v.vatRate, v.taxableAmount, v.taxAmount, v.vatExemptionReason])).toEqual([
      ['S', '21', '249.00', '52.29', null],
      ['E', '0', '300.00', '0.00', 'Exempt from VAT'],
    ]);
    expect(debit.payment.meansCode).toBe('59');
  });

  it('rounding: fractional quantities and odd discounts round half up per line; a person has no VAT or enterprise number', async () => {
    const { details, info } = await invoice(ids.rounding, await contact(ids.person));
    expect(details.lines.map((l) => [l.quantity, l.unitPrice, l.discount, l.lineTotal])).toEqual([
      ['0.33', '19.99', '0.83', '5.77'], // 6.5967 → 6.60, −12.5 % (0.825 → 0.83)
      ['7', '0.13', '0.30', '0.61'], // 0.91, −33.33 % (0.3033 → 0.30)
      ['1', '99.99', '0.00', '99.99'],
    ]);
    expect(details.totals.taxExclusive).toBe(new Decimal(info.total.tax_exclusive.amount).toFixed(2));
    expect(details.buyer).toEqual({
      name: 'An Peeters',
      vatNumber: null,
      enterpriseNumber: null,
      address: { line1: 'Kerkstraat 3', postalCode: '2000', city: 'Antwerpen', country: 'BE' },
      email: 'an.peeters@example.test',
      sourceId: ids.person,
    });
    expect(details.payment).toMatchObject({ termDays: 15, termsText: 'Payment within 15 days after the end of the month' });
  });

  it('a credit note: positive amounts, the credited invoice’s number and date, no payment reference', async () => {
    const note = await read<CreditNote>('creditNotes.info', { id: ids.creditNote });
    const credited = await read<Invoice>('invoices.info', { id: ids.mixedRates });
    const { details, check } = creditNoteAccounting({
      note,
      credited: { number: credited.invoice_number, date: credited.invoice_date },
      ...lookups(await company(ids.brewery)),
    });
    expect(details.lines.map((l) => [l.description, l.lineTotal, l.vatCategory, l.vatRate])).toEqual([
      ['Beer glasses (box of 6), 2 broken', '35.98', 'S', '12'],
      ['Travel', '24.35', 'S', '21'],
    ]);
    expect(details.vatBreakdown.map((v) => [v.vatRate, v.taxableAmount, v.taxAmount])).toEqual([
      ['21', '24.35', '5.11'],
      ['12', '35.98', '4.32'],
    ]);
    expect(details.totals).toMatchObject({ taxExclusive: '60.33', tax: '9.43', payable: '69.76' });
    expect(details.references).toEqual({
      buyerReference: ids.brewery,
      orderReference: null,
      invoiceNumber: credited.invoice_number,
      invoiceIssuedOn: '2026-03-02',
    });
    expect(details.payment).toMatchObject({ meansCode: '58', reference: null, iban: 'BE68539007547034' });
    expect(check.disagreed).toEqual([]);
    // The credited invoice's delivery date is the credit note's (it takes back part of that supply).
    expect(details).not.toHaveProperty('delivery');
    const dated = creditNoteAccounting({
      note,
      credited: { number: credited.invoice_number, date: credited.invoice_date, deliveryDate: '2026-02-28' },
      ...lookups(await company(ids.brewery)),
    });
    expect(dated.details.delivery).toEqual({ date: '2026-02-28', country: null });
  });

  it('VAT breakdown vs Teamleader’s total.taxes: within a cent Teamleader’s tax is taken; further off, the lines’ figures are used and the gap reported', () => {
    const line = (lineTotal: string, vatRate: string) =>
      ({ id: '1', description: 'x', quantity: '1', unitCode: 'C62', unitPrice: lineTotal, discount: '0.00', lineTotal, vatCategory: 'S', vatRate }) as const;
    const lines = [line('100.05', '21'), line('10.00', '6')];
    const money = (amount: string) => ({ amount, currency: 'EUR' });
    // 100.05 × 21 % = 21.0105 → 21.01; Teamleader says 21.02 (a cent off): taken.
    const near = vatBreakdownOf({
      lines,
      taxes: [
        { rate: '0.21', taxable: money('100.05'), tax: money('21.02') },
        { rate: '0.06', taxable: money('10.0'), tax: money('0.6') },
      ],
    });
    expect(near.breakdown.map((v) => v.taxAmount)).toEqual(['21.02', '0.60']);
    expect(near.check).toEqual({ tookTeamleaderTax: ['21', '6'], disagreed: [] });
    // Teamleader's 21 % taxable is 5.00 off the lines': the lines' taxable and tax are used, the gap reported.
    const far = vatBreakdownOf({ lines, taxes: [{ rate: '0.21', taxable: money('105.05'), tax: money('22.06') }] });
    expect(far.breakdown.map((v) => [v.vatRate, v.taxableAmount, v.taxAmount])).toEqual([
      ['21', '100.05', '21.01'],
      ['6', '10.00', '0.60'],
    ]);
    expect(far.check.disagreed).toEqual([
      { rate: '21', teamleaderTaxable: '105.05', linesTaxable: '100.05', teamleaderTax: '22.06', computedTax: '21.01' },
      { rate: '6', teamleaderTaxable: '0.00', linesTaxable: '10.00', teamleaderTax: '0.00', computedTax: '0.60' },
    ]);
  });

  it('a line naming a tax rate Teamleader does not list is refused (the document then carries no details)', async () => {
    const { info } = await invoice(ids.mixedRates, null);
    const broken = structuredClone(info);
    broken.grouped_lines![0]!.line_items[0]!.tax.id = 'ffffffff-0000-4000-8000-000000000000';
    expect(() => invoiceAccounting({ info: broken, ...lookups(null) })).toThrow(ValidationError);
    // Without the customer record the buyer is the invoicee: its name and VAT number (country from the VAT prefix).
    const { details } = await invoice(ids.mixedRates, null);
    expect(details.buyer).toEqual({
      name: 'Brouwerij Aalst NV',
      vatNumber: 'BE0417497106',
      enterpriseNumber: '0417497106',
      address: { country: 'BE' },
      email: 'boekhouding@brouwerij-aalst.test',
      sourceId: ids.brewery,
    });
  });

  it('reads a 0 % rate’s kind from its description in Dutch, French and English; VAT and enterprise numbers in their written forms', () => {
    const zero = (description: string) => taxRateMeaning({ rate: '0', description }).category;
    expect(['0% Medecontractant', '0% cocontractant', 'Verlegde BTW', 'Autoliquidation', 'Reverse charge (art. 51 §2)'].map(zero)).toEqual([
      'AE',
      'AE',
      'AE',
      'AE',
      'AE',
    ]);
    expect(['0% Intracommunautaire levering', 'Livraison intracommunautaire', 'Intra-community supply', 'ICL 0%'].map(zero)).toEqual(['K', 'K', 'K', 'K']);
    expect(['0% Export buiten EU', 'Uitvoer', 'Export hors UE'].map(zero)).toEqual(['G', 'G', 'G']);
    expect(['Vrijgesteld (art. 44)', 'Exonéré', 'Exempt'].map(zero)).toEqual(['E', 'E', 'E']);
    expect(zero('0%')).toBe('Z');
    expect(taxRateMeaning({ rate: '0.055', description: '5,5%' })).toEqual({ category: 'S', rate: '5.5', exemptionReason: null });
    expect(normaliseVatNumber(' be 0899.623.035 ')).toBe('BE0899623035');
    expect(enterpriseNumber({ vatNumber: 'BE 899.623.035' })).toBe('0899623035');
    expect(enterpriseNumber({ vatNumber: 'NL859012345B01', registration: '0403.170.701' })).toBe('0403170701');
    expect(enterpriseNumber({ vatNumber: 'NL859012345B01', registration: '85.07.30-033.61' })).toBeNull();
    expect(paymentTermsText({ type: 'cash' })).toBe('Payment on receipt');
  });
});
