import { TollgateError } from '@tollgate/errors';

export type DocumentReadErrorCode = 'unreadable_file' | 'too_many_pages' | 'read_timeout' | 'reader_closed';

/** A file that could not be read: broken bytes, too many pages, a read that ran out of time. 422 to an API caller. */
export class DocumentReadError extends TollgateError {
  declare readonly code: DocumentReadErrorCode;
  constructor(input: { code: DocumentReadErrorCode; message: string; details?: unknown; cause?: unknown }) {
    super({ status: 422, ...input });
  }
}
