import type { EPostMessage } from './letter-checks.js';

/* The Letter object of POST /api/Letter as the API defines it (additionalProperties: false), and the API's error replies. */

export const REGISTERED_LETTER_KINDS = ['Einwurf Einschreiben', 'Einschreiben', 'Einschreiben Rückschein'] as const;
export type RegisteredLetterKind = (typeof REGISTERED_LETTER_KINDS)[number];

/** Country names the sandbox accepts for letters abroad (the API wants German names in capitals; the real list is countries.json). */
export const SANDBOX_COUNTRIES = ['BELGIEN', 'NIEDERLANDE', 'LUXEMBURG', 'FRANKREICH', 'ÖSTERREICH', 'SCHWEIZ', 'ITALIEN', 'SPANIEN', 'POLEN', 'DÄNEMARK'];

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: EPostMessage,
  ) {
    super(error.description);
  }
}

const FILE_NAME = /^[A-Za-z0-9._-]{5,200}$/;
const LETTER_FIELDS = new Set([
  'fileName',
  'data',
  'isColor',
  'isDuplex',
  'batchID',
  'registeredLetter',
  'registeredLetterAdressLine1',
  'registeredLetterAdressLine2',
  'registeredLetterAdressLine3',
  'registeredLetterZipCode',
  'registeredLetterCity',
  'testFlag',
  'testEMail',
  'testShowRestrictedArea',
  'coverLetter',
  'coverData',
  'addressLine1',
  'addressLine2',
  'addressLine3',
  'addressLine4',
  'addressLine5',
  'zipCode',
  'city',
  'country',
  'senderAdressLine1',
  'senderStreet',
  'senderZipCode',
  'senderCity',
  'senderAdressLineComplete',
  'custom1',
  'custom2',
  'custom3',
  'custom4',
  'custom5',
  'vendorSystemInformation',
  'costCenter',
  'plugInList',
  'activateDuplicateFailsafe',
]);

export interface ParsedLetter {
  fileName: string;
  data: string;
  addressLines: string[];
  zipCode: string;
  city: string;
  country: string | null;
  isColor: boolean;
  isDuplex: boolean;
  registeredLetter: RegisteredLetterKind | null;
  coverLetter: boolean;
  testFlag: boolean;
  batchID: number;
  custom: Array<string | null>;
  activateDuplicateFailsafe: boolean;
  hasSender: boolean;
}

/** The Letter schema (additionalProperties: false) and the combination rules of the API (E311, E312, E317, E305). */
export function parseLetter(item: unknown, index: number): ParsedLetter {
  const schema = (what: string) => new HttpError(400, message('E313', `Verletzung des Letter-Schemas: letter ${index + 1}: ${what}`));
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw schema('a Letter object is expected');
  const l = item as Record<string, unknown>;
  const extra = Object.keys(l).find((k) => !LETTER_FIELDS.has(k));
  if (extra) throw schema(`unknown field ${extra}`);
  const text = (name: string, min: number, max: number, required: boolean): string | null => {
    const value = l[name];
    if (value === undefined || value === null) {
      if (required) throw schema(`${name} is required`);
      return null;
    }
    if (typeof value !== 'string' || value.length < min || value.length > max) throw schema(`${name} must be a string of ${min}-${max} characters`);
    return value;
  };
  const flag = (name: string): boolean => {
    const value = l[name];
    if (value === undefined) return false;
    if (typeof value !== 'boolean') throw schema(`${name} must be true or false`);
    return value;
  };
  const fileName = text('fileName', 5, 200, true)!;
  if (!FILE_NAME.test(fileName)) throw schema('fileName may hold letters, digits, ".", "_" and "-" only (no special characters)');
  const data = text('data', 1, 30_000_000, true)!;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) throw new HttpError(400, message('E301', `Kein PDF-Format erkannt: data is not base64 - Dateiname: ${fileName}`));
  const addressLines = [1, 2, 3, 4, 5].map((n) => text(`addressLine${n}`, n === 1 ? 1 : 0, 80, n === 1)).filter((v): v is string => !!v);
  const country = text('country', 0, 80, false);
  const domestic = country === null || country === '' || country === 'DEUTSCHLAND';
  if (!domestic && !SANDBOX_COUNTRIES.includes(country)) throw new HttpError(400, message('E305', `Ungültiger Ländercode: ${country}`));
  const zipCode = text('zipCode', 3, 20, true)!;
  if (domestic && !/^\d{5}$/.test(zipCode))
    throw new HttpError(400, message('E306', `Ungültiges Format der Empfängeradresse erkannt: zipCode "${zipCode}" is not a German postcode`));
  const city = text('city', 1, 80, true)!;
  const registered = text('registeredLetter', 0, 50, false);
  if (registered && !(REGISTERED_LETTER_KINDS as readonly string[]).includes(registered))
    throw new HttpError(400, message('E317', `Unzulässiges Einschreiben-Format in Feld RegisteredLetter: ${registered}`));
  const isDuplex = flag('isDuplex');
  if (registered && !domestic) throw new HttpError(400, message('E311', 'Unzulässige Kombination: Einschreiben und Ausland'));
  if (registered && isDuplex) throw new HttpError(400, message('E312', 'Unzulässige Kombination: Dublex + Einschreiben'));
  const batchID = l.batchID === undefined ? 0 : l.batchID;
  if (!Number.isInteger(batchID)) throw schema('batchID must be a whole number');
  return {
    fileName,
    data,
    addressLines,
    zipCode,
    city,
    country: domestic ? null : country,
    isColor: flag('isColor'),
    isDuplex,
    registeredLetter: (registered || null) as RegisteredLetterKind | null,
    coverLetter: flag('coverLetter'),
    testFlag: flag('testFlag'),
    batchID: batchID as number,
    custom: [1, 2, 3, 4, 5].map((n) => text(`custom${n}`, 0, 80, false)),
    activateDuplicateFailsafe: flag('activateDuplicateFailsafe'),
    hasSender:
      !!text('senderAdressLineComplete', 0, 200, false) ||
      (!!text('senderAdressLine1', 0, 80, false) &&
        !!text('senderStreet', 0, 80, false) &&
        !!text('senderZipCode', 0, 80, false) &&
        !!text('senderCity', 0, 80, false)),
  };
}

export function message(code: string, description: string): EPostMessage {
  return { level: 'Error', code, description };
}
