import type { Json } from './teamleader-values.js';
import { SANDBOX_IDS, type TeamleaderStore } from './teamleader-store.js';

/** Fixed ids of the accounting examples (P-6), so tests and docs can name them. */
export const ACCOUNTING_EXAMPLE_IDS = {
  brewery: 'ac000000-0000-4000-8000-000000000c01',
  tulip: 'ac000000-0000-4000-8000-000000000c02',
  person: 'ac000000-0000-4000-8000-000000000c03',
  builder: 'ac000000-0000-4000-8000-000000000c04',
  mixedRates: 'ac000000-0000-4000-8000-000000000101',
  reverseCharge: 'ac000000-0000-4000-8000-000000000102',
  intraCommunity: 'ac000000-0000-4000-8000-000000000103',
  rounding: 'ac000000-0000-4000-8000-000000000104',
  directDebit: 'ac000000-0000-4000-8000-000000000105',
  export: 'ac000000-0000-4000-8000-000000000106',
  creditNote: 'ac000000-0000-4000-8000-000000000201',
} as const;

/**
 * Invoices as an accountant meets them (P-6): several lines in sections, 21/12/6/0 % together, line
 * discounts, a Belgian reverse charge ("medecontractant"), an intra-community supply to a Dutch
 * company, an export, a private person, a direct debit, and a credit note crediting part of an
 * invoice. Customers have invoicing addresses, VAT and enterprise numbers. Booked on `on` (default
 * the sandbox's today). Every total comes from the lines, so they always add up.
 */
export function seedAccountingExamples(input: { store: TeamleaderStore; on?: string }): {
  ids: typeof ACCOUNTING_EXAMPLE_IDS;
  invoices: Json[];
  creditNote: Json;
} {
  const { store } = input;
  const ids = ACCOUNTING_EXAMPLE_IDS;
  const booked = { booked: true as const, ...(input.on ? { bookedOn: input.on } : {}) };
  store.seedCompany({
    id: ids.brewery,
    name: 'Brouwerij Aalst NV',
    vatNumber: 'BE0417497106',
    nationalIdentificationNumber: '0417.497.106',
    email: 'info@brouwerij-aalst.test',
    invoicingEmail: 'boekhouding@brouwerij-aalst.test',
    address: { line1: 'Molenstraat 12', postalCode: '9300', city: 'Aalst', country: 'BE' },
  });
  store.seedCompany({
    id: ids.tulip,
    name: 'Tulp Handel BV',
    vatNumber: 'NL859012345B01',
    email: 'administratie@tulp.test',
    address: { line1: 'Keizersgracht 100', postalCode: '1015 AA', city: 'Amsterdam', country: 'NL' },
  });
  store.seedContact({
    id: ids.person,
    firstName: 'An',
    lastName: 'Peeters',
    email: 'an.peeters@example.test',
    address: { line1: 'Kerkstraat 3', postalCode: '2000', city: 'Antwerpen', country: 'BE' },
  });
  store.seedCompany({
    id: ids.builder,
    name: 'Bouwbedrijf Gent BV',
    vatNumber: 'BE0403170701',
    nationalIdentificationNumber: '0403170701',
    email: 'facturen@bouw-gent.test',
    address: { line1: 'Dok Noord 7', postalCode: '9000', city: 'Gent', country: 'BE' },
  });
  const company = (id: string) => ({ type: 'company' as const, id });
  const invoices = [
    store.seedInvoice({
      id: ids.mixedRates,
      customer: company(ids.brewery),
      purchaseOrderNumber: 'PO-2026-017',
      note: 'Thank you for your order.',
      lines: [
        { section: 'Consultancy', description: 'Strategy workshop', quantity: '1.5', unitPrice: '850.00', taxRate: '0.21', discountPercent: '10' },
        {
          section: 'Consultancy',
          description: 'Travel',
          extendedDescription: 'Gent – Aalst, 2 return trips',
          quantity: 2,
          unitPrice: '24.35',
          taxRate: '0.21',
        },
        { section: 'Goods', description: 'Beer glasses (box of 6)', quantity: 12, unitPrice: '17.99', taxRate: '0.12' },
        { section: 'Goods', description: 'Brewing handbook', quantity: 3, unitPrice: '39.95', taxRate: '0.06', discountPercent: '5' },
        { section: 'Goods', description: 'Newspaper subscription', quantity: 1, unitPrice: '120.00', taxRate: '0' },
      ],
      ...booked,
    }),
    store.seedInvoice({
      id: ids.reverseCharge,
      customer: company(ids.builder),
      purchaseOrderNumber: 'WERF-88',
      lines: [
        { description: 'Renovation works, phase 1', quantity: 1, unitPrice: '12500.00', taxRateId: SANDBOX_IDS.taxRate0ReverseCharge },
        { description: 'Scaffolding rental', quantity: 14, unitPrice: '35.50', taxRateId: SANDBOX_IDS.taxRate0ReverseCharge, discountPercent: '7.5' },
      ],
      ...booked,
    }),
    store.seedInvoice({
      id: ids.intraCommunity,
      customer: company(ids.tulip),
      // An intra-community supply needs its delivery date (BR-IC-11): the goods left on the booking day.
      deliveryDate: 'booking_date',
      lines: [
        { description: 'Tasting kits', quantity: 40, unitPrice: '18.75', taxRateId: SANDBOX_IDS.taxRate0IntraCommunity },
        { description: 'Shipping', quantity: 1, unitPrice: '65.00', taxRateId: SANDBOX_IDS.taxRate0IntraCommunity },
      ],
      ...booked,
    }),
    store.seedInvoice({
      id: ids.rounding,
      customer: { type: 'contact', id: ids.person },
      lines: [
        { description: 'Hop pellets (kg)', quantity: '0.33', unitPrice: '19.99', taxRate: '0.06', discountPercent: '12.5' },
        { description: 'Bottle caps', quantity: '7', unitPrice: '0.13', taxRate: '0.21', discountPercent: '33.33' },
        { description: 'Brewing course', quantity: '1', unitPrice: '99.99', taxRate: '0.21' },
      ],
      paymentTerm: { type: 'end_of_month', days: 15 },
      ...booked,
    }),
    store.seedInvoice({
      id: ids.directDebit,
      customer: company(ids.brewery),
      lines: [
        { description: 'Monthly maintenance', quantity: 1, unitPrice: '249.00', taxRate: '0.21' },
        { description: 'Exempt training (art. 44)', quantity: 1, unitPrice: '300.00', taxRateId: SANDBOX_IDS.taxRate0Exempt },
      ],
      expectedPaymentMethod: { method: 'direct_debit' },
      ...booked,
    }),
    store.seedInvoice({
      id: ids.export,
      customer: company(ids.tulip),
      lines: [{ description: 'Export pallet (outside the EU)', quantity: 2, unitPrice: '1450.00', taxRateId: SANDBOX_IDS.taxRate0Export }],
      ...booked,
    }),
  ];
  const creditNote = store.seedCreditNote({
    id: ids.creditNote,
    invoiceId: ids.mixedRates,
    lines: [
      { section: 'Goods', description: 'Beer glasses (box of 6), 2 broken', quantity: 2, unitPrice: '17.99', taxRate: '0.12' },
      { section: 'Consultancy', description: 'Travel', quantity: 1, unitPrice: '24.35', taxRate: '0.21' },
    ],
    ...(input.on ? { date: input.on } : {}),
  });
  return { ids, invoices, creditNote };
}
