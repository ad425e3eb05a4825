import type { AccountingDocument, AccountingLine, AccountingParty, AccountingPayment, AccountingVatSubtotal, VatCategory } from '@tollgate/plugin-sdk';
import { cents, Decimal } from './amounts.js';

/**
 * Sample AccountingDocuments that add up exactly, for tests and `pnpm bench:exports`: `buildSampleDocument`
 * computes line totals, the VAT breakdown and the totals from a few lines the way a source would, and
 * `sampleDocuments` generates a deterministic varied set (rates 21/12/6, Z, E, reverse charge to EU
 * buyers, discounts, allowances, prepaid amounts, credit notes). Not a production API.
 */

export interface SampleLine {
  description: string;
  quantity: string;
  unitPrice: string;
  discount?: string;
  unitCode?: string;
  vatCategory?: VatCategory;
  vatRate?: string;
  vatExemptionReason?: string | null;
  section?: string | null;
}

export interface SampleDocumentInput {
  id: string;
  kind?: 'invoice' | 'credit_note';
  number: string;
  issuedOn?: string;
  dueOn?: string | null;
  currency?: string;
  seller?: AccountingParty;
  buyer?: AccountingParty;
  lines: SampleLine[];
  /** Document-level allowances excl. VAT, per 'category|rate' ('S|21': '10.00'). */
  allowances?: Record<string, string>;
  prepaid?: string;
  payment?: Partial<AccountingPayment>;
  buyerReference?: string | null;
  orderReference?: string | null;
  invoiceNumber?: string | null;
  invoiceIssuedOn?: string | null;
  note?: string | null;
  delivery?: AccountingDocument['delivery'];
}

/** A valid Belgian enterprise number from 8 digits: the last 2 are 97 − (first 8 mod 97). */
export const belgianEnterpriseNumberFrom = (eight: number): string => {
  const base = String(eight % 100_000_000).padStart(8, '0');
  const check = 97 - (Number(base) % 97);
  return `${base}${String(check).padStart(2, '0')}`;
};

/** A valid Belgian structured communication '+++123/4567/89002+++' from 10 digits (check = mod 97, 0 → 97). */
export const structuredCommunicationFrom = (ten: number): string => {
  const base = String(ten % 10_000_000_000).padStart(10, '0');
  const mod = Number(BigInt(base) % 97n);
  const digits = `${base}${String(mod === 0 ? 97 : mod).padStart(2, '0')}`;
  return `+++${digits.slice(0, 3)}/${digits.slice(3, 7)}/${digits.slice(7)}+++`;
};

export const SAMPLE_SELLER: AccountingParty = {
  name: 'Tollgate Demo BV',
  vatNumber: 'BE0123456749',
  enterpriseNumber: '0123456749',
  address: { line1: 'Kerkstraat 1', postalCode: '9000', city: 'Gent', country: 'BE' },
  email: 'billing@tollgate.example',
};

export const SAMPLE_BUYER: AccountingParty = {
  name: 'Klant & Zonen NV',
  vatNumber: `BE${belgianEnterpriseNumberFrom(44_556_677)}`,
  address: { line1: 'Meir 10', line2: 'Bus 3', postalCode: '2000', city: 'Antwerpen', country: 'BE' },
  email: 'boekhouding@klant.example',
  sourceId: 'C-1001',
};

const sum = (values: Decimal[]): Decimal => values.reduce((a, b) => a.plus(b), new Decimal(0));

