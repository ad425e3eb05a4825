/** Contract placeholder: the fields lane (issue 16) replaces this file. */
export interface VatNumberCheck {
  valid: boolean;
  /** "BE0123456749" when valid, else null. */
  normalised: string | null;
  country: 'BE' | 'NL' | 'DE' | 'FR' | 'LU' | null;
}

/** BE/NL/DE/FR/LU VAT numbers with their check digits (python-stdnum's rules). */
export function checkVatNumber(_input: { value: string }): VatNumberCheck {
  throw new Error('checkVatNumber is not built yet');
}
