import { describe, expect, it } from 'vitest';
import {
  belgianEnterpriseNumber,
  buildSampleDocument,
  peppolEndpoint,
  SAMPLE_BUYER,
  SAMPLE_SELLER,
  safeFileNamePart,
  structuredCommunicationFrom,
  UblDocumentInconsistentError,
  writeUbl,
} from './index.js';

/** The text of every element named `name` (prefix included), in document order. */
const values = (xml: string, name: string): string[] => [...xml.matchAll(new RegExp(`<${name}(?: [^>]*)?>([^<]*)</${name}>`, 'g'))].map((m) => m[1]!);

/** Asserts the elements appear in this order (first occurrence of each). */
const expectOrder = (xml: string, names: string[]): void => {
  const positions = names.map((n) => xml.indexOf(`<${n}`));
  for (const [i, p] of positions.entries()) expect(p, `${names[i]} missing`).toBeGreaterThan(-1);
  expect([...positions].sort((a, b) => a - b)).toEqual(positions);
};

const refusal = (fn: () => unknown): UblDocumentInconsistentError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof UblDocumentInconsistentError) return error;
    throw error;
  }
  throw new Error('expected UblDocumentInconsistentError');
};

const invoice = buildSampleDocument({
  id: 'inv-1',
  number: '2026/00012',
  lines: [
    { description: 'Consultancy', quantity: '7.5', unitPrice: '95.00', unitCode: 'HUR', section: 'Services' },
    { description: 'Licence', quantity: '3', unitPrice: '19.999', discount: '5.00' },
  ],
  payment: { reference: '+++123/4567/89002+++', meansCode: '58' },
});

