import { z } from 'zod';

/* What the PDF routes answer (S-6), for the OpenAPI document. */

export const pdfFetchScheduled = z.object({
  scheduled: z.number().int().describe('Invoices now due for a fetch (attempts reset); the round runs at once on a running host'),
  available: z.number().int().describe('Of the given ids, those that already have their PDF'),
});

export const pdfBinary = { 'application/pdf': { schema: { type: 'string', format: 'binary' } } };
export const zipBinary = { 'application/zip': { schema: { type: 'string', format: 'binary' } } };
