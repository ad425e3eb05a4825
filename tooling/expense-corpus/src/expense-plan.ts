import { Decimal } from 'decimal.js';
import { makeIban, makeVatNumber } from './check-digits.js';
import type { CorpusKind, TruthDocument, TruthFields } from './corpus.types.js';
import { BUYERS, ITEMS, SUPPLIERS, TRADE_IS_INVOICE, VAT_RATES, type CatalogueBuyer, type CatalogueSupplier } from './expense-catalogue.js';
import type { CorpusLanguage, DateStyle } from './local-formats.js';
import { SeededRandom } from './seeded-random.js';

/** One document to make: who issued it, in which language, and how it is to be pictured. */
interface DocumentSpec {
  supplier: string;
  language: CorpusLanguage;
  kind: CorpusKind;
  image?: 'png' | 'jpeg';
  degradations?: string[];
  currency?: 'USD' | 'GBP';
  /** A small shop's receipt without its VAT number. */
  noVatNumber?: boolean;
  /** A receipt without a ticket number. */
  noNumber?: boolean;
  /** An invoice with the buyer's name, address and VAT number under "Klant/Client/Kunde/Bill to". */
  buyer?: boolean;
}

/*
 * The corpus, by hand so the counts per kind, language and country are what the brief asks; the
 * contents (items, amounts, dates, numbers) come from the seeded random source.
 */
const SPECS: readonly DocumentSpec[] = [
  // text-pdf
  { supplier: 'Bakkerij Janssens BV', language: 'nl', kind: 'text-pdf', noNumber: true },
  { supplier: 'Drukkerij Peeters NV', language: 'nl', kind: 'text-pdf', buyer: true },
  { supplier: 'Imprimerie Lambert SA', language: 'fr', kind: 'text-pdf' },
  { supplier: 'Kantoorhuis Visser B.V.', language: 'nl', kind: 'text-pdf' },
  { supplier: 'Bakker Adviesgroep B.V.', language: 'nl', kind: 'text-pdf', buyer: true },
  { supplier: 'Gasthaus Zur Linde GmbH', language: 'de', kind: 'text-pdf' },
  { supplier: 'Weber IT-Service GmbH', language: 'de', kind: 'text-pdf', buyer: true },
  { supplier: 'Brasserie Le Petit Zinc SAS', language: 'fr', kind: 'text-pdf' },
  { supplier: 'Cabinet Durand Conseil SARL', language: 'fr', kind: 'text-pdf', buyer: true },
  { supplier: 'Schmit Consulting S.A.', language: 'fr', kind: 'text-pdf' },
  { supplier: 'Café Wagner S.à r.l.', language: 'de', kind: 'text-pdf' },
  { supplier: 'Canalside Software B.V.', language: 'en', kind: 'text-pdf', currency: 'GBP', buyer: true },
  // clean-image
  { supplier: 'Brasserie De Kroon BV', language: 'nl', kind: 'clean-image', image: 'png' },
  { supplier: 'Boulangerie Dubois SRL', language: 'fr', kind: 'clean-image', image: 'jpeg' },
  { supplier: 'Bakkerij De Vries B.V.', language: 'nl', kind: 'clean-image', image: 'png', noVatNumber: true },
  { supplier: 'Hotel De Zwaan Zwolle B.V.', language: 'nl', kind: 'clean-image', image: 'jpeg', buyer: true },
  { supplier: 'Bäckerei Müller GmbH', language: 'de', kind: 'clean-image', image: 'png' },
  { supplier: 'Druckerei Fischer GmbH & Co. KG', language: 'de', kind: 'clean-image', image: 'jpeg', buyer: true },
  { supplier: 'Papeterie Bernard SAS', language: 'fr', kind: 'clean-image', image: 'png', noNumber: true },
  { supplier: 'Hôtel des Arts Lille SAS', language: 'fr', kind: 'clean-image', image: 'jpeg' },
  { supplier: 'Schmit Consulting S.A.', language: 'de', kind: 'clean-image', image: 'png', buyer: true },
  { supplier: 'Kirchberg Cloud S.A.', language: 'en', kind: 'clean-image', image: 'jpeg', currency: 'USD' },
  { supplier: 'Brussels Event Hall NV', language: 'en', kind: 'clean-image', image: 'png', buyer: true },
  // degraded-image (always JPEG at the end)
  { supplier: 'Bakkerij Janssens BV', language: 'nl', kind: 'degraded-image', degradations: ['rotate:4', 'jpeg:70'] },
  { supplier: 'Librairie Lefèvre SRL', language: 'fr', kind: 'degraded-image', degradations: ['blur:1.2', 'jpeg:75'] },
  { supplier: 'Van den Broeck Advies BV', language: 'nl', kind: 'degraded-image', degradations: ['perspective', 'jpeg:72'], buyer: true },
  { supplier: 'Tankstation Smit V.O.F.', language: 'nl', kind: 'degraded-image', degradations: ['rotate:-3', 'noise:14', 'jpeg:70'] },
  { supplier: 'Bakker Adviesgroep B.V.', language: 'nl', kind: 'degraded-image', degradations: ['contrast:0.45', 'jpeg:70'] },
  { supplier: 'Tankstelle Becker OHG', language: 'de', kind: 'degraded-image', degradations: ['perspective', 'jpeg:72'] },
  { supplier: 'Hotel Krone Stuttgart GmbH', language: 'de', kind: 'degraded-image', degradations: ['rotate:-6', 'blur:0.9', 'jpeg:70'], buyer: true },
  { supplier: 'Schreibwaren Schneider e.K.', language: 'de', kind: 'degraded-image', degradations: ['turn:180', 'jpeg:75'] },
  { supplier: 'Boulangerie Martin SARL', language: 'fr', kind: 'degraded-image', degradations: ['perspective', 'jpeg:70'], noNumber: true },
  { supplier: 'Imprimerie Roux et Fils SA', language: 'fr', kind: 'degraded-image', degradations: ['noise:18', 'jpeg:72'] },
  { supplier: 'Brasserie Le Petit Zinc SAS', language: 'fr', kind: 'degraded-image', degradations: ['turn:90', 'blur:0.6', 'jpeg:75'] },
  { supplier: 'Boulangerie Hoffmann S.à r.l.', language: 'fr', kind: 'degraded-image', degradations: ['contrast:0.5', 'blur:1', 'jpeg:70'], noVatNumber: true },
  { supplier: 'Schmit Consulting S.A.', language: 'de', kind: 'degraded-image', degradations: ['rotate:3', 'noise:12', 'jpeg:70'] },
  { supplier: 'Hôtel du Parc Liège SA', language: 'fr', kind: 'degraded-image', degradations: ['perspective', 'blur:0.8', 'jpeg:70'], buyer: true },
  { supplier: 'Eetcafé Het Anker B.V.', language: 'en', kind: 'degraded-image', degradations: ['rotate:-2.5', 'noise:10', 'jpeg:72'] },
  // scanned-pdf
  { supplier: 'Imprimerie Lambert SA', language: 'fr', kind: 'scanned-pdf', degradations: ['scan'], buyer: true },
  { supplier: 'Weber IT-Service GmbH', language: 'de', kind: 'scanned-pdf', degradations: ['scan'] },
  { supplier: 'Hotel De Zwaan Zwolle B.V.', language: 'nl', kind: 'scanned-pdf', degradations: ['scan'] },
  { supplier: 'Schmit Consulting S.A.', language: 'fr', kind: 'scanned-pdf', degradations: ['scan'], buyer: true },
];

