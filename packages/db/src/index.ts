export {
  nestedSchemaName,
  openDatabase,
  scopeDatabase,
  type Database,
  type Engine,
  type IsolationLevel,
  type OpenDatabaseOptions,
  type QueryResult,
  type Queryable,
  type Row,
  type ScopedDatabase,
  type Transaction,
  type TransactionOptions,
} from './database.js';
export {
  DatabaseClosedError,
  InvalidMigrationError,
  MigrationChecksumError,
  MigrationFailedError,
  TransactionAbortedError,
  TransactionClosedError,
  TransactionMisuseError,
} from './errors.js';
export { sqlStateOf } from './internal.js';
export { assertStorableText, fieldName, findUnstorableText, isStorableText, unstorableTextError, type FieldPath } from './storable-text.js';
export { JobQueue, type CreateJobQueueInput, type JobData, type QueuedJob } from './job-queue.js';
export { migrate, migrationChecksum, type Migration, type MigrationSet } from './migrator.js';
export { pgArray, type PgArray, type PgArrayElement } from './params.js';
export { DATABASE, JOB_QUEUE, registerDatabase } from './registration.js';
export { dropSchemaFamily } from './postgres.engine.js';
export { testEngines, type TestDatabase, type TestEngine } from './test-harness.js';
