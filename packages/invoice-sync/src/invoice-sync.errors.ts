import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '@tollgate/errors';

export class ConnectionNotFoundError extends NotFoundError {
  constructor(id: string) {
    super({ code: 'connection_not_found', message: `No invoice-sync connection ${id} on this account.`, details: { connectionId: id } });
  }
}

export class ProfileNotFoundError extends NotFoundError {
  constructor(id: string) {
    super({ code: 'profile_not_found', message: `No profile ${id} on this account.`, details: { profileId: id } });
  }
}

export class CustomerNotFoundError extends NotFoundError {
  constructor(id: string) {
    super({ code: 'customer_not_found', message: `No customer ${id} on this account.`, details: { customerId: id } });
  }
}

export class InvoiceNotFoundError extends NotFoundError {
  constructor(id: string) {
    super({ code: 'invoice_not_found', message: `No invoice ${id} on this account.`, details: { invoiceId: id } });
  }
}

export class RunNotFoundError extends NotFoundError {
  constructor(id: string) {
    super({ code: 'run_not_found', message: `No import run ${id}.`, details: { runId: id } });
  }
}

export class UnknownSourceError extends ValidationError {
  constructor(sourceId: string) {
    super({ code: 'unknown_source', message: `Unknown invoice source "${sourceId}"; its plugin is not loaded on this host.`, details: { sourceId } });
  }
}

export class AlreadyConnectedError extends ConflictError {
  constructor(input: { accountId: string; sourceId: string; sourceAccountId: string }) {
    super({
      code: 'already_connected',
      message: `This account already has a ${input.sourceId} connection, or that ${input.sourceId} account is linked to another account; disconnect it first.`,
      details: input,
    });
  }
}

export class ConnectionNotActiveError extends ConflictError {
  constructor(input: { connectionId: string; status: string }) {
    super({ code: 'connection_not_active', message: `Connection ${input.connectionId} is ${input.status}; reconnect it before importing.`, details: input });
  }
}

export class ImportRunningError extends ConflictError {
  constructor(connectionId: string) {
    super({
      code: 'import_running',
      message: `An import is already running for connection ${connectionId}; wait for it to finish.`,
      details: { connectionId },
    });
  }
}

export class ProfileInUseError extends ConflictError {
  constructor(input: { profileId: string; reason: string }) {
    super({ code: 'profile_in_use', message: `Profile ${input.profileId} cannot be deleted: ${input.reason}.`, details: input });
  }
}

export class CustomFieldsUnsupportedError extends UnprocessableError {
  constructor(input: { connectionId: string; sourceId: string }) {
    super({
      code: 'custom_fields_unsupported',
      message: `The ${input.sourceId} source of connection ${input.connectionId} does not list custom fields.`,
      details: input,
    });
  }
}

export class ReconsentRequiredError extends ConflictError {
  constructor(input: { connectionId: string; status: string }, cause?: unknown) {
    super({
      code: 'reconsent_needed',
      message: `Connection ${input.connectionId} needs consent again: connect the source again (its plugin's connect route) before reading from it.`,
      details: input,
      cause,
    });
  }
}

export class NoProfileConfiguredError extends UnprocessableError {
  constructor(input: { connectionId: string; accountId: string }) {
    super({
      code: 'no_profile_configured',
      message:
        'No collection profile applies to this import: create a profile (POST /v1/invoice-sync/profiles; the first one is the default), or set the connection’s defaultProfileId, or set its profileFieldId and give profiles a sourceOptionValue — then import again.',
      details: input,
    });
  }
}

/** Issue 14 A5: the invoice was imported in another currency; collection (SEPA, profiles) is EUR only. */
export class CurrencyNotCollectableError extends ConflictError {
  constructor(input: { invoiceId: string; currency: string }) {
    super({
      code: 'currency_not_collectable',
      message: `Invoice ${input.invoiceId} is in ${input.currency}; only EUR invoices can be collected. Collect it outside Tollgate.`,
      details: input,
    });
  }
}

export class MandateCsvInvalidError extends ValidationError {
  constructor(input: { reason: string; missing?: string[] }) {
    super({ code: 'mandate_csv_invalid', message: `The mandate file was refused: ${input.reason}. Nothing was stored.`, details: input });
  }
}

export class MandateUploadNotFoundError extends NotFoundError {
  constructor(id: string) {
    super({ code: 'mandate_upload_not_found', message: `No mandate upload ${id} on this account.`, details: { uploadId: id } });
  }
}

export class DirectDebitCreditorMissingError extends UnprocessableError {
  constructor() {
    super({
      code: 'direct_debit_creditor_missing',
      message: 'Set the creditor (name, IBAN, BIC, SEPA creditor identifier) with PUT /v1/invoice-sync/direct-debit/creditor before collecting.',
    });
  }
}

