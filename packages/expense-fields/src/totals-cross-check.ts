import { Decimal } from 'decimal.js';
import { findAmounts } from './amount-text.js';
import { boxOf, confidenceOf, type Layout } from './document-layout.js';
import type { ExtractedField, FieldSource, VatBreakdown } from './expense-fields.types.js';
import { VAT_WORD_RE, fold, totalKind } from './field-labels.js';
import { LINE_TOLERANCE, lineAddsUp, rateIn, vatOf } from './vat-arithmetic.js';

/** A number as read: its value, the OCR confidence of its words, and where it stands. */
export interface ReadAmount {
  value: Decimal;
  ocr: number;
  source: FieldSource | null;
}

/** The item lines' totals per VAT rate ("Fachbuch  2  78,03  7%  156,06" adds 156.06 to 7 %). */
export type ItemTotals = Map<string, { sum: Decimal; ocr: number }>;

/** A VAT line read on the document (a VAT table row or a labelled "BTW 21% … 21,00" with its base). */
export interface ReadVatLine {
  rate: string;
  base: Decimal;
  amount: Decimal;
  ocr: number;
}

/** Totals as chosen from the labels, each with the OCR of its words (null when derived, not read). */
export interface ChosenTotals {
  incl: ExtractedField<string> | null;
  inclOcr: number | null;
  excl: ExtractedField<string> | null;
  exclOcr: number | null;
  vat: ExtractedField<VatBreakdown[]> | null;
}

/** What a read value scores when an independent route of reads gives the same number. */
const CONFIRMED = 0.9;
/** What a value only derived from reads scores when all of them were read and agree: below a confirmed read. */
const DERIVED_CONFIRMED = 0.8;
/** A cap that keeps a value a suggestion. */
const DOUBT = 0.6;
const THRESHOLD = 0.7;

/**
 * The item lines of an invoice: a row with a description, a known rate and one amount after the rate
 * (the line's total excl. VAT). A VAT table row ("21%  400,34  84,07") or a VAT label ("BTW 21%") is none.
 */
export function findItemTotals({ layout }: { layout: Layout }): ItemTotals {
  const totals: ItemTotals = new Map();
  for (const row of layout.rows) {
    const folded = fold(row.text);
    const rate = rateIn(folded);
    if (!rate) continue;
    const rateAt = folded.search(/(?<![\d.,])\d{1,2}(?:[.,]\d{1,2})?\s?%/);
    const before = folded.slice(0, rateAt);
    if (!/\p{L}{3}/u.test(before) || VAT_WORD_RE.test(before) || totalKind(before)) continue;
    const amounts = findAmounts({ text: row.text }).filter((amount) => amount.hasCents);
    const after = amounts.filter((amount) => amount.start > rateAt);
    if (after.length !== 1 || !amounts.some((amount) => amount.end <= rateAt)) continue;
    const total = after[0]!;
    const ocr = confidenceOf(row, total.start, total.end);
    const known = totals.get(rate);
    totals.set(rate, { sum: (known?.sum ?? new Decimal(0)).plus(total.value), ocr: Math.min(known?.ocr ?? 1, ocr) });
  }
  return totals;
}

/** Every amount with cents read anywhere on the document (where a total may stand without its label). */
export function findReadAmounts({ layout }: { layout: Layout }): ReadAmount[] {
  const amounts: ReadAmount[] = [];
  for (const row of layout.rows) {
    for (const match of findAmounts({ text: row.text })) {
      if (!match.hasCents) continue;
      const source = { page: row.page, box: boxOf(row, match.start, match.end), text: row.text.slice(match.start, match.end) };
      amounts.push({ value: match.value, ocr: confidenceOf(row, match.start, match.end), source });
    }
  }
  return amounts;
}

const sum = (values: Decimal[]): Decimal => values.reduce((total, value) => total.plus(value), new Decimal(0));
const raise = <T>(field: ExtractedField<T>, confidence: number): ExtractedField<T> => ({
  ...field,
  confidence: Math.max(field.confidence, confidence),
});

/**
 * The invoice's own arithmetic over the totals: per VAT line base × rate = VAT (± 0.01), Σ bases =
 * excl., Σ VAT = VAT total, excl. + VAT = incl., and the item lines per rate = that rate's base.
 * Values that two independent reads confirm are raised (0.9 × OCR); a value derived from reads that
 * all agree may be filled (0.8 × OCR); a breakdown missing a rate the items show stays a suggestion.
 */
