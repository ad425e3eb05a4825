import type { AccountingParty } from '@tollgate/plugin-sdk';

/**
 * Peppol Electronic Address Scheme (EAS) codes for VAT numbers, keyed by the VAT number's prefix
 * (Greece writes 'EL'). From the OpenPeppol EAS code list, which the Peppol Schematron checks
 * (PEPPOL-EN16931-CL008). The value is the whole VAT number with its prefix ('NL002455799B11'),
 * as Peppol directories register it.
 */
export const VAT_ENDPOINT_SCHEMES: Readonly<Record<string, string>> = {
  HU: '9910',
  AT: '9914',
  ES: '9920',
  AD: '9922',
  AL: '9923',
  BA: '9924',
  BE: '9925',
  BG: '9926',
  CH: '9927',
  CY: '9928',
  CZ: '9929',
  DE: '9930',
  EE: '9931',
  GB: '9932',
  EL: '9933',
  HR: '9934',
  IE: '9935',
  LI: '9936',
  LT: '9937',
  LU: '9938',
  LV: '9939',
  MC: '9940',
  ME: '9941',
  MK: '9942',
  MT: '9943',
  NL: '9944',
  PL: '9945',
  PT: '9946',
  RO: '9947',
  RS: '9948',
  SI: '9949',
  SK: '9950',
  SM: '9951',
  TR: '9952',
  VA: '9953',
  FR: '9957',
  IT: '0211',
  FI: '0213',
};

/** The Belgian enterprise number scheme (KBO/BCE), mandatory for Belgian Peppol participants since 2026. */
export const BELGIAN_ENTERPRISE_SCHEME = '0208';

export interface PeppolEndpoint {
  scheme: string;
  id: string;
}

/** 'be 0123.456.749' → 'BE0123456749'. */
export const normaliseVatNumber = (vat: string | null | undefined): string | null => {
  const cleaned = (vat ?? '').replace(/[\s.\-/]/g, '').toUpperCase();
  return cleaned === '' ? null : cleaned;
};

/**
 * The party's 10-digit Belgian enterprise number: the one given, or read from a BE VAT number (the
 * VAT number is 'BE' + the enterprise number; old 9-digit numbers get their leading 0).
 */
export const belgianEnterpriseNumber = (party: AccountingParty): string | null => {
  const given = (party.enterpriseNumber ?? '').replace(/\D/g, '');
  if (given !== '') return given.length === 9 ? `0${given}` : given;
  const vat = normaliseVatNumber(party.vatNumber);
  const match = vat === null ? null : /^BE(\d{9,10})$/.exec(vat);
  if (match === null) return null;
  return match[1]!.length === 9 ? `0${match[1]}` : match[1]!;
};

const isBelgian = (party: AccountingParty): boolean =>
  party.address.country.toUpperCase() === 'BE' || (normaliseVatNumber(party.vatNumber)?.startsWith('BE') ?? false);

/**
 * Where Peppol delivers to the party (BT-34 / BT-49): a Belgian party by its enterprise number
 * (0208), any other by its VAT number in its country's VAT scheme (9944 NL, 9930 DE, 9957 FR…).
 * Null when neither is known: the document cannot be sent over Peppol.
 */
export const peppolEndpoint = (party: AccountingParty): PeppolEndpoint | null => {
  if (isBelgian(party)) {
    const enterprise = belgianEnterpriseNumber(party);
    if (enterprise !== null) return { scheme: BELGIAN_ENTERPRISE_SCHEME, id: enterprise };
  }
  const vat = normaliseVatNumber(party.vatNumber);
  if (vat === null) return null;
  const scheme = VAT_ENDPOINT_SCHEMES[vat.slice(0, 2)];
  return scheme === undefined ? null : { scheme, id: vat };
};
