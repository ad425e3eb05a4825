/** What the sandbox bank does with a collection, by the debtor's IBAN. */
export type TestOutcome =
  | { kind: 'refusal'; code: 'AM04' | 'MD01' | 'AC04'; description: string }
  /** A bank-specific reason: reported as Rsn/Prtry, not Rsn/Cd. */
  | { kind: 'refusal'; code: 'TG01'; proprietary: true; description: string }
  | { kind: 'reversal'; code: 'MD06'; description: string };

/**
 * Debtor IBANs with a scripted outcome (all with valid checksums and national check digits). A
 * refusal is reported (pain.002) on the collection date, before settlement; a reversal (camt.054 DBIT)
 * `reversalDays` TARGET2 business days after it. Any other valid IBAN settles on the collection date.
 */
export const TEST_IBANS: Readonly<Record<string, TestOutcome>> = Object.freeze({
  DE62500105170000040401: { kind: 'refusal', code: 'AM04', description: 'insufficient funds' },
  NL42INGB0001010101: { kind: 'refusal', code: 'MD01', description: 'no valid mandate' },
  FR7630004008280001040199920: { kind: 'refusal', code: 'AC04', description: 'account closed' },
  BE34310060606090: { kind: 'reversal', code: 'MD06', description: 'refund requested by the debtor' },
  BE10310060607104: { kind: 'refusal', code: 'TG01', proprietary: true, description: "refused for a reason of the debtor's bank's own (Rsn/Prtry)" },
});

/** Valid IBANs that settle (the usual documentation examples). */
export const SETTLING_IBANS = Object.freeze(['BE68539007547034', 'NL91ABNA0417164300', 'DE89370400440532013000', 'FR1420041010050500013M02606']);

/** Valid IBANs of SEPA countries outside the EEA: they settle when the collection carries the debtor agent's BIC and the debtor's address. */
export const NON_EEA_IBANS = Object.freeze({ CH: 'CH9300762011623852957', GB: 'GB29NWBK60161331926819' });

/** IBAN in electronic form: no spaces, upper case. */
export function normaliseIban(iban: string): string {
  return iban.replace(/\s+/g, '').toUpperCase();
}

/** ISO 13616 check: country, two check digits, mod 97 = 1. No national (BBAN) rules. */
export function hasValidIbanChecksum(iban: string): boolean {
  const value = normaliseIban(iban);
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(value)) return false;
  const digits = `${value.slice(4)}${value.slice(0, 4)}`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rest = 0;
  for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  return rest === 1;
}

/** The scripted outcome of a debtor IBAN; undefined = it settles. */
export function outcomeFor(iban: string): TestOutcome | undefined {
  return TEST_IBANS[normaliseIban(iban)];
}
