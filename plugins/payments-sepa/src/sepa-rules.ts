import { randomBytes } from 'node:crypto';
import { electronicFormatIBAN, isSEPACountry, isValidBIC, isValidIBAN } from 'ibantools';
import { addTarget2BusinessDays } from '@tollgate/plugin-sdk';
import { validateCreditorID } from 'sepa';

/** IBAN in electronic format (no spaces, upper case) when it is a valid IBAN of a SEPA country; else undefined. */
export function normaliseIban(value: string): string | undefined {
  const iban = electronicFormatIBAN(value) ?? '';
  return isValidIBAN(iban) && isSEPACountry(iban.slice(0, 2)) ? iban : undefined;
}

/** BIC upper case without spaces when valid (8 or 11 characters); else undefined. */
export function normaliseBic(value: string): string | undefined {
  const bic = value.replace(/\s+/g, '').toUpperCase();
  return isValidBIC(bic) ? bic : undefined;
}

// Territories whose banks use the parent country's IBANs (the rule the sepa library checks too).
const TERRITORIES: Readonly<Record<string, readonly string[]>> = {
  FI: ['AX'],
  FR: ['GF', 'GP', 'MQ', 'RE', 'PF', 'TF', 'YT', 'NC', 'BL', 'MF', 'PM', 'WF'],
  GB: ['IM', 'JE', 'GG'],
};

/** A BIC's country (letters 5-6) must be the IBAN's, or one of its territories: banks refuse the file otherwise. */
export function bicMatchesIban(bic: string, iban: string): boolean {
  const bicCountry = bic.slice(4, 6);
  const ibanCountry = iban.slice(0, 2);
  return bicCountry === ibanCountry || (TERRITORIES[ibanCountry] ?? []).includes(bicCountry);
}

/** SEPA creditor identifier: country, check digits, 3-character business code, national id (ISO 7064 mod 97-10). */
export function isValidCreditorId(value: string): boolean {
  return /^[A-Z]{2}\d{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$/.test(value) && value.length <= 35 && validateCreditorID(value);
}

/** 'BE68 •••• 7034': enough to recognise an account, not enough to use it. */
export function maskIban(iban: string): string {
  return `${iban.slice(0, 4)} •••• ${iban.slice(-4)}`;
}

/** Characters every SEPA bank must accept in identifiers and texts (EPC basic Latin set). */
const SEPA_ID = /^[A-Za-z0-9/\-?:().,'+ ]+$/;

/** Mandate ids and EndToEndIds: 1-35 SEPA characters, not starting with '/', no '//' (EPC rules). */
export function isValidSepaId(value: string): boolean {
  return value.length >= 1 && value.length <= 35 && SEPA_ID.test(value) && !value.startsWith('/') && !value.includes('//') && value.trim() === value;
}

const SPECIAL: Readonly<Record<string, string>> = {
  ß: 'ss',
  Æ: 'AE',
  æ: 'ae',
  Ø: 'O',
  ø: 'o',
  Œ: 'OE',
  œ: 'oe',
  Ł: 'L',
  ł: 'l',
  Đ: 'D',
  đ: 'd',
  Þ: 'TH',
  þ: 'th',
  '&': '+',
  _: '-',
};

/**
 * Text for a file (names, remittance): accents dropped ('Zoë Müller' -> 'Zoe Muller'), anything
 * outside the SEPA set replaced by a space, cut to `max`. Banks may refuse or garble other characters.
 */
export function toSepaText(value: string, max: number): string {
  const ascii = value
    .replace(/[ßÆæØøŒœŁłĐđÞþ&_]/g, (c) => SPECIAL[c] ?? c)
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
  const cleaned = ascii
    .replace(/[^A-Za-z0-9/\-?:().,'+ ]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned.slice(0, max).trim() || '-';
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 26 characters, time-ordered (ULID layout: 48-bit ms + 80 random bits), in the SEPA character set. */
export function ulid(now: Date): string {
  let time = '';
  let ms = now.getTime();
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[ms % 32]! + time;
    ms = Math.floor(ms / 32);
  }
  const bytes = randomBytes(16);
  let random = '';
  for (let i = 0; i < 16; i++) random += CROCKFORD[bytes[i]! % 32];
  return time + random;
}

const DAY_MS = 86_400_000;

/** The UTC calendar day of an instant, 'YYYY-MM-DD'. */
export function dayOf(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/** Adds calendar days to a 'YYYY-MM-DD' date (negative to go back). */
export function addDays(day: string, days: number): string {
  return dayOf(new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS));
}

/**
 * `count` TARGET2 business days after `day` (weekends and the six TARGET2 holidays skipped: 1 Jan,
 * Good Friday, Easter Monday, 1 May, 25 and 26 Dec). SEPA collection dates and return windows count these.
 */
export function addBusinessDays(day: string, count: number): string {
  return addTarget2BusinessDays({ day, count });
}

// The EEA (EU 27 plus Iceland, Liechtenstein, Norway). SEPA countries outside it (CH, GB, MC, SM, VA,
// AD, GI…) need the debtor's BIC and address in every collection (EPC Core rulebook, AT-D002/AT-D004).
const EEA = new Set('AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK IS LI NO'.split(' '));

/** true when a SEPA IBAN's country is outside the EEA (its collections must carry BIC and postal address). */
export function isNonEeaSepaIban(iban: string): boolean {
  const country = iban.slice(0, 2);
  return isSEPACountry(country) && !EEA.has(country);
}

/** A real calendar date in 'YYYY-MM-DD' form. */
export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && dayOf(parsed) === value;
}
