import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One word as poppler reads it: a box in points, origin top left (pdftotext -bbox). */
export interface PdfWord {
  text: string;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

export interface PdfPage {
  widthPt: number;
  heightPt: number;
  words: PdfWord[];
}

export const MM_PER_PT = 25.4 / 72;

/**
 * Reads a PDF's pages and word positions with poppler's `pdftotext -bbox` (as a print service
 * reads the address from the window); null when poppler cannot read the file.
 */
export async function inspectPdf(bytes: Uint8Array, input: { timeoutMs?: number } = {}): Promise<PdfPage[] | null> {
  const dir = await mkdtemp(join(tmpdir(), 'sandbox-epost-'));
  try {
    const file = join(dir, 'letter.pdf');
    await writeFile(file, bytes);
    const html = await new Promise<string | null>((resolve) => {
      execFile('pdftotext', ['-bbox', '-enc', 'UTF-8', file, '-'], { timeout: input.timeoutMs ?? 15_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) =>
        resolve(error ? null : stdout),
      );
    });
    return html === null ? null : parseBbox(html);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Parses pdftotext's -bbox XHTML (one <page> per page, one <word> per word). */
export function parseBbox(html: string): PdfPage[] {
  const pages: PdfPage[] = [];
  const pageRe = /<page width="([\d.]+)" height="([\d.]+)">([\s\S]*?)<\/page>/g;
  const wordRe = /<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([\s\S]*?)<\/word>/g;
  for (const page of html.matchAll(pageRe)) {
    const words: PdfWord[] = [];
    for (const w of page[3]!.matchAll(wordRe)) {
      words.push({ xMin: Number(w[1]), yMin: Number(w[2]), xMax: Number(w[3]), yMax: Number(w[4]), text: unescapeXml(w[5]!) });
    }
    pages.push({ widthPt: Number(page[1]), heightPt: Number(page[2]), words });
  }
  // A PDF without a single page tag was not read.
  return pages;
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&');
}
