import type { DocumentReader, ReadableType } from '@tollgate/document-reader';
import { extractExpenseFields, type ExpenseFields, type ExpenseLanguage } from '@tollgate/expense-fields';
import { TollgateError, type PluginFiles } from '@tollgate/plugin-sdk';
import { fileMissing } from './expense-scan.errors.js';

/** What one scan read: how, in what language, and the fields with their confidences (JSON: the runner stores it). */
export interface ScanReading {
  method: 'pdf-text' | 'ocr';
  language: ExpenseLanguage | null;
  pages: number;
  durationMs: number;
  fields: ExpenseFields;
}

/** Reads a stored file with the plugin's reader pool and finds its fields. Throws DocumentReadError for a file that cannot be read. */
export async function readExpense(input: { files: PluginFiles; reader: DocumentReader; fileKey: string; contentType: string }): Promise<ScanReading> {
  const stored = await input.files.read({ key: input.fileKey });
  if (!stored) throw fileMissing();
  const read = await input.reader.read({ bytes: stored.body, contentType: input.contentType as ReadableType });
  const { fields, language } = extractExpenseFields({ read });
  return { method: read.method, language, pages: read.pages.length, durationMs: read.durationMs, fields };
}

/**
 * A reading error that means "this file cannot be scanned" — broken or encrypted, too many pages,
 * too slow to read, gone from the store — as the code and message shown on the expense; null for a
 * fault (the reader closed while the host stops), which the spend runner treats as unknown.
 */
export function scanFailureOf(error: unknown): { code: string; message: string } | null {
  // By code, not by class: the reader's module loads on the first scan (DocumentReadError is a TollgateError).
  if (error instanceof TollgateError && FILE_FAILURES.has(error.code)) return { code: error.code, message: error.message };
  return null;
}

/** DocumentReadError's codes that are about the file (not `reader_closed`), and the store's missing file. */
const FILE_FAILURES = new Set(['unreadable_file', 'too_many_pages', 'read_timeout', 'expense_file_missing']);
