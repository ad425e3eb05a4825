// Letters the tests, the reference artefacts and the benchmark render (erasable TypeScript only: the
// artefacts script runs this file with Node's type stripping).
import fontkit from '@pdf-lib/fontkit';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PDFDocument } from 'pdf-lib';

export const RECIPIENT = {
  name: 'Brouwerij De Klok BV',
  attention: 'T.a.v. Boekhouding',
  street: 'Kerkstraat 12 bus 3',
  postalCode: '9000',
  city: 'Gent',
  country: 'BE',
};

export const SENDER = {
  name: 'Tollgate Demo NV',
  street: 'Stationsplein 1',
  postalCode: '1012 AB',
  city: 'Amsterdam',
  country: 'NL',
};

export const BASE_LETTER = {
  recipient: RECIPIENT,
  sender: SENDER,
  locale: 'nl' as 'nl' | 'fr' | 'en' | 'de',
  date: new Date('2026-12-07T10:00:00Z'),
  timeZone: 'Europe/Brussels',
  reference: 'LTR-01JEX4Q2Z8K3M5N7P9R1T3V5',
  barcode: true,
  subject: 'Factuur 2026/0042',
  bodyText: 'Beste klant,\n\nIn bijlage vindt u factuur 2026/0042.\nGelieve te betalen vóór 31 december.\n\nMet vriendelijke groet',
};

const require = createRequire(import.meta.url);

/** An invoice PDF of `pages` A4 pages (the font embedded, as a real invoice's should be), or of another size. */
export async function invoicePdf(pages: number, size: [number, number] = [595.28, 841.89]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const font = await doc.embedFont(readFileSync(require.resolve('@fontsource/source-sans-3/files/source-sans-3-latin-400-normal.woff')), { subset: true });
  for (let i = 1; i <= pages; i++) {
    const page = doc.addPage(size);
    page.drawText(`INVOICE 2026/0042 sheet ${i}`, { x: 60, y: size[1] - 80, size: 14, font });
    for (let line = 0; line < 20; line++)
      page.drawText(`Item ${line + 1}  ·  1 × service  ·  EUR ${(line * 7.5 + 10).toFixed(2)}`, { x: 60, y: size[1] - 130 - line * 18, size: 10, font });
  }
  return doc.save();
}

/** A document that pdf-lib opens but that says it is encrypted. */
export async function encryptedPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage();
  doc.context.trailerInfo.Encrypt = doc.context.obj({ Filter: 'Standard', V: 2, R: 3, Length: 128, P: -3904 });
  return doc.save({ useObjectStreams: false });
}

/** The caller's own HTML: `pages` pages separated by CSS page breaks. */
export function htmlDocument(pages: number): string {
  const sections = Array.from(
    { length: pages },
    (_, i) => `<section style="break-after: page"><h2>Terms, part ${i + 1}</h2><p>Payment within 30 days.</p></section>`,
  );
  return `<!doctype html><html><head><title>Terms</title></head><body>${sections.join('')}</body></html>`;
}

/** The letters kept as reference PNGs in test/artefacts (`cover-nl` also as cover-layout.json). */
export const ARTEFACT_LETTERS = {
  'cover-nl': { ...BASE_LETTER, invoicePages: 0 },
  'letter-de-2-invoice-pages': {
    ...BASE_LETTER,
    locale: 'de' as 'nl' | 'fr' | 'en' | 'de',
    recipient: { name: 'Müller & Söhne GmbH', street: 'Friedrichstraße 123', postalCode: '10117', city: 'Berlin', country: 'DE' },
    subject: 'Rechnung 2026/0042',
    bodyText: 'Sehr geehrte Damen und Herren,\n\nanbei erhalten Sie unsere Rechnung.',
    invoicePages: 2,
  },
  'cover-fr-no-barcode': {
    ...BASE_LETTER,
    locale: 'fr' as 'nl' | 'fr' | 'en' | 'de',
    barcode: false,
    recipient: { name: 'SPRL Dupont', street: 'Rue de la Loi 16 boîte 2', postalCode: '1000', city: 'Bruxelles', country: 'BE' },
    subject: 'Facture 2026/0042',
    bodyText: 'Madame, Monsieur,\n\nVeuillez trouver ci-joint notre facture.',
    invoicePages: 0,
  },
};
