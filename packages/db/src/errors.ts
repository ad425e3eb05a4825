import { TollgateError } from '@tollgate/errors';

/** A migration that was applied earlier has different SQL now; history must not be rewritten. */
export class MigrationChecksumError extends TollgateError {
  readonly namespace: string;
  readonly migrationId: string;

  constructor(input: { namespace: string; id: string; expected: string; actual: string }) {
    super({
      code: 'migration_checksum_mismatch',
      message: `Migration ${input.namespace}/${input.id} was already applied with different SQL (checksum ${input.expected}, now ${input.actual}). Add a new migration instead of editing an applied one.`,
      details: { namespace: input.namespace, id: input.id, expected: input.expected, actual: input.actual },
    });
    this.namespace = input.namespace;
    this.migrationId = input.id;
  }
}

/** A migration's SQL failed; its transaction was rolled back, earlier migrations stay applied. */
export class MigrationFailedError extends TollgateError {
  readonly namespace: string;
  readonly migrationId: string;

  constructor(input: { namespace: string; id: string; cause: unknown }) {
    const reason = input.cause instanceof Error ? input.cause.message : String(input.cause);
    super({
      code: 'migration_failed',
      message: `Migration ${input.namespace}/${input.id} failed and was rolled back: ${reason}`,
      details: { namespace: input.namespace, id: input.id },
      cause: input.cause,
    });
    this.namespace = input.namespace;
    this.migrationId = input.id;
  }
}

/** The migration sets themselves are malformed (duplicate ids, empty names...). A programming error. */
export class InvalidMigrationError extends TollgateError {
  constructor(input: { message: string; details?: unknown }) {
    super({ code: 'migration_invalid', ...input });
  }
}

/** The database was closed; nothing more can run on it. */
export class DatabaseClosedError extends TollgateError {
  constructor() {
    super({ code: 'database_closed', status: 503, message: 'The database has been closed.' });
  }
}

/** A transaction object was used after its transaction ended. */
export class TransactionClosedError extends TollgateError {
  constructor() {
    super({ code: 'transaction_closed', message: 'This transaction has already committed or rolled back.' });
  }
}

/** COMMIT found the transaction aborted (a statement failed and the error was swallowed); nothing was saved. */
export class TransactionAbortedError extends TollgateError {
  constructor() {
    super({
      code: 'transaction_aborted',
      message: 'The transaction was aborted by an earlier failed statement and has been rolled back.',
    });
  }
}

/**
 * `db.query()` called from inside `db.transaction()` on PGlite. PGlite has one connection, so the
 * outer query would wait for the transaction that waits for it: fail loudly instead of hanging.
 */
export class TransactionMisuseError extends TollgateError {
  constructor() {
    super({
      code: 'transaction_misuse',
      message: 'db.query()/db.transaction() was called inside a transaction on the embedded database; use the tx passed to the callback.',
    });
  }
}