describe('writeUbl: invoice', () => {
  const { xml, fileName, rootElement } = writeUbl({ document: invoice });

  it('is a Peppol BIS 3.0 Invoice 380 with the header in the UBL schema order', () => {
    expect(rootElement).toBe('Invoice');
    expect(fileName).toBe('invoice-2026-00012.xml');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"')).toBe(true);
    expect(values(xml, 'cbc:CustomizationID')).toEqual(['urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0']);
    expect(values(xml, 'cbc:ProfileID')).toEqual(['urn:fdc:peppol.eu:2017:poacc:billing:01:1.0']);
    expect(values(xml, 'cbc:InvoiceTypeCode')).toEqual(['380']);
    expectOrder(xml, [
      'cbc:CustomizationID',
      'cbc:ProfileID',
      'cbc:ID',
      'cbc:IssueDate',
      'cbc:DueDate',
      'cbc:InvoiceTypeCode',
      'cbc:DocumentCurrencyCode',
      'cbc:BuyerReference',
      'cac:AccountingSupplierParty',
      'cac:AccountingCustomerParty',
      'cac:PaymentMeans',
      'cac:PaymentTerms',
      'cac:TaxTotal',
      'cac:LegalMonetaryTotal',
      'cac:InvoiceLine',
    ]);
    expect(xml).not.toContain('BillingReference');
  });

  it('writes exact amounts with 2 decimals and the currency, and the line with its discount', () => {
    // 3 × 19.999 − 5.00 = 54.997 → 55.00 (half-up); 7.5 × 95 = 712.50.
    expect(values(xml, 'cbc:LineExtensionAmount')).toEqual(['767.50', '712.50', '55.00']);
    expect(values(xml, 'cbc:PriceAmount')).toEqual(['95', '19.999']);
    expect(values(xml, 'cbc:InvoicedQuantity')).toEqual(['7.5', '3']);
    expect(xml).toContain('<cbc:InvoicedQuantity unitCode="HUR">7.5</cbc:InvoicedQuantity>');
    expect(xml).toContain('<cbc:TaxAmount currencyID="EUR">161.18</cbc:TaxAmount>');
    expect(values(xml, 'cbc:PayableAmount')).toEqual(['928.68']);
    expect([...xml.matchAll(/<cbc:(\w+Amount) (?!currencyID="EUR")/g)]).toEqual([]);
    const line2 = xml.slice(xml.lastIndexOf('<cac:InvoiceLine>'));
    expectOrder(line2, [
      'cbc:ID',
      'cbc:InvoicedQuantity',
      'cbc:LineExtensionAmount',
      'cac:AllowanceCharge',
      'cac:Item',
      'cac:ClassifiedTaxCategory',
      'cac:Price',
    ]);
    expect(line2).toContain('<cbc:ChargeIndicator>false</cbc:ChargeIndicator>');
    expect(values(line2, 'cbc:Amount')).toEqual(['5.00']);
    expect(values(xml, 'cbc:Note')).toEqual(['Payment within 30 days', 'Services']);
  });

  it('addresses both Belgian parties by enterprise number (0208) and names their VAT and legal entity', () => {
    expect(xml).toContain('<cbc:EndpointID schemeID="0208">0123456749</cbc:EndpointID>');
    expect(values(xml, 'cbc:CompanyID')).toEqual(['BE0123456749', '0123456749', SAMPLE_BUYER.vatNumber, SAMPLE_BUYER.vatNumber!.slice(2)]);
    expect(xml).toContain(`<cbc:EndpointID schemeID="0208">${SAMPLE_BUYER.vatNumber!.slice(2)}</cbc:EndpointID>`);
    expect(values(xml, 'cbc:ID')).toContain('C-1001');
  });

  it('pays into the IBAN with the Belgian structured communication as PaymentID', () => {
    expect(values(xml, 'cbc:PaymentMeansCode')).toEqual(['58']);
    expect(values(xml, 'cbc:PaymentID')).toEqual(['+++123/4567/89002+++']);
    const means = xml.slice(xml.indexOf('<cac:PaymentMeans>'), xml.indexOf('</cac:PaymentMeans>'));
    expectOrder(means, ['cbc:PaymentMeansCode', 'cbc:PaymentID', 'cac:PayeeFinancialAccount', 'cac:FinancialInstitutionBranch']);
    expect(values(means, 'cbc:ID')).toEqual(['BE68539007547034', 'GKCCBEBB']);
  });

  it('escapes text and leaves out empty values instead of writing empty elements', () => {
    const doc = buildSampleDocument({
      id: 'inv-esc',
      number: 'A&B <1>',
      buyer: { ...SAMPLE_BUYER, name: 'Smith & "Sons" <Ltd>', email: '  ', address: { ...SAMPLE_BUYER.address, line2: '' } },
      lines: [{ description: 'Tab\tand bell\u0007 & more', quantity: '1', unitPrice: '10.00' }],
      orderReference: '',
      note: null,
      payment: { bic: null, reference: '' },
    });
    const out = writeUbl({ document: doc });
    expect(out.xml).toContain('<cbc:Name>Smith &amp; &quot;Sons&quot; &lt;Ltd&gt;</cbc:Name>');
    expect(out.xml).toContain('<cbc:Name>Tab\tand bell &amp; more</cbc:Name>');
    expect(out.xml).toContain('<cbc:ID>A&amp;B &lt;1&gt;</cbc:ID>');
    expect(out.fileName).toBe('invoice-A-B-1.xml');
    // Attribute values too: a unit code is the source's text.
    const odd = writeUbl({ document: { ...doc, lines: [{ ...doc.lines[0]!, unitCode: 'X"<&' }] } });
    expect(odd.xml).toContain('<cbc:InvoicedQuantity unitCode="X&quot;&lt;&amp;">1</cbc:InvoicedQuantity>');
    expect(out.xml).not.toMatch(/<([\w:]+)(?: [^>]*)?>\s*<\/\1>/);
    expect(out.xml).not.toMatch(/<[\w:]+(?: [^>]*)?\/>/);
    const buyer = out.xml.slice(out.xml.indexOf('<cac:AccountingCustomerParty>'), out.xml.indexOf('</cac:AccountingCustomerParty>'));
    expect(buyer).not.toContain('ElectronicMail');
    expect(buyer).not.toContain('cac:Contact');
    expect(buyer).not.toContain('AdditionalStreetName');
    for (const absent of ['OrderReference', 'PaymentID', 'FinancialInstitutionBranch']) expect(out.xml).not.toContain(absent);
  });
});

