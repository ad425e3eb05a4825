import type { ChannelPrice } from '@tollgate/plugin-sdk';
import { EXPENSE_FIELD_NAMES, type ExpenseFieldName } from '@tollgate/expense-fields';
import { z } from 'zod';

/** Fields of an expense a scan fills: the names of @tollgate/expense-fields, so the two never drift apart. */
export const EXPENSE_FIELDS = EXPENSE_FIELD_NAMES;
export type ExpenseField = ExpenseFieldName;

/** The upload types a scan reads (what the host sniffs the bytes as). */
export const UPLOAD_TYPES = ['application/pdf', 'image/jpeg', 'image/png', 'image/heic'] as const;
export type UploadType = (typeof UPLOAD_TYPES)[number];

const MIB = 1024 * 1024;
const PRICE = /^(0|[1-9]\d{0,5})(\.\d{1,6})?$/;

/**
 * Options of the expense-scan plugin (its entry in tollgate.config.json), all with defaults:
 * `{ "package": "@tollgate/plugin-expense-scan" }` is a working configuration.
 */
export const expenseScanOptions = z.strictObject({
  /** At or above it a scanned field is filled; below it the value is only shown as a suggestion (expense-fields suggests 0.7). */
  confidenceThreshold: z.number().min(0).max(1).default(0.7),
  /** OCR worker threads of the plugin's reader pool (each holds the four languages, ~110 MB). */
  workers: z.number().int().min(1).max(8).default(1),
  /** Whether an account that never chose scans its uploads on its own (GET/PUT /settings). */
  autoScanDefault: z.boolean().default(false),
  /** Largest upload, in bytes (20 MiB by default; the host takes at most 32 MiB). */
  maxBytes: z
    .number()
    .int()
    .min(1024)
    .max(32 * MIB)
    .default(20 * MIB),
  /** Pages read at most per document; a longer one fails its scan (nothing charged). */
  maxPages: z.number().int().min(1).max(50).default(5),
  /** A read that takes longer fails (nothing charged) and its OCR worker is replaced. */
  readTimeoutMs: z.number().int().min(1000).max(600_000).default(60_000),
  /** Fields an expense needs to be booked: a scanned expense without one of them (filled and valid, or corrected) needs review. */
  requiredFields: z.array(z.enum(EXPENSE_FIELDS)).min(1).default(['supplierName', 'date', 'totalInclVat']),
  /** Euro per scan beyond the free quota. */
  unitPrice: z.string().regex(PRICE, 'must be a decimal string with at most 6 decimals, e.g. "0.10"').default('0.10'),
  /** From when the price applies; a new price needs a new date. */
  priceEffectiveFrom: z.iso.datetime().default('2026-01-01T00:00:00.000Z'),
  /** Scans free per calendar month (the account's time zone) before the wallet pays. */
  freeMonthlyQuota: z.number().int().min(0).max(100_000).default(100),
});

export type ExpenseScanOptions = z.output<typeof expenseScanOptions>;

/** The catalog row the channel declares. */
export function channelPrices(options: ExpenseScanOptions): ChannelPrice[] {
  return [{ unitPrice: options.unitPrice, effectiveFrom: options.priceEffectiveFrom }];
}
