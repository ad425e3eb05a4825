import type { ReadResult } from '@tollgate/document-reader';
import type { ExtractedExpense } from './expense-fields.types.js';

/** Contract placeholder: the fields lane (issue 16) replaces this file. */
export function extractExpenseFields(_input: { read: ReadResult }): ExtractedExpense {
  throw new Error('extractExpenseFields is not built yet');
}
