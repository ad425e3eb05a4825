import { inspectPdf, MM_PER_PT, type PdfPage, type PdfWord } from './pdf-inspect.js';

/** An E-POSTBUSINESS Error object: `level`, `code` (E3xx for letters), `description`. */
export interface EPostMessage {
  level: 'Error' | 'Warning' | 'Info';
  code: string;
  description: string;
  date?: string | null;
}

/** Where the recipient must sit on page 1 (mm from the top-left corner); registered letters need room for the label above it. */
export const ADDRESS_ZONE_MM = { top: 60, registeredTop: 68, bottom: 85.5, left: 22, right: 107.5 } as const;
/** Nothing may be printed closer than this to any edge of any page. */
export const EDGE_CLEAR_MM = 5;
export const MAX_PDF_BYTES = 20 * 1024 * 1024;
export const MAX_PAGES = 94;
const A4_PT = { width: 595.28, height: 841.89 };
const A4_TOLERANCE_PT = 3;

export interface LetterCheckInput {
  pdf: Uint8Array;
  addressLine1: string;
  zipCode: string;
  city: string;
  registered: boolean;
  /** The API prints the address on a cover sheet of its own: the document's first page is not checked for it. */
  coverLetter: boolean;
  /** Whether the letter's JSON names a sender (needed on the API's cover sheet). */
  hasSender?: boolean;
}

export interface LetterCheckResult {
  pages: number;
  /** Where the recipient block was found on page 1 (mm), when checked. */
  addressBlockMm: { top: number; left: number; bottom: number; right: number } | null;
}

export class LetterCheckError extends Error {
  constructor(readonly error: EPostMessage) {
    super(error.description);
  }
}

const fail = (code: string, description: string): never => {
  throw new LetterCheckError({ level: 'Error', code, description });
};

const mm = (pt: number) => Math.round(pt * MM_PER_PT * 10) / 10;

/**
 * The checks a German letter service makes on upload (see README.md for what is sourced): a readable
 * PDF, at most 20 MB and 94 pages, A4 portrait, 5 mm edges clear, and on page 1 the recipient given
 * in the JSON printed 60–85.5 mm from the top (68 for registered) and 22–107.5 mm from the left, with
 * a sender line above it. Throws a LetterCheckError carrying the vendor's error object.
 */
export async function checkLetterPdf(input: LetterCheckInput): Promise<LetterCheckResult> {
  const { pdf } = input;
  if (pdf.byteLength > MAX_PDF_BYTES) fail('E303', 'Maximale Dateigröße von 20 MB überschritten');
  if (Buffer.from(pdf.subarray(0, 5)).toString('latin1') !== '%PDF-') fail('E301', 'Kein PDF-Format erkannt (the data does not start with %PDF-)');
  const pages = await inspectPdf(pdf);
  if (pages === null || pages.length === 0) fail('E301', 'Kein PDF-Format erkannt (the PDF cannot be read)');
  const read = pages as PdfPage[];
  if (read.length > MAX_PAGES) fail('E304', `Maximale Seitenanzahl von ${MAX_PAGES} Seiten überschritten (${read.length} pages)`);
  read.forEach((page, i) => {
    const a4 = near(page.widthPt, A4_PT.width) && near(page.heightPt, A4_PT.height);
    if (a4) return;
    if (i === 0 && near(page.widthPt, A4_PT.height) && near(page.heightPt, A4_PT.width))
      fail('E307', '1. Seite im Querformat eingeliefert (page 1 is A4 landscape; letters are A4 portrait)');
    fail('E308', `Kein DinA4 Format: page ${i + 1} is ${mm(page.widthPt)} × ${mm(page.heightPt)} mm, not 210 × 297 mm portrait`);
  });
  const edge = EDGE_CLEAR_MM / MM_PER_PT;
  read.forEach((page, i) => {
    const close = page.words.find((w) => w.xMin < edge || w.yMin < edge || w.xMax > page.widthPt - edge || w.yMax > page.heightPt - edge);
    if (close)
      fail(
        'E399',
        `Allgemeiner Fehler: text within ${EDGE_CLEAR_MM} mm of the page edge on page ${i + 1} ("${close.text}" at ${mm(close.xMin)} mm from the left, ${mm(close.yMin)} mm from the top)`,
      );
  });
  if (input.coverLetter) {
    if (!input.hasSender) fail('E333', 'Senderadresse auf Dokument nicht vorhanden (a cover sheet needs the sender fields or senderAdressLineComplete)');
    return { pages: read.length, addressBlockMm: null };
  }
  return { pages: read.length, addressBlockMm: checkAddressZone({ page: read[0]!, ...input }) };
}

