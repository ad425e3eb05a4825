import type { Box, ReadResult } from '@tollgate/document-reader';

/** A word placed in its row's text: `start`/`end` are offsets into `Row.text`. */
export interface PlacedWord {
  text: string;
  confidence: number;
  box: Box;
  start: number;
  end: number;
}

/**
 * The words of one visual row of a page, whichever reader lines they came from (OCR splits a
 * two-column header into blocks; a text layer may merge them). Words are joined by one space,
 * and by two where a wide gap separates columns, so a number never runs across columns.
 */
export interface Row {
  page: number;
  /** Order of the row in the document (pages in order, top to bottom). */
  index: number;
  text: string;
  words: PlacedWord[];
  box: Box;
  pageWidth: number;
  pageHeight: number;
}

/** A stretch of a row between wide gaps: one column's cell. */
export interface Segment {
  row: Row;
  start: number;
  end: number;
  text: string;
  box: Box;
}

export interface Layout {
  rows: Row[];
  /** Median word height: the unit for "near" and "below". */
  lineHeight: number;
}

interface LooseWord {
  page: number;
  text: string;
  confidence: number;
  box: Box;
}

export function layoutOf(read: ReadResult): Layout {
  const words: LooseWord[] = [];
  for (const page of read.pages) {
    for (const line of page.lines) {
      const lineWords = line.words.length > 0 ? line.words : [{ text: line.text, confidence: line.confidence, box: line.box }];
      for (const word of lineWords) {
        const text = word.text.trim();
        if (text) words.push({ page: page.number, text, confidence: clamp01(word.confidence), box: word.box });
      }
    }
  }
  const heights = words.map((word) => word.box.y1 - word.box.y0).filter((height) => height > 0);
  const lineHeight = median(heights) || 10;
  const rows: Row[] = [];
  for (const page of read.pages) {
    const pageWords = words.filter((word) => word.page === page.number);
    for (const group of groupRows(pageWords)) rows.push(rowOf(group, page.number, rows.length, page.width, page.height));
  }
  return { rows, lineHeight };
}

function clamp01(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(1, Math.max(0, value > 1 ? value / 100 : value));
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const centre = (box: Box): number => (box.y0 + box.y1) / 2;

/** Words whose vertical centres lie close to the row's centre share a row. */
function groupRows(words: LooseWord[]): LooseWord[][] {
  const sorted = [...words].sort((a, b) => centre(a.box) - centre(b.box) || a.box.x0 - b.box.x0);
  const groups: { centre: number; height: number; words: LooseWord[] }[] = [];
  for (const word of sorted) {
    const height = Math.max(1, word.box.y1 - word.box.y0);
    const last = groups.at(-1);
    // 0.65 of a height: a slightly skewed scan keeps a row together, the next row (pitch ≥ 1.3 heights) stays apart.
    if (last && Math.abs(centre(word.box) - last.centre) <= Math.min(height, last.height) * 0.65) {
      last.words.push(word);
      continue;
    }
    groups.push({ centre: centre(word.box), height, words: [word] });
  }
  return groups.map((group) => group.words.sort((a, b) => a.box.x0 - b.box.x0));
}

function rowOf(words: LooseWord[], page: number, index: number, pageWidth: number, pageHeight: number): Row {
  let text = '';
  const placed: PlacedWord[] = [];
  words.forEach((word, i) => {
    if (i > 0) {
      const previous = words[i - 1]!;
      const charWidth = (previous.box.x1 - previous.box.x0) / Math.max(1, previous.text.length);
      const gap = word.box.x0 - previous.box.x1;
      text += gap > Math.max(charWidth * 1.6, (previous.box.y1 - previous.box.y0) * 0.9) ? '  ' : ' ';
    }
    placed.push({ text: word.text, confidence: word.confidence, box: word.box, start: text.length, end: text.length + word.text.length });
    text += word.text;
  });
  return { page, index, text, words: placed, box: unionBox(placed.map((word) => word.box))!, pageWidth, pageHeight };
}

export function unionBox(boxes: Box[]): Box | null {
  if (boxes.length === 0) return null;
  return {
    x0: Math.min(...boxes.map((box) => box.x0)),
    y0: Math.min(...boxes.map((box) => box.y0)),
    x1: Math.max(...boxes.map((box) => box.x1)),
    y1: Math.max(...boxes.map((box) => box.y1)),
  };
}

/** The words of a row that the text range [start, end) touches. */
export function wordsIn(row: Row, start: number, end: number): PlacedWord[] {
  return row.words.filter((word) => word.start < end && word.end > start);
}

/** Mean OCR confidence of the words a text range touches (1 for a text layer). */
export function confidenceOf(row: Row, start: number, end: number): number {
  const words = wordsIn(row, start, end);
  if (words.length === 0) return 0;
  return words.reduce((sum, word) => sum + word.confidence, 0) / words.length;
}

export function boxOf(row: Row, start: number, end: number): Box {
  return unionBox(wordsIn(row, start, end).map((word) => word.box)) ?? row.box;
}

/** A row cut at its wide gaps. */
export function segmentsOf(row: Row): Segment[] {
  const segments: Segment[] = [];
  for (const match of row.text.matchAll(/\S+(?: \S+)*/g)) {
    const start = match.index;
    const end = start + match[0].length;
    segments.push({ row, start, end, text: match[0], box: boxOf(row, start, end) });
  }
  return segments;
}

/** True when two horizontal ranges overlap (with a little slack). */
export function overlapsHorizontally(a: Box, b: Box, slack = 0): boolean {
  return a.x0 - slack < b.x1 && b.x0 - slack < a.x1;
}
