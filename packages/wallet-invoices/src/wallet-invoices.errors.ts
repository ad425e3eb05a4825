import { ConflictError, NotFoundError, ValidationError } from '@tollgate/errors';

export class BillingDocumentNotFoundError extends NotFoundError {
  constructor(id: string) {
    super({ code: 'document_not_found', message: `No billing document ${id} in this account.`, details: { id } });
  }
}

/** The PDF and UBL are made after the commit, by a job: until then the files do not exist. */
export class DocumentNotReadyError extends ConflictError {
  constructor(id: string) {
    super({ code: 'document_not_ready', message: `Billing document ${id} is still being rendered; try again in a few seconds.`, details: { id } });
  }
}

export class InvalidVatNumberError extends ValidationError {
  constructor(input: { vatNumber: string; reason: string }) {
    super({
      code: 'invalid_vat_number',
      message: `VAT number ${JSON.stringify(input.vatNumber)}: ${input.reason}.`,
      details: [{ path: ['vatNumber'], message: input.reason }],
    });
  }
}

/** A VAT number of one country on an address in another. */
export class VatCountryMismatchError extends ValidationError {
  constructor(input: { vatNumber: string; country: string }) {
    super({
      code: 'vat_country_mismatch',
      message: `VAT number ${input.vatNumber} is not of the profile's country ${input.country}.`,
      details: [{ path: ['vatNumber'], message: `must be a VAT number of ${input.country}` }],
    });
  }
}
