import { ValidationError } from '@tollgate/errors';
import type { Database, QueryResult, Row, Transaction, TransactionOptions } from './database.js';
import { DatabaseClosedError, TransactionAbortedError, TransactionClosedError } from './errors.js';
import {
  DB_INFO,
  RAW_SQL,
  SCOPE,
  answersWithin,
  quoteIdent,
  beginStatement,
  retriesOf,
  sqlStateOf,
  withRetries,
  type DbInfo,
  type RawSql,
  type Scopable,
} from './internal.js';
import { toDriverParams } from './params.js';
import { pg, type CustomTypesConfig, type Pool, type PoolClient, type QueryConfig, type QueryResult as PgQueryResult } from './pg-driver.js';
import { SESSION_SETTINGS, allParsers } from './type-parsers.js';

const PARSERS = allParsers();

// Per-pool parsers (not pg.types.setTypeParser, which is global to the process).
const TYPES: CustomTypesConfig = {
  getTypeParser: (oid, format) => (format === 'binary' ? undefined : PARSERS.get(oid)) ?? pg.types.getTypeParser(oid, format),
};

function toResult<R>(result: PgQueryResult): QueryResult<R> {
  return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
}

/** One statement, extended protocol: a multi-statement string fails here exactly as on PGlite. */
function statement(text: string, params: readonly unknown[] | undefined): QueryConfig {
  // queryMode (pg >= 8.12) is missing from @types/pg.
  return { text, values: toDriverParams(params), queryMode: 'extended' } as QueryConfig;
}

async function runRaw(target: Pool | PoolClient, text: string, values: unknown[] | undefined): Promise<{ rows: unknown[] }> {
  // Without values node-postgres uses the simple protocol, and a script answers with one result per statement.
  const result = (await target.query(text, values && values.length > 0 ? values : undefined)) as PgQueryResult | PgQueryResult[];
  return Array.isArray(result) ? { rows: result.flatMap((r) => r.rows ?? []) } : result;
}

class PostgresTransaction implements Transaction, RawSql {
  readonly engine = 'postgres' as const;
  #open = true;

  constructor(private readonly client: PoolClient) {}

  end(): void {
    this.#open = false;
  }

  async query<R = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    if (!this.#open) throw new TransactionClosedError();
    return toResult<R>(await this.client.query(statement(text, params)));
  }

  async [RAW_SQL](text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
    if (!this.#open) throw new TransactionClosedError();
    return runRaw(this.client, text, values);
  }
}

interface PoolSpec {
  url: string;
  poolSize: number;
}

class PostgresDatabase implements Database, RawSql, DbInfo, Scopable {
  readonly engine = 'postgres' as const;
  readonly [DB_INFO]: DbInfo[typeof DB_INFO];
  readonly #pool: Pool;
  readonly #spec: PoolSpec;
  // Scoped views have pools of their own; they close with this one. Empty on a scoped view.
  readonly #scopes = new Set<PostgresDatabase>();
  readonly #parent: PostgresDatabase | undefined;
  #closing: Promise<void> | undefined;

  constructor(input: { pool: Pool; spec: PoolSpec; schema: string | undefined; parent?: PostgresDatabase }) {
    this.#pool = input.pool;
    this.#spec = input.spec;
    this.#parent = input.parent;
    this[DB_INFO] = { engine: 'postgres', schema: input.schema, scoped: input.parent !== undefined };
  }

  #assertOpen(): void {
    if (this.#closing) throw new DatabaseClosedError();
  }

  async query<R = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    this.#assertOpen();
    return toResult<R>(await this.#pool.query(statement(text, params)));
  }

  async [RAW_SQL](text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
    this.#assertOpen();
    // pool.query destroys the connection on error, so an aborted script never poisons the pool.
    return runRaw(this.#pool, text, values);
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const begin = beginStatement(options?.isolation);
    return withRetries(retriesOf(options?.retries), () => this.#attempt(fn, begin));
  }

  async #attempt<T>(fn: (tx: Transaction) => Promise<T>, begin: string): Promise<T> {
    this.#assertOpen();
    const client = await this.#pool.connect();
    let broken = false;
    const tx = new PostgresTransaction(client);
    try {
      await client.query(begin);
    } catch (error) {
      client.release(sqlStateOf(error) === undefined); // a broken connection is not handed out again
      throw error;
    }
    try {
      const result = await fn(tx);
      tx.end();
      const commit = await client.query('COMMIT');
      if (commit.command === 'ROLLBACK') throw new TransactionAbortedError();
      return result;
    } catch (error) {
      tx.end();
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async ping(options?: { timeoutMs?: number }): Promise<boolean> {
    if (this.#closing) return false;
    return answersWithin(() => this.#pool.query('SELECT 1'), options?.timeoutMs ?? 2000);
  }

  /**
   * A view on its own small pool, same server and settings, search_path = schema. node-postgres
   * connects lazily and drops idle connections (10 s), so an unused scope holds no connection.
   */
  [SCOPE](input: { schema: string; poolSize?: number }): Database {
    if (this.#parent) throw new ValidationError({ message: 'Scope the host database, not a scoped one.' });
    this.#assertOpen();
    const spec = { url: this.#spec.url, poolSize: input.poolSize ?? SCOPE_POOL_SIZE };
    const scoped = new PostgresDatabase({ pool: createPool(spec, input.schema), spec, schema: input.schema, parent: this });
    this.#scopes.add(scoped);
    return scoped;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#parent) this.#parent.#scopes.delete(this);
      await Promise.all([...this.#scopes].map((scope) => scope.close()));
      await this.#pool.end();
    })();
    return this.#closing;
  }
}

/** Connections per scoped pool unless told otherwise: a plugin's tables see far less traffic than the wallet's. */
const SCOPE_POOL_SIZE = 4;

function createPool(spec: PoolSpec, schema: string | undefined): Pool {
  const pool = new pg.Pool({
    connectionString: spec.url,
    max: spec.poolSize,
    options: sessionOptions(schema),
    types: TYPES,
    application_name: 'tollgate',
  });
  // An idle connection dropped by the server: the pool replaces it; the next query reports real trouble.
  pool.on('error', () => undefined);
  return pool;
}

function sessionOptions(schema: string | undefined): string {
  const settings = { ...SESSION_SETTINGS, ...(schema ? { search_path: schema } : {}) };
  return Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
}

async function createSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (error) {
    // Two hosts starting at once can both miss the schema; the loser's duplicate is harmless.
    const state = sqlStateOf(error);
    if (state !== '42P06' && state !== '23505') throw error;
  } finally {
    await client.end();
  }
}

export async function openPostgres(input: { url: string; poolSize: number; schema?: string }): Promise<Database> {
  if (input.schema) await createSchema(input.url, input.schema);
  const spec = { url: input.url, poolSize: input.poolSize };
  const pool = createPool(spec, input.schema);
  try {
    await pool.query('SELECT 1'); // fail at start-up, not on the first request
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return new PostgresDatabase({ pool, spec, schema: input.schema });
}

/**
 * Drops a schema and every schema named `<schema>_…` (its job queue's, its plugins'), with
 * everything in them (test clean-up).
 */
export async function dropSchemaFamily(input: { url: string; schema: string }): Promise<void> {
  const client = new pg.Client({ connectionString: input.url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `SELECT nspname AS name FROM pg_namespace WHERE nspname = $1 OR starts_with(nspname, $1 || '_') ORDER BY nspname DESC`,
      [input.schema],
    );
    for (const { name } of rows) await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(name)} CASCADE`);
  } finally {
    await client.end();
  }
}
