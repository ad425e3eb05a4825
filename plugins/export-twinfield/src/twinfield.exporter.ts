import { create } from 'xmlbuilder2';
import { formatIssues, ValidationError, type AccountingDocument, type AccountingExporter, type ExportFile, type ExportRefusal } from '@tollgate/plugin-sdk';
import { twinfieldTargetOptions } from './target-options.js';
import { appendTransaction, twinfieldTransaction, type TwinfieldTransaction } from './twinfield-transactions.js';

export const TWINFIELD_EXPORTER_ID = 'twinfield';
export const TWINFIELD_CHANNEL_ID = 'export-twinfield';
export const TWINFIELD_FILE_NAME = 'twinfield-sales-transactions.xml';

/**
 * Sales invoices and credit notes as Twinfield sales transactions: one `<transactions>` document
 * with a `<transaction>` per written document, the XML Twinfield's ProcessXmlString accepts to
 * create them (developers.twinfield.com "Sales transactions"). Provisional ('temporary') unless the
 * target says 'final', so the accountant reviews before posting. One batch file per render.
 */
export class TwinfieldExporter implements AccountingExporter {
  readonly id = TWINFIELD_EXPORTER_ID;
  readonly label = 'Twinfield';
  readonly format = 'Twinfield sales transactions (XML)';
  readonly channel = TWINFIELD_CHANNEL_ID;
  readonly layout = 'batch' as const;
  readonly targetOptions = twinfieldTargetOptions;

  async render(input: {
    accountId: string;
    documents: readonly AccountingDocument[];
    options: Readonly<Record<string, unknown>>;
  }): Promise<{ files: ExportFile[]; refused: ExportRefusal[] }> {
    const parsed = twinfieldTargetOptions.safeParse(input.options);
    if (!parsed.success) throw new ValidationError({ message: `twinfield: invalid target options: ${formatIssues(parsed.error.issues)}` });
    const refused: ExportRefusal[] = [];
    const written: TwinfieldTransaction[] = [];
    for (const document of input.documents) {
      const result = twinfieldTransaction(document, parsed.data);
      if ('rule' in result) refused.push(result);
      else written.push(result);
    }
    if (written.length === 0) return { files: [], refused };
    const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('transactions');
    for (const tx of written) appendTransaction(root, tx);
    const xml = root.end({ prettyPrint: true });
    return {
      files: [
        {
          name: TWINFIELD_FILE_NAME,
          contentType: 'application/xml; charset=utf-8',
          body: new TextEncoder().encode(xml),
          documentIds: written.map((t) => t.documentId),
        },
      ],
      refused,
    };
  }
}
