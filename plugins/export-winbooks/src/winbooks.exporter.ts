import { formatIssues, ValidationError, type AccountingDocument, type AccountingExporter, type ExportFile, type ExportRefusal } from '@tollgate/plugin-sdk';
import { ACT_COLUMNS, actDocument, customerOf, type ActDocument } from './winbooks-act.js';
import { CSF_COLUMNS, csfRow, type CsfRow } from './winbooks-csf.js';
import { winbooksTextFile } from './winbooks-text-file.js';
import { winbooksTargetOptions } from './target-options.js';

export const WINBOOKS_EXPORTER_ID = 'winbooks';
export const WINBOOKS_CHANNEL_ID = 'export-winbooks';
/** The file names WinBooks' import looks for in the folder it imports. */
export const ACT_FILE_NAME = 'ACT.txt';
export const CSF_FILE_NAME = 'CSF.txt';

/**
 * Sales invoices and credit notes as the two text files WinBooks imports (help.winbooks.be "Import
 * data from CSV files"): ACT.txt with the accounting entries, carrying every written document, and
 * CSF.txt with their customers (no document of its own: `documentIds: []`). One batch per render.
 */
export class WinbooksExporter implements AccountingExporter {
  readonly id = WINBOOKS_EXPORTER_ID;
  readonly label = 'WinBooks';
  readonly format = 'WinBooks ACT + CSF (text)';
  readonly channel = WINBOOKS_CHANNEL_ID;
  readonly layout = 'batch' as const;
  readonly targetOptions = winbooksTargetOptions;

  async render(input: {
    accountId: string;
    documents: readonly AccountingDocument[];
    options: Readonly<Record<string, unknown>>;
  }): Promise<{ files: ExportFile[]; refused: ExportRefusal[] }> {
    const parsed = winbooksTargetOptions.safeParse(input.options);
    if (!parsed.success) throw new ValidationError({ message: `winbooks: invalid target options: ${formatIssues(parsed.error.issues)}` });
    const options = parsed.data;

    const refused: ExportRefusal[] = [];
    const written: ActDocument[] = [];
    const customers = new Map<string, CsfRow>();
    // WinBooks keys a document by journal and number: two documents there would overwrite each other.
    const numbers = new Map<string, string>();
    // A derived customer number (a code of the source id) could, rarely, be another customer's number.
    const owners = new Map<string, { identity: string; derived: boolean }>();
    for (const document of input.documents) {
      const result = actDocument(document, options);
      if ('rule' in result) {
        refused.push(result);
        continue;
      }
      const key = `${result.journalCode}/${result.docNumber}`;
      const first = numbers.get(key);
      if (first !== undefined) {
        refused.push({
          documentId: document.id,
          rule: 'winbooks-document-number-duplicate',
          message: `${document.number}: journal ${result.journalCode} already has document ${result.docNumber} in this export (${first}); WinBooks numbers are digits only, so give credit notes their own journal (creditNoteJournalCode)`,
        });
        continue;
      }
      const customer = customerOf(document, options)!;
      const identity = customer.derived ? `source:${document.buyer.sourceId}` : `number:${customer.number}`;
      const owner = owners.get(customer.number);
      if (owner && owner.identity !== identity && (owner.derived || customer.derived)) {
        refused.push({
          documentId: document.id,
          rule: 'winbooks-customer-number-collision',
          message: `${document.number}: the customer number ${customer.number} derived for the buyer "${document.buyer.name}" is another customer's in this export; set customerNumbers { "${document.buyer.sourceId}": "<WinBooks number>" }`,
        });
        continue;
      }
      owners.set(customer.number, { identity, derived: customer.derived });
      numbers.set(key, document.number);
      written.push(result);
      if (!customers.has(result.customerNumber))
        customers.set(result.customerNumber, csfRow({ number: result.customerNumber, buyer: document.buyer, customerAccount: options.customerAccount }));
    }
    if (written.length === 0) return { files: [], refused };

    const contentType = `text/plain; charset=${options.encoding === 'latin1' ? 'iso-8859-1' : 'utf-8'}`;
    return {
      files: [
        {
          name: ACT_FILE_NAME,
          contentType,
          body: winbooksTextFile({ columns: ACT_COLUMNS, rows: written.flatMap((d) => d.rows), encoding: options.encoding }),
          documentIds: written.map((d) => d.documentId),
        },
        {
          name: CSF_FILE_NAME,
          contentType,
          body: winbooksTextFile({ columns: CSF_COLUMNS, rows: [...customers.values()], encoding: options.encoding }),
          documentIds: [],
        },
      ],
      refused,
    };
  }
}
