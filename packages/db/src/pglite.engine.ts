import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { PGlite, type Results } from '@electric-sql/pglite';
import type { Database, QueryResult, Row, Transaction, TransactionOptions } from './database.js';
import { DatabaseClosedError, TransactionAbortedError, TransactionClosedError, TransactionMisuseError } from './errors.js';
import {
  DB_INFO,
  Mutex,
  RAW_SQL,
  answersWithin,
  beginStatement,
  retriesOf,
  withRetries,
  type DbInfo,
  type RawSql,
} from './internal.js';
import { toDriverParams } from './params.js';
import { SCALAR_PARSERS, SESSION_SETTINGS } from './type-parsers.js';

/**
 * PGlite is one Postgres backend (one connection). Every statement, and every transaction as a
 * whole, takes turns on our own lock, so a query outside a transaction can never land inside it
 * and a failed multi-statement script can be rolled back before anyone else runs.
 */

function toResult<R>(result: Results<R>): QueryResult<R> {
  return { rows: result.rows, rowCount: result.rowCount ?? result.affectedRows ?? result.rows.length };
}

async function runRaw(pg: PGlite, text: string, values: unknown[] | undefined): Promise<{ rows: unknown[] }> {
  if (values && values.length > 0) return pg.query(text, values);
  // Without parameters pg-boss and migrations send scripts: the simple protocol runs all of them.
  const results = await pg.exec(text);
  return { rows: results.flatMap((r) => r.rows) };
}

class PgliteTransaction implements Transaction, RawSql {
  readonly engine = 'pglite' as const;
  #open = true;

  constructor(private readonly pg: PGlite) {}

  end(): void {
    this.#open = false;
  }

  async query<R = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    if (!this.#open) throw new TransactionClosedError();
    return toResult(await this.pg.query<R>(text, toDriverParams(params)));
  }

  async [RAW_SQL](text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
    if (!this.#open) throw new TransactionClosedError();
    return runRaw(this.pg, text, values);
  }
}

class PgliteDatabase implements Database, RawSql, DbInfo {
  readonly engine = 'pglite' as const;
  readonly [DB_INFO]: DbInfo[typeof DB_INFO];
  readonly #pg: PGlite;
  readonly #lock = new Mutex();
  // Marks the async context of a running transaction callback, to catch `db.query` inside it.
  readonly #inTransaction = new AsyncLocalStorage<{ active: boolean }>();
  #closing: Promise<void> | undefined;

  constructor(pg: PGlite, schema: string | undefined) {
    this.#pg = pg;
    this[DB_INFO] = { engine: 'pglite', schema };
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closing) return Promise.reject(new DatabaseClosedError());
    if (this.#inTransaction.getStore()?.active) return Promise.reject(new TransactionMisuseError());
    return this.#lock.run(fn);
  }

  query<R = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    const values = toDriverParams(params);
    return this.#exclusive(async () => toResult(await this.#pg.query<R>(text, values)));
  }

  [RAW_SQL](text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
    return this.#exclusive(async () => {
      try {
        return await runRaw(this.#pg, text, values);
      } catch (error) {
        // A failed `BEGIN; ...; COMMIT` script leaves the one connection in an aborted transaction.
        if (!values?.length) await this.#pg.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const begin = beginStatement(options?.isolation);
    return withRetries(retriesOf(options?.retries), () =>
      this.#exclusive(async () => {
        await this.#pg.exec(begin);
        const tx = new PgliteTransaction(this.#pg);
        const scope = { active: true };
        try {
          const result = await this.#inTransaction.run(scope, () => fn(tx));
          tx.end();
          const [commit] = await this.#pg.exec('COMMIT');
          if (commit?.command === 'ROLLBACK') throw new TransactionAbortedError();
          return result;
        } catch (error) {
          if (scope.active) {
            tx.end();
            await this.#pg.exec('ROLLBACK').catch(() => undefined);
          }
          throw error;
        } finally {
          scope.active = false;
        }
      }),
    );
  }

  async ping(options?: { timeoutMs?: number }): Promise<boolean> {
    if (this.#closing) return false;
    return answersWithin(() => this.query('SELECT 1'), options?.timeoutMs ?? 2000);
  }

  close(): Promise<void> {
    // Queued behind running work, so a transaction in flight finishes before the backend stops.
    this.#closing ??= this.#lock.run(() => this.#pg.close());
    return this.#closing;
  }
}

let template: Promise<Blob | File> | undefined;

/**
 * An initialised, empty data directory, made once per process. Starting from it skips initdb,
 * which is most of PGlite's start-up time (~0.35 s instead of ~1.5-2 s): the test harness uses it.
 */
export function pgliteTemplate(): Promise<Blob | File> {
  template ??= (async () => {
    const pg = await PGlite.create();
    try {
      return await pg.dumpDataDir('none');
    } finally {
      await pg.close();
    }
  })();
  return template;
}

export async function openPglite(input: { dataDir?: string; schema?: string; template?: Blob | File }): Promise<Database> {
  if (input.dataDir) mkdirSync(input.dataDir, { recursive: true });
  const pg = await PGlite.create({
    dataDir: input.dataDir,
    parsers: { ...SCALAR_PARSERS },
    ...(input.template ? { loadDataDir: input.template } : {}),
  });
  const settings = Object.entries(SESSION_SETTINGS).map(([name, value]) => `SET ${name} TO '${value}';`);
  const schema = input.schema
    ? [`CREATE SCHEMA IF NOT EXISTS ${input.schema};`, `SET search_path TO ${input.schema};`]
    : [];
  await pg.exec([...settings, ...schema].join('\n'));
  return new PgliteDatabase(pg, input.schema);
}
