import { z } from 'zod';
import { EXPENSE_FIELDS, type ExpenseField } from './options.js';

/** Response bodies, for the OpenAPI document (checked against real answers by the dev-stack audit). */
const box = z.object({ x0: z.number(), y0: z.number(), x1: z.number(), y1: z.number() });
const vatRow = z.object({ rate: z.string(), base: z.string().nullable(), amount: z.string() });
const value = z.union([z.string(), z.array(vatRow)]);
// A union with null in it, not .nullable(): the OpenAPI document's "nullable" needs a "type" beside it.
const valueOrNull = z.union([z.string(), z.array(vatRow), z.null()]);
const fieldView = z.object({
  state: z.enum(['filled', 'suggestion', 'corrected', 'missing']),
  value: valueOrNull,
  scanned: z
    .object({
      value,
      confidence: z.number(),
      filled: z.boolean(),
      valid: z.boolean(),
      source: z.object({ page: z.number(), box, text: z.string() }).nullable(),
    })
    .nullable(),
  corrected: valueOrNull,
});

export const expenseView = z.object({
  id: z.string(),
  status: z.enum(['not_scanned', 'scanned', 'needs_review', 'failed']),
  file: z.object({ filename: z.string().nullable(), contentType: z.string(), size: z.number(), sha256: z.string() }),
  uploadedAt: z.string(),
  uploadedBy: z.string().nullable(),
  scanQueued: z.boolean(),
  scan: z
    .object({
      scannedAt: z.string(),
      method: z.enum(['pdf-text', 'ocr']),
      language: z.string().nullable(),
      paidBy: z.enum(['wallet', 'already_paid']),
      amount: z.string(),
      transactionId: z.string().nullable(),
    })
    .nullable(),
  lastError: z.object({ kind: z.enum(['failed', 'refused']), code: z.string(), message: z.string(), at: z.string() }).nullable(),
  fields: z.object(Object.fromEntries(EXPENSE_FIELDS.map((field) => [field, fieldView])) as Record<ExpenseField, typeof fieldView>),
  missing: z.array(z.enum(EXPENSE_FIELDS)),
  confidenceThreshold: z.number(),
});

export const expensesPage = z.object({ data: z.array(expenseView), nextBefore: z.string().nullable() });

export const scanAnswer = z.object({ charged: z.boolean(), amount: z.string(), expense: expenseView });

export const settingsView = z.object({ autoScan: z.boolean(), isDefault: z.boolean() });

export const quotaView = z.object({
  period: z.string().nullable(),
  freeUnits: z.string(),
  used: z.string(),
  remaining: z.string(),
  resetsAt: z.string().nullable(),
  label: z.string(),
});
