import type { AccountingParty } from '@tollgate/plugin-sdk';

/**
 * The CSF (customers/suppliers) columns in file order: the part of the table that WinBooks' own CSF
 * export header, the WinBooks API's reference client (Valuya/winbooks-java) and an Odoo CSF export
 * agree on, up to CURRENCY. The reference client writes the same prefix and no header line.
 */
export const CSF_COLUMNS = [
  'NUMBER',
  'TYPE',
  'NAME1',
  'NAME2',
  'CIVNAME1',
  'CIVNAME2',
  'ADRESS1',
  'ADRESS2',
  'VATCAT',
  'COUNTRY',
  'VATNUMBER',
  'PAYCODE',
  'TELNUMBER',
  'FAXNUMBER',
  'BNKACCNT',
  'ZIPCODE',
  'CITY',
  'DEFLTPOST',
  'LANG',
  'CATEGORY',
  'CENTRAL',
  'VATCODE',
  'CURRENCY',
] as const;

export type CsfColumn = (typeof CSF_COLUMNS)[number];
export type CsfRow = Record<CsfColumn, string>;

/** TYPE 1 = customer. VATCAT (help.winbooks.be): 1 liable (a VAT number is filled in), 3 non liable. */
const CUSTOMER_TYPE = '1';
const VATCAT = { liable: '1', nonLiable: '3' } as const;

/**
 * VATNUMBER without the country prefix, in the picture WinBooks checks for intra-community
 * countries (help.winbooks.be, CSF "VATNUMBER"): Belgium 0999.999.999 (with the dots); the other
 * countries' pictures are their digits and letters as issued, which the number already is.
 */
export function winbooksVatNumber(vatNumber: string, country: string): string {
  const compact = vatNumber.replace(/[\s.-]/g, '').toUpperCase();
  const prefix = compact.slice(0, 2);
  const national = /^[A-Z]{2}$/.test(prefix) ? compact.slice(2) : compact;
  if ((prefix === 'BE' || country === 'BE') && /^\d{9,10}$/.test(national)) {
    const ten = national.padStart(10, '0');
    return `${ten.slice(0, 4)}.${ten.slice(4, 7)}.${ten.slice(7)}`;
  }
  return national;
}

/** The buyer as a CSF customer row under its WinBooks number. */
export function csfRow(input: { number: string; buyer: AccountingParty; customerAccount: string }): CsfRow {
  const { number, buyer, customerAccount } = input;
  const vat = buyer.vatNumber ? winbooksVatNumber(buyer.vatNumber, buyer.address.country) : '';
  const row = Object.fromEntries(CSF_COLUMNS.map((column) => [column, ''])) as CsfRow;
  return {
    ...row,
    NUMBER: number,
    TYPE: CUSTOMER_TYPE,
    NAME1: buyer.name,
    ADRESS1: buyer.address.line1 ?? '',
    ADRESS2: buyer.address.line2 ?? '',
    VATCAT: vat === '' ? VATCAT.nonLiable : VATCAT.liable,
    COUNTRY: buyer.address.country,
    VATNUMBER: vat,
    ZIPCODE: buyer.address.postalCode ?? '',
    CITY: buyer.address.city ?? '',
    CENTRAL: customerAccount,
  };
}
