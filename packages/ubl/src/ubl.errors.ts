import { TollgateError } from '@tollgate/errors';

/**
 * 422 `ubl_document_inconsistent`: the document contradicts itself or lacks what UBL needs, so no
 * valid XML can be written (lines that do not add up to the totals, no Peppol endpoint for a party).
 * `rule` names the EN 16931 / Peppol rule the XML would break ('BR-CO-10', 'PEPPOL-EN16931-R010'), or
 * a writer rule ('ubl-amount-decimals') when none fits.
 */
export class UblDocumentInconsistentError extends TollgateError {
  readonly rule: string;

  constructor(input: { rule: string; message: string; documentId?: string; details?: Record<string, unknown> }) {
    super({
      code: 'ubl_document_inconsistent',
      status: 422,
      message: `[${input.rule}] ${input.message}`,
      details: { rule: input.rule, ...(input.documentId === undefined ? {} : { documentId: input.documentId }), ...input.details },
    });
    this.rule = input.rule;
  }
}
