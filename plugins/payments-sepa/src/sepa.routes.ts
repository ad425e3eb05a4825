import { defineRoute, type PluginRoute } from '@tollgate/plugin-sdk';
import { z } from 'zod';
import { batchesList, importedReport, importedStatement, reportsList, tickView, unmatchedList } from './sepa.responses.js';
import type { SepaDirectDebitProvider } from './sepa-direct-debit.provider.js';

/**
 * Operator routes (admin key), mounted under /v1/plugins/payments-sepa. A pain.002 (POST /returns) or
 * camt.053/camt.054 (POST /statements) file is posted as `{ "xml": "<Document…" }`, or as the file
 * itself (text/plain or application/xml).
 */
export function sepaRoutes(input: { provider: SepaDirectDebitProvider }): PluginRoute[] {
  const { provider } = input;
  return [
    defineRoute({
      method: 'GET',
      path: '/batches',
      auth: 'admin',
      summary: 'Collection files (pain.008), newest first',
      responses: { 200: { description: 'The last 500 files', body: batchesList } },
      async handler() {
        return { body: { data: await provider.listBatches() } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/batches/:id',
      auth: 'admin',
      summary: 'One collection file as the bank received it (application/xml)',
      responses: { 200: { description: 'The pain.008 file', contentType: 'application/xml' } },
      params: z.object({ id: z.string().min(1) }),
      async handler({ params }) {
        const batch = await provider.getBatch({ id: params.id });
        return {
          headers: { 'content-type': 'application/xml; charset=utf-8', 'content-disposition': `inline; filename="${batch.msgId}.xml"` },
          body: batch.xml,
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/returns',
      auth: 'admin',
      summary: 'Apply a pain.002 status report received from the bank by other means',
      accepts: ['text/plain', 'application/xml'],
      responses: { 200: { description: 'What the report changed', body: importedReport } },
      body: z.union([z.strictObject({ xml: z.string().min(1) }), z.string().min(1)]),
      async handler({ body }) {
        const result = await provider.importReport({ xml: typeof body === 'string' ? body : body.xml });
        return { status: 200, body: result };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/statements',
      auth: 'admin',
      summary: 'Apply a camt.054 notification or camt.053 statement received from the bank by other means (returns, credits)',
      accepts: ['text/plain', 'application/xml'],
      responses: { 200: { description: 'What the statement changed', body: importedStatement } },
      body: z.union([z.strictObject({ xml: z.string().min(1) }), z.string().min(1)]),
      async handler({ body }) {
        const result = await provider.importStatement({ xml: typeof body === 'string' ? body : body.xml });
        return { status: 200, body: result };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/reports',
      auth: 'admin',
      summary: 'Status reports (pain.002) and statements (camt.054/camt.053) read, newest first, with their file-level status',
      responses: { 200: { description: 'The last 500', body: reportsList } },
      async handler() {
        return { body: { data: await provider.listReports() } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/unmatched',
      auth: 'admin',
      summary: 'Report and statement lines naming a file, batch or collection this plugin does not know, newest first',
      responses: { 200: { description: 'The last 500 lines', body: unmatchedList } },
      async handler() {
        return { body: { data: await provider.listUnmatched() } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/run',
      auth: 'admin',
      summary: 'Run now: submit due collections, read status reports, settle matured collections',
      responses: { 200: { description: 'What each step did', body: tickView } },
      async handler() {
        return { body: await provider.tick() };
      },
    }),
  ] as PluginRoute[];
}
