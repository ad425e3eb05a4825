import { TollgateError, ValidationError } from '@tollgate/errors';

/** 413 payload_too_large: the file is larger than the route's `upload.maxBytes`. */
export class UploadTooLargeError extends TollgateError {
  constructor(input: { maxBytes: number }) {
    super({
      code: 'payload_too_large',
      status: 413,
      message: `The file is larger than this route takes (${input.maxBytes} bytes).`,
      details: { maxBytes: input.maxBytes },
    });
  }
}

/** 415 unsupported_media_type: the file's bytes are none of the route's types, whatever the client called it. */
export class UnsupportedUploadTypeError extends TollgateError {
  constructor(input: { accepted: readonly string[]; declared: string | null }) {
    super({
      code: 'unsupported_media_type',
      status: 415,
      message: `This route takes ${input.accepted.join(', ')} files; the bytes sent are none of these${input.declared ? ` (sent as ${JSON.stringify(input.declared)})` : ''}.`,
      details: { accepted: input.accepted, declared: input.declared },
    });
  }
}

/** 400 for an upload whose body is not one usable file: empty, no `file` part, a second file, a malformed multipart. */
export class UploadRefusedError extends ValidationError {
  constructor(input: {
    code: 'empty_file' | 'file_required' | 'unexpected_file' | 'invalid_multipart' | 'invalid_filename' | 'upload_aborted';
    message: string;
    details?: unknown;
  }) {
    super({ code: input.code, message: input.message, ...(input.details !== undefined ? { details: input.details } : {}) });
  }
}
