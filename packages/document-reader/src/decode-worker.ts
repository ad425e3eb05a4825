import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { DocumentReadError, type DocumentReadErrorCode } from './document-reader.errors.js';
import type { ReadWord } from './document-reader.types.js';

export type DecodeTask =
  { kind: 'pdf'; bytes: Uint8Array; maxPages: number; renderDpi: number; maxRenderPixels: number; minTextChars: number } | { kind: 'heic'; bytes: Uint8Array };

/** A PDF page: its text layer's words (PDF points, origin top-left), and a PNG of it when that layer is too thin to trust. */
export interface DecodedPdfPage {
  number: number;
  width: number;
  height: number;
  words: ReadWord[];
  image?: Uint8Array;
}

export type DecodeResult = { kind: 'pdf'; pages: DecodedPdfPage[] } | { kind: 'heic'; width: number; height: number; rgba: Uint8Array };

/** The parts of unpdf (pdf.js) and heic-decode the worker uses; the modules are loaded in the worker, so typed here by hand. */
interface PdfTextItem {
  str?: string;
  transform: number[];
  width: number;
  height: number;
}
interface PdfPage {
  getViewport(input: { scale: number }): { width: number; height: number; transform: number[] };
  getTextContent(): Promise<{ items: PdfTextItem[] }>;
  cleanup(): void;
}
interface PdfDocument {
  numPages: number;
  getPage(number: number): Promise<PdfPage>;
  loadingTask: { destroy(): Promise<void> };
}
interface UnpdfModule {
  getResolvedPDFJS(): Promise<{ Util: { transform(a: number[], b: number[]): number[] } }>;
  getDocumentProxy(bytes: Uint8Array, options: { verbosity: number }): Promise<PdfDocument>;
  renderPageAsImage(pdf: PdfDocument, page: number, options: { scale: number; canvasImport: () => Promise<unknown> }): Promise<ArrayBuffer>;
}
interface HeicDecodeModule {
  default: (input: { buffer: Uint8Array }) => Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
}

interface ModulePaths {
  unpdf: string;
  canvas: string;
  heic: string;
}

/**
 * Runs inside the decode worker: parsing a PDF, rendering its scanned pages and decoding HEIC are
 * CPU-bound and synchronous in parts, so they stay off the caller's event loop. The worker gets this
 * function as source text (it works the same from src under vitest and from dist), so it must not use
 * anything from this module's scope; modules come through `load`.
 */
export async function decodeInWorker(task: DecodeTask, paths: ModulePaths, load: (url: string) => Promise<unknown>): Promise<DecodeResult> {
  const fail = (code: string, message: string, details?: unknown) => Object.assign(new Error(message), { code, details });
  if (task.kind === 'heic') {
    const { default: decode } = (await load(paths.heic)) as HeicDecodeModule;
    let image: { width: number; height: number; data: Uint8ClampedArray };
    try {
      image = await decode({ buffer: task.bytes });
    } catch (error) {
      throw fail('unreadable_file', `The HEIC image could not be decoded: ${String((error as Error)?.message ?? error)}`);
    }
    return { kind: 'heic', width: image.width, height: image.height, rgba: new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength) };
  }
  const unpdf = (await load(paths.unpdf)) as UnpdfModule;
  const pdfjs = await unpdf.getResolvedPDFJS();
  let pdf: PdfDocument;
  try {
    pdf = await unpdf.getDocumentProxy(task.bytes, { verbosity: 0 });
  } catch (error) {
    const name = String((error as Error)?.name ?? '');
    throw fail(
      'unreadable_file',
      name === 'PasswordException' ? 'The PDF is encrypted.' : `The PDF could not be read: ${String((error as Error)?.message ?? error)}`,
    );
  }
  try {
    if (pdf.numPages > task.maxPages) {
      throw fail('too_many_pages', `The PDF has ${pdf.numPages} pages; at most ${task.maxPages} are read.`, { pages: pdf.numPages, maxPages: task.maxPages });
    }
    const pages: DecodedPdfPage[] = [];
    for (let number = 1; number <= pdf.numPages; number += 1) {
      const page = await pdf.getPage(number);
      const viewport = page.getViewport({ scale: 1 });
      const content = await page.getTextContent();
      const words: ReadWord[] = [];
      for (const item of content.items) {
        if (typeof item.str !== 'string' || item.str.trim() === '') continue;
        // Into the page's top-left coordinates; (e, f) is where the run's baseline starts.
        const [, , c, d, e, f] = pdfjs.Util.transform(viewport.transform, item.transform);
        const fontHeight = Math.hypot(c!, d!) || item.height || 1;
        const charWidth = item.width / item.str.length;
        // A run holds several words: each gets its share of the run's width by characters.
        for (const match of item.str.matchAll(/\S+/g)) {
          const x0 = e! + match.index * charWidth;
          words.push({
            text: match[0],
            confidence: 1,
            box: { x0, y0: f! - fontHeight, x1: x0 + match[0].length * charWidth, y1: f! + fontHeight * 0.2 },
          });
        }
      }
      const characters = words.reduce((sum, word) => sum + word.text.length, 0);
      const decoded: DecodedPdfPage = { number, width: viewport.width, height: viewport.height, words };
      if (characters < task.minTextChars) {
        const scale = Math.min(task.renderDpi / 72, Math.sqrt(task.maxRenderPixels / (viewport.width * viewport.height)));
        const png = await unpdf.renderPageAsImage(pdf, number, { scale, canvasImport: () => load(paths.canvas) });
        decoded.image = new Uint8Array(png);
      }
      pages.push(decoded);
      page.cleanup();
    }
    return { kind: 'pdf', pages };
  } finally {
    // This pdf.js build has no PDFDocumentProxy.destroy: the loading task ends the document.
    await pdf.loadingTask.destroy();
  }
}