describe('writeUbl: credit note', () => {
  const note = buildSampleDocument({
    id: 'cn-1',
    kind: 'credit_note',
    number: 'CN 2026/3',
    lines: [{ description: 'Credit: Consultancy', quantity: '2', unitPrice: '95.00' }],
    invoiceNumber: '2026/00012',
    invoiceIssuedOn: '2026-03-02',
    dueOn: '2026-04-15',
  });
  const { xml, fileName, rootElement } = writeUbl({ document: note });

  it('is a CreditNote 381 referring to the credited invoice, with positive amounts', () => {
    expect(rootElement).toBe('CreditNote');
    expect(fileName).toBe('credit-note-CN-2026-3.xml');
    expect(xml).toContain('<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"');
    expect(values(xml, 'cbc:CreditNoteTypeCode')).toEqual(['381']);
    expect(xml).not.toContain('InvoiceTypeCode');
    expectOrder(xml, ['cbc:IssueDate', 'cbc:CreditNoteTypeCode', 'cbc:BuyerReference', 'cac:BillingReference', 'cac:AccountingSupplierParty']);
    const reference = xml.slice(xml.indexOf('<cac:BillingReference>'), xml.indexOf('</cac:BillingReference>'));
    expect(values(reference, 'cbc:ID')).toEqual(['2026/00012']);
    expect(values(reference, 'cbc:IssueDate')).toEqual(['2026-03-02']);
    expect(xml).toContain('<cac:CreditNoteLine>');
    expect(xml).toContain('<cbc:CreditedQuantity unitCode="C62">2</cbc:CreditedQuantity>');
    expect(values(xml, 'cbc:PayableAmount')).toEqual(['229.90']);
  });

  it('puts the due date in PaymentMeans (a UBL CreditNote has no DueDate)', () => {
    expect(xml).not.toContain('<cbc:DueDate>');
    expect(values(xml, 'cbc:PaymentDueDate')).toEqual(['2026-04-15']);
    expectOrder(xml, ['cbc:PaymentMeansCode', 'cbc:PaymentDueDate']);
  });
});