export function crossCheckTotals({
  chosen,
  exclReads,
  vatTotal: vatTotalLine,
  readLines,
  items,
  amounts,
}: {
  chosen: ChosenTotals;
  /** Every excl. total read (by its label), to pick the one the item lines confirm. */
  exclReads: ReadAmount[];
  /** The VAT total line read ("Totaal BTW  € 86,57"), if any. */
  vatTotal: ReadAmount | null;
  /** The VAT lines read with their base (not derived from the totals). */
  readLines: ReadVatLine[];
  items: ItemTotals;
  amounts: ReadAmount[];
}): Pick<ChosenTotals, 'incl' | 'excl' | 'vat'> {
  let { incl, excl, vat, exclOcr } = chosen;
  let vatTotal = vatTotalLine;
  const inclRead = incl?.source && chosen.inclOcr !== null ? { value: new Decimal(incl.value), ocr: chosen.inclOcr } : null;
  const itemsSum = items.size > 0 ? sum([...items.values()].map((item) => item.sum)) : null;
  const itemsOcr = items.size > 0 ? Math.min(...[...items.values()].map((item) => item.ocr)) : 0;
  // An excl. total chosen in doubt while another excl. total read is the item lines' sum: that one.
  if ((!excl || excl.confidence < THRESHOLD) && itemsSum && !(excl && new Decimal(excl.value).eq(itemsSum))) {
    const read = exclReads.filter((amount) => amount.value.eq(itemsSum)).sort((a, b) => b.ocr - a.ocr)[0];
    if (read) {
      excl = { value: read.value.toFixed(2), confidence: DOUBT * read.ocr, source: read.source };
      exclOcr = read.ocr;
    }
  }
  const exclRead = excl?.source && exclOcr !== null ? { value: new Decimal(excl.value), ocr: exclOcr } : null;

  // A single rate on every item line and no VAT total read (or a mislabelled one): the VAT printed
  // that is the excl. total × that rate.
  const singleRate = items.size === 1 ? [...items.keys()][0]! : null;
  if (singleRate && exclRead && items.get(singleRate)!.sum.eq(exclRead.value)) {
    const expected = vatOf(exclRead.value, singleRate);
    if (!vatTotal || !lineAddsUp({ rate: singleRate, base: exclRead.value, amount: vatTotal.value })) {
      const printed = amounts
        .filter((amount) => amount.value.minus(expected).abs().lte(LINE_TOLERANCE) && !amount.value.isZero())
        .sort((a, b) => b.ocr - a.ocr)[0];
      if (printed) vatTotal = printed;
    }
  }

  // A single rate on every item line: its base is the excl. total and its VAT the VAT total, when they add up.
  const lines = vat?.value ?? [];
  const onlyRate = singleRate;
  if (onlyRate && exclRead && vatTotal && lineAddsUp({ rate: onlyRate, base: exclRead.value, amount: vatTotal.value })) {
    const single = lines.length === 1 && lines[0]!.rate === onlyRate && lines[0]!.base !== null;
    const agrees = single && new Decimal(lines[0]!.base!).eq(exclRead.value) && new Decimal(lines[0]!.amount).eq(vatTotal.value);
    if (!agrees && (!vat || vat.confidence < THRESHOLD) && items.get(onlyRate)!.sum.eq(exclRead.value)) {
      vat = {
        value: [{ rate: onlyRate, base: exclRead.value.toFixed(2), amount: vatTotal.value.toFixed(2) }],
        confidence: DERIVED_CONFIRMED * Math.min(exclRead.ocr, vatTotal.ocr, itemsOcr),
        source: vatTotal.source,
      };
    }
  }

  // A rate the items show and the breakdown lacks (a VAT line OCR lost): its base is the items'
  // sum, its VAT the VAT total less the other lines', when that adds up.
  if (vat && vatTotal && vat.value.every((line) => line.base !== null)) {
    const missing = [...items.entries()].filter(([rate, item]) => !item.sum.isZero() && !vat!.value.some((line) => line.rate === rate));
    if (missing.length === 1) {
      const [rate, item] = missing[0]!;
      const amount = vat.value.reduce((rest, line) => rest.minus(line.amount), vatTotal.value);
      if (!amount.isZero() && lineAddsUp({ rate, base: item.sum, amount })) {
        const value = [...vat.value, { rate, base: item.sum.toFixed(2), amount: amount.toFixed(2) }].sort((a, b) => new Decimal(a.rate).comparedTo(b.rate));
        vat = { ...vat, value, confidence: Math.min(vat.confidence, DOUBT) };
      }
    }
  }

  // Each VAT line: base × rate = VAT, and confirmed by a second read (the line as read, or the items at its rate).
  const breakdown = (vat?.value ?? []).map((line) => {
    const base = line.base === null ? null : new Decimal(line.base);
    const amount = new Decimal(line.amount);
    const read = readLines.find((other) => other.rate === line.rate && base !== null && other.base.eq(base) && other.amount.eq(amount)) ?? null;
    const item = items.get(line.rate);
    const itemsAgree = base !== null && item !== undefined && item.sum.eq(base);
    const addsUp = base !== null && lineAddsUp({ rate: line.rate, base, amount });
    const ocr = Math.max(read?.ocr ?? 0, itemsAgree ? item.ocr : 0);
    return { base, amount, read, itemsAgree, confirmed: addsUp && (read !== null || itemsAgree), ocr };
  });
  // The items show a rate the breakdown lacks: a line was lost, the breakdown is incomplete.
  const missingRate = [...items.entries()].some(([rate, item]) => !item.sum.isZero() && !(vat?.value ?? []).some((line) => line.rate === rate));
  if (vat && missingRate) vat = { ...vat, confidence: Math.min(vat.confidence, DOUBT) };
  const breakdownConfirmed = breakdown.length > 0 && breakdown.every((line) => line.confirmed) && !missingRate;
  const derivedLines = breakdown.some((line) => line.read === null);
  const linesOcr = breakdown.length > 0 ? Math.min(...breakdown.map((line) => line.ocr)) : 0;
  const basesSum = breakdownConfirmed ? sum(breakdown.map((line) => line.base!)) : null;
  const vatSum = breakdownConfirmed ? sum(breakdown.map((line) => line.amount)) : null;

  // The excl. total: read, and the sum of the confirmed bases or of the item lines.
  let exclConfirmed: { value: Decimal; ocr: number } | null = null;
  if (exclRead) {
    const routes = [basesSum?.eq(exclRead.value) ? linesOcr : null, itemsSum?.eq(exclRead.value) ? itemsOcr : null].filter(
      (ocr): ocr is number => ocr !== null,
    );
    if (routes.length > 0) {
      exclConfirmed = { value: exclRead.value, ocr: Math.max(exclRead.ocr, ...routes) };
      excl = raise(excl!, CONFIRMED * exclConfirmed.ocr);
    }
  }
  // The VAT total: read and the sum of the confirmed lines, or (not printed) the confirmed lines' sum.
  let vatConfirmed: { value: Decimal; ocr: number } | null = null;
  if (vatTotal && vatSum?.eq(vatTotal.value)) vatConfirmed = { value: vatTotal.value, ocr: Math.max(vatTotal.ocr, linesOcr) };
  else if (!vatTotal && vatSum) vatConfirmed = { value: vatSum, ocr: linesOcr };
  // The breakdown, checked line by line and against a total: filled. A line derived from the
  // totals stays below a read one (it is confirmed by the items, not read).
  if (vat && breakdownConfirmed && (exclConfirmed || vatConfirmed)) {
    const confirmed = (derivedLines ? DERIVED_CONFIRMED : CONFIRMED) * Math.min(linesOcr, (exclConfirmed ?? vatConfirmed)!.ocr);
    vat = raise(vat, confirmed);
  }

  // The incl. total: excl. + VAT, from reads.
  const exclValue = exclConfirmed ?? exclRead;
  const vatValue = vatConfirmed ?? (vatTotal ? { value: vatTotal.value, ocr: vatTotal.ocr } : null);
  // (A VAT of nothing would make the excl. total its own confirmation.)
  if (exclValue && vatValue && !vatValue.value.isZero() && (exclConfirmed || vatConfirmed)) {
    const arithmetic = exclValue.value.plus(vatValue.value);
    const routeOcr = Math.min(exclValue.ocr, vatValue.ocr);
    if (inclRead?.value.eq(arithmetic)) {
      incl = raise(incl!, CONFIRMED * Math.max(inclRead.ocr, routeOcr));
      if (exclRead && !exclConfirmed) excl = raise(excl!, CONFIRMED * Math.max(exclRead.ocr, Math.min(inclRead.ocr, vatValue.ocr)));
    } else if (!incl || incl.confidence < THRESHOLD) {
      // The total read with no telling label (a payment line, a lone amount), or else derived.
      const printed = amounts.filter((amount) => amount.value.eq(arithmetic)).sort((a, b) => b.ocr - a.ocr)[0];
      if (printed) {
        incl = { value: arithmetic.toFixed(2), confidence: CONFIRMED * Math.max(printed.ocr, routeOcr), source: printed.source };
      } else if (exclConfirmed && vatConfirmed) {
        incl = { value: arithmetic.toFixed(2), confidence: DERIVED_CONFIRMED * routeOcr, source: null };
      }
    }
  }
  // A till receipt's VAT table, every line confirmed, adds up (bases + VAT) to a total read in doubt
  // (OCR, a payment label): it is filled, whatever else was read as a VAT total (an ID number, a
  // misread line). A total already filled keeps its score.
  if (incl && incl.confidence < THRESHOLD && inclRead && basesSum && vatSum && basesSum.plus(vatSum).eq(inclRead.value)) {
    incl = raise(incl, CONFIRMED * Math.max(inclRead.ocr, linesOcr));
  }
  return { incl, excl, vat };
}
