import { PDFDocument, PDFHexString, PDFName, PDFNumber, StandardFonts } from 'pdf-lib';
import sharp from 'sharp';

/** A small Belgian receipt: words an OCR test expects back. */
export const RECEIPT_LINES = [
  'Bakkerij Janssens BV',
  'Kerkstraat 12 1000 Brussel',
  'BTW BE0123456749',
  'Factuur 2024-0042',
  'Datum 14/03/2024',
  'Brood 3,50',
  'Koffie 2,80',
  'Totaal excl. BTW 5,94',
  'BTW 6% 0,36',
  'Totaal EUR 6,30',
  'IBAN BE68 5390 0754 7034',
];

export const RECEIPT_TOKENS = RECEIPT_LINES.join(' ').split(/\s+/);

/** Share of the expected tokens found among the words read (OCR may miss one or two). */
export function tokenRecall({ text }: { text: string }): number {
  const read = new Set(text.split(/\s+/));
  return RECEIPT_TOKENS.filter((token) => read.has(token)).length / RECEIPT_TOKENS.length;
}

function receiptSvg(): string {
  const lineHeight = 44;
  const text = RECEIPT_LINES.map((line, i) => `<text x="50" y="${80 + i * lineHeight}" font-family="DejaVu Sans" font-size="26">${line}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="${120 + RECEIPT_LINES.length * lineHeight}"><rect width="100%" height="100%" fill="white"/>${text}</svg>`;
}

/** The receipt rendered from SVG (DejaVu Sans) as a PNG, turned clockwise by `degrees`. */
export async function receiptPng({ degrees = 0 }: { degrees?: number } = {}): Promise<Buffer> {
  return sharp(Buffer.from(receiptSvg())).rotate(degrees, { background: 'white' }).flatten({ background: 'white' }).png().toBuffer();
}

/** A JPEG whose pixels lie on their side, with EXIF orientation 6 ("turn 90° clockwise to show"), as phones write them. */
export async function sidewaysJpegWithExif(): Promise<Buffer> {
  const pixels = await sharp(await receiptPng())
    .rotate(-90)
    .toBuffer();
  return sharp(pixels).jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toBuffer();
}

/** A PDF with a real text layer (Helvetica), one line per receipt line. */
export async function textPdf({ pages = 1 }: { pages?: number } = {}): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (let n = 0; n < pages; n += 1) {
    const page = pdf.addPage([595, 842]);
    RECEIPT_LINES.forEach((line, i) => page.drawText(line, { x: 50, y: 780 - i * 20, size: 12, font }));
    // A label and its amount far apart: they must still come back as one line.
    page.drawText('Te betalen', { x: 50, y: 500, size: 12, font });
    page.drawText('6,30', { x: 480, y: 500, size: 12, font });
  }
  return Buffer.from(await pdf.save());
}

/** A "scanned" PDF: the receipt as an image on the page, no text layer. */
export async function scannedPdf(): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const png = await pdf.embedPng(await receiptPng());
  const page = pdf.addPage([595, 842]);
  const width = 500;
  const height = (png.height / png.width) * width;
  page.drawImage(png, { x: 47, y: 842 - 40 - height, width, height });
  return Buffer.from(await pdf.save());
}

/**
 * A PDF locked with a user password: the standard security handler's dictionary (RC4, revision 2)
 * whose /U entry matches no empty password, so a reader without the password cannot open it.
 */
export async function encryptedPdf(): Promise<Buffer> {
  const pdf = await PDFDocument.load(await textPdf());
  const bytes32 = (fill: string) => PDFHexString.of(fill.repeat(64));
  const encrypt = pdf.context.obj({ Filter: 'Standard', V: 1, R: 2, Length: 40, P: PDFNumber.of(-4) });
  encrypt.set(PDFName.of('O'), bytes32('a'));
  encrypt.set(PDFName.of('U'), bytes32('b'));
  pdf.context.trailerInfo.Encrypt = pdf.context.register(encrypt);
  pdf.context.trailerInfo.ID = pdf.context.obj([bytes32('1'), bytes32('1')]);
  return Buffer.from(await pdf.save({ useObjectStreams: false }));
}
