import { describe, expect, it } from 'vitest';
import { bytesToBase64, MAX_PDF_BYTES, pdfProblem } from './pdf-file.js';

describe('a PDF for a letter', () => {
  const pdf = new TextEncoder().encode('%PDF-1.7\n%…');
  it('is base64 without a prefix, the same as Node writes it, also past one slice', () => {
    expect(bytesToBase64(pdf)).toBe(Buffer.from(pdf).toString('base64'));
    const big = new Uint8Array(100_003).map((_, i) => (i * 7) % 256);
    expect(bytesToBase64(big)).toBe(Buffer.from(big).toString('base64'));
  });
  it('is refused when empty, too large or not a PDF', () => {
    expect(pdfProblem(pdf)).toBeNull();
    expect(pdfProblem(new Uint8Array())).toBe('pdf_empty');
    expect(pdfProblem(new TextEncoder().encode('<html>'))).toBe('pdf_not_pdf');
    const large = new Uint8Array(MAX_PDF_BYTES + 1);
    large.set(pdf);
    expect(pdfProblem(large)).toBe('pdf_too_large');
  });
});
