import { NotFoundError, TollgateError, UnprocessableError } from '@tollgate/plugin-sdk';

export const expenseNotFound = (id: string) => new NotFoundError({ code: 'expense_not_found', message: `No expense ${id} in this account.` });

/** 422: the scan could not read the file (broken, encrypted, too many pages, too slow). The hold was released. */
export const scanFailed = (input: { code: string; message: string }) =>
  new UnprocessableError({
    code: 'expense_scan_failed',
    message: `The file could not be scanned (${input.code}): ${input.message} Nothing was charged; upload a readable copy and scan again.`,
    details: { reason: input.code },
  });

/** The stored file is gone (deleted from the store by hand): nothing to read. */
export const fileMissing = () =>
  new TollgateError({ status: 410, code: 'expense_file_missing', message: "The expense's file is no longer in the file store." });

/** 502: the read ended in a way that says nothing about the file (the host stopping): the hold was released. */
export const scanInterrupted = (reason: string) =>
  new TollgateError({
    status: 502,
    code: 'expense_scan_interrupted',
    message: `The scan was interrupted (${reason}). Nothing was charged; scan again.`,
  });
