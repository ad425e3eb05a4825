import type { Database, QueryResult, Row, Transaction, TransactionOptions } from './database.js';
import { DatabaseClosedError, TransactionAbortedError, TransactionClosedError } from './errors.js';
import {
  DB_INFO,
  RAW_SQL,
  answersWithin,
  beginStatement,
  retriesOf,
  sqlStateOf,
  withRetries,
  type DbInfo,
  type RawSql,
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
  const result = (await target.query(text, values && values.length > 0 ? values : undefined)) as
    | PgQueryResult
    | PgQueryResult[];
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

class PostgresDatabase implements Database, RawSql, DbInfo {
  readonly engine = 'postgres' as const;
  readonly [DB_INFO]: DbInfo[typeof DB_INFO];
  readonly #pool: Pool;
  #closing: Promise<void> | undefined;

  constructor(pool: Pool, schema: string | undefined) {
    this.#pool = pool;
    this[DB_INFO] = { engine: 'postgres', schema };
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

  close(): Promise<void> {
    const closing = this.#closing ?? this.#pool.end();
    this.#closing = closing;
    return closing;
  }
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
  const pool = new pg.Pool({
    connectionString: input.url,
    max: input.poolSize,
    options: sessionOptions(input.schema),
    types: TYPES,
    application_name: 'tollgate',
  });
  // An idle connection dropped by the server: the pool replaces it; the next query reports real trouble.
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1'); // fail at start-up, not on the first request
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return new PostgresDatabase(pool, input.schema);
}

/** Drops schemas with everything in them (test clean-up). */
export async function dropSchemas(input: { url: string; schemas: readonly string[] }): Promise<void> {
  const client = new pg.Client({ connectionString: input.url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    for (const schema of input.schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
