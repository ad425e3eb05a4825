import type { AccountingDocument, AccountingExporter, ExportFile, ExportRefusal } from '@tollgate/plugin-sdk';
import { UblDocumentInconsistentError, writeUbl } from '@tollgate/ubl';

export const PEPPOL_EXPORTER_ID = 'peppol-ubl';
export const PEPPOL_CHANNEL_ID = 'export-peppol-ubl';
export const PEPPOL_FORMAT = 'UBL 2.1 (Peppol BIS Billing 3.0)';

/** 'invoice-7.xml' taken → 'invoice-7-2.xml', 'invoice-7-3.xml'… */
const uniqueName = (taken: Set<string>, name: string): string => {
  let candidate = name;
  for (let n = 2; taken.has(candidate.toLowerCase()); n += 1) candidate = name.replace(/\.xml$/, `-${n}.xml`);
  taken.add(candidate.toLowerCase());
  return candidate;
};

const encoder = new TextEncoder();

/** What the exporter needs of `createUblValidator` (@tollgate/ubl-validation): fatal violations with their rule ids. */
export interface UblDocumentValidator {
  validate(input: { xml: string }): Promise<{ valid: boolean; fatal: ReadonlyArray<{ id: string; text: string }> }>;
}

/**
 * The 'peppol-ubl' exporter: one UBL file per document (layout 'document'). Each document is
 * written (@tollgate/ubl) and, unless validation is off, checked against both Schematron sets; a
 * document that cannot be written or has a fatal violation is refused with the rule (the first
 * fatal one; the message lists them all). The validator is made on first use: compiling the rule
 * sets is not free and a host that never exports should not pay for it.
 */
export class PeppolExporter implements AccountingExporter {
  readonly id = PEPPOL_EXPORTER_ID;
  readonly label = 'Peppol UBL (BIS Billing 3.0)';
  readonly format = PEPPOL_FORMAT;
  readonly channel = PEPPOL_CHANNEL_ID;
  readonly layout = 'document' as const;
  readonly #validate: boolean;
  readonly #createValidator: () => UblDocumentValidator;
  #validator: UblDocumentValidator | null = null;

  constructor(input: { validate: boolean; createValidator: () => UblDocumentValidator }) {
    this.#validate = input.validate;
    this.#createValidator = input.createValidator;
  }

  async render(input: { accountId: string; documents: readonly AccountingDocument[]; options: Readonly<Record<string, unknown>> }): Promise<{
    files: ExportFile[];
    refused: ExportRefusal[];
  }> {
    const files: ExportFile[] = [];
    const refused: ExportRefusal[] = [];
    const names = new Set<string>();
    for (const document of input.documents) {
      let written: ReturnType<typeof writeUbl>;
      try {
        written = writeUbl({ document });
      } catch (error) {
        if (error instanceof UblDocumentInconsistentError) {
          refused.push({ documentId: document.id, rule: error.rule, message: error.message });
          continue;
        }
        // An unforeseen writer failure on one document must not hold back the others.
        refused.push({ documentId: document.id, rule: 'ubl-writer', message: `The UBL writer failed: ${(error as Error).message}` });
        continue;
      }
      if (this.#validate) {
        this.#validator ??= this.#createValidator();
        // A validator that fails (not a violation: it could not run) throws: the run is retried.
        const result = await this.#validator.validate({ xml: written.xml });
        if (result.fatal.length > 0) {
          const ids = [...new Set(result.fatal.map((v) => v.id))];
          const first = result.fatal[0]!;
          refused.push({
            documentId: document.id,
            rule: first.id,
            message: `${ids.join(', ')}: ${first.text}${ids.length > 1 ? ` (and ${ids.length - 1} more rules)` : ''}`,
          });
          continue;
        }
      }
      files.push({ name: uniqueName(names, written.fileName), contentType: 'application/xml', body: encoder.encode(written.xml), documentIds: [document.id] });
    }
    return { files, refused };
  }
}