function checkAddressZone(input: LetterCheckInput & { page: PdfPage }): LetterCheckResult['addressBlockMm'] {
  const zone = { ...ADDRESS_ZONE_MM, top: input.registered ? ADDRESS_ZONE_MM.registeredTop : ADDRESS_ZONE_MM.top };
  const lines = toLines(input.page.words);
  const inZone = input.page.words.filter((w) => {
    const cx = ((w.xMin + w.xMax) / 2) * MM_PER_PT;
    const cy = ((w.yMin + w.yMax) / 2) * MM_PER_PT;
    return cx >= zone.left && cx <= zone.right && cy >= zone.top && cy <= zone.bottom;
  });
  if (inZone.length === 0)
    fail(
      'E323',
      `Kein Inhalt im Empfängerbereich der PDF erkannt (nothing printed ${zone.top}–${zone.bottom} mm from the top, ${zone.left}–${zone.right} mm from the left)`,
    );
  const first = lines.findIndex((line) => normalise(line.text).includes(normalise(input.addressLine1)));
  const cityLine = `${input.zipCode} ${input.city}`;
  const last = lines.findIndex((line, i) => i >= Math.max(first, 0) && normalise(line.text).includes(normalise(cityLine)));
  if (first < 0 || last < 0)
    fail(
      'E203',
      `Adress-Metadaten: Abweichungen festgestellt (page 1 does not show ${first < 0 ? `addressLine1 "${input.addressLine1}"` : `"${cityLine}"`} as given in the letter's address fields)`,
    );
  const block = lines.slice(first, last + 1).flatMap((line) => line.words);
  const box = {
    top: mm(Math.min(...block.map((w) => w.yMin))),
    left: mm(Math.min(...block.map((w) => w.xMin))),
    bottom: mm(Math.max(...block.map((w) => w.yMax))),
    right: mm(Math.max(...block.map((w) => w.xMax))),
  };
  if (box.top < zone.top || box.bottom > zone.bottom || box.left < zone.left || box.right > zone.right)
    fail(
      'E306',
      `Ungültiges Format der Empfängeradresse erkannt: the recipient address must lie ${zone.top}–${zone.bottom} mm from the top and ${zone.left}–${zone.right} mm from the left; ` +
        `it is printed ${box.top}–${box.bottom} mm from the top and ${box.left}–${box.right} mm from the left`,
    );
  // Since 2025 the sender (return) line must be printed above the recipient, inside the window.
  const sender = lines
    .slice(0, first)
    .some((line) =>
      line.words.some(
        (w) => w.yMax * MM_PER_PT <= box.top + 0.5 && w.yMin * MM_PER_PT >= 40 && w.xMin * MM_PER_PT >= zone.left - 2 && w.xMax * MM_PER_PT <= zone.right,
      ),
    );
  if (!sender) fail('E333', 'Senderadresse auf Dokument nicht vorhanden (no sender line above the recipient inside the window)');
  return box;
}

interface Line {
  yMin: number;
  words: PdfWord[];
  text: string;
}

/** Words on (about) the same baseline, left to right, top to bottom. */
function toLines(words: readonly PdfWord[]): Line[] {
  const sorted = [...words].sort((a, b) => a.yMin - b.yMin || a.xMin - b.xMin);
  const lines: Line[] = [];
  for (const word of sorted) {
    const line = lines.find((l) => Math.abs(l.yMin - word.yMin) < 2);
    if (line) line.words.push(word);
    else lines.push({ yMin: word.yMin, words: [word], text: '' });
  }
  for (const line of lines) {
    line.words.sort((a, b) => a.xMin - b.xMin);
    line.text = line.words.map((w) => w.text).join(' ');
  }
  return lines.sort((a, b) => a.yMin - b.yMin);
}

function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim().toLowerCase();
}

function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= A4_TOLERANCE_PT;
}
