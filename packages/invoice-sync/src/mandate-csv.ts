import { parse } from 'csv-parse/sync';
import { electronicFormatIBAN, extractBIC, isSEPACountry, isValidBIC, isValidIBAN } from 'ibantools';
import { MandateCsvInvalidError } from './invoice-sync.errors.js';

/** The most rows one upload may hold (a bigger file is refused whole). */
export const MAX_MANDATE_ROWS = 5000;

export type MandateSequence = 'FRST' | 'RCUR' | 'OOFF';

/** One data row of a mandate CSV, as written and as understood. */
export interface MandateCsvRow {
  /** 1-based line number in the file (the header is line 1). */
  line: number;
  customerNumber: string;
  iban: string;
  bic: string | null;
  reference: string;
  signatureDate: string;
  /** Null when the file has no sequence (the first collection is FRST, later ones RCUR). */
  sequence: MandateSequence | null;
  /** Why the row cannot be linked, found from the row alone (empty = fine so far). */
  reasons: string[];
}

// Header names as people write them, reduced to letters and digits in lower case.
const COLUMNS: Record<string, keyof Pick<MandateCsvRow, 'customerNumber' | 'iban' | 'bic' | 'reference' | 'signatureDate' | 'sequence'>> = {
  customernumber: 'customerNumber',
  customer: 'customerNumber',
  iban: 'iban',
  bic: 'bic',
  mandatereference: 'reference',
  mandateref: 'reference',
  mandateid: 'reference',
  reference: 'reference',
  signaturedate: 'signatureDate',
  signedon: 'signatureDate',
  datesigned: 'signatureDate',
  sequence: 'sequence',
  sequencetype: 'sequence',
};
const REQUIRED = ['customerNumber', 'iban', 'bic', 'reference', 'signatureDate'] as const;
// SEPA mandate identification: at most 35 characters of the SEPA Latin set.
const REFERENCE = /^[A-Za-z0-9+?/\-:().,' ]{1,35}$/;

/**
 * Reads a mandate CSV (comma or semicolon separated, header row, UTF-8 with or without BOM) with
 * csv-parse and checks each row on its own: IBAN (checksum, SEPA country), BIC (format, same
 * country as the IBAN), reference, signature date (a real day, not after `today`), sequence.
 * A file that cannot be read as CSV, lacks a column or has too many rows is refused whole.
 */
export function readMandateCsv(input: { text: string; today: string }): MandateCsvRow[] {
  const text = input.text.replace(/^\uFEFF/, '');
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  let records: string[][];
  try {
    records = parse(text, { delimiter, skip_empty_lines: true, trim: true, relax_column_count: true }) as string[][];
  } catch (cause) {
    throw new MandateCsvInvalidError({ reason: `not a readable CSV file: ${(cause as Error).message}` });
  }
  const header = records[0];
  if (!header) throw new MandateCsvInvalidError({ reason: 'the file is empty' });
  const positions = new Map<string, number>();
  header.forEach((name, index) => {
    const column = COLUMNS[name.toLowerCase().replace(/[^a-z0-9]/g, '')];
    if (column && !positions.has(column)) positions.set(column, index);
  });
  const missing = REQUIRED.filter((c) => !positions.has(c));
  if (missing.length > 0) throw new MandateCsvInvalidError({ reason: `missing column(s): ${missing.join(', ')}`, missing: [...missing] });
  if (records.length - 1 > MAX_MANDATE_ROWS) throw new MandateCsvInvalidError({ reason: `more than ${MAX_MANDATE_ROWS} rows; split the file` });
  if (records.length === 1) throw new MandateCsvInvalidError({ reason: 'the file has a header but no rows' });

  return records.slice(1).map((record, index) => {
    const cell = (column: string) => {
      const at = positions.get(column);
      return at === undefined ? '' : (record[at] ?? '').trim();
    };
    const reasons: string[] = [];
    const customerNumber = cell('customerNumber');
    if (!customerNumber) reasons.push('missing_customer_number');

    const rawIban = cell('iban');
    const iban = electronicFormatIBAN(rawIban) ?? '';
    if (!rawIban) reasons.push('missing_iban');
    else if (!isValidIBAN(iban)) reasons.push('invalid_iban');
    else if (!isSEPACountry(iban.slice(0, 2))) reasons.push('iban_not_sepa');

    const rawBic = cell('bic').replace(/\s+/g, '').toUpperCase();
    if (rawBic && !isValidBIC(rawBic)) reasons.push('invalid_bic');
    else if (rawBic && isValidIBAN(iban) && extractBIC(rawBic).countryCode !== iban.slice(0, 2)) reasons.push('bic_country_mismatch');

    const reference = cell('reference');
    if (!reference) reasons.push('missing_reference');
    else if (!REFERENCE.test(reference)) reasons.push('invalid_reference');

    const rawDate = cell('signatureDate');
    const signatureDate = isoDay(rawDate);
    if (!signatureDate) reasons.push(rawDate ? 'invalid_signature_date' : 'missing_signature_date');
    else if (signatureDate > input.today) reasons.push('signature_date_in_future');

    const rawSequence = cell('sequence').toUpperCase();
    const sequence = rawSequence === '' ? null : (['FRST', 'RCUR', 'OOFF'] as const).find((s) => s === rawSequence);
    if (sequence === undefined) reasons.push('invalid_sequence');

    return {
      line: index + 2,
      customerNumber,
      iban: iban || rawIban,
      bic: rawBic || null,
      reference,
      signatureDate: signatureDate ?? rawDate,
      sequence: sequence ?? null,
      reasons,
    };
  });
}

/** 'YYYY-MM-DD' or 'DD/MM/YYYY' (also with '-' or '.') to 'YYYY-MM-DD' when it is a real calendar day. */
function isoDay(value: string): string | null {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const eu = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value);
  const [y, m, d] = iso ? [iso[1], iso[2], iso[3]] : eu ? [eu[3], eu[2], eu[1]] : [];
  if (!y || !m || !d) return null;
  const day = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
  const date = new Date(`${day}T00:00:00.000Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== day ? null : day;
}

/** The row report as CSV: every row with its outcome and reasons, for the operator to fix and upload again. */
export function mandateReportCsv(
  rows: ReadonlyArray<{ line: number; customerNumber: string; reference: string; outcome: string; reasons: readonly string[] }>,
): string {
  const quote = (value: string) => (/[",;\r\n]/.test(value) || /^[=+\-@]/.test(value) ? `"${value.replace(/^([=+\-@])/, "'$1").replace(/"/g, '""')}"` : value);
  const lines = ['line,customerNumber,mandateReference,outcome,reasons'];
  for (const r of rows) lines.push([String(r.line), r.customerNumber, r.reference, r.outcome, r.reasons.join(' ')].map(quote).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
