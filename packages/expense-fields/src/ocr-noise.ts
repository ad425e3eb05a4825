// Letters OCR reads in place of digits. Mapped only inside tokens that are mostly digits, so
// words such as "BTW" or "Bon" stay as they are.
const DIGIT_LOOKALIKES: Record<string, string> = {
  O: '0',
  o: '0',
  D: '0',
  Q: '0',
  l: '1',
  I: '1',
  '|': '1',
  i: '1',
  S: '5',
  s: '5',
  B: '8',
  Z: '2',
  z: '2',
  g: '9',
};

const AMOUNT_OR_DATE = /^[-−(€$£]*\d[\d.,'’]*[.,]\d\d[)€-]*$|^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$/;

const NUMERIC_TOKEN = /^[-−(€$£]*[\dOoDQlI|iSsBZzg.,'’/:-]+[)€%-]*$/;

/**
 * The text with digit look-alikes replaced inside number-like tokens, character for character
 * (the same length, so offsets into the original stay valid).
 */
export function digitsFromLookalikes(text: string): string {
  return text.replace(/\S+/g, (token) => {
    if (!NUMERIC_TOKEN.test(token)) return token;
    const digits = (token.match(/\d/g) ?? []).length;
    const lookalikes = [...token].filter((char) => char in DIGIT_LOOKALIKES).length;
    if (digits === 0) return token;
    const mapped = [...token].map((char) => DIGIT_LOOKALIKES[char] ?? char).join('');
    // Mostly digits ("1O,5O"), or the shape of an amount or date once mapped ("1O6,OO"); "Bo" is neither.
    return lookalikes <= digits || AMOUNT_OR_DATE.test(mapped) ? mapped : token;
  });
}

/** One look-alike mapped, for codes (VAT numbers, IBANs) whose letters are digits. */
export function digitFor(char: string): string | undefined {
  return DIGIT_LOOKALIKES[char];
}
