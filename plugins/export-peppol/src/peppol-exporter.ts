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
  /** Stops its worker threads. */
  close?(): Promise<void>;
}

type Written = { document: AccountingDocument; name: string; xml: string } | { document: AccountingDocument; refusal: ExportRefusal };

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
  readonly #concurrency: number;
  readonly #createValidator: () => UblDocumentValidator;
  #validator: UblDocumentValidator | null = null;

  /** `concurrency`: documents validated at once, as many as the validator has threads (default 1; the plugin passes `validationThreads`). */
  constructor(input: { validate: boolean; createValidator: () => UblDocumentValidator; concurrency?: number }) {
    this.#validate = input.validate;
    this.#concurrency = Math.max(1, input.concurrency ?? 1);
    this.#createValidator = input.createValidator;
  }

  async render(input: { accountId: string; documents: readonly AccountingDocument[]; options: Readonly<Record<string, unknown>> }): Promise<{
    files: ExportFile[];
    refused: ExportRefusal[];
  }> {
    const files: ExportFile[] = [];
    const refused: ExportRefusal[] = [];
    const names = new Set<string>();
    // `concurrency` lanes pull the next document, write it and validate it, so every validator thread
    // stays busy to the end (no batch boundary where one slow document holds the others); results
    // keep the documents' order.
    const done: Written[] = new Array<Written>(input.documents.length);
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let i = next++; i < input.documents.length; i = next++) done[i] = await this.#check(this.#write(input.documents[i]!));
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, input.documents.length) }, lane));
    for (const item of done) {
      if ('refusal' in item) refused.push(item.refusal);
      else files.push({ name: uniqueName(names, item.name), contentType: 'application/xml', body: encoder.encode(item.xml), documentIds: [item.document.id] });
    }
    return { files, refused };
  }

  /** Stops the validator's threads (the plugin calls it on shutdown). */
  async close(): Promise<void> {
    const validator = this.#validator;
    this.#validator = null;
    await validator?.close?.();
  }

  #write(document: AccountingDocument): Written {
    try {
      const { xml, fileName } = writeUbl({ document });
      return { document, name: fileName, xml };
    } catch (error) {
      if (error instanceof UblDocumentInconsistentError) return { document, refusal: { documentId: document.id, rule: error.rule, message: error.message } };
      // An unforeseen writer failure on one document must not hold back the others.
      return { document, refusal: { documentId: document.id, rule: 'ubl-writer', message: `The UBL writer failed: ${(error as Error).message}` } };
    }
  }

  /** Validates one written document; a fatal violation turns it into a refusal. */
  async #check(item: Written): Promise<Written> {
    if (!this.#validate || 'refusal' in item) return item;
    this.#validator ??= this.#createValidator();
    // A validator that fails (not a violation: it could not run) throws: the run is retried.
    const result = await this.#validator.validate({ xml: item.xml });
    if (result.fatal.length === 0) return item;
    const ids = [...new Set(result.fatal.map((v) => v.id))];
    const first = result.fatal[0]!;
    return {
      document: item.document,
      refusal: {
        documentId: item.document.id,
        rule: first.id,
        message: `${ids.join(', ')}: ${first.text}${ids.length > 1 ? ` (and ${ids.length - 1} more rules)` : ''}`,
      },
    };
  }
}
