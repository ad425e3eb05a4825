import sharp, { type Sharp } from 'sharp';
import type Tesseract from 'tesseract.js';
import { DecodeWorker, type DecodeResult, type DecodeTask } from './decode-worker.js';
import { DocumentReadError } from './document-reader.errors.js';
import type {
  PooledDocumentReader,
  DocumentReaderOptions,
  DocumentReaderStats,
  ReadableType,
  ReaderLanguage,
  ReadPage,
  ReadResult,
} from './document-reader.types.js';
import { recognise, startOcrWorker, type RecognisedPage } from './ocr-engine.js';
import { prepareForOcr, turn, type OcrImage } from './page-image.js';
import { createLanguageFolder } from './tessdata.js';
import { groupWordsIntoLines } from './text-lines.js';
import { ReadDeadline, WorkerSlots } from './worker-slots.js';

const ALL_LANGUAGES: readonly ReaderLanguage[] = ['eng', 'fra', 'nld', 'deu'];
/** A PDF page with fewer characters in its text layer is a scan (or a stamp on one): it is rendered and OCRed. */
const MIN_TEXT_CHARS = 20;
/**
 * 200 dpi, not 300: on the scanned-PDF fixture both read every word, and 300 dpi took 10.1 s of OCR
 * against 2.7 s (README, "Figures"); 10 pt print still has ~28 px capitals.
 */
const RENDER_DPI = 200;
/** ~A4 at 300 dpi: a larger page is rendered at a lower resolution. */
const MAX_RENDER_PIXELS = 2480 * 3508;
/** An orientation read at this confidence (0–100) is taken without trying the other three. */
const UPRIGHT_SCORE = 70;
/** Upside down first: a scanner's usual mistake; sideways pages are mostly phone photos that EXIF already turned. */
const TURNS = [0, 180, 90, 270] as const;

export function createDocumentReader(options: DocumentReaderOptions = {}): PooledDocumentReader {
  return new WorkerPoolDocumentReader(options);
}

class WorkerPoolDocumentReader implements PooledDocumentReader {
  private readonly languages: readonly ReaderLanguage[];
  private readonly maxPages: number;
  private readonly timeoutMs: number;
  private readonly ocr: WorkerSlots<Tesseract.Worker>;
  private readonly decoders: WorkerSlots<DecodeWorker>;
  private languageFolder: { path: string; remove: () => void } | undefined;
  private closed = false;

  constructor(options: DocumentReaderOptions) {
    const workers = Math.max(1, Math.floor(options.workers ?? 1));
    this.languages = options.languages?.length ? [...new Set(options.languages)] : ALL_LANGUAGES;
    this.maxPages = options.maxPages ?? 5;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    // Both pools start their threads on first use: a host that never reads a file pays nothing.
    this.ocr = new WorkerSlots({
      size: workers,
      create: () => {
        this.languageFolder ??= createLanguageFolder({ languages: this.languages });
        return startOcrWorker({ languages: this.languages, langPath: this.languageFolder.path });
      },
      destroy: async (worker) => {
        await worker.terminate();
      },
    });
    this.decoders = new WorkerSlots({
      size: workers,
      create: async () => new DecodeWorker(),
      destroy: (worker) => worker.terminate(),
      alive: (worker) => worker.alive,
    });
  }

  async read({ bytes, contentType }: { bytes: Buffer; contentType: ReadableType }): Promise<ReadResult> {
    if (this.closed) throw closedError();
    const started = performance.now();
    const deadline = new ReadDeadline(this.timeoutMs);
    let pages: { page: ReadPage; rotation: number; ocr: boolean }[];
    if (contentType === 'application/pdf') {
      const decoded = await this.decode({
        deadline,
        task: { kind: 'pdf', bytes, maxPages: this.maxPages, renderDpi: RENDER_DPI, maxRenderPixels: MAX_RENDER_PIXELS, minTextChars: MIN_TEXT_CHARS },
      });
      if (decoded.kind !== 'pdf') throw new Error('unexpected decode result');
      pages = [];
      for (const page of decoded.pages) {
        if (page.image) pages.push(await this.ocrPage({ number: page.number, image: sharp(page.image), deadline }));
        else
          pages.push({
            page: { number: page.number, width: page.width, height: page.height, lines: groupWordsIntoLines({ words: page.words }) },
            rotation: 0,
            ocr: false,
          });
      }
    } else if (contentType === 'image/heic') {
      const decoded = await this.decode({ deadline, task: { kind: 'heic', bytes } });
      if (decoded.kind !== 'heic') throw new Error('unexpected decode result');
      pages = [await this.ocrPage({ number: 1, image: sharp(decoded.rgba, { raw: { width: decoded.width, height: decoded.height, channels: 4 } }), deadline })];
    } else if (contentType === 'image/jpeg' || contentType === 'image/png') {
      pages = [await this.ocrPage({ number: 1, image: sharp(bytes, { failOn: 'error' }), deadline })];
    } else {
      throw new DocumentReadError({ code: 'unreadable_file', message: `Cannot read ${String(contentType)}.`, details: { contentType } });
    }
    const ocr = pages.some((page) => page.ocr);
    return {
      method: ocr ? 'ocr' : 'pdf-text',
      pages: pages.map((page) => page.page),
      text: pages.flatMap((page) => page.page.lines.map((line) => line.text)).join('\n'),
      rotations: ocr ? pages.map((page) => page.rotation) : [],
      durationMs: Math.round(performance.now() - started),
    };
  }

  stats(): DocumentReaderStats {
    const ocr = this.ocr.stats();
    return { ocrWorkersStarted: ocr.started, ocrBusy: ocr.busy, ocrQueued: ocr.queued, decodeWorkersStarted: this.decoders.stats().started };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.ocr.close(closedError()), this.decoders.close(closedError())]);
    this.languageFolder?.remove();
  }

  private decode({ deadline, task }: { deadline: ReadDeadline; task: DecodeTask }): Promise<DecodeResult> {
    return this.decoders.use({ deadline, task: (worker) => worker.decode(task) });
  }

  /** OCRs one image, turning it by 90° steps until it reads well, and keeps the best-read orientation. */
  private async ocrPage({
    number,
    image,
    deadline,
  }: {
    number: number;
    image: Sharp;
    deadline: ReadDeadline;
  }): Promise<{ page: ReadPage; rotation: number; ocr: true }> {
    let prepared: OcrImage;
    try {
      prepared = await prepareForOcr({ image });
    } catch (error) {
      throw new DocumentReadError({ code: 'unreadable_file', message: `The image could not be decoded: ${(error as Error).message}`, cause: error });
    }
    let best: { result: RecognisedPage; image: OcrImage; rotation: number } | undefined;
    for (const rotation of TURNS) {
      const turned = await turn({ image: prepared, degrees: rotation });
      const result = await this.ocr.use({ deadline, task: (worker) => recognise({ worker, png: turned.png }) });
      if (!best || result.score > best.result.score) best = { result, image: turned, rotation };
      // Reads well, or holds hardly any words (a photo without text): nothing to gain from turning it.
      if (result.score >= UPRIGHT_SCORE || result.letterWords < 3) break;
    }
    const { result, image: read, rotation } = best!;
    return { page: { number, width: read.width, height: read.height, lines: groupWordsIntoLines({ words: result.words }) }, rotation, ocr: true };
  }
}

function closedError(): DocumentReadError {
  return new DocumentReadError({ code: 'reader_closed', message: 'The document reader is closed.' });
}
