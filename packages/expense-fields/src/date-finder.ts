import { findDates } from './date-text.js';
import { boxOf, confidenceOf, type Layout } from './document-layout.js';
import type { ExtractedField } from './expense-fields.types.js';
import { DATE_LABEL_RE, OTHER_DATE_LABEL_RE, fold } from './field-labels.js';
import { headerAbove } from './value-context.js';

const INVOICE_DATE_RE =
  /factuurdatum|datum factuur|date de (?:la )?facture|date facture|date d'emission|rechnungsdatum|belegdatum|invoice date|date of issue|issue date|date issued/;

/**
 * The invoice or receipt date: a date labelled as such ("Factuurdatum", "Date de facture",
 * "Rechnungsdatum", "Datum") beside or above it; else the first date that no other label
 * (due, delivery, period) claims.
 */
export function findDate({ layout }: { layout: Layout }): ExtractedField<string> | null {
  let best: { field: ExtractedField<string>; score: number } | null = null;
  const distinct = new Set<string>();
  for (const row of layout.rows) {
    let previousEnd = 0;
    for (const date of findDates({ text: row.text })) {
      const leftCell =
        row.text
          .slice(previousEnd, date.start)
          .split(/\s{2,}/)
          .filter((cell) => cell.trim())
          .at(-1) ?? '';
      previousEnd = date.end;
      const left = /\p{L}{2}/u.test(leftCell) ? fold(leftCell) : null;
      const above = left ? null : headerAbove({ layout, row, start: date.start, end: date.end });
      const label = left ?? (above ? fold(above) : '');
      let score: number;
      if (OTHER_DATE_LABEL_RE.test(label) && !INVOICE_DATE_RE.test(label)) score = 0.15;
      else if (INVOICE_DATE_RE.test(label)) score = 1;
      else if (DATE_LABEL_RE.test(label)) score = 0.92;
      else score = 0.6;
      if (!left && above) score *= 0.95;
      // Earlier dates first: the invoice date heads a document, due dates come later.
      score -= row.index * 0.0005;
      distinct.add(date.iso);
      const ocr = confidenceOf(row, date.start, date.end);
      if (!best || score > best.score) {
        best = {
          score,
          field: {
            value: date.iso,
            confidence: Math.max(0, Math.min(1, score)) * ocr,
            source: { page: row.page, box: boxOf(row, date.start, date.end), text: row.text.slice(date.start, date.end) },
          },
        };
      }
    }
  }
  if (!best) return null;
  // A receipt prints one date (beside the time): unlabelled, but no other date competes with it.
  if (best.score < 0.6 && best.score > 0.5 && distinct.size === 1) {
    return { ...best.field, confidence: best.field.confidence * 1.45 };
  }
  return best.field;
}
