import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';

/**
 * A reader for WinBooks import files, written from the published layout, not from the writer:
 * - help.winbooks.be "Import data from CSV files": comma separated values; numeric fields use the
 *   decimal point; L = T/F; VATCAT 1 liable / 2 zero-rated / 3 non liable / 0 indeterminate;
 *   Belgian VATNUMBER 0999.999.999 with the dots.
 * - the ACT column order and the DOCTYPE / DBKTYPE meanings as the WinBooks documentation quoted by
 *   Valuya/winbooks-java (WbDocType, WbDbkType, Winbooks.generateEntriesCsv) gives them, and dates
 *   yyyymmdd as it and tryton/tryton account_export_winbooks write them; no header line.
 */
const ACT = (
  'DOCTYPE DBKCODE DBKTYPE DOCNUMBER DOCORDER OPCODE ACCOUNTGL ACCOUNTRP BOOKYEAR PERIOD DATE DATEDOC DUEDATE COMMENT COMMENTEXT AMOUNT ' +
  'AMOUNTEUR VATBASE VATCODE CURRAMOUNT CURRCODE CUREURBASE VATTAX VATIMPUT CURRATE REMINDLEV MATCHNO OLDDATE ISMATCHED ISLOCKED ' +
  'ISIMPORTED ISPOSITIVE ISTEMP MEMOTYPE ISDOC DOCSTATUS DICFROM CODAKEY'
).split(' ');
const CSF =
  'NUMBER TYPE NAME1 NAME2 CIVNAME1 CIVNAME2 ADRESS1 ADRESS2 VATCAT COUNTRY VATNUMBER PAYCODE TELNUMBER FAXNUMBER BNKACCNT ZIPCODE CITY DEFLTPOST LANG CATEGORY CENTRAL VATCODE CURRENCY'.split(
    ' ',
  );

export type Record_ = Record<string, string>;

export interface WinbooksEntry {
  journal: string;
  dbkType: 'sale' | 'sale_credit_note';
  docNumber: string;
  customer: string;
  bookYear: string;
  period: string;
  date: string;
  dueDate: string;
  /** The customer row's AMOUNTEUR: + for an invoice, − for a credit note. */
  customerAmount: Decimal;
  /** Σ AMOUNTEUR of all rows: 0 when debit = credit. */
  balance: Decimal;
  /** Σ debit and Σ credit of the rows (AMOUNTEUR > 0 is a debit). */
  debit: Decimal;
  credit: Decimal;
  /** Per VAT code: the base (VATBASE of the VAT row) and the tax (|AMOUNTEUR| of the VAT row; 0 for a DOCTYPE 4 row). */
  vat: Map<string, { base: Decimal; tax: Decimal; zeroRated: boolean }>;
  /** Revenue rows: account → |AMOUNTEUR|. */
  revenue: Map<string, Decimal>;
  structuredCommunication: string;
}

/** Decodes the bytes as the file says: ISO-8859-1 is one byte a character. */
export function decode(body: Uint8Array, encoding: 'latin1' | 'utf-8'): string {
  if (encoding === 'utf-8') return new TextDecoder('utf-8', { fatal: true }).decode(body);
  let text = '';
  for (const byte of body) text += String.fromCharCode(byte);
  return text;
}

/** Parses a WinBooks text file and checks its framing: CRLF lines, every field quoted, the table's column count. */
export function readTable(input: { text: string; kind: 'ACT' | 'CSF' }): Record_[] {
  const columns = input.kind === 'ACT' ? ACT : CSF;
  if (!input.text.endsWith('\r\n')) throw new Error(`${input.kind}: the last line must end with CRLF`);
  const lines = input.text.slice(0, -2).split('\r\n');
  for (const [i, line] of lines.entries()) {
    if (line.includes('\n') || line.includes('\r')) throw new Error(`${input.kind} line ${i + 1}: a bare line feed`);
    if (!/^"[^"]*"(,"[^"]*")*$/.test(line)) throw new Error(`${input.kind} line ${i + 1}: every field must be quoted and no field may hold a quote`);
  }
  const records: string[][] = parse(input.text, { record_delimiter: '\r\n', relax_column_count: true });
  return records.map((fields, i) => {
    if (fields.length !== columns.length) throw new Error(`${input.kind} line ${i + 1}: ${fields.length} fields, the table has ${columns.length}`);
    return Object.fromEntries(columns.map((c, j) => [c, fields[j]!]));
  });
}

