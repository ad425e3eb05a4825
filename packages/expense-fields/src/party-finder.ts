import type { Box } from '@tollgate/document-reader';
import { electronicFormatIBAN, isValidIBAN } from 'ibantools';
import { boxOf, confidenceOf, overlapsHorizontally, segmentsOf, type Layout, type Row, type Segment } from './document-layout.js';
import type { ExtractedField } from './expense-fields.types.js';
import { BUYER_LABEL_RE, BUYER_OWN_RE, LEGAL_FORM_RE, NOT_A_NAME_RE, SELLER_LABEL_RE, fold } from './field-labels.js';
import { digitFor } from './ocr-noise.js';
import { checkVatNumber } from './vat-number.js';

/** Parts of pages that hold the buyer's name and address. */
export interface BuyerRegion {
  page: number;
  box: Box;
}

/** A code (VAT number, IBAN) found on a row. */
interface CodeMatch {
  value: string;
  row: Row;
  start: number;
  end: number;
}

/**
 * The buyer's block: the segment with a buyer label ("Klant", "Bill to", "Adresse de facturation")
 * and the rows under it in that column, down to the first wide vertical gap.
 */
export function findBuyerRegions({ layout }: { layout: Layout }): BuyerRegion[] {
  const regions: BuyerRegion[] = [];
  for (const row of layout.rows) {
    for (const segment of segmentsOf(row)) {
      const folded = fold(segment.text);
      const label = BUYER_LABEL_RE.exec(folded);
      // The label starts its cell ("Klant:", "Factuur aan"), it is not a word inside a sentence.
      if (!label || label.index > 12) continue;
      const labelBox = boxOf(row, segment.start + label.index, segment.start + label.index + label[0].length);
      const column: Box = {
        x0: labelBox.x0 - layout.lineHeight,
        x1: Math.max(segment.box.x1, labelBox.x0 + row.pageWidth * 0.4),
        y0: segment.box.y0,
        y1: segment.box.y1,
      };
      let bottom = segment.box.y1;
      for (const below of layout.rows.slice(row.index + 1, row.index + 8)) {
        if (below.page !== row.page || below.box.y0 - bottom > layout.lineHeight * 2.2) break;
        // Left edges of a block's lines jitter a little in print and more in OCR.
        const inColumn = segmentsOf(below).filter((cell) => overlapsHorizontally(cell.box, column) && cell.box.x0 >= column.x0 - layout.lineHeight * 2);
        // A row with nothing in this column (a header cell on the right) does not end the block.
        if (inColumn.length > 0) bottom = Math.max(...inColumn.map((cell) => cell.box.y1));
      }
      regions.push({ page: row.page, box: { ...column, y1: bottom } });
    }
  }
  return regions;
}

export function inBuyerRegion(regions: BuyerRegion[], page: number, box: Box): boolean {
  const x = (box.x0 + box.x1) / 2;
  const y = (box.y0 + box.y1) / 2;
  return regions.some((region) => region.page === page && x >= region.box.x0 && x <= region.box.x1 && y >= region.box.y0 && y <= region.box.y1);
}

/** A code's characters with OCR look-alikes mapped to digits where the format wants digits. */
function mapDigits(code: string, letterPositions: (index: number) => boolean): string {
  return [...code].map((char, index) => (letterPositions(index) ? char : (digitFor(char) ?? char))).join('');
}