export interface DocumentLine {
  description: string;
  quantity: number;
  /** Excl. VAT on invoices, incl. VAT on receipts. */
  unitPrice: string;
  amount: string;
  rate: string;
}

/** Everything a document shows: its truth plus what is printed around it. */
export interface PlannedDocument {
  truth: TruthDocument;
  supplier: CatalogueSupplier & { vatNumber: string; iban: string; bic: string; phone: string };
  buyer: (CatalogueBuyer & { vatNumber: string }) | null;
  lines: DocumentLine[];
  dateStyle: DateStyle;
  dueDate: string | null;
  time: string;
  /** Printed on the document but not a field: the VAT number is hidden (small shop) when null in the truth. */
  printVatSpaced: boolean;
  paidBy: 'card' | 'cash' | 'transfer';
  seed: number;
}

const BICS: Record<string, string> = { BE: 'GEBABEBB', NL: 'ABNANL2A', DE: 'COBADEFF', FR: 'BNPAFRPP', LU: 'BCEELULL', GB: 'NWBKGB2L' };

const money = (d: Decimal) => d.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);

function isoDate(random: SeededRandom): string {
  // 1 July 2025 to 30 April 2026.
  const start = Date.UTC(2025, 6, 1);
  const day = random.int(0, 303);
  return new Date(start + day * 86_400_000).toISOString().slice(0, 10);
}

function addDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function invoiceNumber(random: SeededRandom, country: string, year: string): string {
  const n = random.int(12, 1480);
  const y2 = year.slice(2);
  switch (random.int(0, 5)) {
    case 0:
      return `F${year}-${String(n).padStart(4, '0')}`;
    case 1:
      return `${year}/${String(n).padStart(4, '0')}`;
    case 2:
      return country === 'DE' ? `RE-${year}-${n}` : `FA-${y2}-${String(n).padStart(5, '0')}`;
    case 3:
      return `INV-${year}-${String(n).padStart(4, '0')}`;
    case 4:
      return `${y2}${String(n).padStart(5, '0')}`;
    default:
      return `VF${y2}/${String(n).padStart(4, '0')}`;
  }
}

