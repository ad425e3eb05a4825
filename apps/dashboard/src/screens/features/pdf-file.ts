/** A PDF sent inside a letter's JSON body as base64; the host takes bodies up to 8 MiB, base64 adds a third. */
export const MAX_PDF_BYTES = 5 * 1024 * 1024;

const PDF_MAGIC = [0x25, 0x50, 0x44, 0x46, 0x2d]; // "%PDF-"

export type PdfProblem = 'pdf_too_large' | 'pdf_not_pdf' | 'pdf_empty';

/** Why these bytes cannot go in a letter, or null: checked here for a quick answer, the host checks again. */
export function pdfProblem(bytes: Uint8Array): PdfProblem | null {
  if (bytes.length === 0) return 'pdf_empty';
  if (bytes.length > MAX_PDF_BYTES) return 'pdf_too_large';
  return PDF_MAGIC.every((byte, index) => bytes[index] === byte) ? null : 'pdf_not_pdf';
}

/** Base64 without a data-URL prefix, built in slices so a large file does not overflow the call stack. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const slice = 0x8000;
  for (let start = 0; start < bytes.length; start += slice) binary += String.fromCharCode(...bytes.subarray(start, start + slice));
  return btoa(binary);
}
