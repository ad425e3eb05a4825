/** A box on a page: PDF points for a text layer, pixels of the (straightened) image for OCR; origin top-left. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface ReadWord {
  text: string;
  /** 0–1. A text layer's words are 1; OCR's come from the engine and are no calibrated probability. */
  confidence: number;
  box: Box;
}

/** A line of text as a person reads it, left to right, with its words. */
export interface ReadLine {
  text: string;
  /** 0–1: the mean of its words' confidences. */
  confidence: number;
  box: Box;
  words: ReadWord[];
}

export interface ReadPage {
  /** 1-based. */
  number: number;
  width: number;
  height: number;
  lines: ReadLine[];
}

/** OCR language data bundled from the npm registry (`@tesseract.js-data/<lang>`). */
export type ReaderLanguage = 'eng' | 'fra' | 'nld' | 'deu';

export const READABLE_TYPES = ['application/pdf', 'image/jpeg', 'image/png', 'image/heic'] as const;
export type ReadableType = (typeof READABLE_TYPES)[number];

export interface ReadResult {
  /** 'pdf-text': the PDF's own text layer; 'ocr': recognised from pixels (an image or a scanned PDF). */
  method: 'pdf-text' | 'ocr';
  pages: ReadPage[];
  /** Every line's text, pages in order, one line per '\n'. */
  text: string;
  /** OCR only: the degrees the page was turned to read it (0, 90, 180, 270), per page. */
  rotations: number[];
  durationMs: number;
}

export interface DocumentReaderOptions {
  /** OCR workers (threads), each with every language loaded. Default 1; a 2-core host gains little from more. */
  workers?: number;
  /** Languages loaded for OCR. Default all four. */
  languages?: readonly ReaderLanguage[];
  /** Pages read at most; a longer document is refused (`too_many_pages`). Default 5. */
  maxPages?: number;
  /** A read that takes longer is abandoned (`read_timeout`) and its worker replaced. Default 60 000 ms. */
  timeoutMs?: number;
}

/**
 * Reads files into text. OCR runs in worker threads and PDF parsing off the event loop, so a read
 * never blocks the caller's event loop; reads beyond the pool's size wait their turn.
 */
export interface DocumentReader {
  read(input: { bytes: Buffer; contentType: ReadableType }): Promise<ReadResult>;
  /** Ends the workers; reads after it are refused. */
  close(): Promise<void>;
}

/** What `createDocumentReader` returns: a reader whose pools can be watched (a host's health output, tests of the queue). */
export interface PooledDocumentReader extends DocumentReader {
  stats(): DocumentReaderStats;
}

export interface DocumentReaderStats {
  /** OCR workers started so far, replacements after a timeout included (0 until the first OCR). */
  ocrWorkersStarted: number;
  /** OCR workers recognising now. */
  ocrBusy: number;
  /** OCR jobs waiting for a worker. */
  ocrQueued: number;
  /** PDF/HEIC decode threads started so far. */
  decodeWorkersStarted: number;
}
