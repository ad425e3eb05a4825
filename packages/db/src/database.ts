import { ConfigError } from '@tollgate/errors';
import { ValidationError } from '@tollgate/errors';
import { DB_INFO, SCOPE, assertSchemaName, type DbInfo, type Scopable } from './internal.js';
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

/** A view of an open Database whose statements and transactions run with `search_path` = its schema. */
export interface ScopedDatabase extends Database {
  readonly schema: string;
}

function isScopable(db: Database): db is Database & Scopable & DbInfo {
  return typeof (db as Partial<Scopable>)[SCOPE] === 'function' && DB_INFO in db;
}

/**
 * The same database seen from `schema` (created by whoever owns it, e.g. the migrator): unqualified
 * names resolve there (and in pg_catalog) only. PostgreSQL: a small pool of its own (`poolSize`,
 * default 4; connections made on demand) on the same server and session settings, closed with db.
 * PGlite: the same backend and lock; the scope's search_path is set when another scope ran last,
 * so a run of the host's own statements costs nothing extra. Transactions, TransactionMisuseError
 * and `JobQueue.send({ tx })` work as on db. Closing the view leaves db open.
 */
export function scopeDatabase(input: { db: Database; schema: string; poolSize?: number }): ScopedDatabase {
  assertSchemaName(input.schema);
  if (!isScopable(input.db)) throw new ValidationError({ message: 'Expected a Database opened by @tollgate/db.' });
  if (input.db[DB_INFO].scoped) throw new ValidationError({ message: 'Scope the database itself, not a scoped view of it.' });
  const scoped = input.db[SCOPE]({ schema: input.schema, ...(input.poolSize !== undefined ? { poolSize: input.poolSize } : {}) });
  return Object.assign(scoped, { schema: input.schema });
}

/**
 * The name of a schema that belongs with db's: `name` itself, or `<db schema>_<name>` when db was
 * opened with a `schema` (a test's `t_abc123` gives `t_abc123_plugin_voice`), so that dropping a
 * test's schemas by prefix takes it too. Throws ConfigError when the result is not a valid name.
 */
export function nestedSchemaName(input: { db: Database; name: string }): string {
  const info = (input.db as Partial<DbInfo>)[DB_INFO];
  if (info?.scoped) throw new ValidationError({ message: 'Name schemas from the database itself, not a scoped view of it.' });
  const name = info?.schema ? `${info.schema}_${input.name}` : input.name;
  assertSchemaName(name);
  return name;
}
