import { ConfigError } from '@tollgate/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DatabaseClosedError,
  JobQueue,
  TransactionMisuseError,
  nestedSchemaName,
  openDatabase,
  scopeDatabase,
  testEngines,
  type ScopedDatabase,
  type TestDatabase,
} from './index.js';

const MISSING = /relation "[a-z_.]+" does not exist/;

for (const engine of testEngines()) {
  describe(`scoped database [${engine.name}]`, () => {
    let db: TestDatabase;
    let alpha: ScopedDatabase;
    let beta: ScopedDatabase;
    let queue: JobQueue;
    beforeAll(async () => {
      db = await engine.open();
      await db.query('CREATE TABLE wallets (account_id text PRIMARY KEY, available numeric NOT NULL)');
      await db.query(`INSERT INTO wallets VALUES ('acc_1', '10.00')`);
      for (const name of ['alpha', 'beta']) await db.query(`CREATE SCHEMA ${nestedSchemaName({ db, name })}`);
      alpha = scopeDatabase({ db, schema: nestedSchemaName({ db, name: 'alpha' }) });
      beta = scopeDatabase({ db, schema: nestedSchemaName({ db, name: 'beta' }) });
      // Two owners, one table name each.
      await alpha.query('CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)');
      await beta.query('CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)');
      queue = JobQueue.create({ db, supervise: false });
      await queue.start();
      await queue.createQueue({ name: 'scoped-outbox' });
    });
    afterAll(async () => {
      await queue.stop({ graceful: false });
      await db.dispose();
    });

    it('names schemas after the database’s own and refuses names PostgreSQL would cut', () => {
      const own = engine.name === 'postgres' ? /^t_[0-9a-f]{12}_plugin_voice$/ : /^plugin_voice$/;
      expect(nestedSchemaName({ db, name: 'plugin_voice' })).toMatch(own);
      expect(alpha.schema).toBe(nestedSchemaName({ db, name: 'alpha' }));
      expect(() => nestedSchemaName({ db, name: `plugin_${'x'.repeat(60)}` })).toThrow(ConfigError);
      expect(() => scopeDatabase({ db, schema: 'Plugin-Voice' })).toThrow(ConfigError);
      expect(() => scopeDatabase({ db: alpha, schema: 'other' })).toThrow(/not a scoped view/);
    });

    it('resolves unqualified names in its own schema only: the host’s tables are not there', async () => {
      await expect(alpha.query('SELECT * FROM wallets')).rejects.toThrow(MISSING);
      await expect(alpha.query('SELECT * FROM tollgate_missing')).rejects.toThrow(MISSING);
      await expect(alpha.transaction((tx) => tx.query('SELECT * FROM wallets'))).rejects.toThrow(MISSING);
      // The host sees its own tables, and none of the scopes' unqualified.
      expect((await db.query('SELECT available FROM wallets')).rows).toEqual([{ available: '10.00' }]);
      await expect(db.query('SELECT * FROM notes')).rejects.toThrow(MISSING);
      const { rows } = await alpha.query<{ schema: string }>('SELECT current_schema() AS schema');
      expect(rows[0]!.schema).toBe(alpha.schema);
    });

    it('keeps two scopes’ same-named tables apart, statement after statement', async () => {
      // Interleaved on purpose: on PGlite every switch of scope must switch the one connection.
      await alpha.query(`INSERT INTO notes (body) VALUES ('a1')`);
      await beta.query(`INSERT INTO notes (body) VALUES ('b1')`);
      await db.query(`UPDATE wallets SET available = available + 1`);
      await alpha.transaction(async (tx) => {
        await tx.query(`INSERT INTO notes (body) VALUES ('a2')`);
      });
      await Promise.all([
        alpha.query(`INSERT INTO notes (body) VALUES ('a3')`),
        beta.query(`INSERT INTO notes (body) VALUES ('b2')`),
        db.query('SELECT 1 FROM wallets'),
        beta.transaction((tx) => tx.query(`INSERT INTO notes (body) VALUES ('b3')`)),
      ]);
      const bodies = async (scope: ScopedDatabase) => (await scope.query<{ body: string }>('SELECT body FROM notes ORDER BY body')).rows.map((r) => r.body);
      expect(await bodies(alpha)).toEqual(['a1', 'a2', 'a3']);
      expect(await bodies(beta)).toEqual(['b1', 'b2', 'b3']);
      expect((await db.query('SELECT available FROM wallets')).rows).toEqual([{ available: '11.00' }]);
    });

    it('does not let a scope’s SET leak into the host’s statements', async () => {
      await alpha.query(`SELECT set_config('search_path', 'public', false)`);
      await alpha.query(`SET TimeZone TO 'America/New_York'`);
      expect((await db.query<{ tz: string }>(`SELECT current_setting('TimeZone') AS tz`)).rows[0]!.tz).toBe('UTC');
      expect((await db.query('SELECT available FROM wallets')).rows).toHaveLength(1);
      await expect(db.query('SELECT * FROM notes')).rejects.toThrow(MISSING);
      if (engine.name === 'pglite') {
        // One connection: the scope starts from its own settings again once another scope has run.
        expect((await alpha.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]!.schema).toBe(alpha.schema);
      } else {
        // Its own pool: the SETs stay on the scope's connection (its own business); back to the start-up settings.
        await alpha.query('RESET ALL');
      }
    });

    it('sends a job inside a scoped transaction: it exists iff the transaction commits', async () => {
      const id = await alpha.transaction(async (tx) => {
        await tx.query(`INSERT INTO notes (body) VALUES ('with job')`);
        return queue.send({ name: 'scoped-outbox', data: { note: 'with job' }, tx });
      });
      await expect(
        alpha.transaction(async (tx) => {
          await tx.query(`INSERT INTO notes (body) VALUES ('rolled back')`);
          await queue.send({ name: 'scoped-outbox', data: { note: 'rolled back' }, tx, singletonKey: 'k1' });
          throw new Error('declined');
        }),
      ).rejects.toThrow('declined');
      const seen: Array<{ id: string; data: unknown }> = [];
      expect(await queue.drain({ name: 'scoped-outbox', handler: async (job) => void seen.push(job) })).toEqual({ completed: 1, failed: 0 });
      expect(seen).toEqual([{ id, data: { note: 'with job' } }]);
      expect((await alpha.query(`SELECT 1 FROM notes WHERE body = 'rolled back'`)).rowCount).toBe(0);
    });

    it.runIf(engine.name === 'pglite')('refuses the host database or another scope inside a scoped transaction on the one connection', async () => {
      await expect(alpha.transaction(() => db.query('SELECT 1'))).rejects.toBeInstanceOf(TransactionMisuseError);
      await expect(alpha.transaction(() => beta.query('SELECT 1'))).rejects.toBeInstanceOf(TransactionMisuseError);
      await expect(db.transaction(() => alpha.query('SELECT 1'))).rejects.toBeInstanceOf(TransactionMisuseError);
      expect(await alpha.ping()).toBe(true);
    });

    it('closes a scope without closing the database, and with it', async () => {
      const extra = scopeDatabase({ db, schema: alpha.schema });
      expect((await extra.query('SELECT count(*)::int AS n FROM notes')).rows[0]).toEqual({ n: 4 });
      await extra.close();
      await expect(extra.query('SELECT 1')).rejects.toBeInstanceOf(DatabaseClosedError);
      expect(await extra.ping()).toBe(false);
      expect(await db.ping()).toBe(true);
      expect(await alpha.ping()).toBe(true);
    });
  });

  describe(`scoped database after the host database closes [${engine.name}]`, () => {
    it('is closed too, and the test harness drops its schema', async () => {
      const db = await engine.open();
      const schema = nestedSchemaName({ db, name: 'gone' });
      await db.query(`CREATE SCHEMA ${schema}`);
      const scoped = scopeDatabase({ db, schema });
      await scoped.query('CREATE TABLE kept (id int)');
      expect(await scoped.ping()).toBe(true);
      await db.dispose();
      await expect(scoped.query('SELECT 1')).rejects.toBeInstanceOf(DatabaseClosedError);
      const url = process.env.TEST_DATABASE_URL;
      if (engine.name === 'postgres' && url) {
        const server = await openDatabase({ url, poolSize: 1 });
        try {
          expect((await server.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount).toBe(0);
        } finally {
          await server.close();
        }
      }
    });
  });
}