/** Builds a document whose numbers all agree (EN 16931 rounding: half-up to the cent per line and per VAT rate). */
export const buildSampleDocument = (input: SampleDocumentInput): AccountingDocument => {
  const lines: AccountingLine[] = input.lines.map((line, index) => {
    const discount = new Decimal(line.discount ?? '0');
    const total = cents(new Decimal(line.quantity).times(line.unitPrice).minus(discount));
    const category = line.vatCategory ?? 'S';
    return {
      id: String(index + 1),
      section: line.section ?? null,
      description: line.description,
      quantity: line.quantity,
      unitCode: line.unitCode ?? 'C62',
      unitPrice: line.unitPrice,
      discount: discount.toFixed(2),
      lineTotal: total.toFixed(2),
      vatCategory: category,
      vatRate: line.vatRate ?? (category === 'S' ? '21' : '0'),
      vatExemptionReason: line.vatExemptionReason ?? null,
    };
  });
  const groups = new Map<string, AccountingLine[]>();
  for (const line of lines) {
    const key = `${line.vatCategory}|${line.vatRate}`;
    groups.set(key, [...(groups.get(key) ?? []), line]);
  }
  const vatBreakdown: AccountingVatSubtotal[] = [...groups].map(([key, group]) => {
    const taxable = sum(group.map((l) => new Decimal(l.lineTotal))).minus(input.allowances?.[key] ?? '0');
    return {
      vatCategory: group[0]!.vatCategory,
      vatRate: group[0]!.vatRate,
      taxableAmount: taxable.toFixed(2),
      taxAmount: cents(taxable.times(group[0]!.vatRate).dividedBy(100)).toFixed(2),
      vatExemptionReason: group[0]!.vatExemptionReason ?? null,
    };
  });
  const lineExtension = sum(lines.map((l) => new Decimal(l.lineTotal)));
  const allowances = sum(Object.values(input.allowances ?? {}).map((a) => new Decimal(a)));
  const taxExclusive = lineExtension.minus(allowances);
  const tax = sum(vatBreakdown.map((v) => new Decimal(v.taxAmount)));
  const taxInclusive = taxExclusive.plus(tax);
  const prepaid = new Decimal(input.prepaid ?? '0');
  const kind = input.kind ?? 'invoice';
  return {
    id: input.id,
    kind,
    number: input.number,
    issuedOn: input.issuedOn ?? '2026-03-02',
    dueOn: input.dueOn === undefined ? '2026-04-01' : input.dueOn,
    currency: input.currency ?? 'EUR',
    source: { id: 'teamleader', documentId: `tl-${input.id}` },
    seller: input.seller ?? SAMPLE_SELLER,
    buyer: input.buyer ?? SAMPLE_BUYER,
    lines,
    vatBreakdown,
    totals: {
      lineExtension: lineExtension.toFixed(2),
      allowances: allowances.toFixed(2),
      taxExclusive: taxExclusive.toFixed(2),
      tax: tax.toFixed(2),
      taxInclusive: taxInclusive.toFixed(2),
      prepaid: prepaid.toFixed(2),
      payable: taxInclusive.minus(prepaid).toFixed(2),
    },
    payment: {
      meansCode: '58',
      reference: structuredCommunicationFrom(Number(input.id.replace(/\D/g, '').slice(-9) || '1')),
      iban: 'BE68539007547034',
      bic: 'GKCCBEBB',
      termDays: 30,
      termsText: null,
      ...input.payment,
    },
    references: {
      buyerReference: input.buyerReference === undefined ? 'PO-REF' : input.buyerReference,
      orderReference: input.orderReference ?? null,
      invoiceNumber: input.invoiceNumber ?? null,
      invoiceIssuedOn: input.invoiceIssuedOn ?? null,
    },
    note: input.note ?? null,
    ...(input.delivery === undefined ? {} : { delivery: input.delivery }),
  };
};

/** mulberry32: a small seeded PRNG, so every run generates the same documents. */
const prng = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

const EU_BUYERS: readonly AccountingParty[] = [
  {
    name: 'Handel B.V.',
    vatNumber: 'NL002455799B11',
    address: { line1: 'Damrak 5', postalCode: '1012 LG', city: 'Amsterdam', country: 'NL' },
    sourceId: 'C-2001',
  },
  {
    name: 'Müller & Söhne GmbH',
    vatNumber: 'DE123456789',
    address: { line1: 'Hauptstraße 7', postalCode: '10115', city: 'Berlin', country: 'DE' },
    sourceId: 'C-2002',
  },
  {
    name: "L'Atelier <Paris> SARL",
    vatNumber: 'FR40303265045',
    address: { line1: '12 rue de Rivoli', postalCode: '75001', city: 'Paris', country: 'FR' },
    sourceId: 'C-2003',
  },
  {
    name: 'Luxe Sàrl',
    vatNumber: 'LU26375245',
    address: { line1: 'Rue du Fort 3', postalCode: 'L-1234', city: 'Luxembourg', country: 'LU' },
    sourceId: 'C-2004',
  },
];

const ITEMS = ['Consultancy', 'Licence "Pro" seat', 'Support & maintenance', 'Training day', 'Hosting <EU>', 'Implementation', 'Travel costs'];

/**
 * `count` varied documents: about 1 in 8 a credit note of the previous invoice, 1 in 6 a reverse
 * charge (AE) to a buyer elsewhere in the EU, mixed Belgian rates (21/12/6), zero-rated (Z) and
 * exempt (E) lines, line discounts, document allowances, negative correction lines and prepaid
 * amounts; `maxLines` lines at most (default 12).
 */
