import { MAX_PDF_DOWNLOAD } from '@tollgate/invoice-sync';
import { z } from 'zod';

const invoiceIds = z
  .array(z.string().min(1).max(100))
  .min(1)
  .max(MAX_PDF_DOWNLOAD)
  .describe(`Invoice or credit note ids of this account (at most ${MAX_PDF_DOWNLOAD})`);

export const pdfFetchBody = z.strictObject({
  invoiceIds: invoiceIds.optional().describe('The invoices to fetch now; omitted: every invoice of the account without a PDF (given up ones included)'),
});

export const pdfDownloadBody = z.strictObject({ invoiceIds });