const VAT_PREFIXED = /(?<![A-Z0-9])(BE|NL|DE|FR|LU)\s?[:.-]?\s?(?=[0-9OoIlSB(])/g;
const VAT_LABELLED =
  /(?:btw|tva|vat|mwst|ust|omzetbelasting|ondernemingsnummer|ondernemingsnr|kbo|n°\s*d'entreprise|numero d'entreprise|bce|ust-?id(?:nr)?|id-?nr|vat reg)[\w.\-°/ ]{0,14}?[:.]?\s?(?=[0-9OoIlSB])/g;

/** Every VAT number (with right check digits) on the document, with where it stands. */
function vatNumbers(layout: Layout): CodeMatch[] {
  const found: CodeMatch[] = [];
  const add = (match: CodeMatch): void => {
    if (!found.some((known) => known.row === match.row && known.start < match.end && match.start < known.end)) found.push(match);
  };
  for (const row of layout.rows) {
    const upper = row.text.toUpperCase();
    for (const prefix of upper.matchAll(VAT_PREFIXED)) {
      const country = prefix[1]!;
      const bodyStart = prefix.index + prefix[0].length;
      const body = row.text.slice(bodyStart, bodyStart + 22);
      const hit = codeIn(body, (candidate) => {
        const mapped = country === 'NL' ? mapDigits(candidate, (index) => index === candidate.length - 3) : mapDigits(candidate, () => false);
        return checkVatNumber({ value: country + mapped }).normalised;
      });
      if (hit) add({ value: hit.value, row, start: prefix.index, end: bodyStart + hit.length });
    }
    // "BTW 0123.456.749", "Ondernemingsnummer: 0123 456 749": a Belgian number written without its prefix.
    const folded = fold(row.text);
    for (const label of folded.matchAll(VAT_LABELLED)) {
      const bodyStart = label.index + label[0].length;
      if (/^(BE|NL|DE|FR|LU)/i.test(row.text.slice(bodyStart))) continue;
      const body = row.text.slice(bodyStart, bodyStart + 20);
      const hit = codeIn(body, (candidate) => {
        const mapped = mapDigits(candidate, (index) => /B\d\d$/.test(candidate) && index === candidate.length - 3);
        return checkVatNumber({ value: `BE${mapped}` }).normalised ?? (/B\d\d$/.test(mapped) ? checkVatNumber({ value: `NL${mapped}` }).normalised : null);
      });
      if (hit) add({ value: hit.value, row, start: bodyStart, end: bodyStart + hit.length });
    }
  }
  return found;
}

/**
 * The longest stretch at the start of `body` (ending at a word's end) that `check` accepts;
 * codes are printed with spaces and dots in them, and followed by other words.
 */
function codeIn(body: string, check: (candidate: string) => string | null): { value: string; length: number } | null {
  const ends = [...body.matchAll(/[0-9A-Za-z)](?=\s|$|[,;)]|\.\s|\.$)/g)].map((match) => match.index + 1);
  for (const end of ends.reverse()) {
    const candidate = body.slice(0, end).replace(/[\s.\-/()]/g, '');
    if (candidate.length < 8) continue;
    const value = check(candidate);
    if (value) return { value, length: end };
  }
  return null;
}

const IBAN_START = /(?<![A-Z0-9])([A-Z]{2})\s?([0-9OoIlSB]{2})(?=\s?[0-9A-Z])/g;

/** Every IBAN (with right check digits) on the document. */
function ibans(layout: Layout): CodeMatch[] {
  const found: CodeMatch[] = [];
  for (const row of layout.rows) {
    for (const start of row.text.toUpperCase().matchAll(IBAN_START)) {
      const country = start[1]!;
      const body = row.text.slice(start.index, start.index + 46);
      const hit = codeIn(body, (candidate) => {
        if (candidate.length < 15 || candidate.length > 34) return null;
        const upper = candidate.toUpperCase();
        // Check digits are digits; Dutch bank codes (chars 5–8) are letters; BE/DE/LU/FR accounts are mostly digits.
        const letters = (index: number): boolean =>
          index < 2 || (country === 'NL' && index >= 4 && index < 8) || (!['BE', 'DE', 'LU'].includes(country) && index >= 4);
        for (const attempt of [upper, mapDigits(upper, letters)]) {
          const iban = electronicFormatIBAN(attempt);
          if (iban && isValidIBAN(iban)) return iban;
        }
        return null;
      });
      if (hit) found.push({ value: hit.value, row, start: start.index, end: start.index + hit.length });
    }
  }
  return found;
}

