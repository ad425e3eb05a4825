import { boxOf, overlapsHorizontally, segmentsOf, type Layout, type Row } from './document-layout.js';
import { fold } from './field-labels.js';

/** The label a value was read with, and where it stood. */
export interface ValueLabel {
  /** Folded label text. */
  text: string;
  /** 'left': on the value's row before it; 'above': the column header above it. */
  place: 'left' | 'above';
}

/**
 * The words that label a value: the text before it on its row (back to the previous value),
 * else the header of its column in the rows just above.
 */
export function labelOf({
  layout,
  row,
  start,
  end,
  previousEnd,
}: {
  layout: Layout;
  row: Row;
  start: number;
  end: number;
  previousEnd: number;
}): ValueLabel | null {
  const left = row.text.slice(previousEnd, start);
  if (/\p{L}{2}/u.test(left)) return { text: fold(left), place: 'left' };
  const header = headerAbove({ layout, row, start, end });
  return header ? { text: fold(header), place: 'above' } : null;
}

/** The text of the segment in the nearest rows above that stands over [start, end) of a row. */
export function headerAbove({ layout, row, start, end }: { layout: Layout; row: Row; start: number; end: number }): string | null {
  const box = boxOf(row, start, end);
  // Up through the column's other values (a table's earlier rows) to the first cell with words.
  for (let index = row.index - 1; index >= 0 && index >= row.index - 6; index--) {
    const above = layout.rows[index]!;
    if (above.page !== row.page || row.box.y0 - above.box.y1 > layout.lineHeight * 6) return null;
    const over = segmentsOf(above).filter((segment) => overlapsHorizontally(segment.box, box, layout.lineHeight * 0.5));
    if (over.length > 0) {
      let text = over.map((segment) => segment.text).join(' ');
      // OCR often joins a table's header cells with single spaces: keep the words over the value.
      const width = box.x1 - box.x0;
      if (over.length === 1 && over[0]!.box.x1 - over[0]!.box.x0 > width * 3) {
        const words = above.words.filter(
          (word) => word.start >= over[0]!.start && word.end <= over[0]!.end && overlapsHorizontally(word.box, box, layout.lineHeight),
        );
        if (words.length > 0) text = above.text.slice(words[0]!.start, words.at(-1)!.end);
      }
      if (/\p{L}{2}/u.test(text)) return text;
    }
  }
  return null;
}
