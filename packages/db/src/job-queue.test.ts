import { ManualClock } from '@tollgate/clock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue, TransactionMisuseError, openDatabase, testEngines, type Database, type TestDatabase } from './index.js';

async function jobStates(db: Database, queue: JobQueue, name: string): Promise<Array<{ state: string; retry_count: number }>> {
  const { rows } = await db.query<{ state: string; retry_count: number }>(
    `SELECT state::text AS state, retry_count FROM ${queue.schema}.job WHERE name = $1 ORDER BY created_on, id`,
    [name],
  );
  return rows;
}

for (const engine of testEngines()) {
  describe(`JobQueue [${engine.name}]`, () => {
    let db: TestDatabase;
    let queue: JobQueue;
    beforeAll(async () => {
      db = await engine.open();
      await db.query('CREATE TABLE invoice (id text PRIMARY KEY)');
      queue = JobQueue.create({ db, supervise: false });
      await queue.start();
    });
    afterAll(async () => {
      await queue.stop({ graceful: false });
      await db.dispose();
    });

    it('uses its own pg-boss schema per test database', () => {
      expect(queue.schema).toMatch(engine.name === 'pglite' ? /^pgboss$/ : /^t_[0-9a-f]{12}_boss$/);
    });

    it('a job sent in a transaction that rolls back does not exist', async () => {
      await queue.createQueue({ name: 'outbox-rollback' });
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`INSERT INTO invoice VALUES ('inv-1')`);
          const id = await queue.send({ name: 'outbox-rollback', data: { invoice: 'inv-1' }, tx });
          expect(id).toEqual(expect.any(String));
          throw new Error('payment declined');
        }),
      ).rejects.toThrow('payment declined');
      expect(await jobStates(db, queue, 'outbox-rollback')).toEqual([]);
      const seen: unknown[] = [];
      expect(await queue.drain({ name: 'outbox-rollback', handler: async (job) => void seen.push(job.data) })).toEqual({
        completed: 0,
        failed: 0,
      });
      expect(seen).toEqual([]);
    });

    it('a job sent in a committed transaction is processed exactly once', async () => {
      await queue.createQueue({ name: 'outbox-commit' });
      const id = await db.transaction(async (tx) => {
        await tx.query(`INSERT INTO invoice VALUES ('inv-2')`);
        return queue.send({ name: 'outbox-commit', data: { invoice: 'inv-2', amount: '0.18' }, tx });
      });
      const seen: Array<{ id: string; data: unknown }> = [];
      expect(await queue.drain({ name: 'outbox-commit', handler: async (job) => void seen.push(job) })).toEqual({ completed: 1, failed: 0 });
      expect(seen).toEqual([{ id, data: { invoice: 'inv-2', amount: '0.18' } }]);
      expect(await queue.drain({ name: 'outbox-commit', handler: async (job) => void seen.push(job) })).toEqual({ completed: 0, failed: 0 });
      expect(await jobStates(db, queue, 'outbox-commit')).toEqual([{ state: 'completed', retry_count: 0 }]);
    });

    it('sendMany: a page of jobs in one insert, part of the transaction (gone on rollback, each once on commit)', async () => {
      await queue.createQueue({ name: 'outbox-many' });
      await expect(
        db.transaction(async (tx) => {
          await queue.sendMany({ name: 'outbox-many', data: [{ n: 1 }, { n: 2 }], tx });
          throw new Error('relay crashed');
        }),
      ).rejects.toThrow('relay crashed');
      expect(await jobStates(db, queue, 'outbox-many')).toEqual([]);
      await db.transaction((tx) => queue.sendMany({ name: 'outbox-many', data: [{ n: 1 }, { n: 2 }, { n: 3 }], tx }));
      const seen: unknown[] = [];
      expect(await queue.drain({ name: 'outbox-many', handler: async (job) => void seen.push(job.data) })).toEqual({ completed: 3, failed: 0 });
      expect(seen).toEqual(expect.arrayContaining([{ n: 1 }, { n: 2 }, { n: 3 }]));
      expect(seen).toHaveLength(3);
    });

    it('retries a failing handler per retryLimit, once per drain, then fails the job', async () => {
      await queue.createQueue({ name: 'flaky', retryLimit: 2 });
      await queue.send({ name: 'flaky', data: { n: 1 } });
      let calls = 0;
      const failing = async (): Promise<void> => {
        calls++;
        throw new Error('provider down');
      };
      expect(await queue.drain({ name: 'flaky', handler: failing })).toEqual({ completed: 0, failed: 1 });
      expect(await queue.drain({ name: 'flaky', handler: failing })).toEqual({ completed: 0, failed: 1 });
      expect(await queue.drain({ name: 'flaky', handler: failing })).toEqual({ completed: 0, failed: 1 });
      expect(await queue.drain({ name: 'flaky', handler: failing })).toEqual({ completed: 0, failed: 0 });
      expect(calls).toBe(3); // first attempt + 2 retries
      expect(await jobStates(db, queue, 'flaky')).toEqual([{ state: 'failed', retry_count: 2 }]);
    });

    it('a per-job retryLimit overrides the queue, and a retry can succeed', async () => {
      await queue.createQueue({ name: 'once-more', retryLimit: 5 });
      await queue.send({ name: 'once-more', data: {}, retryLimit: 1 });
      let calls = 0;
      const flaky = async (): Promise<void> => {
        if (++calls === 1) throw new Error('first time fails');
      };
      expect(await queue.drain({ name: 'once-more', handler: flaky })).toEqual({ completed: 0, failed: 1 });
      expect(await queue.drain({ name: 'once-more', handler: flaky })).toEqual({ completed: 1, failed: 0 });
      expect(await jobStates(db, queue, 'once-more')).toEqual([{ state: 'completed', retry_count: 1 }]);
    });

    it('moves a job that ran out of retries to the dead-letter queue', async () => {
      await queue.createQueue({ name: 'charge', retryLimit: 0, deadLetter: 'charge-dead' });
      await queue.send({ name: 'charge', data: { account: 'a' } });
      await queue.drain({ name: 'charge', handler: async () => Promise.reject(new Error('no')) });
      const dead: unknown[] = [];
      expect(await queue.drain({ name: 'charge-dead', handler: async (job) => void dead.push(job.data) })).toEqual({ completed: 1, failed: 0 });
      expect(dead).toEqual([{ account: 'a' }]);
    });

    if (engine.name === 'pglite') {
      it('refuses a send without tx inside a transaction (it could not be part of it on one connection)', async () => {
        await queue.createQueue({ name: 'misuse' });
        await expect(db.transaction(() => queue.send({ name: 'misuse', data: {} }))).rejects.toBeInstanceOf(TransactionMisuseError);
        expect(await jobStates(db, queue, 'misuse')).toEqual([]);
      });
    }

    it('keeps at most one queued job per singletonKey', async () => {
      await queue.createQueue({ name: 'refill' });
      const first = await queue.send({ name: 'refill', data: { account: 'a' }, singletonKey: 'account:a' });
      const second = await queue.send({ name: 'refill', data: { account: 'a' }, singletonKey: 'account:a' });
      const inTx = await db.transaction((tx) => queue.send({ name: 'refill', data: { account: 'a' }, singletonKey: 'account:a', tx }));
      const other = await queue.send({ name: 'refill', data: { account: 'b' }, singletonKey: 'account:b' });
      expect(first).toEqual(expect.any(String));
      expect([second, inTx]).toEqual([null, null]);
      expect(other).toEqual(expect.any(String));
      expect(await queue.drain({ name: 'refill', handler: async () => undefined })).toEqual({ completed: 2, failed: 0 });
      // Once processed, the key is free again.
      expect(await queue.send({ name: 'refill', data: { account: 'a' }, singletonKey: 'account:a' })).toEqual(expect.any(String));
    });

    it('holds a job until startAfter, measured from the injected clock', async () => {
      const clock = new ManualClock('2020-01-01T00:00:00.000Z'); // far from real time on purpose
      const delayed = JobQueue.create({ db, clock, supervise: false });
      await delayed.start();
      try {
        await delayed.createQueue({ name: 'later' });
        await delayed.send({ name: 'later', data: {}, startAfter: new Date('2020-01-01T01:00:00.000Z') });
        await delayed.send({ name: 'later', data: {}, startAfter: new Date('2019-12-31T00:00:00.000Z') }); // past: now
        expect(await delayed.drain({ name: 'later', handler: async () => undefined })).toEqual({ completed: 1, failed: 0 });
        const { rows } = await db.query<{ seconds: number }>(
          `SELECT round(extract(epoch FROM start_after - created_on))::int AS seconds FROM ${delayed.schema}.job WHERE name = 'later' AND state = 'created'`,
        );
        expect(rows).toEqual([{ seconds: 3600 }]);
      } finally {
        await delayed.stop({ graceful: false });
      }
    });

    it('hands batches to a polling worker', async () => {
      await queue.createQueue({ name: 'worked' });
      await queue.send({ name: 'worked', data: { n: 7 } }); // queued first: the worker's first fetch finds it
      const done = new Promise<string[]>((resolve) => {
        void queue.work({
          name: 'worked',
          batchSize: 5,
          pollingIntervalSeconds: 0.5,
          handler: async (jobs) => resolve(jobs.map((j) => `${j.name}:${(j.data as { n: number }).n}`)),
        });
      });
      expect(await done).toEqual(['worked:7']);
    });
  });
}

