import { create as createContentDisposition } from 'content-disposition';
import { defineRoute, type PluginRoute } from '@tollgate/plugin-sdk';
import { z } from 'zod';
import { correctionPatch } from './expense-corrections.js';
import { expensesPage, expenseView, quotaView, scanAnswer, settingsView } from './expense-scan.responses.js';
import type { ExpenseScanService } from './expense-scan.service.js';
import { UPLOAD_TYPES } from './options.js';

export const PLUGIN_PATH = '/v1/plugins/expense-scan';

const expenseParams = z.object({ id: z.string().min(1).max(64) });
const SCAN_ERRORS = {
  409: { description: 'wallet_blocked: a reversed payment left the account owing (nothing held)' },
  422: {
    description:
      'insufficient_funds (nothing held; the refusal is recorded on the expense, which stays not scanned), expense_scan_failed (the file could not be read: the hold was released, nothing charged, the expense shows the failure)',
  },
  502: { description: 'expense_scan_interrupted: the read ended without an answer (the host stopping); the hold was released, nothing charged' },
} as const;

/** Routes mounted under /v1/plugins/expense-scan. Reads are for members; uploads, scans, corrections and deletes need an admin (the default for writes). */
export function expenseScanRoutes(input: { service: ExpenseScanService; maxBytes: number }): PluginRoute[] {
  const { service } = input;
  return [
    defineRoute({
      method: 'POST',
      path: '/expenses',
      auth: 'account',
      // Uploading may start a paid scan (auto-scan): admin or owner, the default for a write.
      idempotency: 'optional',
      summary: 'Upload an expense (PDF, JPEG, PNG, HEIC; multipart part "file", or the file as the body); scan: auto (the account setting), true or false',
      upload: {
        types: UPLOAD_TYPES,
        maxBytes: input.maxBytes,
        fields: z.strictObject({ scan: z.enum(['auto', 'true', 'false']).default('auto') }),
      },
      responses: { 201: { description: 'The expense, stored (scanQueued when a scan job will scan it)', body: expenseView } },
      async handler({ caller, file, body }) {
        // The host hands an upload route its file, sniffed and checked against upload.types and maxBytes.
        if (!file) throw new TypeError('expense-scan: the upload route ran without a file');
        const fields = (body ?? {}) as { scan?: 'auto' | 'true' | 'false' };
        return { status: 201, body: await service.upload({ accountId: caller.accountId, userId: caller.userId, file, scan: fields.scan ?? 'auto' }) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/expenses',
      auth: 'account',
      summary: "The account's expenses, newest first (status: scanned, not_scanned, needs_review, failed; cursor: before)",
      query: z.strictObject({
        status: z.enum(['scanned', 'not_scanned', 'needs_review', 'failed']).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        before: z.string().min(1).max(64).optional(),
      }),
      responses: { 200: { description: 'A page of expenses; nextBefore is the cursor of the next page', body: expensesPage } },
      async handler({ caller, query }) {
        return { body: await service.list({ accountId: caller.accountId, ...query }) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/expenses/:id',
      auth: 'account',
      summary: 'One expense: each field with what the scan read (value, confidence, filled or only a suggestion), the correction, and the value to book',
      params: expenseParams,
      responses: { 200: { description: 'The expense', body: expenseView } },
      async handler({ caller, params }) {
        return { body: await service.get({ accountId: caller.accountId, expenseId: params.id }) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/expenses/:id',
      auth: 'account',
      summary:
        'Correct fields (kept apart from what the scan read; null drops a correction). Amounts as decimal strings, ISO dates, VAT numbers and IBANs with valid check digits',
      params: expenseParams,
      body: correctionPatch,
      responses: { 200: { description: 'The expense with its corrections', body: expenseView } },
      async handler({ caller, params, body }) {
        return { body: await service.correct({ accountId: caller.accountId, expenseId: params.id, patch: body }) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/expenses/:id',
      auth: 'account',
      summary: 'Delete the expense and its file',
      params: expenseParams,
      responses: { 204: { description: 'Deleted' } },
      async handler({ caller, params }) {
        await service.delete({ accountId: caller.accountId, expenseId: params.id });
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/expenses/:id/scan',
      auth: 'account',
      // Spends a free scan or €0.10: admin or owner (the default for a write).
      summary: 'Scan the expense: free within the monthly quota, then €0.10 from the wallet; a file whose bytes were scanned before is re-read for free',
      params: expenseParams,
      responses: {
        200: { description: 'Scanned: charged says whether this scan was paid (quota or money) or free (content paid before)', body: scanAnswer },
        ...SCAN_ERRORS,
      },
      async handler({ caller, params }) {
        return { body: await service.scan({ accountId: caller.accountId, expenseId: params.id }) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/expenses/:id/file',
      auth: 'account',
      summary: 'Download the uploaded file, with its content type',
      params: expenseParams,
      responses: {
        200: { description: 'The file as uploaded, with its own type', contentType: UPLOAD_TYPES },
      },
      async handler({ caller, params }) {
        const file = await service.file({ accountId: caller.accountId, expenseId: params.id });
        return {
          headers: {
            'content-type': file.contentType,
            'content-length': String(file.size),
            // RFC 6266: an ASCII fallback and the UTF-8 name (a raw "€" in a header would be refused).
            'content-disposition': createContentDisposition(file.filename, { type: 'attachment' }),
          },
          body: file.stream,
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/settings',
      auth: 'account',
      summary: "The account's expense-scan settings (autoScan: scan every upload on its own)",
      responses: { 200: { description: 'The settings; isDefault when the account never chose', body: settingsView } },
      async handler({ caller }) {
        return { body: await service.settings({ accountId: caller.accountId }) };
      },
    }),
    defineRoute({
      method: 'PUT',
      path: '/settings',
      auth: 'account',
      summary: 'Switch auto-scan on or off for the account (admin: an auto-scan spends)',
      body: z.strictObject({ autoScan: z.boolean() }),
      responses: { 200: { description: 'The settings', body: settingsView } },
      async handler({ caller, body }) {
        return { body: await service.setSettings({ accountId: caller.accountId, autoScan: body.autoScan, userId: caller.userId }) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/quota',
      auth: 'account',
      summary: 'The free scans of this month in the account\'s time zone: "87 of 100 scans left", and when the counter resets',
      responses: { 200: { description: 'The counter', body: quotaView } },
      async handler({ caller }) {
        return { body: await service.quota({ accountId: caller.accountId }) };
      },
    }),
  ];
}
