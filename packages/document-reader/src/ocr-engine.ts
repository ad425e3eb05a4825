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

/** Skew below this is left alone; above the maximum the page is not text lines tilted, but something else. */
const MIN_SKEW = (0.5 * Math.PI) / 180;
const MAX_SKEW = (15 * Math.PI) / 180;

/**
 * OCR of one prepared image, straightening small skew: the lines' baselines of a first pass give the
 * angle, and a skewed page is read again turned back by it (boxes are then in the straightened image).
 * tesseract.js's own `rotateAuto` was not used: on the fixtures it straightened 5° but left 10° as it
 * was and turned −10° the wrong way (to −20°).
 */
export async function recognise({ worker, png }: { worker: Tesseract.Worker; png: Buffer }): Promise<RecognisedPage> {
  const first = (await worker.recognize(png, {}, { blocks: true, text: false })).data;
  const read = pageWords(first);
  const skew = baselineSkew(first);
  if (Math.abs(skew) < MIN_SKEW || Math.abs(skew) > MAX_SKEW) return read;
  const straightened = pageWords((await worker.recognize(png, { rotateRadians: -skew }, { blocks: true, text: false })).data);
  return straightened.score >= read.score ? straightened : read;
}

/** The median angle (radians, clockwise positive) of the baselines of lines at least a fifth of the page wide. */
function baselineSkew(page: Tesseract.Page): number {
  const lines = (page.blocks ?? []).flatMap((block) => block.paragraphs.flatMap((paragraph) => paragraph.lines));
  const widest = Math.max(0, ...lines.map((line) => line.bbox.x1 - line.bbox.x0));
  const angles = lines
    .filter((line) => line.baseline.x1 - line.baseline.x0 >= widest / 5 && line.words.length >= 2)
    .map((line) => Math.atan2(line.baseline.y1 - line.baseline.y0, line.baseline.x1 - line.baseline.x0))
    .sort((a, b) => a - b);
  return angles.length < 2 ? 0 : angles[Math.floor(angles.length / 2)]!;
}

function pageWords(page: Tesseract.Page): RecognisedPage {
  const words: ReadWord[] = [];
  for (const block of page.blocks ?? []) {
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
