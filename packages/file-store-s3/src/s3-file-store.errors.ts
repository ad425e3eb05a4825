import { TollgateError } from '@tollgate/errors';

type Init = { message: string; details?: unknown; cause?: unknown };

/** The store's credentials were refused (unknown key, wrong secret, clock too far off, no permission). */
export class FileStoreAuthError extends TollgateError {
  constructor(input: Init) {
    super({ code: 'file_store_auth_failed', status: 500, ...input });
  }
}

/** The configured bucket does not exist. */
export class FileStoreBucketMissingError extends TollgateError {
  constructor(input: Init) {
    super({ code: 'file_store_bucket_missing', status: 500, ...input });
  }
}

/** The object store could not be reached or kept failing (5xx, throttling, timeouts) after the retries. */
export class FileStoreUnavailableError extends TollgateError {
  constructor(input: Init) {
    super({ code: 'file_store_unavailable', status: 503, ...input });
  }
}

/** Bytes did not match their checksum on the way in (S3 refused the upload) or out. */
export class FileStoreChecksumError extends TollgateError {
  constructor(input: Init) {
    super({ code: 'file_store_checksum_mismatch', status: 500, ...input });
  }
}

/** Any other refusal by the object store (a 4xx this store does not expect). */
export class FileStoreRequestError extends TollgateError {
  constructor(input: Init) {
    super({ code: 'file_store_request_failed', status: 500, ...input });
  }
}