/** The whole corpus, decided from one seed: the same seed gives the same truth. */
export function planCorpus(input: { seed: number }): PlannedDocument[] {
  const random = new SeededRandom(input.seed);
  // Each supplier and buyer keeps one VAT number and IBAN across its documents.
  const suppliers = new Map(
    SUPPLIERS.map((s) => {
      const ibanCountry = s.name === 'Canalside Software B.V.' ? 'NL' : s.country;
      return [
        s.name,
        {
          ...s,
          vatNumber: makeVatNumber({ country: s.country, random }),
          iban: makeIban({ country: ibanCountry, random }),
          bic: BICS[ibanCountry] as string,
          phone: random.digits(8),
        },
      ];
    }),
  );
  const buyers = BUYERS.map((b) => ({ ...b, vatNumber: makeVatNumber({ country: b.country, random }) }));
  const counters = new Map<string, number>();

  return SPECS.map((spec, index) => {
    const supplier = suppliers.get(spec.supplier);
    if (!supplier) throw new Error(`unknown supplier ${spec.supplier}`);
    const layout = TRADE_IS_INVOICE[supplier.trade] ? 'invoice' : 'receipt';
    const rates = VAT_RATES[supplier.country];
    const catalogue = ITEMS[supplier.trade];
    const currency = spec.currency ?? 'EUR';

    // Lines: a few distinct items, always at least two rates on invoices where the trade has them.
    const count = layout === 'receipt' ? random.int(2, 6) : random.int(2, 5);
    const chosen = random.shuffle(catalogue).slice(0, Math.min(count, catalogue.length));
    const lines: DocumentLine[] = chosen.map((item) => {
      const quantity = random.pick(item.quantities);
      const unit = new Decimal(random.int(item.cents[0], item.cents[1])).div(100);
      return {
        description: item.names[spec.language],
        quantity,
        unitPrice: money(unit),
        amount: money(unit.mul(quantity)),
        rate: rates[item.rate],
      };
    });

    // VAT per rate: receipts show prices incl. VAT (base = incl / (1 + r)); invoices excl. VAT (VAT = base × r).
    const byRate = new Map<string, Decimal>();
    for (const line of lines) byRate.set(line.rate, (byRate.get(line.rate) ?? new Decimal(0)).add(line.amount));
    const vatAmounts = [...byRate.entries()]
      .sort((a, b) => new Decimal(a[0]).cmp(b[0]))
      .map(([rate, sum]) => {
        if (layout === 'receipt') {
          const base = sum.div(new Decimal(rate).div(100).add(1)).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
          return { rate, base: money(base), amount: money(sum.sub(base)) };
        }
        const amount = sum.mul(rate).div(100).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
        return { rate, base: money(sum), amount: money(amount) };
      });
    const totalExcl = vatAmounts.reduce((s, v) => s.add(v.base), new Decimal(0));
    const totalVat = vatAmounts.reduce((s, v) => s.add(v.amount), new Decimal(0));

    const date = isoDate(random);
    const number = layout === 'invoice' ? invoiceNumber(random, supplier.country, date.slice(0, 4)) : spec.noNumber ? null : String(random.int(1000, 99999));
    const paidBy = layout === 'receipt' ? random.pick(['card', 'cash'] as const) : supplier.trade === 'hotel' ? 'card' : 'transfer';

    const fields: TruthFields = {
      supplierName: supplier.name,
      supplierVatNumber: spec.noVatNumber ? null : supplier.vatNumber,
      date,
      currency,
      totalInclVat: money(totalExcl.add(totalVat)),
      vatAmounts,
      totalExclVat: money(totalExcl),
      invoiceNumber: number,
      iban: paidBy === 'transfer' ? supplier.iban : null,
    };

    const key = `${supplier.country.toLowerCase()}-${spec.language}-${layout}`;
    const nth = (counters.get(key) ?? 0) + 1;
    counters.set(key, nth);
    const ext = spec.kind === 'text-pdf' || spec.kind === 'scanned-pdf' ? 'pdf' : spec.kind === 'clean-image' && spec.image !== 'jpeg' ? 'png' : 'jpg';
    const file = `${key}-${String(nth).padStart(2, '0')}.${ext}`;
    const contentType = ext === 'pdf' ? 'application/pdf' : ext === 'png' ? 'image/png' : 'image/jpeg';

    const dateStyle: DateStyle =
      spec.language === 'en'
        ? random.pick(['long', 'short-month'] as const)
        : layout === 'receipt'
          ? random.pick(['numeric', 'numeric', 'short-month'] as const)
          : random.pick(['numeric', 'long'] as const);

    return {
      truth: {
        file,
        kind: spec.kind,
        contentType,
        language: spec.language,
        country: supplier.country,
        layout,
        degradations: spec.degradations ?? [],
        fields,
      },
      supplier,
      buyer: spec.buyer ? (random.pick(buyers) ?? null) : null,
      lines,
      dateStyle,
      dueDate: layout === 'invoice' && paidBy === 'transfer' ? addDays(date, random.pick([14, 30, 30, 45])) : null,
      time: `${String(random.int(7, 21)).padStart(2, '0')}:${String(random.int(0, 59)).padStart(2, '0')}`,
      printVatSpaced: random.chance(0.5),
      paidBy,
      seed: input.seed * 1000 + index,
    } satisfies PlannedDocument;
  });
}
