// Scoring of `pnpm bench:scan`: the fields a scan filled against the corpus's truth, per field and per
// kind of document. Pure (no files, no reader), so the rules are unit-tested in scan-scoring.test.ts.
// The comparison is the one of packages/expense-fields/test/measure-corpus.ts, plus the plugin's rule
// that a field under the confidence threshold is only a suggestion, so it counts as not filled.
import { EXPENSE_FIELD_NAMES, type ExpenseFieldName, type ExpenseFields, type VatBreakdown } from '@tollgate/expense-fields';

/** The plugin shows a field below this as a suggestion (expense-fields' README). */
export const SCAN_THRESHOLD = 0.7;

export const DOCUMENT_KINDS = ['text-pdf', 'clean-image', 'degraded-image', 'scanned-pdf'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** Issue 16's accuracy targets; scanned PDFs have none of their own (null). */
export const KIND_TARGETS: Readonly<Record<DocumentKind, number | null>> = {
  'text-pdf': 0.98,
  'clean-image': 0.85,
  'degraded-image': 0.7,
  'scanned-pdf': null,
};

/** One document of truth.json (the fields the scoring needs). */
export interface TruthDocument {
  file: string;
  kind: DocumentKind;
  contentType: string;
  fields: Record<ExpenseFieldName, unknown>;
}

export class UnknownDocumentKindError extends Error {
  readonly code = 'unknown_document_kind';
  constructor(
    readonly file: string,
    readonly kind: string,
  ) {
    super(`${file}: unknown kind of document "${kind}" (known: ${DOCUMENT_KINDS.join(', ')})`);
  }
}

/** Checks the kinds of truth.json's documents, so a new kind is never scored silently under no target. */
export function parseTruth(input: { json: unknown }): TruthDocument[] {
  const documents = (input.json as { documents?: TruthDocument[] }).documents;
  if (!Array.isArray(documents)) throw new Error('truth.json has no documents');
  for (const document of documents) {
    if (!(DOCUMENT_KINDS as readonly string[]).includes(document.kind)) throw new UnknownDocumentKindError(document.file, document.kind);
  }
  return documents;
}

/** A value as compared: VAT lines sorted by rate, supplier names case- and space-insensitive, null as 'null'. */
export function normaliseField(input: { name: ExpenseFieldName; value: unknown }): string {
  const { name, value } = input;
  if (value === null || value === undefined) return 'null';
  if (name === 'vatAmounts') {
    const rates = [...(value as VatBreakdown[])].sort((a, b) => Number(a.rate) - Number(b.rate));
    return rates.map((line) => `${line.rate}:${line.base ?? '-'}:${line.amount}`).join(' ');
  }
  if (name === 'supplierName') return String(value).replace(/\s+/g, ' ').trim().toLowerCase();
  return String(value);
}

export interface FieldScore {
  name: ExpenseFieldName;
  expected: string;
  /** What the scan filled: 'null' when nothing was found or its confidence is under the threshold. */
  filled: string;
  /** What was found, threshold or not ('null' when nothing). */
  found: string;
  confidence: number | null;
  right: boolean;
  /** The truth has a value (not null): the field is on the document. */
  present: boolean;
}

/** Scores one document's fields; `fields` null when the read failed (nothing filled). */
export function scoreDocument(input: { truth: TruthDocument; fields: ExpenseFields | null; threshold?: number }): FieldScore[] {
  const threshold = input.threshold ?? SCAN_THRESHOLD;
  return EXPENSE_FIELD_NAMES.map((name) => {
    const field = input.fields?.[name] ?? null;
    const expected = normaliseField({ name, value: input.truth.fields[name] });
    const found = normaliseField({ name, value: field?.value ?? null });
    const filled = field && field.confidence >= threshold ? found : 'null';
    return { name, expected, filled, found, confidence: field?.confidence ?? null, right: filled === expected, present: expected !== 'null' };
  });
}

export interface Tally {
  right: number;
  total: number;
}

export interface AccuracyTable {
  /** `${kind}|${field}` and `${kind}|*`, `*|${field}`, `*|*`: every field of the documents. */
  all: Map<string, Tally>;
  /** The same, counting only fields the truth has (a receipt's missing IBAN left empty is not counted). */
  present: Map<string, Tally>;
  /** Fields filled (at or above the threshold) and how often they were right: the threshold's precision. */
  filled: Tally;
  /** Fields found under the threshold (suggestions) and how often they were right. */
  suggested: Tally;
}

export function emptyAccuracy(): AccuracyTable {
  return { all: new Map(), present: new Map(), filled: { right: 0, total: 0 }, suggested: { right: 0, total: 0 } };
}

function add(map: Map<string, Tally>, key: string, right: boolean): void {
  const entry = map.get(key) ?? { right: 0, total: 0 };
  entry.right += right ? 1 : 0;
  entry.total += 1;
  map.set(key, entry);
}

export function addScores(input: { table: AccuracyTable; kind: DocumentKind; scores: FieldScore[] }): void {
  const { table, kind, scores } = input;
  for (const score of scores) {
    for (const key of [`${kind}|${score.name}`, `${kind}|*`, `*|${score.name}`, '*|*']) {
      add(table.all, key, score.right);
      if (score.present) add(table.present, key, score.right);
    }
    if (score.filled !== 'null') {
      table.filled.total += 1;
      table.filled.right += score.filled === score.expected ? 1 : 0;
    } else if (score.found !== 'null') {
      table.suggested.total += 1;
      table.suggested.right += score.found === score.expected ? 1 : 0;
    }
  }
}

/** Share right, or null when nothing was counted. */
export function accuracy(tally: Tally | undefined): number | null {
  return tally && tally.total > 0 ? tally.right / tally.total : null;
}

export type Verdict = 'PASS' | 'FAIL' | '—';

/** PASS at or above the target; '—' where there is no target or nothing was scored. */
export function verdict(input: { accuracy: number | null; target: number | null }): Verdict {
  if (input.target === null || input.accuracy === null) return '—';
  return input.accuracy >= input.target ? 'PASS' : 'FAIL';
}

/** The fields of a kind under its target, worst first: what to name when a target is missed. */
export function fieldsUnderTarget(input: { table: AccuracyTable; kind: DocumentKind }): { name: ExpenseFieldName; accuracy: number }[] {
  const target = KIND_TARGETS[input.kind];
  if (target === null) return [];
  return EXPENSE_FIELD_NAMES.flatMap((name) => {
    const a = accuracy(input.table.all.get(`${input.kind}|${name}`));
    return a !== null && a < target ? [{ name, accuracy: a }] : [];
  }).sort((x, y) => x.accuracy - y.accuracy);
}
