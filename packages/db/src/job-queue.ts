import { AsyncLocalStorage } from 'node:async_hooks';
import { PgBoss, type ConstructorOptions, type Db as BossDb, type Job, type Queue, type SendOptions } from 'pg-boss';
import { SystemClock, type Clock } from '@tollgate/clock';
import type { Database, Queryable, Transaction } from './database.js';
import { RAW_SQL, assertSchemaName, rawSqlOf, schemaOf, type RawSql } from './internal.js';

/** A job's payload as it was sent (JSON). Loosely typed on purpose: each queue knows its own shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JobData = any;

export interface QueuedJob {
  id: string;
  name: string;
  data: JobData;
}

export interface CreateJobQueueInput {
  db: Database;
  /** pg-boss's schema. Default 'pgboss', or '<schema>_boss' when the db was opened with a `schema`. */
  schema?: string;
  /** "Now" for `send({ startAfter })`: the delay is startAfter - clock.now(), counted from database time. */
  clock?: Clock;
  /** pg-boss maintenance timers (expire, archive, retention). Default true; tests turn them off. */
  supervise?: boolean;
  /** pg-boss cron scheduling timers. Default false (nothing here schedules cron jobs). */
  schedule?: boolean;
  /** Errors from pg-boss's background work. Default: process.emitWarning. */
  onError?: (error: Error) => void;
}

/**
 * Hands pg-boss our connection (pool or PGlite). While `send` runs inside a caller's transaction,
 * every statement pg-boss makes goes there too: it also reads queue metadata through its main
 * connection, and PGlite's one connection is held by that transaction.
 */
