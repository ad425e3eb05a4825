import { DocumentReadError } from '@tollgate/document-reader';
import { TollgateError } from '@tollgate/plugin-sdk';
import { describe, expect, it } from 'vitest';
import { fileMissing } from './expense-scan.errors.js';
import { scanFailureOf } from './scan-reading.js';

describe('scanFailureOf', () => {
  it('a file that cannot be read is a failed scan (released, not charged), with its code', () => {
    for (const code of ['unreadable_file', 'too_many_pages', 'read_timeout'] as const)
      expect(scanFailureOf(new DocumentReadError({ code, message: `bad: ${code}` }))).toEqual({ code, message: `bad: ${code}` });
    expect(scanFailureOf(fileMissing())).toMatchObject({ code: 'expense_file_missing' });
  });

  it('a reader closing under the scan, or any other error, is a fault (the runner: unknown outcome)', () => {
    expect(scanFailureOf(new DocumentReadError({ code: 'reader_closed', message: 'closed' }))).toBeNull();
    expect(scanFailureOf(new Error('unreadable_file'))).toBeNull();
    expect(scanFailureOf(new TollgateError({ status: 500, code: 'internal_error', message: 'x' }))).toBeNull();
    expect(scanFailureOf(Object.assign(new Error('x'), { code: 'unreadable_file' }))).toBeNull();
  });
});
