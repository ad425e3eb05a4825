import { Decimal } from 'decimal.js';
import { findAmounts, type AmountMatch } from './amount-text.js';
import { boxOf, confidenceOf, type Layout, type Row } from './document-layout.js';
import type { ExtractedField, FieldSource, VatBreakdown } from './expense-fields.types.js';
import { VAT_WORD_RE, fold, totalKind, type TotalKind } from './field-labels.js';
import { headerAbove, labelOf } from './value-context.js';
import { crossCheckTotals, findItemTotals, findReadAmounts } from './totals-cross-check.js';
import { impliedRate, rateIn, vatOf } from './vat-arithmetic.js';

interface Candidate {
  kind: TotalKind;
  value: Decimal;
  /** How telling its label and place are, times its words' OCR confidence. */
  score: number;
  ocr: number;
  rate: string | null;
  /** Labelled by a column header above it rather than a label beside it. */
  above: boolean;
  row: Row;
  match: AmountMatch;
}

interface RateLine {
  rate: string;
  base: Decimal | null;
  amount: Decimal;
  score: number;
  /** The OCR confidence of its amounts. */
  ocr: number;
  row: Row;
  match: AmountMatch;
}

export interface Totals {
  totalInclVat: ExtractedField<string> | null;
  totalExclVat: ExtractedField<string> | null;
  vatAmounts: ExtractedField<VatBreakdown[]> | null;
  currency: ExtractedField<string> | null;
}

function sourceOf(row: Row, match: AmountMatch): FieldSource {
  return { page: row.page, box: boxOf(row, match.start, match.end), text: row.text.slice(match.start, match.end) };
}

