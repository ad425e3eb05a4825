/*
 * The database as a plugin sees it: its own PostgreSQL schema on the host's engine (embedded
 * PGlite or PostgreSQL). Declared here as plain interfaces so importing the SDK loads no driver;
 * the host hands each plugin an implementation from @tollgate/db.
 */

export type Row = Record<string, unknown>;

export interface QueryResult<R> {
  rows: R[];
  /** Rows returned (SELECT) or affected (INSERT/UPDATE/DELETE); 0 for DDL. */
  rowCount: number;
}

export interface Queryable {
  /** One statement with `$1, $2` placeholders. Dates, numbers, strings, booleans, null and JSON objects are sent as-is. */
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

/**
 * `coreServices.database`: a connection whose `search_path` is the plugin's own schema. Unqualified
 * table names are the plugin's tables; the host's tables (wallet, accounts, jobs…) are not on the path.
 */
export interface PluginDatabase extends Queryable {
  readonly engine: Engine;
  /** The plugin's schema, e.g. `plugin_sms_reminders` (on a shared test database, prefixed with the host's schema). */
  readonly schema: string;
  /**
   * Runs fn in one transaction; commits on resolve, rolls back on throw. Retried on serialization
   * failure or deadlock, so fn must have no side effects outside the transaction. Inside fn use
   * `tx`, never the database itself (on the embedded engine that would wait for the transaction).
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
}

/**
 * One schema change of a plugin. `id` orders it ('0001_meetings'; zero-pad the number). The SQL
 * runs with the plugin's schema as `search_path`, in its own transaction: no BEGIN/COMMIT, and no
 * schema-qualified names (the host chooses the schema name).
 */
export interface Migration {
  id: string;
  sql: string;
}