/** How likely a code on a row is the buyer's: in the buyer's block, or "Uw BTW-nummer". */
function isBuyers(match: CodeMatch, regions: BuyerRegion[]): boolean {
  const box = boxOf(match.row, match.start, match.end);
  if (inBuyerRegion(regions, match.row.page, box)) return true;
  const before = fold(match.row.text.slice(Math.max(0, match.start - 40), match.start));
  const cell = before.split(/\s{2,}/).at(-1) ?? '';
  return BUYER_OWN_RE.test(cell) || /domicili|debite|prelev|lastschrift|abgebucht|direct debit/.test(fold(match.row.text));
}

function codeField(match: CodeMatch, confidence: number): ExtractedField<string> {
  return {
    value: match.value,
    confidence: confidence * Math.max(0.5, confidenceOf(match.row, match.start, match.end)),
    source: { page: match.row.page, box: boxOf(match.row, match.start, match.end), text: match.row.text.slice(match.start, match.end) },
  };
}

/** The supplier's VAT number: not the buyer's; the one at the top or foot of the first page first. */
export function findSupplierVatNumber({ layout, regions }: { layout: Layout; regions: BuyerRegion[] }): {
  field: ExtractedField<string> | null;
  row: Row | null;
} {
  const all = vatNumbers(layout);
  const sellers = all.filter((match) => !isBuyers(match, regions));
  const distinct = new Set(all.map((match) => match.value));
  if (sellers.length === 0) return { field: null, row: null };
  // The seller's number often repeats (header and footer); the buyer's stands once, in their block.
  const counts = new Map<string, number>();
  for (const match of sellers) counts.set(match.value, (counts.get(match.value) ?? 0) + 1);
  const ranked = [...sellers].sort((a, b) => rank(b) - rank(a));
  function rank(match: CodeMatch): number {
    const y = match.row.box.y0 / match.row.pageHeight;
    const edge = y < 0.3 ? 1 : y > 0.8 ? 0.8 : 0.4;
    return edge + (counts.get(match.value)! - 1) * 0.5 - (match.row.page - 1);
  }
  const best = ranked[0]!;
  const alone = new Set(sellers.map((match) => match.value)).size === 1;
  const confidence = alone ? (distinct.size === 1 ? 0.97 : 0.92) : 0.75;
  return { field: codeField(best, confidence), row: best.row };
}

/** The supplier's IBAN: not the buyer's (a direct debit from "your account"). */
export function findIban({ layout, regions }: { layout: Layout; regions: BuyerRegion[] }): ExtractedField<string> | null {
  const sellers = ibans(layout).filter((match) => !isBuyers(match, regions));
  if (sellers.length === 0) return null;
  const labelled = sellers.find((match) => /iban|rekening|compte|konto|account|bank/.test(fold(match.row.text.slice(0, match.start))));
  const alone = new Set(sellers.map((match) => match.value)).size === 1;
  return codeField(labelled ?? sellers[0]!, alone ? 0.95 : 0.75);
}

const ADDRESS_RE =
  /(?:^|\s)\d{4}\s?[A-Z]{2}(?:\s|$)|(?:^|\s)(?:[A-Z]-|L-|D-|F-|B-)?\d{4,5}\s+\p{Lu}\p{Ll}+|\p{L}+(?:straat|laan|weg|plein|lei|dreef|steenweg|kaai|gracht|strasse|straße|str\.|gasse|platz|allee|ring)\b|\b(?:rue|avenue|boulevard|chaussee|chaussée|place|route|allée|impasse|quai|street|road|lane|avenue)\s|\s\d{1,4}\s?[a-zA-Z]?(?:\s?(?:bus|bte|boîte)\s?\d+)?$/u;
const CONTACT_RE =
  /@|www\.|https?:|\.(?:be|nl|de|fr|lu|com|eu)\b|(?:^|\s)(?:tel|tél|fax|gsm|phone|telefon|mobile|e-?mail|iban|bic|swift|btw|tva|vat|mwst|ust|kbo|rpr|rpm|kvk|hrb|siret|siren|rcs|datum|date)\b/i;

