import { Decimal } from 'decimal.js';
import type { AccountingDocument, AccountingLine, AccountingParty, AccountingVatSubtotal, VatCategory } from '@tollgate/plugin-sdk';

/**
 * 20 invoices and 3 credit notes of a Belgian seller, made for the export tests: rates 21 / 6 / 0,
 * intra-community reverse charge to Dutch and German buyers, a private buyer without VAT number, a
 * buyer whose name needs Latin-1 and has a double quote, an exempt line, and one document-level
 * allowance. Amounts are computed exactly (decimal.js, half-up to the cent per VAT subtotal).
 */

const seller: AccountingParty = {
  name: 'Tollgate Demo BV',
  vatNumber: 'BE0123456749',
  enterpriseNumber: '0123456749',
  address: { line1: 'Kerkstraat 1', postalCode: '2000', city: 'Antwerpen', country: 'BE' },
  email: 'billing@demo.example',
};

export const BUYERS = {
  acme: party('C1001', 'Acme Brussels SA', 'BE', 'BE0477574154', 'Rue Neuve 10', '1000', 'Bruxelles'),
  bakery: party('C1002', 'Bakkerij Peeters', 'BE', 'BE0860433352', 'Markt 3', '3000', 'Leuven'),
  cafe: party('C1003', 'Café "Le Coin" Société', 'BE', 'BE0465657903', 'Grand-Place 3', '1400', 'Nivelles'),
  private: party('C1004', 'Jan Janssens', 'BE', null, 'Dorpsstraat 7', '9000', 'Gent'),
  dutch: party('C2001', 'Noord Handel BV', 'NL', 'NL002455799B11', 'Damrak 1', '1012 LG', 'Amsterdam'),
  german: party('C2002', 'Süd Technik GmbH', 'DE', 'DE136695976', 'Hauptstraße 5', '80331', 'München'),
};

type LineSpec = [description: string, quantity: string, unitPrice: string, category: VatCategory, rate: string];

const RC = 'Reverse charge';
const SPECS: { buyer: keyof typeof BUYERS; issuedOn: string; lines: LineSpec[]; allowance?: string }[] = [
  { buyer: 'acme', issuedOn: '2025-12-15', lines: [['Consultancy', '10', '95.00', 'S', '21']] },
  {
    buyer: 'acme',
    issuedOn: '2026-01-05',
    lines: [
      ['Consultancy', '7.5', '95.00', 'S', '21'],
      ['Travel', '1', '42.35', 'S', '21'],
    ],
  },
  {
    buyer: 'bakery',
    issuedOn: '2026-01-07',
    lines: [
      ['Bread flour', '25', '1.19', 'S', '6'],
      ['Oven service', '1', '180.00', 'S', '21'],
    ],
  },
  {
    buyer: 'cafe',
    issuedOn: '2026-01-09',
    lines: [
      ['Coffee beans', '12', '14.95', 'S', '6'],
      ['Machine rental', '1', '59.99', 'S', '21'],
    ],
  },
  {
    buyer: 'private',
    issuedOn: '2026-01-12',
    lines: [
      ['Repair', '2', '65.00', 'S', '21'],
      ['Newspaper', '1', '2.50', 'Z', '0'],
    ],
  },
  { buyer: 'dutch', issuedOn: '2026-01-14', lines: [['Software licence', '3', '250.00', 'AE', '0']] },
  {
    buyer: 'german',
    issuedOn: '2026-01-20',
    lines: [
      ['Consultancy', '16', '110.00', 'AE', '0'],
      ['Travel', '1', '310.40', 'AE', '0'],
    ],
  },
  {
    buyer: 'acme',
    issuedOn: '2026-01-28',
    lines: [
      ['Training', '1', '1250.00', 'E', '0'],
      ['Course book', '4', '35.00', 'S', '6'],
    ],
  },
  { buyer: 'bakery', issuedOn: '2026-02-02', lines: [['Bread flour', '40', '1.19', 'S', '6']] },
  {
    buyer: 'cafe',
    issuedOn: '2026-02-03',
    lines: [
      ['Coffee beans', '3', '14.95', 'S', '6'],
      ['Cups', '100', '0.333', 'S', '21'],
    ],
  },
  { buyer: 'acme', issuedOn: '2026-02-09', lines: [['Consultancy', '12.25', '95.00', 'S', '21']], allowance: '50.00' },
  { buyer: 'dutch', issuedOn: '2026-02-11', lines: [['Support', '10', '85.00', 'AE', '0']] },
  {
    buyer: 'private',
    issuedOn: '2026-02-16',
    lines: [
      ['Repair', '1', '65.00', 'S', '21'],
      ['Spare part', '2', '9.99', 'S', '21'],
    ],
  },
  { buyer: 'german', issuedOn: '2026-02-19', lines: [['Software licence', '1', '999.00', 'AE', '0']] },
  {
    buyer: 'bakery',
    issuedOn: '2026-02-24',
    lines: [
      ['Oven service', '1', '180.00', 'S', '21'],
      ['Yeast', '10', '0.89', 'S', '6'],
      ['Delivery', '1', '15.00', 'S', '21'],
    ],
  },
  { buyer: 'cafe', issuedOn: '2026-03-02', lines: [['Machine rental', '1', '59.99', 'S', '21']] },
  {
    buyer: 'acme',
    issuedOn: '2026-03-04',
    lines: [
      ['Consultancy', '3', '95.00', 'S', '21'],
      ['Correction March', '-1', '95.00', 'S', '21'],
    ],
  },
  {
    buyer: 'dutch',
    issuedOn: '2026-03-10',
    lines: [
      ['Software licence', '2', '250.00', 'AE', '0'],
      ['Support', '4', '85.00', 'AE', '0'],
    ],
  },
  { buyer: 'private', issuedOn: '2026-03-18', lines: [['Repair', '3', '65.00', 'S', '21']] },
  {
    buyer: 'bakery',
    issuedOn: '2026-03-30',
    lines: [
      ['Bread flour', '60', '1.19', 'S', '6'],
      ['Newspaper', '2', '2.50', 'Z', '0'],
    ],
  },
];

