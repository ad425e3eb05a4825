import { stringify } from 'csv-stringify/sync';

/**
 * A WinBooks import text file: no header line, every field in double quotes, comma separated, CRLF
 * line ends (Valuya/winbooks-java's CsvHandler; help.winbooks.be: "ASCII Comma Separated Values").
 * A double quote inside a value becomes a single quote and a line break a space, as the reference
 * client does, so no field ever needs escaping.
 */
export function winbooksTextFile<C extends string>(input: {
  columns: readonly C[];
  rows: readonly Record<C, string>[];
  encoding: 'latin1' | 'utf-8';
}): Uint8Array {
  const records = input.rows.map((row) => input.columns.map((column) => clean(row[column])));
  const text = stringify(records, { quoted: true, quoted_empty: true, record_delimiter: 'windows' });
  return input.encoding === 'utf-8' ? new TextEncoder().encode(text) : latin1(text);
}

function clean(value: string): string {
  return value.replaceAll('"', "'").replace(/[\r\n]+/g, ' ');
}

/** ISO-8859-1 bytes; a character outside it becomes '?' (the reference client's charset correction). */
function latin1(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  let n = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes[n++] = code <= 0xff ? code : 0x3f;
  }
  return bytes.subarray(0, n);
}