export const sampleDocuments = (input: { count: number; seed?: number; maxLines?: number }): AccountingDocument[] => {
  const random = prng(input.seed ?? 18);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const money = (min: number, max: number): string => (min + Math.floor(random() * (max - min) * 100) / 100).toFixed(2);
  const documents: AccountingDocument[] = [];
  let lastInvoice: AccountingDocument | null = null;
  for (let i = 1; i <= input.count; i += 1) {
    const id = `doc-${String(i).padStart(6, '0')}`;
    if (lastInvoice !== null && i % 8 === 0) {
      const credited = lastInvoice.lines.filter((l) => !l.quantity.startsWith('-')).slice(0, 2);
      documents.push(
        buildSampleDocument({
          id,
          kind: 'credit_note',
          number: `CN-2026-${String(i).padStart(5, '0')}`,
          buyer: lastInvoice.buyer,
          lines: credited.map((l) => ({
            description: `Credit: ${l.description}`,
            quantity: '1',
            unitPrice: l.unitPrice,
            vatCategory: l.vatCategory,
            vatRate: l.vatRate,
            vatExemptionReason: l.vatExemptionReason ?? null,
          })),
          invoiceNumber: lastInvoice.number,
          invoiceIssuedOn: lastInvoice.issuedOn,
          payment: { reference: null },
        }),
      );
      continue;
    }
    const reverseCharge = i % 6 === 0;
    const buyer =
      reverseCharge || random() < 0.1
        ? pick(EU_BUYERS)
        : { ...SAMPLE_BUYER, vatNumber: `BE${belgianEnterpriseNumberFrom(10_000_000 + i)}`, sourceId: `C-${i}` };
    const lineCount = 1 + Math.floor(random() * (input.maxLines ?? 12));
    const lines: SampleLine[] = [];
    for (let n = 0; n < lineCount; n += 1) {
      const roll = random();
      const base: SampleLine = {
        description: `${pick(ITEMS)} ${n + 1}`,
        quantity: pick(['1', '2', '3', '0.5', '7.25', '12']),
        unitPrice: random() < 0.2 ? `${money(1, 90)}5` : money(5, 900),
        unitCode: pick(['C62', 'HUR', 'DAY']),
        section: random() < 0.3 ? 'Services' : null,
      };
      // 10 % off now and then: never more than the line, so no rate's total turns negative.
      if (random() < 0.2) base.discount = cents(new Decimal(base.quantity).times(base.unitPrice).times('0.1')).toFixed(2);
      if (reverseCharge) lines.push({ ...base, vatCategory: 'AE', vatRate: '0', vatExemptionReason: 'Reverse charge' });
      else if (roll < 0.55) lines.push({ ...base, vatRate: '21' });
      else if (roll < 0.7) lines.push({ ...base, vatRate: '6' });
      else if (roll < 0.8) lines.push({ ...base, vatRate: '12' });
      else if (roll < 0.9) lines.push({ ...base, vatCategory: 'Z', vatRate: '0' });
      else lines.push({ ...base, vatCategory: 'E', vatRate: '0', vatExemptionReason: 'Exempt: medical services (art. 44 VAT Code)' });
    }
    // A correction line now and then, small enough to keep its rate's total positive.
    const big = (l: SampleLine): boolean =>
      (l.vatCategory ?? 'S') === 'S' && l.vatRate === '21' && new Decimal(l.quantity).times(l.unitPrice).greaterThanOrEqualTo(5);
    if (!reverseCharge && random() < 0.15 && lines.some(big))
      lines.push({ description: 'Correction previous invoice', quantity: '-1', unitPrice: '1.50', vatRate: '21' });
    const first = lines[0]!;
    const firstKey = `${first.vatCategory ?? 'S'}|${first.vatRate ?? '21'}`;
    const doc = buildSampleDocument({
      id,
      number: `2026-${String(i).padStart(5, '0')}`,
      buyer,
      lines,
      ...(random() < 0.15 && new Decimal(first.quantity).times(first.unitPrice).greaterThanOrEqualTo(5) ? { allowances: { [firstKey]: '1.00' } } : {}),
      ...(random() < 0.1 ? { prepaid: '10.00' } : {}),
      ...(random() < 0.3 ? { orderReference: `PO-${i}` } : {}),
      ...(random() < 0.2 ? { note: 'Thank you for your business & see you soon' } : {}),
    });
    lastInvoice = doc;
    documents.push(doc);
  }
  return documents;
};
