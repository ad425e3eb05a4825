import Tesseract from 'tesseract.js';
import type { ReaderLanguage, ReadWord } from './document-reader.types.js';
import { round } from './text-lines.js';

/** Options for tesseract.js: trained data from a local folder, no cache written, LSTM engine. */
export function ocrWorkerOptions({ langPath }: { langPath: string }): Partial<Tesseract.WorkerOptions> {
  // A plain folder (not a URL) makes tesseract.js read the files from disk; 'none' keeps it from
  // writing a copy of each language into the working directory.
  // errorHandler: without one tesseract.js also throws a failed job from its message handler, an
  // uncaught exception beside the rejected promise the reader already handles.
  return { langPath, cacheMethod: 'none', gzip: true, legacyCore: false, legacyLang: false, errorHandler: () => undefined };
}

export async function startOcrWorker({ languages, langPath }: { languages: readonly ReaderLanguage[]; langPath: string }): Promise<Tesseract.Worker> {
  const worker = await Tesseract.createWorker(languages.join('+'), Tesseract.OEM.LSTM_ONLY, ocrWorkerOptions({ langPath }));
  // PNGs from sharp carry no resolution; tesseract would guess one (and warn) on every page.
  await worker.setParameters({ user_defined_dpi: '300' });
  return worker;
}

export interface RecognisedPage {
  words: ReadWord[];
  /** Mean word confidence (0–100) weighted by length: how well this orientation reads. */
  score: number;
  /** Words with a letter or digit. */
  letterWords: number;
}

/** OCR of one prepared image; small skew is straightened by tesseract (boxes are in the straightened image). */
export async function recognise({ worker, png }: { worker: Tesseract.Worker; png: Buffer }): Promise<RecognisedPage> {
  const { data } = await worker.recognize(png, { rotateAuto: true }, { blocks: true, text: false });
  const words: ReadWord[] = [];
  for (const block of data.blocks ?? []) {
    for (const paragraph of block.paragraphs) {
      for (const line of paragraph.lines) {
        for (const word of line.words) {
          const text = word.text.trim();
          if (text === '') continue;
          words.push({ text, confidence: round(word.confidence / 100), box: { x0: word.bbox.x0, y0: word.bbox.y0, x1: word.bbox.x1, y1: word.bbox.y1 } });
        }
      }
    }
  }
  // Only words with a letter or digit count: an upside-down page reads as confident punctuation.
  const counted = words.filter((word) => /[\p{L}\p{N}]/u.test(word.text));
  const weight = counted.reduce((sum, word) => sum + word.text.length, 0);
  const score = weight === 0 ? 0 : counted.reduce((sum, word) => sum + word.confidence * 100 * word.text.length, 0) / weight;
  return { words, score, letterWords: counted.length };
}
