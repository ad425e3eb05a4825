import { describe, expect, it } from 'vitest';
import { EXPENSE_FIELD_NAMES, extractExpenseFields, type ExpenseFields, type ExpenseLanguage, type VatBreakdown } from '../src/index.js';
import { readDrawing, type DrawnDocument } from './read-result-builder.js';

type Expected = Partial<Record<keyof ExpenseFields, string | VatBreakdown[] | null>>;

interface Case {
  name: string;
  drawing: DrawnDocument;
  expected: Expected;
  language: ExpenseLanguage | null;
}

/** The threshold the README suggests: a clean document's fields are filled, not suggested. */
const THRESHOLD = 0.7;

const NL_INVOICE = `
Bakkerij Janssens BV                              FACTUUR
Kerkstraat 12
2000 Antwerpen                                    Klant:
BTW BE0200.065.765                                Acme NV
                                                  Nijverheidslaan 3
                                                  9000 Gent
                                                  BTW BE 0202.239.951

Factuurnummer: 2026-0042         Factuurdatum: 12/03/2026
Vervaldatum: 11/04/2026

Omschrijving              Aantal     Prijs      Totaal
Broden                       10      2,50        25,00
Taart                         1     75,00        75,00

Subtotaal                                       100,00
BTW 6%                                            6,00
Totaal te betalen                             € 106,00

IBAN BE68 5390 0754 7034   BIC BBRUBEBB
`;
const NL_INVOICE_FIELDS: Expected = {
  supplierName: 'Bakkerij Janssens BV',
  supplierVatNumber: 'BE0200065765',
  date: '2026-03-12',
  currency: 'EUR',
  totalInclVat: '106.00',
  totalExclVat: '100.00',
  vatAmounts: [{ rate: '6', base: '100.00', amount: '6.00' }],
  invoiceNumber: '2026-0042',
  iban: 'BE68539007547034',
};

const FR_INVOICE = `
SARL Le Petit Atelier                         FACTURE
12 rue de la Paix                             N° de facture : F-2026-017
75002 Paris                                   Date de facture : 5 mars 2026
TVA : FR23334175221                           Date d'échéance : 4 avril 2026

Adresse de facturation :
Dupont SAS
8 avenue Foch
69006 Lyon
N° TVA client : FR40303265045

Désignation                  Qté    PU HT        Total HT
Conseil                       3   400,00        1 200,00
Déplacement                   1    50,00           50,00

Total HT                                      1 250,00 €
TVA 20 %                                        250,00 €
Total TTC                                     1 500,00 €
Net à payer                                   1 500,00 €

IBAN : FR76 3000 6000 0112 3456 7890 189
`;

const DE_INVOICE = `
Muster Software GmbH · Hauptstraße 5 · 10115 Berlin
                                                   Muster Software GmbH
Kunde AG                                           Hauptstraße 5
Herrn Max Mustermann                               10115 Berlin
Lindenweg 3                                        USt-IdNr.: DE136695976
80331 München
                                                   Rechnungsdatum: 12. März 2026
Rechnung                                           Rechnungsnummer: RE-2026-0815
                                                   Lieferdatum: 10.03.2026

Pos  Beschreibung          Menge   Einzelpreis    Gesamt
1    Lizenz                   2       100,00      200,00
2    Support                  1        50,00       50,00

Zwischensumme netto                                250,00 €
zzgl. 19 % MwSt.                                    47,50 €
Gesamtbetrag                                       297,50 €

Bankverbindung: IBAN DE89 3704 0044 0532 0130 00
`;

const LU_RECEIPT = `
   Bistro Kirchberg SARL
  10 rue Alphonse Weicker
    L-2721 Luxembourg
     VAT LU15027442

Receipt no. 4711
March 12, 2026 13:45

2 Espresso                 6.00
1 Club sandwich           14.50
1 Sparkling water          4.00

TOTAL EUR                 24.50
Net                       23.79
VAT 3%                     0.71
Paid by card              24.50
Thank you for your visit!
`;