const CREDITS: { buyer: keyof typeof BUYERS; issuedOn: string; credits: number; lines: LineSpec[] }[] = [
  { buyer: 'acme', issuedOn: '2026-01-30', credits: 2, lines: [['Consultancy not delivered', '1.5', '95.00', 'S', '21']] },
  { buyer: 'dutch', issuedOn: '2026-02-20', credits: 6, lines: [['Licence returned', '1', '250.00', 'AE', '0']] },
  {
    buyer: 'bakery',
    issuedOn: '2026-03-05',
    credits: 15,
    lines: [
      ['Yeast returned', '5', '0.89', 'S', '6'],
      ['Delivery refunded', '1', '15.00', 'S', '21'],
    ],
  },
];

/** The 23 documents: invoices 2026/0001…0020, then credit notes CN2026/0001…0003. */
export function accountingFixtures(): AccountingDocument[] {
  const invoices = SPECS.map((spec, i) =>
    makeDocument({
      id: `inv_${i + 1}`,
      kind: 'invoice',
      number: `2026/${String(i + 1).padStart(4, '0')}`,
      buyer: BUYERS[spec.buyer],
      issuedOn: spec.issuedOn,
      lines: spec.lines,
      allowance: spec.allowance,
    }),
  );
  const credits = CREDITS.map((spec, i) =>
    makeDocument({
      id: `cn_${i + 1}`,
      kind: 'credit_note',
      number: `CN2026/${String(i + 1).padStart(4, '0')}`,
      buyer: BUYERS[spec.buyer],
      issuedOn: spec.issuedOn,
      lines: spec.lines,
      credited: invoices[spec.credits - 1]!,
    }),
  );
  return [...invoices, ...credits];
}

