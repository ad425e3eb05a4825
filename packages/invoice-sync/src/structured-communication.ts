/**
 * The Belgian structured communication ("gestructureerde mededeling", OGM/VCS): 10 digits and a
 * 2-digit check (the 10 digits mod 97, 97 when that is 0), shown as +++123/4567/89002+++. Banks
 * pass it on unchanged, which is what lets an incoming transfer be matched to its invoice.
 */
export function structuredCommunication(base: bigint | number): string {
  const value = BigInt(base);
  if (value < 1n || value > 9_999_999_999n) throw new RangeError('A structured communication holds 1 to 9 999 999 999.');
  const digits = value.toString().padStart(10, '0');
  const check = Number(value % 97n) || 97;
  const all = `${digits}${String(check).padStart(2, '0')}`;
  return `+++${all.slice(0, 3)}/${all.slice(3, 7)}/${all.slice(7)}+++`;
}

/** The 12 digits when `text` is a valid structured communication (+++…+++, ***…***, or the bare digits), else null. */
export function parseStructuredCommunication(text: string): string | null {
  const trimmed = text.trim();
  const match = /^(?:(\+{3}|\*{3})\s*)?(\d{3})\s*\/?\s*(\d{4})\s*\/?\s*(\d{5})(?:\s*(\+{3}|\*{3}))?$/.exec(trimmed);
  if (!match || Boolean(match[1]) !== Boolean(match[5])) return null;
  const digits = `${match[2]}${match[3]}${match[4]}`;
  const base = BigInt(digits.slice(0, 10));
  if (base === 0n) return null;
  const check = Number(base % 97n) || 97;
  return Number(digits.slice(10)) === check ? digits : null;
}

/** Every valid structured communication in a free text (a bank line's remittance information). */
export function findStructuredCommunications(text: string): string[] {
  const found = new Set<string>();
  // Overlapping candidates (a lookahead), never inside a longer run of digits: in "invoice 2026/102
  // 090933755493" the first candidate ("102 0909…") must not swallow the real one.
  for (const candidate of text.matchAll(/(?<!\d)(?=(\d{3}\s*\/?\s*\d{4}\s*\/?\s*\d{5})(?!\d))/g)) {
    const digits = parseStructuredCommunication(candidate[1]!.replace(/\D/g, ''));
    if (digits) found.add(digits);
  }
  return [...found];
}

/** The +++ form of 12 digits. */
export function formatStructuredCommunication(digits: string): string {
  return `+++${digits.slice(0, 3)}/${digits.slice(3, 7)}/${digits.slice(7)}+++`;
}
