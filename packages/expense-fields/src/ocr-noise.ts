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
    // Mostly digits: "1O,5O" is an amount, "Bo" or "IBAN" is not.
    if (digits === 0 || lookalikes > digits) return token;
    return [...token].map((char) => DIGIT_LOOKALIKES[char] ?? char).join('');
  });
}

/** One look-alike mapped, for codes (VAT numbers, IBANs) whose letters are digits. */
export function digitFor(char: string): string | undefined {
  return DIGIT_LOOKALIKES[char];
}