const NL_RECEIPT = `
      Bakkerij De Molen
     Markt 5, 9000 Gent
   BTW BE 0202.239.951
Kassabon 000123   12-03-26 08:15
1 x Volkoren brood        3,20
2 x Croissant             2,40
1 x Taart                 4,40
-------------------------------
TOTAAL              EUR 10,00
Bancontact              10,00
BTW      Basis      BTW
6%        9,43     0,57
Bedankt en tot ziens!
`;

const NL_CREDIT_NOTE = `
Acme BV
Stationsweg 1, 3511 AB Utrecht
BTW NL002455799B11

CREDITNOTA
Creditnotanummer: CN-2026-003
Datum: 2026-03-15

Totaal excl. BTW            -100,00
BTW 21%                      -21,00
Totaal incl. BTW            -121,00
`;

// The buyer's VAT number stands first, in the top right; the seller's only in the footer.
const BUYER_VAT_FIRST = `
                                            Factuur aan:
Drukkerij Peeters                           Klant BV
Kerkstraat 1                                Havenstraat 1
2000 Antwerpen                              BTW NL002455799B11

Factuur 2026/118                            Datum 2 april 2026

Drukwerk folders                                     500,00
Totaal excl. BTW                                     500,00
BTW 21%                                              105,00
Totaal                                               605,00

Drukkerij Peeters NV - Kerkstraat 1, 2000 Antwerpen - BTW BE0200.065.765 - IBAN BE68 5390 0754 7034
`;

// The NL invoice as a poor scan: O for 0, l for 1, a space inside an amount, and doubtful words.
const NL_INVOICE_NOISY = NL_INVOICE.replace('BE0200.065.765', 'BE0200.O65.765')
  .replace('€ 106,00', '€ 1O6,OO')
  .replace('100,00\n', '1OO, 00\n')
  .replace('      6,00', '      6,0O')
  .replace('2026-0042', '2O26-0042')
  .replace('BE68 5390', 'BE68 539O')
  .replace('12/03/2026', 'l2/03/2026');

