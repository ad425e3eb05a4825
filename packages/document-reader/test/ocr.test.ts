import { readdir } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createDocumentReader } from '@tollgate/document-reader';
import { receiptPng, scannedPdf, sidewaysJpegWithExif, tokenRecall } from './receipt-documents.js';

// Each OCR costs a second or more on a shared 2-core machine: one reader, few reads.
describe('document reader: OCR', () => {
  const reader = createDocumentReader({ workers: 1 });
  afterAll(() => reader.close());

  it('reads a clean PNG: ≥ 90 % of the words, lines with boxes and confidences, upright', async () => {
    const result = await reader.read({ bytes: await receiptPng(), contentType: 'image/png' });
    expect(result.method).toBe('ocr');
    expect(result.rotations).toEqual([0]);
    expect(tokenRecall(result)).toBeGreaterThanOrEqual(0.9);
    const line = result.pages[0]!.lines.find((candidate) => candidate.text.startsWith('Totaal EUR'))!;
    expect(line.confidence).toBeGreaterThan(0.6);
    expect(line.confidence).toBeLessThanOrEqual(1);
    expect(line.box.x1).toBeGreaterThan(line.box.x0);
    expect(line.words.map((word) => word.text)).toEqual(['Totaal', 'EUR', '6,30']);
  });

  it('finds a page turned upside down and reports the turn', async () => {
    const result = await reader.read({ bytes: await receiptPng({ degrees: 180 }), contentType: 'image/png' });
    expect(result.rotations).toEqual([180]);
    expect(tokenRecall(result)).toBeGreaterThanOrEqual(0.9);
  });

  it('straightens a page skewed by 10° and reads it', async () => {
    const result = await reader.read({ bytes: await receiptPng({ degrees: -10 }), contentType: 'image/png' });
    expect(result.rotations).toEqual([0]);
    expect(tokenRecall(result)).toBeGreaterThanOrEqual(0.9);
  });

  it('honours EXIF orientation before reading (no turn needed)', async () => {
    const result = await reader.read({ bytes: await sidewaysJpegWithExif(), contentType: 'image/jpeg' });
    expect(result.rotations).toEqual([0]);
    expect(tokenRecall(result)).toBeGreaterThanOrEqual(0.9);
    // Upright: wider than the text is tall is not given, but the first line is above the last.
    const lines = result.pages[0]!.lines;
    expect(lines[0]!.box.y0).toBeLessThan(lines.at(-1)!.box.y0);
  });

  it('renders and OCRs a scanned PDF page (no text layer)', async () => {
    const result = await reader.read({ bytes: await scannedPdf(), contentType: 'application/pdf' });
    expect(result.method).toBe('ocr');
    expect(result.rotations).toEqual([0]);
    expect(tokenRecall(result)).toBeGreaterThanOrEqual(0.9);
  });

  it('loads language data from node_modules and writes no cache: no download at run time', async () => {
    // Reads above started the OCR worker; tesseract.js's default would have cached *.traineddata here.
    expect((await readdir(process.cwd())).filter((name) => name.includes('traineddata'))).toEqual([]);
    expect(reader.stats().ocrWorkersStarted).toBe(1);
  });
});