export function findTotals({ layout }: { layout: Layout }): Totals {
  const candidates: Candidate[] = [];
  const rateLines: RateLine[] = [];
  const currencies = new Map<string, number>();

  for (const row of layout.rows) {
    const all = findAmounts({ text: row.text });
    const amounts = all.filter((amount) => !/^\s?%/.test(row.text.slice(amount.end)));
    let previousEnd = 0;
    const rowRate = rateIn(fold(row.text));
    const rowCandidates: Candidate[] = [];
    const unlabelled: { match: AmountMatch; ocr: number }[] = [];
    for (const match of amounts) {
      if (match.currency) currencies.set(match.currency, (currencies.get(match.currency) ?? 0) + 1);
      const label = labelOf({ layout, row, start: match.start, end: match.end, previousEnd });
      const leftText = row.text.slice(previousEnd, match.start);
      previousEnd = match.end;
      const ocr = confidenceOf(row, match.start, match.end);
      let kind = label ? totalKind(label.text) : null;
      // In a VAT table or an item table (a rate on the row), a column header names a rate's base,
      // VAT or line total, never a document total.
      if (kind && label!.place === 'above' && rowRate) {
        if (kind.kind === 'excl') kind = { kind: 'base', strength: kind.strength };
        else if (kind.kind === 'incl') kind = null;
      }
      if (!match.hasCents && !match.currency && !kind) continue;
      if (!kind) {
        unlabelled.push({ match, ocr });
        continue;
      }
      const place = label!.place === 'left' ? (/\S\s\s\S/.test(leftText.trim()) ? 0.95 : 1) : 0.85;
      // A total without cents is rare on an invoice; more often OCR lost or garbled the decimals.
      const shape = match.hasCents ? 1 : 0.4;
      const rate = kind.kind === 'vat' ? (rateIn(leftText) ?? rateIn(row.text)) : null;
      const candidate: Candidate = {
        kind: kind.kind,
        value: match.value,
        score: kind.strength * place * shape * ocr,
        ocr,
        rate,
        above: label!.place === 'above',
        row,
        match,
      };
      candidates.push(candidate);
      rowCandidates.push(candidate);
      if (!match.hasCents && /^\D*\d+\D*$/.test(row.text.slice(match.start, match.end))) {
        // OCR may drop the decimal separator: "1250" may be 12.50 (not "1.250", which has one).
        candidates.push({
          kind: kind.kind,
          value: match.value.dividedBy(100),
          score: kind.strength * place * 0.5 * ocr,
          ocr,
          rate,
          above: label!.place === 'above',
          row,
          match,
        });
      }
    }
    // A VAT table row whose rate OCR lost: two amounts, the second under a VAT header, that
    // are base and VAT at a known rate. Neither is then a document total.
    const tableCells = [
      ...unlabelled.map((cell) => ({ ...cell, candidate: null as Candidate | null })),
      ...rowCandidates.filter((c) => c.above && c.kind !== 'incl').map((c) => ({ match: c.match, ocr: c.ocr, candidate: c as Candidate | null })),
    ]
      .filter((cell) => cell.match.hasCents)
      .sort((a, b) => a.match.start - b.match.start);
    if (!rowRate && tableCells.length === 2) {
      const [base, vat] = tableCells as [(typeof tableCells)[number], (typeof tableCells)[number]];
      const implied = impliedRate(base.match.value, vat.match.value);
      const header = headerAbove({ layout, row, start: vat.match.start, end: vat.match.end });
      if (implied && header && VAT_WORD_RE.test(fold(header))) {
        const ocr = Math.min(base.ocr, vat.ocr);
        rateLines.push({ rate: implied, base: base.match.value, amount: vat.match.value, score: ocr * 0.8, ocr, row, match: vat.match });
        for (const cell of [base, vat]) if (cell.candidate) candidates.splice(candidates.indexOf(cell.candidate), 1);
      }
    }
    // A VAT table row: a rate and a base whose VAT at that rate is also on the row.
    const rate = rowRate;
    if (rate && unlabelled.length >= 2) {
      for (let i = 0; i < unlabelled.length - 1; i++) {
        const base = unlabelled[i]!;
        const vat = unlabelled.slice(i + 1).find((other) => vatOf(base.match.value, rate).minus(other.match.value).abs().lte('0.01'));
        if (vat) {
          rateLines.push({
            rate,
            base: base.match.value,
            amount: vat.match.value,
            score: Math.min(base.ocr, vat.ocr),
            ocr: Math.min(base.ocr, vat.ocr),
            row,
            match: vat.match,
          });
          break;
        }
      }
    }
  }

  // VAT amounts labelled with their rate ("BTW 21%  21,00") join the table rows, one per rate.
  for (const candidate of candidates.filter((c) => c.kind === 'vat' && c.rate)) {
    if (rateLines.some((line) => line.rate === candidate.rate && line.amount.eq(candidate.value))) continue;
    const base = findBase(candidate);
    rateLines.push({
      rate: candidate.rate!,
      base,
      amount: candidate.value,
      score: candidate.score,
      ocr: candidate.ocr,
      row: candidate.row,
      match: candidate.match,
    });
  }
  const breakdown = dedupeRates(rateLines).sort((a, b) => new Decimal(a.rate).comparedTo(b.rate));
  return choose({ candidates, breakdown, currencies, layout });
}

/** The base written on the same row as a VAT amount ("BTW 21% van 100,00: 21,00"). */
function findBase(vat: Candidate): Decimal | null {
  const amounts = findAmounts({ text: vat.row.text }).filter((amount) => amount.hasCents && amount.start !== vat.match.start);
  const base = amounts.find((amount) => vatOf(amount.value, vat.rate!).minus(vat.value).abs().lte('0.01'));
  return base ? base.value : null;
}

function dedupeRates(lines: RateLine[]): RateLine[] {
  const byRate = new Map<string, RateLine>();
  for (const line of lines) {
    const known = byRate.get(line.rate);
    if (!known || (known.base === null && line.base !== null) || ((known.base !== null) === (line.base !== null) && line.score > known.score)) {
      byRate.set(line.rate, line);
    }
  }
  return [...byRate.values()];
}