const cases: Case[] = [
  { name: 'nl A4 invoice (text PDF)', drawing: { pages: [NL_INVOICE] }, expected: NL_INVOICE_FIELDS, language: 'nl' },
  {
    name: 'nl A4 invoice, two-column header read as OCR blocks',
    drawing: { pages: [NL_INVOICE], method: 'ocr', splitColumns: true },
    expected: NL_INVOICE_FIELDS,
    language: 'nl',
  },
  {
    name: 'nl A4 invoice, noisy OCR',
    drawing: { pages: [NL_INVOICE_NOISY], method: 'ocr', ocrConfidence: 0.85, splitColumns: true, doubtful: ['Taart'] },
    expected: NL_INVOICE_FIELDS,
    language: 'nl',
  },
  {
    name: 'fr A4 invoice with the buyer VAT number',
    drawing: { pages: [FR_INVOICE] },
    expected: {
      supplierName: 'SARL Le Petit Atelier',
      supplierVatNumber: 'FR23334175221',
      date: '2026-03-05',
      currency: 'EUR',
      totalInclVat: '1500.00',
      totalExclVat: '1250.00',
      vatAmounts: [{ rate: '20', base: '1250.00', amount: '250.00' }],
      invoiceNumber: 'F-2026-017',
      iban: 'FR7630006000011234567890189',
    },
    language: 'fr',
  },
  {
    name: 'de A4 invoice, recipient window left, sender right',
    drawing: { pages: [DE_INVOICE], method: 'ocr', splitColumns: true },
    expected: {
      supplierName: 'Muster Software GmbH',
      supplierVatNumber: 'DE136695976',
      date: '2026-03-12',
      currency: 'EUR',
      totalInclVat: '297.50',
      totalExclVat: '250.00',
      vatAmounts: [{ rate: '19', base: '250.00', amount: '47.50' }],
      invoiceNumber: 'RE-2026-0815',
      iban: 'DE89370400440532013000',
    },
    language: 'de',
  },
  {
    name: 'en receipt from Luxembourg',
    drawing: { pages: [LU_RECEIPT], method: 'ocr', ocrConfidence: 0.92 },
    expected: {
      supplierName: 'Bistro Kirchberg SARL',
      supplierVatNumber: 'LU15027442',
      date: '2026-03-12',
      currency: 'EUR',
      totalInclVat: '24.50',
      totalExclVat: '23.79',
      vatAmounts: [{ rate: '3', base: '23.79', amount: '0.71' }],
      invoiceNumber: '4711',
      iban: null,
    },
    language: 'en',
  },
  {
    name: 'nl till receipt with a VAT table',
    drawing: { pages: [NL_RECEIPT], method: 'ocr', ocrConfidence: 0.9 },
    expected: {
      supplierName: 'Bakkerij De Molen',
      supplierVatNumber: 'BE0202239951',
      date: '2026-03-12',
      currency: 'EUR',
      totalInclVat: '10.00',
      totalExclVat: '9.43',
      vatAmounts: [{ rate: '6', base: '9.43', amount: '0.57' }],
      invoiceNumber: '000123',
      iban: null,
    },
    language: 'nl',
  },
  {
    name: 'nl credit note (negative amounts)',
    drawing: { pages: [NL_CREDIT_NOTE] },
    expected: {
      supplierName: 'Acme BV',
      supplierVatNumber: 'NL002455799B11',
      date: '2026-03-15',
      totalInclVat: '-121.00',
      totalExclVat: '-100.00',
      vatAmounts: [{ rate: '21', base: '-100.00', amount: '-21.00' }],
      invoiceNumber: 'CN-2026-003',
    },
    language: 'nl',
  },
  {
    name: "nl invoice whose buyer's VAT number comes first",
    drawing: { pages: [BUYER_VAT_FIRST] },
    expected: {
      supplierName: 'Drukkerij Peeters NV',
      supplierVatNumber: 'BE0200065765',
      date: '2026-04-02',
      totalInclVat: '605.00',
      totalExclVat: '500.00',
      vatAmounts: [{ rate: '21', base: '500.00', amount: '105.00' }],
      invoiceNumber: '2026/118',
      iban: 'BE68539007547034',
    },
    language: 'nl',
  },
];