/** The supplier's name: a company line near the top (or by the supplier's VAT number), not the buyer's. */
export function findSupplierName({
  layout,
  regions,
  vat,
}: {
  layout: Layout;
  regions: BuyerRegion[];
  vat: { row: Row; box: Box } | null;
}): ExtractedField<string> | null {
  const candidates: { segment: Segment; name: string; score: number }[] = [];
  const firstPage = layout.rows[0]?.page;
  let textRowsSeen = 0;
  for (const row of layout.rows) {
    if (row.page !== firstPage) break;
    const top = row.box.y0 / row.pageHeight;
    const vatRow = vat?.row ?? null;
    const vatBox = vat?.box ?? null;
    const aboveVat = vatRow !== null && vatRow.page === row.page && vatRow.index - row.index >= 0 && vatRow.index - row.index <= 5;
    const footer = top > 0.8;
    if (top > 0.4 && !aboveVat && !footer) continue;
    const segments = segmentsOf(row);
    for (const segment of segments) {
      if (inBuyerRegion(regions, row.page, segment.box)) continue;
      let text = segment.text.trim();
      let score = 0;
      const seller = SELLER_LABEL_RE.exec(fold(text));
      if (seller && seller.index === 0) {
        text = text.slice(seller[0].length).trim();
        score += 0.5;
      }
      const name = cleanName(text);
      if (!name) continue;
      const legal = LEGAL_FORM_RE.test(name);
      const height = segment.box.y1 - segment.box.y0;
      if (footer && !legal) continue;
      // The supplier's block: the rows above its VAT number, in the same column.
      const nearVat = aboveVat && overlapsHorizontally(segment.box, vatBox!, layout.lineHeight * 2);
      if (legal) score += 0.5;
      if (top < 0.4) score += 0.3 * (1 - top / 0.4);
      if (height > layout.lineHeight * 1.25) score += 0.25;
      if (textRowsSeen === 0) score += 0.15;
      if (nearVat) score += 0.2;
      if (footer) score -= 0.15;
      candidates.push({ segment, name, score });
    }
    textRowsSeen++;
  }
  if (candidates.length === 0) return null;
  candidates.sort((a, b) => b.score - a.score || a.segment.row.index - b.segment.row.index);
  const best = candidates[0]!;
  const margin = candidates[1] ? best.score - candidates[1].score : best.score;
  const confidence = Math.min(0.95, 0.35 + best.score * 0.45 + Math.min(margin, 0.4) * 0.4);
  const { row, start, end } = best.segment;
  return {
    value: best.name,
    confidence: confidence * confidenceOf(row, start, end),
    source: { page: row.page, box: best.segment.box, text: best.segment.text },
  };
}

/** A segment's text as a company name, or null when it is no name (a title, an address, a number). */
function cleanName(text: string): string | null {
  let name = text.replace(/^[\s:|•·*#\-–]+|[\s:|•·*,\-–]+$/g, '');
  // "Acme BV · Kerkstraat 1 · 2000 Antwerpen": the name ends at its legal form or at a separator.
  const legal = LEGAL_FORM_RE.exec(name);
  if (legal && legal.index > 0) name = name.slice(0, legal.index + legal[0].length);
  else name = name.split(/\s[|·•–-]\s|,\s/)[0]!;
  name = name.trim();
  if (name.length < 2 || name.length > 60) return null;
  const letters = (name.match(/\p{L}/gu) ?? []).length;
  const digits = (name.match(/\d/g) ?? []).length;
  if (letters < 2 || digits > letters / 2) return null;
  const folded = fold(name);
  if (NOT_A_NAME_RE.test(folded) || BUYER_LABEL_RE.exec(folded)?.index === 0) return null;
  if (CONTACT_RE.test(name)) return null;
  if (!LEGAL_FORM_RE.test(name) && ADDRESS_RE.test(name)) return null;
  if (/^(?:bedankt|merci|danke|thank|tot ziens|au revoir|bis bald|welkom|bienvenue)/.test(folded)) return null;
  return name;
}
