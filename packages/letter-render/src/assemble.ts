import { PDFDocument, ParseSpeeds, type PDFPage } from 'pdf-lib';
import { LetterAttachmentUnreadableError, LetterTooLongError } from './letter-render.errors.js';
import { A4_PT, MAX_LETTER_PAGES, mmToPt } from './letter-layout.js';
import { isolateContent, pageStamper } from './page-stamp.js';

/*
 * pdf-lib yields to the event loop every 50 objects by default (a timer each time); a letter is at
 * most 20 pages, so it is parsed and written in one go.
 */

/** Within this many points of A4 portrait a page is A4 (Chromium prints 594.96 × 841.92). */
const A4_TOLERANCE_PT = 3;

const isA4 = (page: PDFPage) => {
  const { width, height } = page.getSize();
  return page.getRotation().angle % 180 === 0 && Math.abs(width - A4_PT.width) <= A4_TOLERANCE_PT && Math.abs(height - A4_PT.height) <= A4_TOLERANCE_PT;
};

/** Sets a near-A4 page to exactly A4, keeping its top-left corner where it was (positions are measured from there). */
function squareToA4(page: PDFPage): void {
  const box = page.getMediaBox();
  page.setMediaBox(box.x, box.y + box.height - A4_PT.height, A4_PT.width, A4_PT.height);
  page.setCropBox(box.x, box.y + box.height - A4_PT.height, A4_PT.width, A4_PT.height);
}

/** Opens the attachments (before Chromium is asked for anything): a broken one is refused at once. */
export async function loadAttachments(attachments: readonly Uint8Array[]): Promise<PDFDocument[]> {
  const docs: PDFDocument[] = [];
  for (const [index, bytes] of attachments.entries()) {
    let doc: PDFDocument;
    let pages: number;
    try {
      doc = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false, parseSpeed: ParseSpeeds.Fastest });
      pages = doc.getPages().length; // walks the page tree: a broken one throws here
    } catch (cause) {
      throw new LetterAttachmentUnreadableError({ index, reason: 'not_a_pdf', cause });
    }
    // ignoreEncryption lets pdf-lib open it, but the pages it copies would print as garbage.
    if (doc.isEncrypted) throw new LetterAttachmentUnreadableError({ index, reason: 'encrypted' });
    if (pages === 0) throw new LetterAttachmentUnreadableError({ index, reason: 'no_pages' });
    docs.push(doc);
  }
  return docs;
}

export function assertPageCount(pages: number): void {
  if (pages > MAX_LETTER_PAGES) throw new LetterTooLongError({ pages, maxPages: MAX_LETTER_PAGES });
}

/**
 * One PDF: the cover (and the caller's html pages) printed by Chromium, then the attachments; every
 * page A4 (a page of another size is scaled onto A4), "Page n/N" stamped bottom right with the bundled font.
 */
export async function assembleLetter(input: {
  cover: Uint8Array;
  html?: Uint8Array;
  attachments: readonly PDFDocument[];
  pageLabel: string;
  title: string;
  date: Date;
}): Promise<{ pdf: Uint8Array; pages: number }> {
  const out = await PDFDocument.load(input.cover, { updateMetadata: false, parseSpeed: ParseSpeeds.Fastest });
  for (const page of out.getPages()) squareToA4(page);
  if (input.html) {
    const html = await PDFDocument.load(input.html, { updateMetadata: false, parseSpeed: ParseSpeeds.Fastest });
    for (const page of await out.copyPages(html, html.getPageIndices())) {
      squareToA4(page);
      out.addPage(page);
    }
  }
  assertPageCount(out.getPageCount() + input.attachments.reduce((n, d) => n + d.getPageCount(), 0));
  for (const [index, doc] of input.attachments.entries()) {
    try {
      await appendPages(out, doc);
    } catch (cause) {
      throw new LetterAttachmentUnreadableError({ index, reason: 'not_a_pdf', cause });
    }
  }

  const stamp = await pageStamper(out);
  const pages = out.getPages();
  for (const [i, page] of pages.entries()) {
    const box = page.getMediaBox();
    stamp(page, `${input.pageLabel} ${i + 1}/${pages.length}`, { right: box.x + box.width - mmToPt(20), y: box.y + mmToPt(10), size: 8 });
  }
  // The same letter gives the same metadata (no "now", no machine name).
  out.setTitle(input.title);
  out.setProducer('@tollgate/letter-render');
  out.setCreator('Tollgate');
  out.setCreationDate(input.date);
  out.setModificationDate(input.date);
  return { pdf: await out.save({ useObjectStreams: false, objectsPerTick: Infinity }), pages: pages.length };
}

/** Copies a document's pages to the end of `out`: A4 pages as they are, others scaled onto A4 portrait. */
async function appendPages(out: PDFDocument, doc: PDFDocument): Promise<void> {
  for (const page of await out.copyPages(doc, doc.getPageIndices())) {
    if (isA4(page)) {
      if (page.node.Contents()) isolateContent(out, page);
      out.addPage(page);
      continue;
    }
    // Letter, A5, landscape…: scaled to fit inside A4 portrait, centred.
    const a4 = out.addPage([A4_PT.width, A4_PT.height]);
    if (!page.node.Contents()) continue; // a blank page stays blank
    const embedded = await out.embedPage(page);
    const scale = Math.min(A4_PT.width / embedded.width, A4_PT.height / embedded.height);
    a4.drawPage(embedded, {
      x: (A4_PT.width - embedded.width * scale) / 2,
      y: (A4_PT.height - embedded.height * scale) / 2,
      xScale: scale,
      yScale: scale,
    });
  }
}