/** 409: the invoice's invitation went out (or is on its way); it is never sent twice. */
export class InvitationAlreadySentError extends ConflictError {
  constructor(input: { invoiceId: string; status: string }) {
    super({
      code: 'invitation_already_sent',
      message: `The invitation of invoice ${input.invoiceId} is already ${input.status === 'sent' ? 'sent' : 'queued'}; it is never sent twice.`,
      details: input,
    });
  }
}

/**
 * 409: no PDF of the invoice in the file store yet (S-6: not fetched yet, or given up; see its
 * pdfStatus and event log). An invitation always carries it.
 */
export class PdfNotAvailableError extends ConflictError {
  constructor(invoiceId: string, pdfStatus?: string) {
    super({
      code: 'pdf_not_available',
      message: `The PDF of invoice ${invoiceId} is not available yet${pdfStatus ? ` (${pdfStatus})` : ''}; POST /v1/invoice-sync/invoices/pdfs/fetch asks for it now.`,
      details: { invoiceId, ...(pdfStatus ? { pdfStatus } : {}) },
    });
  }
}

/** S-6: none of the selected invoices has a PDF, so there is nothing to put in a ZIP. */
export class NoPdfAvailableError extends ConflictError {
  constructor(input: { invoiceIds: readonly string[] }) {
    super({ code: 'no_pdf_available', message: 'None of the selected invoices has a PDF yet.', details: { count: input.invoiceIds.length } });
  }
}

/** 422: the invoice cannot be offered to its customer as it is (no e-mail address, no IBAN for a transfer, a credit note, …). */
export class InvitationNotPossibleError extends UnprocessableError {
  constructor(input: { invoiceId: string; reason: string; message: string }) {
    super({ code: 'invitation_not_possible', message: input.message, details: { invoiceId: input.invoiceId, reason: input.reason } });
  }
}

/** 400: an IBAN or BIC that does not check out. */
export class InvalidBankAccountError extends ValidationError {
  constructor(input: { field: 'iban' | 'bic'; value: string }) {
    super({
      code: input.field === 'iban' ? 'invalid_iban' : 'invalid_bic',
      message: input.field === 'iban' ? `Not a valid IBAN: ${JSON.stringify(input.value)}` : `Not a valid BIC: ${JSON.stringify(input.value)}`,
      details: { field: input.field },
    });
  }
}

export class DirectDebitUnavailableError extends UnprocessableError {
  constructor() {
    super({
      code: 'direct_debit_unavailable',
      message: 'No direct-debit collector is loaded on this host (add the payments-sepa plugin to the configuration).',
    });
  }
}

export class PaymentNotFoundError extends NotFoundError {
  constructor(input: { paymentId?: string; method?: string; externalRef?: string }) {
    super({ code: 'payment_not_found', message: 'No such payment on this account.', details: input });
  }
}

/** The invoice cannot take this payment (a credit note, already paid, another currency). Nothing is recorded. */
export class InvoiceNotPayableError extends UnprocessableError {
  constructor(input: { invoiceId: string; reason: 'credit_note' | 'already_paid' | 'currency_mismatch' | 'unsupported_currency'; currency?: string }) {
    const why = {
      credit_note: 'it is a credit note (the source has no payments for credit notes)',
      already_paid: 'it is already paid in full',
      currency_mismatch: `the payment's currency differs from the invoice's (${input.currency ?? '?'})`,
      unsupported_currency: `payments are collected in EUR only, not ${input.currency ?? '?'}`,
    }[input.reason];
    super({ code: 'invoice_not_payable', message: `Invoice ${input.invoiceId} cannot take this payment: ${why}.`, details: input });
  }
}

/** The same (method, external reference) was recorded before with another invoice or amount. */
export class PaymentConflictError extends ConflictError {
  constructor(input: { paymentId: string; method: string; externalRef: string }) {
    super({
      code: 'payment_conflict',
      message: `Payment ${input.method}/${input.externalRef} was recorded before for another invoice or amount; nothing recorded.`,
      details: input,
    });
  }
}

export class WritebackNotFoundError extends NotFoundError {
  constructor(id: string) {
    super({ code: 'writeback_not_found', message: `No write-back ${id} on this account.`, details: { writebackId: id } });
  }
}

export class WritebackNotParkedError extends ConflictError {
  constructor(input: { writebackId: string; status: string }) {
    super({ code: 'writeback_not_parked', message: `Write-back ${input.writebackId} is ${input.status}; only a parked one can be retried.`, details: input });
  }
}
