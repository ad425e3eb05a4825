import { ConflictError, UnavailableError, UnprocessableError } from '@tollgate/plugin-sdk';

export const COUNTRIES = ['DE'] as const;

/** E-POST prints and posts in Germany: letters to other countries go through other carriers. */
export const countryUnsupported = (country: string) =>
  new UnprocessableError({
    code: 'postal_country_unsupported',
    message: `E-POST (postal-de-epost) sends letters to Germany only (DE); this letter goes to ${country || 'no country'}. Nothing was sent.`,
    details: { country, countries: COUNTRIES },
  });

export const productUnsupported = (product: string) =>
  new UnprocessableError({
    code: 'postal_product_unsupported',
    message: `E-POST offers standard and registered letters, not "${product}". Nothing was sent.`,
    details: { product, products: ['standard', 'registered'] },
  });

export const registeredDuplex = () =>
  new UnprocessableError({
    code: 'epost_registered_duplex',
    message: 'E-POST does not print registered letters (Einschreiben) duplex: send it simplex. Nothing was sent.',
  });

export const letterTooLong = (pages: number) =>
  new UnprocessableError({
    code: 'letter_too_long',
    message: `E-POST takes letters of at most 94 pages; this one has ${pages}. Nothing was sent.`,
    details: { pages, maxPages: 94 },
  });

export const credentialsMissing = () =>
  new UnprocessableError({
    code: 'epost_credentials_missing',
    message:
      "This account has no E-POST credentials: an owner or admin stores the contract's EKP, password and secret with PUT /v1/plugins/postal-de-epost/credentials. Nothing was sent.",
  });

export const credentialsInvalid = (vendorCode: string | null) =>
  new UnprocessableError({
    code: 'epost_credentials_invalid',
    message:
      vendorCode === 'E004'
        ? 'Deutsche Post has blocked this EKP (E004): the credentials were not stored.'
        : 'E-POST refused these credentials (unknown EKP, wrong password or secret): they were not stored.',
    details: { vendorCode },
  });

export const epostUnavailable = () =>
  new UnavailableError({
    code: 'epost_unavailable',
    message: 'E-POST is unavailable right now. Nothing was stored or sent; try again later.',
  });

export const submissionConflict = () =>
  new ConflictError({
    code: 'idempotency_key_reused',
    message: 'This idempotency key was used for another letter (a different PDF): nothing was sent.',
  });

export const submissionInProgress = () =>
  new ConflictError({
    code: 'epost_submission_in_progress',
    message: 'This letter is being uploaded to E-POST by another request: try again in a moment (it is sent once).',
  });