const AMOUNT = /^-?\d+\.\d{2}$/;
const DATE = /^(\d{4})(\d{2})(\d{2})$/;

function amount(row: Record_, column: string, line: number): Decimal {
  const value = row[column]!;
  if (!AMOUNT.test(value)) throw new Error(`ACT line ${line}: ${column} "${value}" is not a decimal-point amount`);
  return new Decimal(value);
}

function date(value: string, what: string): string {
  const m = DATE.exec(value);
  if (!m) throw new Error(`${what} "${value}" is not yyyymmdd`);
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  if (new Date(`${iso}T00:00:00Z`).toISOString().slice(0, 10) !== iso) throw new Error(`${what} "${value}" is no calendar date`);
  return iso;
}

/** Groups ACT rows into entries (journal + document number) and checks each row's fields. */
export function readEntries(rows: readonly Record_[]): WinbooksEntry[] {
  const entries = new Map<string, WinbooksEntry>();
  rows.forEach((row, i) => {
    const line = i + 1;
    if (!['1', '3', '4'].includes(row.DOCTYPE!)) throw new Error(`ACT line ${line}: DOCTYPE ${row.DOCTYPE} is not a sales document's 1, 3 or 4`);
    if (!['2', '3'].includes(row.DBKTYPE!)) throw new Error(`ACT line ${line}: DBKTYPE ${row.DBKTYPE} is not sales (2) or a sales credit note (3)`);
    if (!/^\d+$/.test(row.DOCNUMBER!)) throw new Error(`ACT line ${line}: DOCNUMBER is not numeric`);
    if (!/^(\d{3}|VAT)$/.test(row.DOCORDER!)) throw new Error(`ACT line ${line}: DOCORDER "${row.DOCORDER}"`);
    if (!/^\d{2}$/.test(row.PERIOD!)) throw new Error(`ACT line ${line}: PERIOD is two digits`);
    if (row.COMMENT!.length > 40) throw new Error(`ACT line ${line}: COMMENT longer than 40`);
    const key = `${row.DBKCODE}/${row.DOCNUMBER}`;
    const value = amount(row, 'AMOUNTEUR', line);
    let entry = entries.get(key);
    if (row.DOCTYPE === '1') {
      if (entry) throw new Error(`ACT line ${line}: a second customer row for ${key}`);
      entry = {
        journal: row.DBKCODE!,
        dbkType: row.DBKTYPE === '2' ? 'sale' : 'sale_credit_note',
        docNumber: row.DOCNUMBER!,
        customer: row.ACCOUNTRP!,
        bookYear: row.BOOKYEAR!,
        period: row.PERIOD!,
        date: date(row.DATEDOC!, `ACT line ${line}: DATEDOC`),
        dueDate: date(row.DUEDATE!, `ACT line ${line}: DUEDATE`),
        customerAmount: value,
        balance: new Decimal(0),
        debit: new Decimal(0),
        credit: new Decimal(0),
        vat: new Map(),
        revenue: new Map(),
        structuredCommunication: row.COMMENTEXT!,
      };
      entries.set(key, entry);
    }
    if (!entry) throw new Error(`ACT line ${line}: a row of ${key} before its customer row`);
    if (row.DBKTYPE !== (entry.dbkType === 'sale' ? '2' : '3')) throw new Error(`ACT line ${line}: DBKTYPE changes within ${key}`);
    entry.balance = entry.balance.plus(value);
    if (value.isPositive()) entry.debit = entry.debit.plus(value);
    else entry.credit = entry.credit.minus(value);
    if (row.DOCORDER === 'VAT') {
      if (row.VATCODE === '') throw new Error(`ACT line ${line}: a VAT row without VATCODE`);
      const zeroRated = row.DOCTYPE === '4';
      if (zeroRated && !value.isZero()) throw new Error(`ACT line ${line}: a DOCTYPE 4 row carries only a base`);
      const vat = entry.vat.get(row.VATCODE!) ?? { base: new Decimal(0), tax: new Decimal(0), zeroRated };
      vat.base = vat.base.plus(amount(row, 'VATBASE', line));
      vat.tax = vat.tax.plus(value.abs());
      entry.vat.set(row.VATCODE!, vat);
    } else if (row.DOCTYPE === '3') {
      entry.revenue.set(row.ACCOUNTGL!, (entry.revenue.get(row.ACCOUNTGL!) ?? new Decimal(0)).plus(value.abs()));
    }
  });
  return [...entries.values()];
}