describe('writeUbl: VAT categories', () => {
  it('reverse charge to a Dutch buyer: AE at 0 %, the VATEX code and reason, the buyer by its VAT scheme 9944', () => {
    const doc = buildSampleDocument({
      id: 'inv-ae',
      number: 'AE-1',
      buyer: { name: 'Handel B.V.', vatNumber: 'NL 0024.55799.B11', address: { country: 'NL', city: 'Amsterdam' } },
      lines: [{ description: 'Consultancy', quantity: '10', unitPrice: '100.00', vatCategory: 'AE', vatRate: '0', vatExemptionReason: 'Reverse charge' }],
    });
    const { xml } = writeUbl({ document: doc });
    expect(xml).toContain('<cbc:EndpointID schemeID="9944">NL002455799B11</cbc:EndpointID>');
    const subtotal = xml.slice(xml.indexOf('<cac:TaxSubtotal>'), xml.indexOf('</cac:TaxSubtotal>'));
    expect(values(subtotal, 'cbc:TaxAmount')).toEqual(['0.00']);
    expectOrder(subtotal, [
      'cbc:TaxableAmount',
      'cbc:TaxAmount',
      'cbc:ID',
      'cbc:Percent',
      'cbc:TaxExemptionReasonCode',
      'cbc:TaxExemptionReason',
      'cac:TaxScheme',
    ]);
    expect(values(subtotal, 'cbc:TaxExemptionReasonCode')).toEqual(['VATEX-EU-AE']);
    expect(values(subtotal, 'cbc:TaxExemptionReason')).toEqual(['Reverse charge']);
    expect(values(xml, 'cbc:PayableAmount')).toEqual(['1000.00']);
    // The line's category carries no reason: the breakdown does (EN 16931 has none at line level).
    const line = xml.slice(xml.indexOf('<cac:InvoiceLine>'));
    expect(line).not.toContain('TaxExemption');
  });

  it('mixed rates: one subtotal per category and rate, a document allowance on its rate, totals exact', () => {
    const doc = buildSampleDocument({
      id: 'inv-mix',
      number: 'MIX-1',
      lines: [
        { description: 'Software', quantity: '1', unitPrice: '100.00', vatRate: '21' },
        { description: 'Books', quantity: '3', unitPrice: '12.35', vatRate: '6' },
        { description: 'Food', quantity: '1', unitPrice: '40.00', vatRate: '12' },
        { description: 'Export goods', quantity: '1', unitPrice: '50.00', vatCategory: 'Z', vatRate: '0' },
        { description: 'Medical', quantity: '1', unitPrice: '30.00', vatCategory: 'E', vatRate: '0', vatExemptionReason: 'Art. 44 VAT Code' },
        { description: 'More software', quantity: '2', unitPrice: '0.333', vatRate: '21' },
      ],
      allowances: { 'S|21': '10.00' },
      prepaid: '20.00',
    });
    const { xml } = writeUbl({ document: doc });
    const subtotals = xml.slice(xml.indexOf('<cac:TaxTotal>'), xml.indexOf('</cac:TaxTotal>'));
    expect([...subtotals.matchAll(/<cac:TaxCategory>\s*<cbc:ID>(\w+)</g)].map((m) => m[1])).toEqual(['S', 'S', 'S', 'Z', 'E']);
    expect(values(subtotals, 'cbc:Percent')).toEqual(['21', '6', '12', '0', '0']);
    // S 21: 100 + 0.67 − 10 allowance = 90.67 → 19.04; S 6: 37.05 → 2.22; S 12: 40 → 4.80.
    expect(values(subtotals, 'cbc:TaxableAmount')).toEqual(['90.67', '37.05', '40.00', '50.00', '30.00']);
    expect(values(subtotals, 'cbc:TaxAmount')).toEqual(['26.06', '19.04', '2.22', '4.80', '0.00', '0.00']);
    const allowance = xml.slice(xml.indexOf('<cac:AllowanceCharge>'), xml.indexOf('</cac:AllowanceCharge>'));
    expect(values(allowance, 'cbc:Amount')).toEqual(['10.00']);
    expect(values(allowance, 'cbc:ID')).toEqual(['S', 'VAT']);
    expectOrder(xml, ['cac:PaymentTerms', 'cac:AllowanceCharge', 'cac:TaxTotal']);
    const totals = xml.slice(xml.indexOf('<cac:LegalMonetaryTotal>'), xml.indexOf('</cac:LegalMonetaryTotal>'));
    expectOrder(totals, [
      'cbc:LineExtensionAmount',
      'cbc:TaxExclusiveAmount',
      'cbc:TaxInclusiveAmount',
      'cbc:AllowanceTotalAmount',
      'cbc:PrepaidAmount',
      'cbc:PayableAmount',
    ]);
    expect(values(totals, 'cbc:LineExtensionAmount')).toEqual(['257.72']);
    expect(values(totals, 'cbc:TaxExclusiveAmount')).toEqual(['247.72']);
    expect(values(totals, 'cbc:TaxInclusiveAmount')).toEqual(['273.78']);
    expect(values(totals, 'cbc:PayableAmount')).toEqual(['253.78']);
  });

  it('not subject to VAT (O): no rate anywhere, the VATEX-EU-O code', () => {
    const doc = buildSampleDocument({
      id: 'inv-o',
      number: 'O-1',
      lines: [{ description: 'Outside scope', quantity: '1', unitPrice: '10.00', vatCategory: 'O', vatRate: '0' }],
    });
    const { xml } = writeUbl({ document: doc });
    expect(xml).not.toContain('cbc:Percent');
    expect(values(xml, 'cbc:TaxExemptionReasonCode')).toEqual(['VATEX-EU-O']);
  });
});

