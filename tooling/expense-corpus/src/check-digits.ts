import { composeIBAN, isValidIBAN } from 'ibantools';
import type { SeededRandom } from './seeded-random.js';

/*
 * VAT numbers and IBANs with right check digits, made and checked by the rules python-stdnum uses
 * (stdnum/be/vat, nl/btw with the BSN 11-test, de/vat ISO 7064 mod 11,10, fr/tva with a Luhn-valid
 * SIREN, lu/tva mod 89). The truth's consistency test checks them again, and against published examples.
 */

export type VatCountry = 'BE' | 'NL' | 'DE' | 'FR' | 'LU';

const mod = (value: string, divisor: number): number => Number(BigInt(value) % BigInt(divisor));

function bsnCheckDigit(eight: string): number {
  let sum = 0;
  for (let i = 0; i < 8; i += 1) sum += (9 - i) * Number(eight[i]);
  return sum % 11;
}

function mod1110CheckDigit(digits: string): number {
  let check = 5;
  for (const d of digits) check = ((((check || 10) * 2) % 11) + Number(d)) % 10;
  return (((1 - (((check || 10) * 2) % 11)) % 10) + 10) % 10;
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  [...digits].reverse().forEach((d, i) => {
    let n = Number(d);
    if (i % 2 === 1) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
  });
  return sum % 10 === 0;
}

function luhnCheckDigit(digits: string): number {
  for (let d = 0; d <= 9; d += 1) if (luhnValid(digits + String(d))) return d;
  throw new Error('unreachable');
}

/** A new VAT number for `country` with right check digits, normalised ("BE0123456749"). */
export function makeVatNumber(input: { country: VatCountry; random: SeededRandom }): string {
  const { country, random } = input;
  switch (country) {
    case 'BE': {
      const eight = `0${random.int(4, 9)}${random.digits(6)}`;
      return `BE${eight}${String(97 - mod(eight, 97)).padStart(2, '0')}`;
    }
    case 'NL': {
      for (;;) {
        const eight = `${random.int(1, 9)}${random.digits(7)}`;
        const check = bsnCheckDigit(eight);
        if (check < 10) return `NL${eight}${check}B0${random.int(1, 3)}`;
      }
    }
    case 'DE': {
      const eight = `${random.int(1, 9)}${random.digits(7)}`;
      return `DE${eight}${mod1110CheckDigit(eight)}`;
    }
    case 'FR': {
      const eight = `${random.int(3, 9)}${random.digits(7)}`;
      const siren = `${eight}${luhnCheckDigit(eight)}`;
      return `FR${String(mod(`${siren}12`, 97)).padStart(2, '0')}${siren}`;
    }
    case 'LU': {
      const six = `${random.int(1, 3)}${random.digits(5)}`;
      return `LU${six}${String(mod(six, 89)).padStart(2, '0')}`;
    }
  }
}

/** Whether a normalised VAT number has right check digits (any of the five countries). */
export function isValidVatNumber(value: string): boolean {
  const country = value.slice(0, 2);
  const rest = value.slice(2);
  switch (country) {
    case 'BE':
      return /^[01]\d{9}$/.test(rest) && 97 - mod(rest.slice(0, 8), 97) === Number(rest.slice(8));
    case 'NL': {
      const m = /^(\d{9})B(\d{2})$/.exec(rest);
      if (!m || m[2] === '00') return false;
      const nine = m[1] as string;
      // BSN 11-test (before 2020) or ISO 7064 mod 97-10 over the whole number (since 2020).
      const letters = [...`${value}`].map((c) => (/\d/.test(c) ? c : String(c.charCodeAt(0) - 55))).join('');
      return bsnCheckDigit(nine.slice(0, 8)) === Number(nine[8]) || mod(letters, 97) === 1;
    }
    case 'DE':
      return /^[1-9]\d{8}$/.test(rest) && mod1110CheckDigit(rest.slice(0, 8)) === Number(rest[8]);
    case 'FR': {
      if (!/^\d{11}$/.test(rest)) return false;
      const siren = rest.slice(2);
      return luhnValid(siren) && mod(`${siren}12`, 97) === Number(rest.slice(0, 2));
    }
    case 'LU':
      return /^\d{8}$/.test(rest) && mod(rest.slice(0, 6), 89) === Number(rest.slice(6));
    default:
      return false;
  }
}

export type IbanCountry = VatCountry | 'GB';

/** A new IBAN (electronic format) at a real-looking bank of `country`, national check digits included. */
export function makeIban(input: { country: IbanCountry; random: SeededRandom }): string {
  const { country, random } = input;
  let bban: string;
  switch (country) {
    case 'BE': {
      const ten = `${random.pick(['001', '068', '363', '539', '735', '143'])}${random.digits(7)}`;
      bban = `${ten}${String(mod(ten, 97) || 97).padStart(2, '0')}`;
      break;
    }
    case 'NL':
      bban = `${random.pick(['ABNA', 'INGB', 'RABO', 'TRIO', 'SNSB'])}0${random.digits(9)}`;
      break;
    case 'DE':
      bban = `${random.pick(['37040044', '70020270', '10010010', '50010517', '20041133'])}${random.digits(10)}`;
      break;
    case 'FR': {
      const bank = random.pick(['30004', '20041', '10107', '30003']);
      const branch = random.digits(5);
      const account = random.digits(11);
      const key = 97 - mod(`${bank}${branch}${account}00`, 97);
      bban = `${bank}${branch}${account}${String(key).padStart(2, '0')}`;
      break;
    }
    case 'LU':
      bban = `${random.pick(['001', '002', '003', '019'])}${random.digits(13)}`;
      break;
    case 'GB':
      bban = `${random.pick(['NWBK', 'BARC', 'LOYD'])}${random.digits(14)}`;
      break;
  }
  const iban = composeIBAN({ countryCode: country, bban });
  if (iban === null || !isValidIBAN(iban)) throw new Error(`made an invalid IBAN for ${country}: ${bban}`);
  return iban;
}
