// What a printer checks, read back with poppler-utils (pdfinfo, pdftotext -bbox, pdffonts, pdfimages).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PT_TO_MM = 25.4 / 72;

/** Runs a poppler tool on the PDF (written to a temporary file). */
function poppler(tool: string, args: string[], pdf: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'letter-'));
  try {
    const file = join(dir, 'letter.pdf');
    writeFileSync(file, pdf);
    return execFileSync(tool, [...args, file, ...(tool === 'pdftotext' ? ['-'] : [])], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Size of every page in points. */
export function pageSizes(pdf: Uint8Array): Array<{ width: number; height: number }> {
  const out = poppler('pdfinfo', ['-f', '1', '-l', '999'], pdf);
  return [...out.matchAll(/^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts/gm)].map((m) => ({ width: Number(m[1]), height: Number(m[2]) }));
}

/** One word and its box in mm from the page's top-left corner. */
export interface Word {
  page: number;
  text: string;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Every word with its bounding box (pdftotext -bbox gives points from the top-left; converted to mm). */
export function words(pdf: Uint8Array): Word[] {
  const xml = poppler('pdftotext', ['-bbox'], pdf);
  const result: Word[] = [];
  let page = 0;
  for (const line of xml.split('\n')) {
    if (line.includes('<page ')) page++;
    const m = /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)<\/word>/.exec(line);
    if (m)
      result.push({
        page,
        text: decode(m[5]!),
        left: Number(m[1]) * PT_TO_MM,
        top: Number(m[2]) * PT_TO_MM,
        right: Number(m[3]) * PT_TO_MM,
        bottom: Number(m[4]) * PT_TO_MM,
      });
  }
  return result;
}

const decode = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

/** The text of each page (pdftotext -layout). */
export function pageTexts(pdf: Uint8Array): string[] {
  return poppler('pdftotext', ['-layout'], pdf).split('\f').slice(0, -1);
}

/** pdffonts: one row per font with its name and whether it is embedded. */
export function fonts(pdf: Uint8Array): Array<{ name: string; embedded: boolean }> {
  return poppler('pdffonts', [], pdf)
    .split('\n')
    .slice(2)
    .filter((l) => l.trim())
    .map((l) => {
      const cols = l.trim().split(/\s+/);
      // name … emb sub uni object-id generation: emb is the 5th column from the end.
      return { name: cols[0]!, embedded: cols[cols.length - 5] === 'yes' };
    });
}

/** pdfimages -list: the page of every image (soft masks left out). */
export function images(pdf: Uint8Array): Array<{ page: number; width: number; height: number }> {
  return poppler('pdfimages', ['-list'], pdf)
    .split('\n')
    .slice(2)
    .map((l) => l.trim().split(/\s+/))
    .filter((c) => c[2] === 'image')
    .map((c) => ({ page: Number(c[0]), width: Number(c[3]), height: Number(c[4]) }));
}

/** True when the two rectangles (mm) overlap. */
export function overlaps(w: Pick<Word, 'left' | 'top' | 'right' | 'bottom'>, r: { left: number; top: number; width: number; height: number }): boolean {
  return w.right > r.left && w.left < r.left + r.width && w.bottom > r.top && w.top < r.top + r.height;
}

/** Page `page` as a grey-scale bitmap (pdftoppm -gray) at `dpi`: one byte per pixel, 0 = black. */
export function bitmap(pdf: Uint8Array, page: number, dpi: number): { width: number; height: number; pixels: Uint8Array; mmPerPixel: number } {
  const dir = mkdtempSync(join(tmpdir(), 'letter-'));
  try {
    const file = join(dir, 'letter.pdf');
    writeFileSync(file, pdf);
    const pgm = execFileSync('pdftoppm', ['-gray', '-r', String(dpi), '-f', String(page), '-l', String(page), '-singlefile', file]);
    // PGM (P5): "P5\n<width> <height>\n<max>\n" then the pixels.
    const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(pgm.subarray(0, 40).toString('latin1'))!;
    const width = Number(header[1]);
    const height = Number(header[2]);
    return { width, height, pixels: new Uint8Array(pgm.subarray(header[0].length, header[0].length + width * height)), mmPerPixel: 25.4 / dpi };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The box (mm) of the pixels that differ between two bitmaps of the same size, or null when none does. */
export function differingBox(a: ReturnType<typeof bitmap>, b: ReturnType<typeof bitmap>): { left: number; top: number; right: number; bottom: number } | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < a.height; y++)
    for (let x = 0; x < a.width; x++) {
      if (Math.abs(a.pixels[y * a.width + x]! - b.pixels[y * b.width + x]!) < 64) continue;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
  if (maxX < 0) return null;
  const mm = a.mmPerPixel;
  return { left: minX * mm, top: minY * mm, right: (maxX + 1) * mm, bottom: (maxY + 1) * mm };
}

/** One line of text on a page: its words joined, and the box around them (mm, rounded to 0.01). */
export interface TextLine {
  text: string;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The words on one page grouped into lines (same top), top to bottom. */
export function textLines(ws: Word[]): TextLine[] {
  const groups: Word[][] = [];
  for (const w of [...ws].sort((a, b) => a.top - b.top || a.left - b.left)) {
    const line = groups.find((l) => Math.abs(l[0]!.top - w.top) < 0.5);
    if (line) line.push(w);
    else groups.push([w]);
  }
  const r = (n: number) => Math.round(n * 100) / 100;
  return groups.map((g) => ({
    text: g.map((w) => w.text).join(' '),
    left: r(Math.min(...g.map((w) => w.left))),
    top: r(Math.min(...g.map((w) => w.top))),
    right: r(Math.max(...g.map((w) => w.right))),
    bottom: r(Math.max(...g.map((w) => w.bottom))),
  }));
}

/** What the reference layout records of a cover: every line of text on page 1 with its box. */
export function coverLayout(pdf: Uint8Array): { pages: number; lines: TextLine[] } {
  const all = words(pdf);
  return { pages: pageSizes(pdf).length, lines: textLines(all.filter((w) => w.page === 1)) };
}
