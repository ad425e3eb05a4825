import { PDFDocument } from 'pdf-lib';

/** A4 in PostScript points (210 × 297 mm); print services allow a little slack for rounding. */
export const A4_POINTS = { width: 595.28, height: 841.89 } as const;
const TOLERANCE_POINTS = 3;

export type PdfCheck = { ok: true; pages: number } | { ok: false; code: 'pdf_invalid' | 'pdf_not_a4'; message: string; pages?: number; page?: number };

/**
 * What the print line checks before it takes a file: it parses, it has pages, and every page is
 * A4 portrait (a landscape page or a rotated A4 page is refused, as a print service's imposition would).
 */
export async function checkLetterPdf(bytes: Uint8Array): Promise<PdfCheck> {
  try {
    return await check(bytes);
  } catch (error) {
    // pdf-lib may parse a broken file and fail later, e.g. on a missing page tree.
    return { ok: false, code: 'pdf_invalid', message: `file cannot be read as a PDF: ${(error as Error).message.split('\n')[0]}` };
  }
}

async function check(bytes: Uint8Array): Promise<PdfCheck> {
  if (bytes.length < 8 || Buffer.from(bytes.subarray(0, 5)).toString('latin1') !== '%PDF-')
    return { ok: false, code: 'pdf_invalid', message: 'file is not a PDF (it does not start with %PDF-)' };
  let doc: PDFDocument;
  try {
    // Encrypted files cannot be printed unattended: refused like any unreadable file.
    doc = await PDFDocument.load(bytes, { updateMetadata: false, throwOnInvalidObject: true });
  } catch (error) {
    return { ok: false, code: 'pdf_invalid', message: `file cannot be read as a PDF: ${(error as Error).message.split('\n')[0]}` };
  }
  const pages = doc.getPages();
  if (pages.length === 0) return { ok: false, code: 'pdf_invalid', message: 'file has no pages' };
  for (const [index, page] of pages.entries()) {
    const { width, height } = page.getSize();
    const rotation = ((page.getRotation().angle % 360) + 360) % 360;
    const [w, h] = rotation === 90 || rotation === 270 ? [height, width] : [width, height];
    const a4 = Math.abs(w - A4_POINTS.width) <= TOLERANCE_POINTS && Math.abs(h - A4_POINTS.height) <= TOLERANCE_POINTS;
    if (!a4)
      return {
        ok: false,
        code: 'pdf_not_a4',
        message: `page ${index + 1} is ${mm(w)} × ${mm(h)} mm; every page must be A4 portrait (210 × 297 mm)`,
        pages: pages.length,
        page: index + 1,
      };
  }
  return { ok: true, pages: pages.length };
}

function mm(points: number): string {
  return ((points * 25.4) / 72).toFixed(0);
}
