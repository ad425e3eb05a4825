import { findDates } from './date-text.js';
import type { Box } from '@tollgate/document-reader';
import { boxOf, confidenceOf, overlapsHorizontally, segmentsOf, type Layout, type Row, type Segment } from './document-layout.js';
import type { ExtractedField } from './expense-fields.types.js';
import { INVOICE_NUMBER_LABELS, fold } from './field-labels.js';
import { digitFor } from './ocr-noise.js';

const FILLER = /^[\s:#.°]*(?:(?:n°|nº|n|nr\.?|no\.?|nummer|number|numero|num\.?|#)(?![\p{L}\d])\s*[:.]?\s*)?/iu;
const TOKEN = /^[A-Za-z0-9][A-Za-z0-9\-/._]*[A-Za-z0-9]|^\d/;

/** An invoice number's text, with look-alike letters between digits read as digits ("2O26-0042"). */
function cleanNumber(token: string): string {
  return token.replace(/(?<=\d)[OoIlSB](?=\d)/g, (char) => digitFor(char) ?? char);
}

/** A token that can be an invoice number: it has a digit, and it is no date. */
function asNumber(text: string): string | null {
  const match = TOKEN.exec(text);
  if (!match) return null;
  const token = match[0];
  if (!/\d/.test(token) || token.length > 30) return null;
  // "Date de facture 29 décembre 2025": a date, not the number.
  if (findDates({ text: text.slice(0, 40) }).some((date) => date.start === 0)) return null;
  return cleanNumber(token);
}

/** The invoice or receipt number: the token after (or under) its label. */
export function findInvoiceNumber({ layout }: { layout: Layout }): ExtractedField<string> | null {
  let best: { field: ExtractedField<string>; score: number } | null = null;
  const consider = (row: Row, start: number, value: string, score: number): void => {
    const end = start + value.length;
    const ocr = confidenceOf(row, start, end);
    const total = score * ocr;
    if (best && best.score >= total) return;
    best = {
      score: total,
      field: { value, confidence: total, source: { page: row.page, box: boxOf(row, start, end), text: row.text.slice(start, end) } },
    };
  };
  for (const row of layout.rows) {
    const folded = fold(row.text);
    for (const { re, strength } of INVOICE_NUMBER_LABELS) {
      for (const label of folded.matchAll(new RegExp(re.source, 'g'))) {
        const cellStart = folded.lastIndexOf('  ', label.index) + 1;
        // A weak label ("Nr.") counts only at the start of its cell.
        if (strength < 0.6 && folded.slice(cellStart, label.index).trim() !== '') continue;
        const after = row.text.slice(label.index + label[0].length);
        const filler = FILLER.exec(after)![0];
        const rest = after.slice(filler.length);
        // Beside the label, or in the next cell of its row ("FACTURE N°      F2025-1118").
        const sameRow = asNumber(rest);
        if (sameRow) {
          consider(row, label.index + label[0].length + filler.length, sameRow, filler.includes('  ') ? strength * 0.95 : strength);
          continue;
        }
        if (rest.trim() !== '') continue;
        const labelBox = boxOf(row, label.index, label.index + label[0].length);
        // OCR may put the value beside the label into the neighbouring row: the next cell on its level.
        const beside = nextCellOnLevel({ layout, row, labelBox });
        const besideValue = beside ? asNumber(beside.text.replace(FILLER, '')) : null;
        if (beside && besideValue) {
          consider(beside.row, beside.start + beside.text.indexOf(besideValue[0]!), besideValue, strength * 0.9);
          continue;
        }
        // A column header: the number stands under its label.
        const below = layout.rows[row.index + 1];
        if (!below || below.page !== row.page || below.box.y0 - row.box.y1 > layout.lineHeight * 2) continue;
        const cell = segmentsOf(below).find((segment) => overlapsHorizontally(segment.box, labelBox, layout.lineHeight));
        const value = cell ? asNumber(cell.text.replace(FILLER, '')) : null;
        if (cell && value) consider(below, cell.start + cell.text.indexOf(value[0]!), value, strength * 0.9);
      }
    }
  }
  return (best as { field: ExtractedField<string> } | null)?.field ?? null;
}

/** The first cell right of a label in the rows next to its own whose centre is level with the label's. */
function nextCellOnLevel({ layout, row, labelBox }: { layout: Layout; row: Row; labelBox: Box }): Segment | null {
  const level = (labelBox.y0 + labelBox.y1) / 2;
  const cells = [layout.rows[row.index - 1], layout.rows[row.index + 1]]
    .filter((other): other is Row => other !== undefined && other.page === row.page)
    .flatMap((other) => segmentsOf(other))
    .filter((cell) => cell.box.x0 > labelBox.x1 && cell.box.x0 - labelBox.x1 < row.pageWidth * 0.4)
    .filter((cell) => cell.box.y0 <= level + layout.lineHeight * 0.5 && cell.box.y1 >= level - layout.lineHeight * 0.5)
    .sort((a, b) => a.box.x0 - b.box.x0);
  return cells[0] ?? null;
}
