import type { Box, ReadLine, ReadWord } from './document-reader.types.js';

/**
 * Groups positioned words into lines as a person reads them: top to bottom, each line left to right.
 * A word joins a line when their vertical centres are closer than half the smaller height, so a
 * label and its amount at the far right of a receipt end up on one line.
 */
export function groupWordsIntoLines({ words }: { words: readonly ReadWord[] }): ReadLine[] {
  const sorted = words.filter((word) => word.text.trim() !== '').sort((a, b) => centre(a.box) - centre(b.box) || a.box.x0 - b.box.x0);
  const rows: { centre: number; height: number; words: ReadWord[] }[] = [];
  for (const word of sorted) {
    const height = word.box.y1 - word.box.y0;
    const row = rows.at(-1);
    if (row && Math.abs(centre(word.box) - row.centre) < Math.min(height, row.height) / 2) {
      row.words.push(word);
      // A running mean keeps a long line from drifting on one tall or low word.
      row.centre += (centre(word.box) - row.centre) / row.words.length;
      row.height = Math.max(row.height, height);
    } else {
      rows.push({ centre: centre(word.box), height, words: [word] });
    }
  }
  return rows.map((row) => {
    const lineWords = row.words.sort((a, b) => a.box.x0 - b.box.x0);
    return {
      text: lineWords.map((word) => word.text).join(' '),
      confidence: round(lineWords.reduce((sum, word) => sum + word.confidence, 0) / lineWords.length),
      box: enclosingBox(lineWords.map((word) => word.box)),
      words: lineWords,
    };
  });
}

function centre(box: Box): number {
  return (box.y0 + box.y1) / 2;
}

function enclosingBox(boxes: readonly Box[]): Box {
  return {
    x0: Math.min(...boxes.map((box) => box.x0)),
    y0: Math.min(...boxes.map((box) => box.y0)),
    x1: Math.max(...boxes.map((box) => box.x1)),
    y1: Math.max(...boxes.map((box) => box.y1)),
  };
}

export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