const url = process.env.TEST_DATABASE_URL;
if (url) {
  describe('JobQueue [postgres, two hosts]', () => {
    let owner: TestDatabase;
    let other: Database;
    beforeAll(async () => {
      owner = await testEngines()
        .find((e) => e.name === 'postgres')!
        .open();
      const schema = (await owner.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
      other = await openDatabase({ url, schema, poolSize: 4 });
    });
    afterAll(async () => {
      await other.close();
      await owner.dispose();
    });

    it('two instances starting and draining at once process each job exactly once', async () => {
      const a = JobQueue.create({ db: owner, supervise: false });
      const b = JobQueue.create({ db: other, supervise: false });
      expect(a.schema).toBe(b.schema);
      await Promise.all([a.start(), b.start()]);
      try {
        await a.createQueue({ name: 'shared' });
        const ids = new Set<string>();
        for (let i = 0; i < 60; i++) ids.add((await (i % 2 ? a : b).send({ name: 'shared', data: { i } }))!);
        const seen: string[] = [];
        const handler = async (job: { id: string }): Promise<void> => {
          await owner.query('SELECT 1'); // yield, so the two drains interleave
          seen.push(job.id);
        };
        const [ra, rb] = await Promise.all([a.drain({ name: 'shared', handler, batchSize: 3 }), b.drain({ name: 'shared', handler, batchSize: 3 })]);
        expect(ra.completed + rb.completed).toBe(60);
        expect(seen).toHaveLength(60);
        expect(new Set(seen)).toEqual(ids);
      } finally {
        await Promise.all([a.stop({ graceful: false }), b.stop({ graceful: false })]);
      }
    });
  });
}
