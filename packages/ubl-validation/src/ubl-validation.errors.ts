import { TollgateError } from '@tollgate/errors';

/** 500 `schematron_compile_failed`: a Schematron file uses something the compiler does not support, or the generated XSLT does not compile. */
export class SchematronCompileError extends TollgateError {
  constructor(input: { message: string; cause?: unknown }) {
    super({ code: 'schematron_compile_failed', status: 500, message: input.message, cause: input.cause });
  }
}

/** 500 `ubl_validation_failed`: the validator itself failed (closed, XSLT runtime error, schema files missing). */
export class UblValidationFailedError extends TollgateError {
  readonly reason: 'closed' | 'runtime' | 'schema_missing';

  constructor(input: { reason: 'closed' | 'runtime' | 'schema_missing'; message: string; cause?: unknown }) {
    super({ code: 'ubl_validation_failed', status: 500, message: input.message, details: { reason: input.reason }, cause: input.cause });
    this.reason = input.reason;
  }
}