describe('writeUbl: direct debit and delivery', () => {
  it('a direct debit carries its mandate and the debited account after the payee account; delivery date and country before PaymentMeans', () => {
    const doc = buildSampleDocument({
      id: 'inv-dd',
      number: 'DD-1',
      lines: [{ description: 'Subscription', quantity: '1', unitPrice: '49.00' }],
      payment: { meansCode: '59', mandateReference: 'MANDATE-0042', debitedAccount: 'be71 0961 2345 6769' },
      delivery: { date: '2026-02-28', country: 'be' },
    });
    const { xml } = writeUbl({ document: doc });
    expectOrder(xml, ['cac:AccountingCustomerParty', 'cac:Delivery', 'cbc:ActualDeliveryDate', 'cac:DeliveryLocation', 'cac:PaymentMeans']);
    expect(values(xml, 'cbc:ActualDeliveryDate')).toEqual(['2026-02-28']);
    const delivery = xml.slice(xml.indexOf('<cac:Delivery>'), xml.indexOf('</cac:Delivery>'));
    expect(values(delivery, 'cbc:IdentificationCode')).toEqual(['BE']);
    const means = xml.slice(xml.indexOf('<cac:PaymentMeans>'), xml.indexOf('</cac:PaymentMeans>'));
    expectOrder(means, ['cbc:PaymentMeansCode', 'cac:PayeeFinancialAccount', 'cac:PaymentMandate', 'cac:PayerFinancialAccount']);
    const mandate = means.slice(means.indexOf('<cac:PaymentMandate>'));
    expect(values(mandate, 'cbc:ID')).toEqual(['MANDATE-0042', 'BE71096123456769']);
  });

  it('no mandate block for a credit transfer, no Delivery without delivery data', () => {
    const { xml } = writeUbl({ document: invoice });
    expect(xml).not.toContain('PaymentMandate');
    expect(xml).not.toContain('cac:Delivery');
    const empty = writeUbl({ document: { ...invoice, delivery: { date: null, country: ' ' } } });
    expect(empty.xml).not.toContain('cac:Delivery');
  });
});

describe('Peppol endpoints', () => {
  it('Belgium: the enterprise number (0208), read from the BE VAT number when missing, old 9-digit numbers padded', () => {
    expect(peppolEndpoint({ ...SAMPLE_SELLER, enterpriseNumber: null })).toEqual({ scheme: '0208', id: '0123456749' });
    expect(peppolEndpoint({ name: 'x', vatNumber: 'BE 123.456.749', address: { country: 'BE' } })).toEqual({ scheme: '0208', id: '0123456749' });
    expect(peppolEndpoint({ name: 'x', enterpriseNumber: '0123.456.749', address: { country: 'BE' } })).toEqual({ scheme: '0208', id: '0123456749' });
    expect(belgianEnterpriseNumber({ name: 'x', vatNumber: 'NL002455799B11', address: { country: 'NL' } })).toBeNull();
  });

  it("elsewhere: the VAT scheme of the VAT number's country; none without a VAT number", () => {
    expect(peppolEndpoint({ name: 'x', vatNumber: 'DE123456789', address: { country: 'DE' } })).toEqual({ scheme: '9930', id: 'DE123456789' });
    expect(peppolEndpoint({ name: 'x', vatNumber: 'fr40303265045', address: { country: 'FR' } })).toEqual({ scheme: '9957', id: 'FR40303265045' });
    expect(peppolEndpoint({ name: 'x', vatNumber: 'EL123456789', address: { country: 'GR' } })).toEqual({ scheme: '9933', id: 'EL123456789' });
    expect(peppolEndpoint({ name: 'x', address: { country: 'NL' } })).toBeNull();
    expect(peppolEndpoint({ name: 'x', vatNumber: 'US12-3456789', address: { country: 'US' } })).toBeNull();
  });

  it('a buyer without any Peppol address is refused with PEPPOL-EN16931-R010', () => {
    const doc = buildSampleDocument({
      id: 'inv-x',
      number: 'X-1',
      buyer: { name: 'Nobody', address: { country: 'NL' } },
      lines: [{ description: 'a', quantity: '1', unitPrice: '1.00' }],
    });
    const error = refusal(() => writeUbl({ document: doc }));
    expect(error.rule).toBe('PEPPOL-EN16931-R010');
    expect(error.code).toBe('ubl_document_inconsistent');
    expect(error.status).toBe(422);
  });
});