describe('extractExpenseFields', () => {
  it.each(cases)('$name', ({ drawing, expected, language }) => {
    const { fields, language: guessed } = extractExpenseFields({ read: readDrawing(drawing) });
    const values = Object.fromEntries(Object.keys(expected).map((name) => [name, fields[name as keyof ExpenseFields]?.value ?? null]));
    expect(values).toEqual(expected);
    expect(guessed).toBe(language);
    for (const name of EXPENSE_FIELD_NAMES) {
      const field = fields[name];
      if (!field) continue;
      expect(field.confidence).toBeGreaterThanOrEqual(0);
      expect(field.confidence).toBeLessThanOrEqual(1);
    }
  });

  it('fills the fields of a clean text PDF above the threshold, each with where it was read', () => {
    const { fields } = extractExpenseFields({ read: readDrawing({ pages: [NL_INVOICE] }) });
    for (const name of EXPENSE_FIELD_NAMES) {
      if (name === 'currency') continue;
      expect(fields[name]?.confidence, name).toBeGreaterThanOrEqual(THRESHOLD);
      expect(fields[name]?.source?.page, name).toBe(1);
    }
    expect(fields.totalInclVat?.source?.text).toBe('€ 106,00');
  });

  it('scores a noisy scan lower than the clean text, and the doubtful words lowest', () => {
    const clean = extractExpenseFields({ read: readDrawing({ pages: [NL_INVOICE] }) }).fields;
    const noisy = extractExpenseFields({
      read: readDrawing({ pages: [NL_INVOICE_NOISY], method: 'ocr', ocrConfidence: 0.85, doubtful: ['BE68', '539O', '0754', '7034'] }),
    }).fields;
    expect(noisy.totalInclVat!.confidence).toBeLessThan(clean.totalInclVat!.confidence);
    expect(noisy.iban!.confidence).toBeLessThan(THRESHOLD);
    expect(noisy.iban!.confidence).toBeLessThan(noisy.totalInclVat!.confidence);
  });

  it('lowers the totals when they do not add up', () => {
    const broken = NL_INVOICE.replace('€ 106,00', '€ 107,00');
    const { fields } = extractExpenseFields({ read: readDrawing({ pages: [broken] }) });
    expect(fields.totalInclVat?.value).toBe('107.00');
    expect(fields.totalInclVat!.confidence).toBeLessThan(THRESHOLD);
  });

  it("reports no supplier VAT number when only the buyer's is shown", () => {
    const onlyBuyer = NL_INVOICE.replace('BTW BE0200.065.765', 'Tel 03 123 45 67  ');
    const { fields } = extractExpenseFields({ read: readDrawing({ pages: [onlyBuyer] }) });
    expect(fields.supplierVatNumber).toBeNull();
  });

  it('shows the default currency as a suggestion when no currency is written', () => {
    const { fields } = extractExpenseFields({ read: readDrawing({ pages: ['Winkel Peeters\nTotaal   12,50'] }) });
    expect(fields.currency).toMatchObject({ value: 'EUR' });
    expect(fields.currency!.confidence).toBeLessThan(THRESHOLD);
    expect(fields.totalInclVat?.value).toBe('12.50');
  });

  it('reads USD, GBP and CHF when shown', () => {
    for (const [text, currency] of [
      ['Total  $ 12.50', 'USD'],
      ['Total  £12.50', 'GBP'],
      ['Total  CHF 12.50', 'CHF'],
    ] as const) {
      expect(extractExpenseFields({ read: readDrawing({ pages: [`Shop Ltd\n${text}`] }) }).fields.currency?.value).toBe(currency);
    }
  });

  it('returns empty fields for an empty read', () => {
    const { fields, language } = extractExpenseFields({ read: readDrawing({ pages: [''] }) });
    expect(fields.totalInclVat).toBeNull();
    expect(fields.supplierName).toBeNull();
    expect(language).toBeNull();
  });
});

describe('extractExpenseFields cross-checks on damaged OCR', () => {
  it('restores a VAT line OCR lost from the totals, as a suggestion', () => {
    const lost = `
Hotel De Zwaan B.V.                                   FACTUUR
BTW-nr. NL002455799B11                                Factuurnummer: INV-7

Totaal excl. BTW                                      € 541,59
Totaal BTW                                             € 86,57
TOTAAL                                                € 628,16

BTW%      Maatstaf      BTW
i at
21%         315,22      66,20
`;
    const { fields } = extractExpenseFields({ read: readDrawing({ pages: [lost], method: 'ocr' }) });
    expect(fields.vatAmounts?.value).toEqual([
      { rate: '9', base: '226.37', amount: '20.37' },
      { rate: '21', base: '315.22', amount: '66.20' },
    ]);
    expect(fields.vatAmounts!.confidence).toBeLessThan(THRESHOLD);
    expect(fields.totalInclVat).toMatchObject({ value: '628.16' });
    expect(fields.totalInclVat!.confidence).toBeGreaterThanOrEqual(THRESHOLD);
  });

  it('reads a VAT table row whose rate is garbled from its base and VAT', () => {
    const receipt = `
Tankstelle Berg GmbH
USt-IdNr. DE136695976
Gesamtbetrag                 180,41 €
MwSt.-Satz      Netto       MwSt.
A 7%            14,64        1,02
oan            138,45       26,30
`;
    const { fields } = extractExpenseFields({ read: readDrawing({ pages: [receipt], method: 'ocr' }) });
    expect(fields.vatAmounts?.value).toEqual([
      { rate: '7', base: '14.64', amount: '1.02' },
      { rate: '19', base: '138.45', amount: '26.30' },
    ]);
    expect(fields.totalExclVat?.value).toBe('153.09');
  });
});
