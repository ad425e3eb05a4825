import { ConfigError, ValidationError } from '@tollgate/errors';
import type { Database, Engine, IsolationLevel, Queryable } from './database.js';

/**
 * Driver-native access used by the migrator and the job queue (not exported from the package):
 * parameters go to the driver untouched (pg-boss relies on node-postgres' own conversions, e.g.
 * JS arrays as Postgres arrays), and a call without parameters may hold several statements.
 */
export const RAW_SQL = Symbol('tollgate.db.rawSql');

/** Identity of a Database, for helpers that need to know where it lives. */
export const DB_INFO = Symbol('tollgate.db.info');

export interface RawSql {
  [RAW_SQL](text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** Makes a view of a Database whose statements and transactions run with another search_path. */
export const SCOPE = Symbol('tollgate.db.scope');

export interface DbInfo {
  /** schema: the one given at open, or the scope's; scoped: a view made by scopeDatabase. */
  [DB_INFO]: { engine: Engine; schema: string | undefined; scoped: boolean };
}

export interface Scopable {
  [SCOPE](input: { schema: string; poolSize?: number }): Database;
}

export function hasRawSql(value: Queryable): value is Queryable & RawSql {
  return typeof (value as Partial<RawSql>)[RAW_SQL] === 'function';
}

export function rawSqlOf(value: Queryable): RawSql {
  if (!hasRawSql(value)) {
    throw new ValidationError({ message: 'Expected a Database or Transaction created by @tollgate/db.' });
  }
  return value;
}

export function schemaOf(value: Queryable): string | undefined {
  return (value as Partial<DbInfo>)[DB_INFO]?.schema;
}

/** First-come, first-served lock: PGlite has one connection, so work on it takes turns. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/** The SQLSTATE of a driver error (both drivers put it in `code`), looking through `cause`. */
export function sqlStateOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

/** Jittered backoff, kept tiny: a conflicting transaction is usually done within milliseconds. */
function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * 5 * 2 ** attempt;
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function withRetries<T>(retries: number, attempt: () => Promise<T>): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const state = sqlStateOf(error);
      if (n >= retries || state === undefined || !RETRYABLE.has(state)) throw error;
      await backoff(n);
    }
  }
}

const ISOLATION_SQL: Readonly<Record<IsolationLevel, string>> = {
  'read committed': 'READ COMMITTED',
  'repeatable read': 'REPEATABLE READ',
  serializable: 'SERIALIZABLE',
};

export function beginStatement(isolation: IsolationLevel | undefined): string {
  const level = ISOLATION_SQL[isolation ?? 'read committed'];
  if (!level) throw new ValidationError({ message: `Unknown isolation level: ${String(isolation)}` });
  return `BEGIN ISOLATION LEVEL ${level}`;
}

export function retriesOf(retries: number | undefined): number {
  if (retries === undefined) return 3;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new ValidationError({ message: `retries must be a non-negative integer, got ${String(retries)}` });
  }
  return retries;
}

/** Resolves to false when `work` has not answered within ms. */
export async function answersWithin(work: () => Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([
      work().then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

// Lower-case, so the name is the same quoted or not; 63 bytes is PostgreSQL's identifier limit.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new ConfigError({
      message: `Invalid schema name "${schema}": use lower-case letters, digits and underscores, at most 63 characters, not starting with a digit.`,
      details: { schema },
    });
  }
}

/** An identifier in double quotes, for names read from migration SQL or the catalog. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
