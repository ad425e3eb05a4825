import { PDFDocument, StandardFonts } from 'pdf-lib';

const PT_PER_MM = 72 / 25.4;
export const A4_PT = { width: 595.28, height: 841.89 } as const;

export interface TestLetterInput {
  /** Recipient lines top to bottom, e.g. ['Muster GmbH', 'Hauptstraße 5', '10115 Berlin']. */
  recipient: readonly string[];
  /** The one-line return address above the recipient; null leaves it out. */
  senderLine?: string | null;
  /** Top of the first recipient line, mm from the top edge. Default 62.7 (DIN 5008 form B + return-line zone). */
  topMm?: number;
  /** Left edge of the address, mm. Default 25. */
  leftMm?: number;
  /** Default 1. */
  pages?: number;
  /** Default A4 portrait. */
  size?: { widthPt: number; heightPt: number };
  /** Extra text anywhere on page 1 (e.g. to break the edge rule), positions in mm from the top left. */
  extra?: ReadonlyArray<{ text: string; xMm: number; yMm: number }>;
}

/**
 * A small letter PDF for tests and manual use (pdf-lib, Helvetica): the sender line and the recipient
 * where asked, a body line, and further pages. Not a renderer: `@tollgate/letter-render` makes real letters.
 */
export async function renderTestLetterPdf(input: TestLetterInput): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const { widthPt, heightPt } = input.size ?? { widthPt: A4_PT.width, heightPt: A4_PT.height };
  const size = 10;
  const lineMm = 4.23;
  const topMm = input.topMm ?? 62.7;
  const leftMm = input.leftMm ?? 25;
  // drawText places the baseline; the glyphs' top sits about 0.75 × size above it.
  const at = (xMm: number, topOfTextMm: number) => ({ x: xMm * PT_PER_MM, y: heightPt - topOfTextMm * PT_PER_MM - size * 0.75 });
  const pages = input.pages ?? 1;
  for (let n = 1; n <= pages; n++) {
    const page = doc.addPage([widthPt, heightPt]);
    if (n === 1) {
      if (input.senderLine !== null)
        page.drawText(input.senderLine ?? 'Tollgate GmbH, Friedrichstraße 1, 10117 Berlin', { ...at(leftMm, topMm - 4), size: 6, font });
      input.recipient.forEach((line, i) => page.drawText(line, { ...at(leftMm, topMm + i * lineMm), size, font }));
      for (const extra of input.extra ?? []) page.drawText(extra.text, { ...at(extra.xMm, extra.yMm), size, font });
      page.drawText('Sehr geehrte Damen und Herren, anbei Ihre Rechnung.', { ...at(25, 110), size, font });
    } else {
      page.drawText(`Seite ${n}`, { ...at(25, 30), size, font });
    }
  }
  return doc.save();
}
