/** The five countries whose VAT numbers an expense scan recognises. */
export type VatCountry = 'BE' | 'NL' | 'DE' | 'FR' | 'LU';

export interface VatNumberCheck {
  valid: boolean;
  /** "BE0123456749" when valid, else null. */
  normalised: string | null;
  country: VatCountry | null;
}

const INVALID: VatNumberCheck = { valid: false, normalised: null, country: null };

// The separators python-stdnum's compact() strips, plus the ones OCR and print layouts add.
const SEPARATORS = /[\s.\-/:]/g;

/**
 * BE/NL/DE/FR/LU VAT numbers with their check digits, following python-stdnum's rules
 * (stdnum/be/vat, nl/btw, de/vat, fr/tva, lu/tva). Written here rather than taken from a
 * library because the npm ports differ on the Dutch 2020 rule (mod 97-10 over "NL…"), and five
 * short rules are easier to keep right with stdnum's own examples as tests.
 */
export function checkVatNumber({ value }: { value: string }): VatNumberCheck {
  const compact = value.replace(SEPARATORS, '').toUpperCase();
  const country = compact.slice(0, 2);
  const rest = compact.slice(2);
  switch (country) {
    case 'BE':
      return result('BE', belgian(rest));
    case 'NL':
      return result('NL', dutch(rest));
    case 'DE':
      return result('DE', german(rest));
    case 'FR':
      return result('FR', french(rest));
    case 'LU':
      return result('LU', luxembourgish(rest));
    default:
      return INVALID;
  }
}

function result(country: VatCountry, digits: string | null): VatNumberCheck {
  return digits === null ? INVALID : { valid: true, normalised: country + digits, country };
}

function isDigits(text: string): boolean {
  return /^\d+$/.test(text);
}

/** Remainder of a long digit string, without a bigint. */
function mod(digits: string, divisor: number): number {
  let remainder = 0;
  for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % divisor;
  return remainder;
}

/** 10 digits (an old 9-digit number gets a leading 0), first 0 or 1, first 8 + last 2 ≡ 0 mod 97. */
function belgian(rest: string): string | null {
  let digits = rest.startsWith('(0)') ? '0' + rest.slice(3) : rest;
  if (digits.length === 9) digits = '0' + digits;
  if (!isDigits(digits) || digits.length !== 10 || !/^[01]/.test(digits) || /^0+$/.test(digits)) return null;
  return (Number(digits.slice(0, 8)) + Number(digits.slice(8))) % 97 === 0 ? digits : null;
}

/** 9 digits (RSIN/BSN, zero-padded), 'B', 2 digits > 0: the BSN 11-test or, since 2020, mod 97-10 over "NL…". */
function dutch(rest: string): string | null {
  const match = /^(\d{1,9})B(\d{2})$/.exec(rest);
  if (!match) return null;
  const number = match[1]!.padStart(9, '0');
  const unit = match[2]!;
  if (Number(number) === 0 || Number(unit) === 0) return null;
  const full = `${number}B${unit}`;
  return elevenTest(number) || mod97_10(`NL${full}`) ? full : null;
}

function elevenTest(nine: string): boolean {
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (9 - i) * Number(nine[i]);
  return (sum - Number(nine[8])) % 11 === 0;
}

/** ISO 7064 mod 97-10: letters count as 10–35, the whole must be ≡ 1 mod 97. */
function mod97_10(text: string): boolean {
  const digits = [...text].map((char) => (/\d/.test(char) ? char : String(char.charCodeAt(0) - 55))).join('');
  return mod(digits, 97) === 1;
}

/** 9 digits, not starting with 0, ISO 7064 mod 11,10. */
function german(rest: string): string | null {
  if (!isDigits(rest) || rest.length !== 9 || rest.startsWith('0')) return null;
  let check = 5;
  for (const digit of rest) check = ((((check || 10) * 2) % 11) + Number(digit)) % 10;
  return check === 1 ? rest : null;
}

const FR_ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';

/** 2-character key + 9-digit SIREN (Luhn unless Monaco's "000…"); numeric key = (SIREN·100 + 12) mod 97. */
function french(rest: string): string | null {
  if (rest.length !== 11) return null;
  const key = rest.slice(0, 2);
  const siren = rest.slice(2);
  if (![...key].every((char) => FR_ALPHABET.includes(char)) || !isDigits(siren)) return null;
  if (!siren.startsWith('000') && !luhn(siren)) return null;
  if (isDigits(key)) return Number(key) === mod(siren + '12', 97) ? rest : null;
  const check = isDigits(key[0]!)
    ? FR_ALPHABET.indexOf(key[0]!) * 24 + FR_ALPHABET.indexOf(key[1]!) - 10
    : FR_ALPHABET.indexOf(key[0]!) * 34 + FR_ALPHABET.indexOf(key[1]!) - 100;
  return (mod(siren, 11) + 1 + Math.floor(check / 11)) % 11 === check % 11 ? rest : null;
}

function luhn(digits: string): boolean {
  let sum = 0;
  [...digits].reverse().forEach((char, index) => {
    const doubled = index % 2 === 1 ? Number(char) * 2 : Number(char);
    sum += doubled > 9 ? doubled - 9 : doubled;
  });
  return sum % 10 === 0;
}

/** 8 digits, the last 2 = the first 6 mod 89. */
function luxembourgish(rest: string): string | null {
  if (!isDigits(rest) || rest.length !== 8) return null;
  return Number(rest.slice(0, 6)) % 89 === Number(rest.slice(6)) ? rest : null;
}