const require = createRequire(import.meta.url);

function workerSource(): string {
  return `
const { parentPort, workerData } = require('node:worker_threads');
const decodeInWorker = ${decodeInWorker.toString()};
const load = (url) => import(url);
parentPort.on('message', async (task) => {
  try {
    const result = await decodeInWorker(task, workerData, load);
    const transfer = result.kind === 'heic' ? [result.rgba.buffer] : result.pages.flatMap((page) => (page.image ? [page.image.buffer] : []));
    parentPort.postMessage({ ok: true, result }, transfer);
  } catch (error) {
    parentPort.postMessage({ ok: false, code: (error && error.code) || 'unreadable_file', message: String((error && error.message) || error), details: error && error.details });
  }
});
`;
}

type WorkerReply = { ok: true; result: DecodeResult } | { ok: false; code: DocumentReadErrorCode; message: string; details?: unknown };

/** One worker thread that decodes one file at a time; WorkerSlots pools them. */
export class DecodeWorker {
  private readonly worker: Worker;
  /** False once the thread ended: the pool starts another. */
  alive = true;
  private pending: { resolve: (result: DecodeResult) => void; reject: (error: Error) => void } | undefined;

  constructor() {
    const paths: ModulePaths = {
      unpdf: pathToFileURL(require.resolve('unpdf')).href,
      canvas: pathToFileURL(require.resolve('@napi-rs/canvas')).href,
      heic: pathToFileURL(require.resolve('heic-decode')).href,
    };
    this.worker = new Worker(workerSource(), { eval: true, workerData: paths });
    this.worker.on('message', (reply: WorkerReply) => {
      const pending = this.pending;
      this.pending = undefined;
      if (!pending) return;
      if (reply.ok) pending.resolve(reply.result);
      else pending.reject(new DocumentReadError({ code: reply.code, message: reply.message, details: reply.details }));
    });
    const crash = (error: Error) => {
      this.alive = false;
      this.pending?.reject(new DocumentReadError({ code: 'unreadable_file', message: `The decode worker failed: ${error.message}`, cause: error }));
      this.pending = undefined;
    };
    this.worker.on('error', crash);
    this.worker.on('exit', (code) => crash(new Error(`exited with code ${code}`)));
  }

  decode(task: DecodeTask): Promise<DecodeResult> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      // The bytes are copied, not transferred: the caller's Buffer may be a slice of a shared pool.
      this.worker.postMessage(task);
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}