function bossDb(main: RawSql, sendingIn: AsyncLocalStorage<RawSql>): BossDb {
  return { executeSql: (text, values) => (sendingIn.getStore() ?? main)[RAW_SQL](text, values) };
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Durable jobs on pg-boss, in the same database as the data, on both engines: pg-boss talks to
 * the database only through our `executeSql` adapter, so PostgreSQL shares our pool and PGlite
 * takes turns on its one connection. Jobs are claimed with SKIP LOCKED: with several hosts on one
 * PostgreSQL each job runs once.
 */
export class JobQueue {
  readonly schema: string;
  readonly #boss: PgBoss;
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #sendingIn: AsyncLocalStorage<RawSql>;

  private constructor(boss: PgBoss, db: Database, schema: string, clock: Clock, sendingIn: AsyncLocalStorage<RawSql>) {
    this.#sendingIn = sendingIn;
    this.#boss = boss;
    this.#db = db;
    this.schema = schema;
    this.#clock = clock;
  }

  static create(input: CreateJobQueueInput): JobQueue {
    const dbSchema = schemaOf(input.db);
    const schema = input.schema ?? (dbSchema ? `${dbSchema}_boss` : 'pgboss');
    assertSchemaName(schema); // interpolated into SQL
    const sendingIn = new AsyncLocalStorage<RawSql>();
    const options: ConstructorOptions = {
      db: bossDb(rawSqlOf(input.db), sendingIn),
      schema,
      backend: input.db.engine === 'pglite' ? 'pglite' : 'postgres',
      supervise: input.supervise ?? true,
      schedule: input.schedule ?? false,
      migrate: true,
    };
    const boss = new PgBoss(options);
    // An EventEmitter without an 'error' listener would crash the process on a background failure.
    const onError = input.onError ?? ((error: Error) => process.emitWarning(error));
    boss.on('error', onError);
    return new JobQueue(boss, input.db, schema, input.clock ?? new SystemClock(), sendingIn);
  }

  /** Installs or upgrades pg-boss's schema (under its advisory lock) and starts its timers. */
  async start(): Promise<void> {
    await this.#boss.start();
  }

  /** Stops workers and timers; graceful waits up to timeoutMs (default 30 s) for running handlers. Leaves the database open. */
  async stop(input: { graceful?: boolean; timeoutMs?: number } = {}): Promise<void> {
    await this.#boss.stop({ graceful: input.graceful ?? true, timeout: input.timeoutMs ?? 30_000, close: true });
  }

  /** Creates the queue, or updates its retry settings when it exists. A dead-letter queue is created when missing. */
  async createQueue(input: { name: string; retryLimit?: number; retryDelaySeconds?: number; retryBackoff?: boolean; deadLetter?: string }): Promise<void> {
    if (input.deadLetter && !(await this.#boss.getQueue(input.deadLetter))) {
      await this.#boss.createQueue(input.deadLetter);
    }
    const options = defined({
      retryLimit: input.retryLimit,
      retryDelay: input.retryDelaySeconds,
      retryBackoff: input.retryBackoff,
      deadLetter: input.deadLetter,
    }) satisfies Omit<Queue, 'name'>;
    if (await this.#boss.getQueue(input.name)) {
      if (Object.keys(options).length > 0) await this.#boss.updateQueue(input.name, options);
      return;
    }
    await this.#boss.createQueue(input.name, options);
  }

  /**
   * Enqueues a job. With `tx` the insert is part of the caller's transaction (durable outbox: the
   * job exists iff the transaction commits). With `singletonKey` at most one job with that key is
   * queued (created or retry) at a time: a second send returns null. Returns the job id.
   */
  async send(input: {
    name: string;
    data: object;
    tx?: Transaction;
    singletonKey?: string;
    startAfter?: Date;
    retryLimit?: number;
    id?: string;
  }): Promise<string | null> {
    const options: SendOptions = defined({
      id: input.id,
      retryLimit: input.retryLimit,
      singletonKey: input.singletonKey,
      startAfter: input.startAfter ? this.#delaySeconds(input.startAfter) : undefined,
    });
    const sendOn = async (target: Queryable): Promise<string | null> => {
      if (input.singletonKey !== undefined && (await this.#hasQueued(target, input.name, input.singletonKey))) return null;
      const tx = rawSqlOf(target);
      return this.#sendingIn.run(tx, () =>
        this.#boss.send(input.name, input.data, { ...options, db: { executeSql: (text, values) => tx[RAW_SQL](text, values) } }),
      );
    };
    if (input.tx) return sendOn(input.tx);
    // The singleton check needs a transaction to hold its lock until the insert commits.
    if (input.singletonKey !== undefined) return this.#db.transaction((tx) => sendOn(tx));
    return this.#boss.send(input.name, input.data, options);
  }

  /**
   * Enqueues many jobs in one insert (an outbox relayed a page at a time). With `tx` they are part
   * of the caller's transaction, like `send`. No singleton keys or delays: plain jobs.
   */
  async sendMany(input: { name: string; data: readonly object[]; tx?: Transaction }): Promise<void> {
    if (!input.data.length) return;
    const jobs = input.data.map((data) => ({ data }));
    if (!input.tx) {
      await this.#boss.insert(input.name, jobs);
      return;
    }
    const tx = rawSqlOf(input.tx);
    await this.#sendingIn.run(tx, () => this.#boss.insert(input.name, jobs, { db: { executeSql: (text, values) => tx[RAW_SQL](text, values) } }));
  }

  /** Polls the queue and hands batches to handler; a throw fails (and retries) the whole batch. Returns the worker id. */
  async work(input: { name: string; batchSize?: number; pollingIntervalSeconds?: number; handler: (jobs: QueuedJob[]) => Promise<void> }): Promise<string> {
    const options = defined({ batchSize: input.batchSize, pollingIntervalSeconds: input.pollingIntervalSeconds });
    return this.#boss.work<JobData>(input.name, options, async (jobs: Job<JobData>[]) => {
      await input.handler(jobs.map((job) => ({ id: job.id, name: job.name, data: job.data })));
    });
  }

  /**
   * Processes every job of the queue that is available now, once, without polling (for tests and
   * CLI tasks). Successes are completed at once; failures are settled at the end, so a job that
   * becomes retryable is left for the next drain instead of being retried within this one.
   */
  async drain(input: {
    name: string;
    handler: (job: { id: string; data: JobData }) => Promise<void>;
    batchSize?: number;
  }): Promise<{ completed: number; failed: number }> {
    const batchSize = input.batchSize ?? 20;
    const failures: Array<{ job: Job<JobData>; error: unknown }> = [];
    let completed = 0;
    try {
      for (;;) {
        const jobs = await this.#boss.fetch<JobData>(input.name, { batchSize });
        if (jobs.length === 0) break;
        for (const job of jobs) {
          try {
            await input.handler({ id: job.id, data: job.data });
          } catch (error) {
            failures.push({ job, error });
            continue;
          }
          await this.#boss.complete(input.name, { id: job.id, retryCount: job.retryCount });
          completed++;
        }
      }
    } finally {
      for (const { job, error } of failures) {
        const output = error instanceof Error ? error : { message: String(error) };
        await this.#boss.fail(input.name, { id: job.id, retryCount: job.retryCount }, output);
      }
    }
    return { completed, failed: failures.length };
  }

  #delaySeconds(startAfter: Date): number | undefined {
    const seconds = Math.ceil((startAfter.getTime() - this.#clock.now().getTime()) / 1000);
    return seconds > 0 ? seconds : undefined;
  }

  // Standard pg-boss queues store singletonKey without enforcing it; serialise senders per key instead.
  async #hasQueued(tx: Queryable, name: string, key: string): Promise<boolean> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [`tollgate_job:${this.schema}:${name}`, key]);
    const { rows } = await tx.query(`SELECT 1 FROM ${this.schema}.job WHERE name = $1 AND singleton_key = $2 AND state IN ('created', 'retry') LIMIT 1`, [
      name,
      key,
    ]);
    return rows.length > 0;
  }
}