export function makeDocument(input: {
  id: string;
  kind: 'invoice' | 'credit_note';
  number: string;
  buyer: AccountingParty;
  issuedOn: string;
  lines: LineSpec[];
  allowance?: string;
  credited?: AccountingDocument;
  currency?: string;
}): AccountingDocument {
  const lines: AccountingLine[] = input.lines.map(([description, quantity, unitPrice, vatCategory, vatRate], i) => ({
    id: String(i + 1),
    description,
    quantity,
    unitCode: 'C62',
    unitPrice,
    discount: '0.00',
    lineTotal: new Decimal(quantity).times(unitPrice).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2),
    vatCategory,
    vatRate,
    vatExemptionReason: vatCategory === 'AE' ? RC : vatCategory === 'E' ? 'Exempt training (art. 44)' : null,
  }));
  const groups = new Map<string, AccountingVatSubtotal>();
  for (const line of lines) {
    const key = `${line.vatCategory}:${line.vatRate}`;
    const group = groups.get(key) ?? {
      vatCategory: line.vatCategory,
      vatRate: line.vatRate,
      taxableAmount: '0.00',
      taxAmount: '0.00',
      vatExemptionReason: line.vatExemptionReason,
    };
    group.taxableAmount = new Decimal(group.taxableAmount).plus(line.lineTotal).toFixed(2);
    groups.set(key, group);
  }
  const lineExtension = lines.reduce((sum, l) => sum.plus(l.lineTotal), new Decimal(0));
  const allowance = new Decimal(input.allowance ?? '0');
  const vatBreakdown = [...groups.values()];
  // The allowance reduces the first subtotal's base (the fixtures give one only where there is one rate).
  if (!allowance.isZero()) vatBreakdown[0]!.taxableAmount = new Decimal(vatBreakdown[0]!.taxableAmount).minus(allowance).toFixed(2);
  for (const s of vatBreakdown) s.taxAmount = new Decimal(s.taxableAmount).times(s.vatRate).div(100).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);
  const taxExclusive = lineExtension.minus(allowance);
  const tax = vatBreakdown.reduce((sum, s) => sum.plus(s.taxAmount), new Decimal(0));
  const taxInclusive = taxExclusive.plus(tax);
  const due = new Date(`${input.issuedOn}T00:00:00Z`);
  due.setUTCDate(due.getUTCDate() + 30);
  return {
    id: input.id,
    kind: input.kind,
    number: input.number,
    issuedOn: input.issuedOn,
    dueOn: input.kind === 'invoice' ? due.toISOString().slice(0, 10) : null,
    currency: input.currency ?? 'EUR',
    source: { id: 'src_teamleader', documentId: `tl_${input.id}` },
    seller,
    buyer: input.buyer,
    lines,
    vatBreakdown,
    totals: {
      lineExtension: lineExtension.toFixed(2),
      allowances: allowance.toFixed(2),
      taxExclusive: taxExclusive.toFixed(2),
      tax: tax.toFixed(2),
      taxInclusive: taxInclusive.toFixed(2),
      prepaid: '0.00',
      payable: taxInclusive.toFixed(2),
    },
    payment: { meansCode: '58', reference: input.kind === 'invoice' ? structured(input.id) : null, iban: 'BE71096123456769', termDays: 30 },
    references: {
      buyerReference: `PO-${input.id}`,
      invoiceNumber: input.credited?.number ?? null,
      invoiceIssuedOn: input.credited?.issuedOn ?? null,
    },
  };
}

/** A Belgian structured communication for a document id (10 digits + mod 97, 0 → 97). */
function structured(id: string): string {
  const digits = String(1000000000 + [...id].reduce((n, c) => (n * 31 + c.charCodeAt(0)) % 9000000000, 7)).slice(0, 10);
  const check = Number(BigInt(digits) % 97n) || 97;
  const all = `${digits}${String(check).padStart(2, '0')}`;
  return `+++${all.slice(0, 3)}/${all.slice(3, 7)}/${all.slice(7)}+++`;
}

function party(sourceId: string, name: string, country: string, vatNumber: string | null, line1: string, postalCode: string, city: string): AccountingParty {
  return {
    name,
    vatNumber,
    enterpriseNumber: country === 'BE' && vatNumber ? vatNumber.slice(2) : null,
    sourceId,
    address: { line1, postalCode, city, country },
  };
}
