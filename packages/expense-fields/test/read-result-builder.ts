import type { ReadLine, ReadResult, ReadWord } from '@tollgate/document-reader';

const CHAR_WIDTH = 6;
const LINE_PITCH = 16;
const FONT_HEIGHT = 11;

export interface DrawnDocument {
  /** One string per page; each text line is a row, each character 6 points wide, so spaces place the words. */
  pages: string[];
  /** 'ocr' gives every word `ocrConfidence`; a text PDF's words are 1. */
  method?: 'pdf-text' | 'ocr';
  ocrConfidence?: number;
  /** Words read with a low confidence (OCR doubt). */
  doubtful?: string[];
  /** Cut rows at 3+ spaces into separate reader lines, as OCR does with blocks of a two-column layout. */
  splitColumns?: boolean;
}

/** A ReadResult as a document reader would give for a document drawn in plain text. */
export function readDrawing({ pages, method = 'pdf-text', ocrConfidence = 0.9, doubtful = [], splitColumns = false }: DrawnDocument): ReadResult {
  const confidence = (text: string): number => (doubtful.includes(text) ? 0.45 : method === 'ocr' ? ocrConfidence : 1);
  return {
    method,
    rotations: pages.map(() => 0),
    durationMs: 1,
    text: pages.join('\n'),
    pages: pages.map((page, index) => {
      const textLines = page.replace(/^\n/, '').split('\n');
      const lines: ReadLine[] = [];
      textLines.forEach((textLine, lineIndex) => {
        const y0 = 30 + lineIndex * LINE_PITCH;
        const chunks = splitColumns ? [...textLine.matchAll(/\S+(?: {1,2}\S+)*/g)] : [...textLine.matchAll(/\S.*\S|\S/g)];
        for (const chunk of chunks) {
          const words: ReadWord[] = [...chunk[0].matchAll(/\S+/g)].map((word) => {
            const x0 = 20 + (chunk.index + word.index) * CHAR_WIDTH;
            return { text: word[0], confidence: confidence(word[0]), box: { x0, y0, x1: x0 + word[0].length * CHAR_WIDTH, y1: y0 + FONT_HEIGHT } };
          });
          if (words.length === 0) continue;
          lines.push({
            text: words.map((word) => word.text).join(' '),
            confidence: words.reduce((sum, word) => sum + word.confidence, 0) / words.length,
            box: { x0: words[0]!.box.x0, y0, x1: words.at(-1)!.box.x1, y1: y0 + FONT_HEIGHT },
            words,
          });
        }
      });
      return { number: index + 1, width: 640, height: Math.max(842, 60 + textLines.length * LINE_PITCH), lines };
    }),
  };
}
