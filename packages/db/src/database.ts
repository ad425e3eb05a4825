import { ConfigError } from '@tollgate/errors';
import { assertSchemaName } from './internal.js';
import { openPglite } from './pglite.engine.js';
import { openPostgres } from './postgres.engine.js';

export type Row = Record<string, unknown>;

export interface QueryResult<R> {
  rows: R[];
  /** Rows returned (SELECT) or affected (INSERT/UPDATE/DELETE); 0 for DDL. */
  rowCount: number;
}

export interface Queryable {
  /** One statement with `$1, $2` placeholders; see params.ts for how values are sent. */
  query<R = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

export type Engine = 'pglite' | 'postgres';

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface TransactionOptions {
  isolation?: IsolationLevel;
  /** Extra attempts after a serialization failure or deadlock (40001, 40P01). Default 3. */
  retries?: number;
}

export interface Transaction extends Queryable {
  readonly engine: Engine;
}

export interface Database extends Queryable {
  readonly engine: Engine;
  /**
   * Runs fn in one transaction; commits on resolve, rolls back on throw. Retries the whole fn on
   * serialization failure / deadlock (40001, 40P01) up to `retries` times (default 3), so fn must
   * not have side effects outside the transaction. Inside fn use `tx`, never `db` (on PGlite the
   * one connection is held by the transaction: `db.query` there throws TransactionMisuseError).
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** true when a trivial query answers within timeoutMs (default 2000; for /health). */
  ping(options?: { timeoutMs?: number }): Promise<boolean>;
  /** Waits for running work, then closes. Safe to call more than once. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** postgres://... => PostgreSQL through a `pg` pool. */
  url?: string;
  /** Without url: PGlite persisted in this folder (created if missing). Neither: in-memory PGlite. */
  dataDir?: string;
  /** PostgreSQL pool size; default 10. */
  poolSize?: number;
  /** Every connection uses `SET search_path TO <schema>`; the schema is created if missing. */
  schema?: string;
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  if (options.schema !== undefined) assertSchemaName(options.schema);
  if (options.url) {
    if (!/^postgres(ql)?:\/\//.test(options.url)) {
      throw new ConfigError({ message: 'DATABASE_URL must start with postgres:// or postgresql://' });
    }
    return openPostgres({ url: options.url, poolSize: options.poolSize ?? 10, schema: options.schema });
  }
  return openPglite({ dataDir: options.dataDir, schema: options.schema });
}
