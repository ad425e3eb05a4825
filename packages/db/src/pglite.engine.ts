import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite, type Results } from '@electric-sql/pglite';
import type { Database, QueryResult, Row, Transaction, TransactionOptions } from './database.js';
import { ValidationError } from '@tollgate/errors';
import { DatabaseClosedError, TransactionAbortedError, TransactionClosedError, TransactionMisuseError } from './errors.js';
import { DB_INFO, Mutex, RAW_SQL, SCOPE, answersWithin, beginStatement, retriesOf, withRetries, type DbInfo, type RawSql, type Scopable } from './internal.js';
import { toDriverParams } from './params.js';
import { builtPgliteTemplate } from './pglite-template.js';
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

/**
 * The one PGlite backend and what its users share: the lock, the marker of a running transaction
 * callback, and which scope's session settings are in force. The host's database and every
 * schema-scoped view of it take turns here.
 */
class PgliteSession {
  readonly lock = new Mutex();
  // Marks the async context of a running transaction callback, to catch `db.query` inside it.
  readonly inTransaction = new AsyncLocalStorage<{ active: boolean }>();
  closing: Promise<void> | undefined;
  // The scope whose settings the backend runs with now. Switching is a SET script, run only when
  // another scope ran last: the host's own statements in a row cost nothing extra.
  #current: PgliteScope;

  constructor(
    readonly pg: PGlite,
    readonly root: PgliteScope,
  ) {
    this.#current = root;
  }

  isIn(scope: PgliteScope): boolean {
    return this.#current === scope;
  }

  /** Inside the lock: puts the backend in scope's settings. */
  async enter(scope: PgliteScope): Promise<void> {
    await this.pg.exec(scope.setup);
    this.#current = scope;
  }
}

/**
 * A search_path and the session settings the parsers rely on, all re-applied on every switch:
 * a scope's code may have changed any of them with SET, and that must not follow the next scope.
 */
class PgliteScope {
  readonly setup: string;

  constructor(readonly schema: string | undefined) {
    const settings = Object.entries(SESSION_SETTINGS).map(([name, value]) => `SET ${name} TO '${value}';`);
    this.setup = [...settings, schema ? `SET search_path TO ${schema};` : 'SET search_path TO DEFAULT;'].join('\n');
  }
}

class PgliteDatabase implements Database, RawSql, DbInfo, Scopable {
  readonly engine = 'pglite' as const;
  readonly [DB_INFO]: DbInfo[typeof DB_INFO];
  readonly #session: PgliteSession;
  readonly #scope: PgliteScope;
  readonly #isRoot: boolean;
  #closed = false;

  constructor(session: PgliteSession, scope: PgliteScope) {
    this.#session = session;
    this.#scope = scope;
    this.#isRoot = scope === session.root;
    this[DB_INFO] = { engine: 'pglite', schema: scope.schema, scoped: !this.#isRoot };
  }

  #exclusive<T>(fn: (pg: PGlite) => Promise<T>): Promise<T> {
    const session = this.#session;
    if (session.closing || this.#closed) return Promise.reject(new DatabaseClosedError());
    if (session.inTransaction.getStore()?.active) return Promise.reject(new TransactionMisuseError());
    return session.lock.run(async () => {
      if (!session.isIn(this.#scope)) await session.enter(this.#scope);
      return fn(session.pg);
    });
  }

  query<R = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    const values = toDriverParams(params);
    return this.#exclusive(async (pg) => toResult(await pg.query<R>(text, values)));
  }

  [RAW_SQL](text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
    return this.#exclusive(async (pg) => {
      try {
        return await runRaw(pg, text, values);
      } catch (error) {
        // A failed `BEGIN; ...; COMMIT` script leaves the one connection in an aborted transaction.
        if (!values?.length) await pg.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const begin = beginStatement(options?.isolation);
    const { inTransaction } = this.#session;
    return withRetries(retriesOf(options?.retries), () =>
      this.#exclusive(async (pg) => {
        await pg.exec(begin);
        const tx = new PgliteTransaction(pg);
        const scope = { active: true };
        try {
          const result = await inTransaction.run(scope, () => fn(tx));
          tx.end();
          const [commit] = await pg.exec('COMMIT');
          if (commit?.command === 'ROLLBACK') throw new TransactionAbortedError();
          return result;
        } catch (error) {
          if (scope.active) {
            tx.end();
            await pg.exec('ROLLBACK').catch(() => undefined);
          }
          throw error;
        } finally {
          scope.active = false;
        }
      }),
    );
  }

  async ping(options?: { timeoutMs?: number }): Promise<boolean> {
    if (this.#session.closing || this.#closed) return false;
    return answersWithin(() => this.query('SELECT 1'), options?.timeoutMs ?? 2000);
  }

  [SCOPE](input: { schema: string }): Database {
    if (!this.#isRoot) throw new ValidationError({ message: 'Scope the host database, not a scoped one.' });
    return new PgliteDatabase(this.#session, new PgliteScope(input.schema));
  }

  close(): Promise<void> {
    if (!this.#isRoot) {
      // A scope owns no connection: closing it only stops its own use of the shared one.
      this.#closed = true;
      return Promise.resolve();
    }
    // Queued behind running work, so a transaction in flight finishes before the backend stops.
    const session = this.#session;
    session.closing ??= session.lock.run(() => session.pg.close());
    return session.closing;
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
  // A new folder (no cluster yet) starts from the built template when there is one: much cheaper than initdb.
  const template = input.template ?? (input.dataDir && !existsSync(join(input.dataDir, 'PG_VERSION')) ? builtPgliteTemplate() : undefined);
  const pg = await PGlite.create({
    dataDir: input.dataDir,
    parsers: { ...SCALAR_PARSERS },
    ...(template ? { loadDataDir: template } : {}),
  });
  const root = new PgliteScope(input.schema);
  if (input.schema) await pg.exec(`CREATE SCHEMA IF NOT EXISTS ${input.schema};`);
  await pg.exec(root.setup);
  return new PgliteDatabase(new PgliteSession(pg, root), root);
}
