import fontkit from '@pdf-lib/fontkit';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFHexString,
  PDFObjectCopier,
  beginText,
  endText,
  moveText,
  popGraphicsState,
  pushGraphicsState,
  setFillingGrayscaleColor,
  setFontAndSize,
  showText,
  type PDFPage,
  type PDFRef,
} from 'pdf-lib';
import { stampFontBytes } from './fonts.js';
import { LETTER_LABELS } from './labels.js';

/*
 * Page numbers ("Pagina 2/3") stamped with the bundled font. Embedding a font with pdf-lib parses and
 * subsets it again for every document (~20 ms); instead the subset with every character a stamp can
 * hold is built once per process and its objects are copied into each letter (well under 1 ms).
 */

interface StampFont {
  doc: PDFDocument;
  ref: PDFRef;
  /** Per character: its glyph id in the subset (4 hex digits) and its advance per 1 pt of font size. */
  glyphs: Map<string, { hex: string; width: number }>;
}

let built: Promise<StampFont> | undefined;

function stampFont(): Promise<StampFont> {
  built ??= (async () => {
    const doc = await PDFDocument.create();
    doc.registerFontkit(fontkit);
    const font = await doc.embedFont(stampFontBytes(), { subset: true });
    const chars = new Set(
      `0123456789/ ${Object.values(LETTER_LABELS)
        .map((l) => l.page)
        .join('')}`,
    );
    const glyphs = new Map<string, { hex: string; width: number }>();
    for (const c of chars) glyphs.set(c, { hex: font.encodeText(c).toString().replace(/[<>]/g, ''), width: font.widthOfTextAtSize(c, 1) });
    await doc.flush();
    // pdf-lib names the subset "<font>-<random number>"; a fixed subset tag ("ABCDEF+", as PDF asks of
    // subsets) keeps the same letter the same bytes in every process.
    const name = PDFName.of(`TGPAGE+${font.name.replace(/-\d+$/, '')}`);
    const type0 = doc.context.lookup(font.ref, PDFDict);
    type0.set(PDFName.of('BaseFont'), name);
    const cid = doc.context.lookup(type0.lookup(PDFName.of('DescendantFonts'), PDFArray).get(0), PDFDict);
    cid.set(PDFName.of('BaseFont'), name);
    cid.lookup(PDFName.of('FontDescriptor'), PDFDict).set(PDFName.of('FontName'), name);
    return { doc, ref: font.ref, glyphs };
  })();
  return built;
}

/** Adds the stamp font to `out`; returns a function that writes `text` on a page, right-aligned at `right`. */
export async function pageStamper(out: PDFDocument): Promise<(page: PDFPage, text: string, at: { right: number; y: number; size: number }) => void> {
  const font = await stampFont();
  const copied = PDFObjectCopier.for(font.doc.context, out.context).copy(font.doc.context.lookup(font.ref)!);
  const ref = out.context.register(copied);
  return (page, text, at) => {
    const glyphs = [...text].map((c) => font.glyphs.get(c) ?? font.glyphs.get(' ')!);
    const width = glyphs.reduce((w, g) => w + g.width * at.size, 0);
    const key = page.node.newFontDictionary('TgStamp', ref);
    page.pushOperators(
      pushGraphicsState(),
      beginText(),
      setFillingGrayscaleColor(0),
      setFontAndSize(key, at.size),
      moveText(at.right - width, at.y),
      showText(PDFHexString.of(glyphs.map((g) => g.hex).join(''))),
      endText(),
      popGraphicsState(),
    );
  };
}

/** Wraps a page's own content in q … Q, so a page that leaves its graphics state changed cannot move the stamp. */
export function isolateContent(out: PDFDocument, page: PDFPage): void {
  const start = out.context.register(out.context.stream('q'));
  const end = out.context.register(out.context.stream('Q'));
  page.node.wrapContentStreams(start, end);
}
