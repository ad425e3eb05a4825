import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '@tollgate/errors';

/** 404: no such export target on this account (or it was deleted). */
export class ExportTargetNotFoundError extends NotFoundError {
  constructor(id: string) {
    super({ code: 'export_target_not_found', message: `No export target ${id} on this account.`, details: { targetId: id } });
  }
}

/** 404: no such export run on this account. */
export class ExportRunNotFoundError extends NotFoundError {
  constructor(id: string) {
    super({ code: 'export_run_not_found', message: `No export run ${id} on this account.`, details: { runId: id } });
  }
}

/** 422: the target names an exporter no plugin of this host adds. */
export class ExporterNotFoundError extends UnprocessableError {
  constructor(input: { exporterId: string; available: readonly string[] }) {
    super({
      code: 'exporter_not_found',
      message: `No accounting exporter "${input.exporterId}" on this host; available: ${input.available.join(', ') || 'none'}.`,
      details: { exporterId: input.exporterId, available: [...input.available] },
    });
  }
}

/** 400: the target's options or delivery settings are not valid. */
export class InvalidExportTargetError extends ValidationError {
  constructor(input: { message: string; details: Array<{ field: string; message: string }> }) {
    super({ code: 'invalid_export_target', message: input.message, details: input.details });
  }
}

/** 409: the Idempotency-Key started another run (another body). */
export class ExportRunKeyReusedError extends ConflictError {
  constructor(input: { key: string; runId: string }) {
    const key = input.key.replace(/^api:/, '');
    super({
      code: 'idempotency_key_reused',
      message: `Idempotency-Key "${key}" already started export run ${input.runId} with another body; use a new key for a new run.`,
      details: { runId: input.runId },
    });
  }
}

/** 409: only a partially delivered or failed run can be resumed, and only when it has something left to deliver. */
export class ExportRunNotResumableError extends ConflictError {
  constructor(input: { runId: string; status: string; why: string }) {
    super({ code: 'export_run_not_resumable', message: `Export run ${input.runId} (${input.status}) cannot be resumed: ${input.why}.`, details: input });
  }
}

/** 409: the run's files are not ready for download (not a download run, not delivered yet, or failed). */
export class ExportRunNotDownloadableError extends ConflictError {
  constructor(input: { runId: string; status: string }) {
    super({
      code: 'export_run_not_downloadable',
      message: `Export run ${input.runId} (${input.status}) has no delivered files to download yet.`,
      details: input,
    });
  }
}

/** 422: a target with an SFTP password or key needs the host's sealing key (accountingExports.sealingKey). */
export class SealingKeyMissingError extends UnprocessableError {
  constructor() {
    super({
      code: 'sealing_key_missing',
      message: 'This host has no sealing key for export secrets (config accountingExports.sealingKey): SFTP credentials cannot be stored.',
    });
  }
}

/**
 * A delivery that stopped: `code` names why ('sftp_unreachable', 'sftp_permission_denied',
 * 'sftp_host_key_mismatch', 'email_too_large', 'mail_failed'…); the files delivered before it stay delivered.
 */
export class ExportDeliveryError extends Error {
  readonly code: string;
  constructor(input: { code: string; message: string; cause?: unknown }) {
    super(input.message, input.cause !== undefined ? { cause: input.cause } : undefined);
    this.name = 'ExportDeliveryError';
    this.code = input.code;
  }
}
