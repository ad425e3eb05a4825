import { afterAll, describe, expect, it } from 'vitest';
import { createDocumentReader, DocumentReadError } from '@tollgate/document-reader';
import { encryptedPdf, RECEIPT_LINES, textPdf } from './receipt-documents.js';

describe('document reader: PDF text layer', () => {
  const reader = createDocumentReader({ workers: 1 });
  afterAll(() => reader.close());

  it('reads the text layer as lines top to bottom, words with PDF positions and confidence 1, without starting OCR', async () => {
    const result = await reader.read({ bytes: await textPdf(), contentType: 'application/pdf' });
    expect(result.method).toBe('pdf-text');
    expect(result.rotations).toEqual([]);
    expect(result.pages).toHaveLength(1);
    const [page] = result.pages;
    expect(page).toMatchObject({ number: 1, width: 595, height: 842 });
    expect(page!.lines.slice(0, RECEIPT_LINES.length).map((line) => line.text)).toEqual(RECEIPT_LINES);
    expect(page!.lines.map((line) => line.text)).toContain('Te betalen 6,30');
    const first = page!.lines[0]!;
    expect(first.confidence).toBe(1);
    expect(first.words[0]).toMatchObject({ text: 'Bakkerij', confidence: 1 });
    // Helvetica 12 pt at y = 780 from the bottom: ~62 pt from the top.
    expect(first.box.y1).toBeGreaterThan(55);
    expect(first.box.y1).toBeLessThan(70);
    expect(first.box.x0).toBeCloseTo(50, 0);
    expect(result.text.split('\n')[2]).toBe('BTW BE0123456749');
    expect(reader.stats().ocrWorkersStarted).toBe(0);
  });

  it('refuses a PDF with more pages than maxPages', async () => {
    const error = await reader.read({ bytes: await textPdf({ pages: 6 }), contentType: 'application/pdf' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocumentReadError);
    expect(error).toMatchObject({ code: 'too_many_pages', status: 422, details: { pages: 6, maxPages: 5 } });
  });

  it('refuses broken bytes and an encrypted PDF as unreadable_file', async () => {
    const bytes = Buffer.from('%PDF-1.7 this is not really a pdf at all');
    await expect(reader.read({ bytes, contentType: 'application/pdf' })).rejects.toMatchObject({ code: 'unreadable_file' });
    await expect(reader.read({ bytes, contentType: 'image/png' })).rejects.toMatchObject({ code: 'unreadable_file' });
    await expect(reader.read({ bytes, contentType: 'image/heic' })).rejects.toMatchObject({ code: 'unreadable_file' });
    await expect(reader.read({ bytes: await encryptedPdf(), contentType: 'application/pdf' })).rejects.toMatchObject({
      code: 'unreadable_file',
      message: 'The PDF is encrypted.',
    });
    // The decode thread survived the broken files.
    const result = await reader.read({ bytes: await textPdf(), contentType: 'application/pdf' });
    expect(result.method).toBe('pdf-text');
  });
});
