import { ConflictError, NotFoundError, UnprocessableError } from '@tollgate/errors';

/** 422: no carrier of this host posts to the country under the account's plan; nothing was held. */
export class PostalCountryNotOfferedError extends UnprocessableError {
  constructor(input: { country: string; offered: readonly string[] }) {
    const list = input.offered.length ? input.offered.join(', ') : 'none';
    super({
      code: 'postal_country_not_offered',
      message: `Letters to ${input.country} are not offered to this account; countries offered: ${list}.`,
      details: { country: input.country, offered: [...input.offered] },
    });
  }
}

/** 404: no such letter on this account. */
export class LetterNotFoundError extends NotFoundError {
  constructor(id: string) {
    super({ code: 'letter_not_found', message: `No letter ${id} on this account.`, details: { letterId: id } });
  }
}

/** 422: the invoice is not this account's, or its PDF is not stored (yet). */
export class InvoicePdfUnavailableError extends UnprocessableError {
  constructor(input: { invoiceId: string; reason: 'invoice_not_found' | 'pdf_not_stored' }) {
    super({
      code: 'invoice_pdf_unavailable',
      message:
        input.reason === 'invoice_not_found'
          ? `No invoice ${input.invoiceId} on this account: a letter can only carry an invoice of the account.`
          : `The PDF of invoice ${input.invoiceId} is not stored yet; fetch it first (POST /v1/invoice-sync/invoices/pdfs/fetch).`,
      details: input,
    });
  }
}

/** 409: the Idempotency-Key sent another letter (a different body). */
export class LetterKeyReusedError extends ConflictError {
  constructor(input: { key: string; letterId: string }) {
    // The key as the caller sent it: the host stores callers' keys under an `api:` namespace.
    const key = input.key.replace(/^api:/, '');
    super({
      code: 'idempotency_key_reused',
      message: `Idempotency key ${JSON.stringify(key)} was already used for a different letter (${input.letterId}).`,
      details: { key, operation: 'letter', letterId: input.letterId },
    });
  }
}

/** 422: the letter can no longer be stopped (the carrier has it, or it has ended). */
export class LetterNotCancellableError extends UnprocessableError {
  constructor(input: { letterId: string; status: string }) {
    super({
      code: 'letter_not_cancellable',
      message: `Letter ${input.letterId} is ${input.status}: it can no longer be cancelled.`,
      details: input,
    });
  }
}

/** 422: neither a sender in the request nor a return address in the account's letter settings. */
export class SenderRequiredError extends UnprocessableError {
  constructor() {
    super({
      code: 'sender_required',
      message: 'A letter needs a return address: send `sender`, or set one with PUT /v1/letters/settings.',
    });
  }
}

/** 422: the letter has no content: give an invoiceId, a pdf, html or bodyText. */
export class LetterContentRequiredError extends UnprocessableError {
  constructor() {
    super({ code: 'letter_content_required', message: 'A letter needs content: invoiceId, pdf, html or bodyText.' });
  }
}