function top(candidates: Candidate[], kind: TotalKind, count: number): Candidate[] {
  return candidates
    .filter((candidate) => candidate.kind === kind)
    .sort((a, b) => b.score - a.score || b.row.index - a.row.index || b.value.abs().comparedTo(a.value.abs()))
    .slice(0, count);
}

function choose({
  candidates,
  breakdown,
  currencies,
  layout,
}: {
  candidates: Candidate[];
  breakdown: RateLine[];
  currencies: Map<string, number>;
  layout: Layout;
}): Totals {
  const incl = top(candidates, 'incl', 6);
  const excl = top(candidates, 'excl', 4);
  const vatTotals = top(candidates, 'vat', 4).filter((candidate) => !candidate.rate);
  const breakdownSum = breakdown.reduce((sum, line) => sum.plus(line.amount), new Decimal(0));

  // The VAT total options: the rates' sum, a VAT total line, or unknown.
  const vatOptions: { value: Decimal | null; score: number }[] = [{ value: null, score: 0 }];
  if (breakdown.length > 0) vatOptions.push({ value: breakdownSum, score: Math.max(...breakdown.map((line) => line.score)) });
  for (const vat of vatTotals) vatOptions.push({ value: vat.value, score: vat.score });

  let best = { score: -Infinity, incl: null as Candidate | null, excl: null as Candidate | null, vat: vatOptions[0]!, consistent: false };
  for (const i of [null, ...incl]) {
    for (const e of [null, ...excl]) {
      for (const v of vatOptions) {
        let score = (i?.score ?? 0) + (e?.score ?? 0) * 0.8 + v.score * 0.5;
        let consistent = false;
        if (i && e && v.value) {
          const gap = e.value.plus(v.value).minus(i.value).abs();
          consistent = gap.isZero();
          score += consistent ? 2 : gap.lte('0.02') ? 0.5 : -1;
        } else if (i && e) {
          if (i.value.abs().lt(e.value.abs())) score -= 1;
          else if (!i.value.eq(e.value) && impliedRate(e.value, i.value.minus(e.value))) score += 0.8;
        } else if (i && v.value && breakdown.length > 0 && breakdown.every((line) => line.base)) {
          const bases = breakdown.reduce((sum, line) => sum.plus(line.base!), new Decimal(0));
          if (bases.plus(v.value).eq(i.value)) score += 1.5;
        }
        if (i && e && i.match === e.match) score -= 5;
        if (score > best.score) best = { score, incl: i, excl: e, vat: v, consistent };
      }
    }
  }

  let inclField: ExtractedField<string> | null = null;
  let exclField: ExtractedField<string> | null = null;
  const checked = best.consistent;
  // The document shows all three totals but no choice of them adds up: one is misread.
  const checkable = incl.length > 0 && excl.length > 0 && vatOptions.length > 1;
  const confidence = (candidate: Candidate): number =>
    checked ? Math.max(0.9 * candidate.ocr, candidate.score) : checkable ? candidate.score * 0.65 : candidate.score * 0.85;
  if (best.incl) inclField = { value: best.incl.value.toFixed(2), confidence: confidence(best.incl), source: sourceOf(best.incl.row, best.incl.match) };
  if (best.excl) exclField = { value: best.excl.value.toFixed(2), confidence: confidence(best.excl), source: sourceOf(best.excl.row, best.excl.match) };

  // Without a labelled total, a receipt's largest amount shown with a currency is a guess.
  if (!inclField) {
    const guess = fallbackTotal(layout);
    if (guess) inclField = guess;
  }

  let rates: VatBreakdown[] = breakdown.map((line) => ({ rate: line.rate, base: line.base ? line.base.toFixed(2) : null, amount: line.amount.toFixed(2) }));
  const weakestRate = breakdown.length > 0 ? Math.min(...breakdown.map((line) => line.score)) : 0;
  let vatConfidence = checked ? Math.max(weakestRate, 0.9 * weakestRate ** 0.5) : weakestRate * 0.85;
  let vatSource: FieldSource | null = breakdown[0] ? sourceOf(breakdown[0].row, breakdown[0].match) : null;

  const inclValue = inclField ? new Decimal(inclField.value) : null;
  const exclValue = exclField ? new Decimal(exclField.value) : null;
  const vatValue = best.vat.value ?? (breakdown.length > 0 ? breakdownSum : null);

  // A single rate without its base: the base is the total excluding VAT when the arithmetic agrees.
  if (rates.length === 1 && rates[0]!.base === null && exclValue && vatOf(exclValue, rates[0]!.rate).minus(rates[0]!.amount).abs().lte('0.01')) {
    rates = [{ ...rates[0]!, base: exclValue.toFixed(2) }];
  }
  // A VAT total line and the total: the total excluding VAT is their difference.
  const vatTotalLine = best.vat.value !== null && !(breakdown.length > 0 && best.vat.value.eq(breakdownSum)) ? best.vat.value : null;
  if (!exclField && inclValue && vatTotalLine) {
    exclField = { value: inclValue.minus(vatTotalLine).toFixed(2), confidence: Math.min(0.6, inclField!.confidence), source: null };
  }
  // A receipt's VAT table gives the bases; their sum is the total excluding VAT.
  if (!exclField && rates.length > 0 && rates.every((line) => line.base)) {
    const bases = rates.reduce((sum, line) => sum.plus(line.base!), new Decimal(0));
    const adds = inclValue !== null && vatValue !== null && bases.plus(vatValue).eq(inclValue);
    exclField = { value: bases.toFixed(2), confidence: adds ? Math.max(0.85, vatConfidence) : 0.6, source: null };
  }
  // Derive what the document implies but does not print, at a confidence below a read value.
  if (!exclField && inclValue && vatValue) {
    exclField = { value: inclValue.minus(vatValue).toFixed(2), confidence: Math.min(0.6, inclField!.confidence), source: null };
    if (rates.length === 1 && rates[0]!.base === null) rates = [{ ...rates[0]!, base: exclField.value }];
  }
  if (!inclField && exclValue && vatValue) {
    inclField = { value: exclValue.plus(vatValue).toFixed(2), confidence: Math.min(0.6, exclField!.confidence), source: null };
  }
  if (rates.length === 0) {
    const vat = vatValue ?? (inclValue && exclValue && !inclValue.eq(exclValue) ? inclValue.minus(exclValue) : null);
    const base = exclValue ?? (inclValue && vat ? inclValue.minus(vat) : null);
    const rate = base && vat ? impliedRate(base, vat) : null;
    if (rate && vat && base) {
      rates = [{ rate, base: base.toFixed(2), amount: vat.toFixed(2) }];
      const vatCandidate = vatTotals.find((candidate) => candidate.value.eq(vat));
      vatConfidence = vatCandidate ? vatCandidate.score * (checked ? 1 : 0.85) : 0.55;
      vatSource = vatCandidate ? sourceOf(vatCandidate.row, vatCandidate.match) : null;
    }
  }
  // A rate line OCR lost: the totals' remainder at a known rate (the excl. total less the bases read,
  // the VAT total less the VAT read) is that line, shown as a suggestion.
  const exclKnown = exclField ? new Decimal(exclField.value) : null;
  const complete = rates.filter((line) => line.base !== null);
  let derivedLine = false;
  if (exclKnown && vatValue && complete.length > 0) {
    const restBase = complete.reduce((rest, line) => rest.minus(line.base!), exclKnown);
    const restVat = complete.reduce((rest, line) => rest.minus(line.amount), vatValue);
    const rate = !restBase.isZero() && !restVat.isZero() && restBase.isNegative() === restVat.isNegative() ? impliedRate(restBase, restVat) : null;
    if (rate && !rates.some((line) => line.rate === rate && line.base !== null)) {
      rates = [...rates.filter((line) => line.rate !== rate), { rate, base: restBase.toFixed(2), amount: restVat.toFixed(2) }].sort((a, b) =>
        new Decimal(a.rate).comparedTo(b.rate),
      );
      vatConfidence = Math.min(vatConfidence, 0.65);
      derivedLine = true;
    }
  }
  // Every rate's base + VAT adds up to the total: the whole breakdown is checked.
  // (A line derived from the totals adds up by construction: no check.)
  if (!derivedLine && inclValue && rates.length > 0 && rates.every((line) => line.base)) {
    const sum = rates.reduce((total, line) => total.plus(line.amount).plus(line.base!), new Decimal(0));
    const ocr = breakdown.length > 0 ? Math.min(...breakdown.map((line) => line.ocr)) : 1;
    if (sum.eq(inclValue)) vatConfidence = Math.max(vatConfidence, 0.9 * ocr);
  }

  // Then the invoice's own arithmetic over what the labels chose: it raises what independent reads
  // confirm, and picks or completes what they show was misread or lost (totals-cross-check.ts).
  const vatTotalRead = vatTotals.find((candidate) => best.vat.value !== null && candidate.value.eq(best.vat.value)) ?? vatTotals[0] ?? null;
  const checkedTotals = crossCheckTotals({
    chosen: {
      incl: inclField,
      inclOcr: best.incl && inclField?.source ? best.incl.ocr : null,
      excl: exclField,
      exclOcr: best.excl && exclField?.source ? best.excl.ocr : null,
      vat: rates.length > 0 ? { value: rates, confidence: vatConfidence, source: vatSource } : null,
    },
    exclReads: excl.map((candidate) => ({ value: candidate.value, ocr: candidate.ocr, source: sourceOf(candidate.row, candidate.match) })),
    vatTotal: vatTotalRead ? { value: vatTotalRead.value, ocr: vatTotalRead.ocr, source: sourceOf(vatTotalRead.row, vatTotalRead.match) } : null,
    readLines: breakdown.flatMap((line) => (line.base ? [{ rate: line.rate, base: line.base, amount: line.amount, ocr: line.ocr }] : [])),
    items: findItemTotals({ layout }),
    amounts: findReadAmounts({ layout }),
  });
  return {
    totalInclVat: checkedTotals.incl,
    totalExclVat: checkedTotals.excl,
    vatAmounts: checkedTotals.vat,
    currency: currencyField(currencies, layout),
  };
}