describe('writeUbl refuses a document that contradicts itself', () => {
  const base = buildSampleDocument({
    id: 'inv-bad',
    number: 'BAD-1',
    lines: [
      { description: 'a', quantity: '2', unitPrice: '10.00' },
      { description: 'b', quantity: '1', unitPrice: '5.00', vatRate: '6' },
    ],
  });

  it.each([
    ['a line total that is not quantity × price − discount', { lines: [{ ...base.lines[0]!, lineTotal: '21.00' }, base.lines[1]!] }, 'PEPPOL-EN16931-R120'],
    ['lines that do not add up to the total', { totals: { ...base.totals, lineExtension: '26.00' } }, 'BR-CO-10'],
    ["a VAT total that is not the breakdown's", { totals: { ...base.totals, tax: '4.51' } }, 'BR-CO-14'],
    ['a total with VAT that is not without VAT + VAT', { totals: { ...base.totals, taxInclusive: '30.00' } }, 'BR-CO-15'],
    ['an amount due that is not total − prepaid', { totals: { ...base.totals, payable: '1.00' } }, 'BR-CO-16'],
    ['a rate with lines but no breakdown', { vatBreakdown: [base.vatBreakdown[0]!] }, 'BR-S-01'],
    ['a breakdown taxable amount above its lines', { vatBreakdown: [{ ...base.vatBreakdown[0]!, taxableAmount: '25.00' }, base.vatBreakdown[1]!] }, 'BR-S-08'],
    [
      'an amount with more than 2 decimals',
      { lines: [{ ...base.lines[0]!, unitPrice: '10.001', lineTotal: '20.002' }, base.lines[1]!] },
      'PEPPOL-EN16931-R120',
    ],
    ['no lines', { lines: [] }, 'BR-16'],
    ['a negative price', { lines: [{ ...base.lines[0]!, unitPrice: '-10.00', quantity: '-2' }, base.lines[1]!] }, 'BR-27'],
  ])('%s', (_name, patch, rule) => {
    const error = refusal(() => writeUbl({ document: { ...base, ...patch } }));
    expect(error.rule).toBe(rule);
    expect(error.message).toContain(`[${rule}]`);
    expect(error.details).toMatchObject({ rule, documentId: 'inv-bad' });
  });

  it('a breakdown amount with 3 decimals is not rounded away (trailing zeros are fine)', () => {
    const fine = writeUbl({ document: { ...base, vatBreakdown: [{ ...base.vatBreakdown[0]!, taxAmount: '4.200' }, base.vatBreakdown[1]!] } });
    expect(fine.xml).toContain('<cbc:TaxAmount currencyID="EUR">4.20</cbc:TaxAmount>');
    const three = refusal(() =>
      writeUbl({
        document: {
          ...base,
          vatBreakdown: [
            { ...base.vatBreakdown[0]!, taxAmount: '4.195' },
            { ...base.vatBreakdown[1]!, taxAmount: '0.305' },
          ],
        },
      }),
    );
    expect(three.rule).toBe('ubl-amount-decimals');
  });
});

describe('helpers', () => {
  it('structured communications carry their mod-97 check', () => {
    expect(structuredCommunicationFrom(1_234_567_890)).toBe('+++123/4567/89002+++');
    expect(structuredCommunicationFrom(97)).toBe('+++000/0000/09797+++');
  });

  it('file name parts keep only safe characters', () => {
    expect(safeFileNamePart('../../etc/passwd')).toBe('etc-passwd');
    expect(safeFileNamePart('CN 2026/3')).toBe('CN-2026-3');
    expect(safeFileNamePart('///')).toBe('document');
  });
});
