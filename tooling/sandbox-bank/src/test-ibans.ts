/** What the sandbox bank does with a collection, by the debtor's IBAN. */
export type TestOutcome = { kind: 'refusal'; code: 'AM04' | 'MD01' | 'AC04'; description: string } | { kind: 'reversal'; code: 'MD06'; description: string };

/**
 * Debtor IBANs with a scripted outcome (all with valid checksums and national check digits). A
 * refusal is reported on the collection date, before settlement; a reversal `reversalDays` after
 * it. Any other valid IBAN settles: no report at all, as at a real bank.
 */
export const TEST_IBANS: Readonly<Record<string, TestOutcome>> = Object.freeze({
  DE62500105170000040401: { kind: 'refusal', code: 'AM04', description: 'insufficient funds' },
  NL42INGB0001010101: { kind: 'refusal', code: 'MD01', description: 'no valid mandate' },
  FR7630004008280001040199920: { kind: 'refusal', code: 'AC04', description: 'account closed' },
  BE34310060606090: { kind: 'reversal', code: 'MD06', description: 'refund requested by the debtor' },
});

/** Valid IBANs that settle (the usual documentation examples). */
export const SETTLING_IBANS = Object.freeze(['BE68539007547034', 'NL91ABNA0417164300', 'DE89370400440532013000', 'FR1420041010050500013M02606']);

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