function fallbackTotal(layout: Layout): ExtractedField<string> | null {
  let best: { row: Row; match: AmountMatch } | null = null;
  for (const row of layout.rows) {
    for (const match of findAmounts({ text: row.text })) {
      if (!match.hasCents || !match.currency) continue;
      if (!best || match.value.abs().gt(best.match.value.abs())) best = { row, match };
    }
  }
  if (!best) return null;
  return {
    value: best.match.value.toFixed(2),
    confidence: 0.4 * confidenceOf(best.row, best.match.start, best.match.end),
    source: sourceOf(best.row, best.match),
  };
}

function currencyField(currencies: Map<string, number>, layout: Layout): ExtractedField<string> {
  const shown = [...currencies.entries()].sort((a, b) => b[1] - a[1]);
  if (shown.length > 0) return { value: shown[0]![0], confidence: shown.length === 1 ? 0.95 : 0.75, source: null };
  // A currency code on its own (an "EUR" column header, "Bedragen in EUR").
  for (const row of layout.rows) {
    const code = /(?<![A-Z])(EUR|USD|GBP|CHF)(?![A-Z])|€|\$|£/.exec(row.text);
    if (code) {
      const value = code[1] ?? { '€': 'EUR', $: 'USD', '£': 'GBP' }[code[0]]!;
      return { value, confidence: 0.9, source: { page: row.page, box: boxOf(row, code.index, code.index + code[0].length), text: code[0] } };
    }
  }
  // Nothing shown: the euro, as the document's countries use it.
  return { value: 'EUR', confidence: 0.6, source: null };
}
