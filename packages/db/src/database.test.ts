import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { container as rootContainer } from 'tsyringe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DATABASE,
  DatabaseClosedError,
  TransactionAbortedError,
  TransactionClosedError,
  TransactionMisuseError,
  openDatabase,
  registerDatabase,
  sqlStateOf,
  testEngines,
  type TestDatabase,
  type Transaction,
} from './index.js';

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

for (const engine of testEngines()) {
  describe(`transactions [${engine.name}]`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await engine.open();
      await db.query('CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)');
      await db.query('CREATE TABLE item (id serial PRIMARY KEY, label text NOT NULL UNIQUE)');
    });
    afterAll(() => db.dispose());

    it('reports its engine on the database and on the transaction', async () => {
      expect(db.engine).toBe(engine.name);
      expect(await db.transaction(async (tx) => tx.engine)).toBe(engine.name);
    });

    it('commits on resolve and rolls back on throw', async () => {
      const value = await db.transaction(async (tx) => {
        await tx.query('INSERT INTO item (label) VALUES ($1)', ['kept']);
        return 42;
      });
      expect(value).toBe(42);
      await expect(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO item (label) VALUES ($1)', ['dropped']);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const { rows } = await db.query<{ label: string }>('SELECT label FROM item ORDER BY label');
      expect(rows.map((r) => r.label)).toEqual(['kept']);
    });

    it('refuses a swallowed statement error at commit instead of committing half the work', async () => {
      await expect(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO item (label) VALUES ($1)', ['half']);
          await tx.query('INSERT INTO item (label) VALUES ($1)', ['kept']).catch(() => undefined); // unique violation
        }),
      ).rejects.toBeInstanceOf(TransactionAbortedError);
      expect((await db.query('SELECT 1 FROM item WHERE label = $1', ['half'])).rowCount).toBe(0);
    });

    it('exposes the SQLSTATE of driver errors the same way', async () => {
      const error = await db.query('INSERT INTO item (label) VALUES ($1)', ['kept']).catch((e: unknown) => e);
      expect(sqlStateOf(error)).toBe('23505');
    });

    it('does not let the transaction object outlive its transaction', async () => {
      let leaked: Transaction | undefined;
      await db.transaction(async (tx) => {
        leaked = tx;
      });
      await expect(leaked!.query('SELECT 1')).rejects.toBeInstanceOf(TransactionClosedError);
    });

    it('keeps queries outside a transaction from seeing or joining it', async () => {
      const inserted = deferred();
      const proceed = deferred();
      const tx = db.transaction(async (t) => {
        await t.query('INSERT INTO item (label) VALUES ($1)', ['uncommitted']);
        inserted.resolve();
        await proceed.promise;
        await t.query('SELECT 1');
        throw new Error('roll back');
      });
      await inserted.promise;
      const outside = db.query<{ n: string }>('SELECT count(*) AS n FROM item WHERE label = $1', ['uncommitted']);
      proceed.resolve();
      await expect(tx).rejects.toThrow('roll back');
      expect((await outside).rows[0]?.n).toBe('0');
    });

    it('runs concurrent transactions without losing updates', async () => {
      await db.query('INSERT INTO counter VALUES (1, 0)');
      const events: string[] = [];
      const bump = (name: string) =>
        db.transaction(async (tx) => {
          events.push(`${name}:begin`);
          const { rows } = await tx.query<{ n: number }>('SELECT n FROM counter WHERE id = 1 FOR UPDATE');
          await tx.query('SELECT 1');
          await tx.query('UPDATE counter SET n = $1 WHERE id = 1', [rows[0]!.n + 1]);
          events.push(`${name}:end`);
        });
      await Promise.all([bump('a'), bump('b'), bump('c')]);
      expect((await db.query<{ n: number }>('SELECT n FROM counter WHERE id = 1')).rows[0]?.n).toBe(3);
      if (engine.name === 'pglite') {
        // One connection: transactions take turns, whole.
        expect(events).toEqual(['a:begin', 'a:end', 'b:begin', 'b:end', 'c:begin', 'c:end']);
      }
    });

    it('retries the whole function on serialization failure and deadlock codes', async () => {
      let attempts = 0;
      const result = await db.transaction(async (tx) => {
        attempts++;
        await tx.query('SELECT 1');
        if (attempts < 3) throw Object.assign(new Error('conflict'), { code: attempts === 1 ? '40001' : '40P01' });
        return 'done';
      });
      expect([result, attempts]).toEqual(['done', 3]);

      let tries = 0;
      const failing = db.transaction(
        async () => {
          tries++;
          throw Object.assign(new Error('always'), { code: '40001' });
        },
        { retries: 1 },
      );
      await expect(failing).rejects.toThrow('always');
      expect(tries).toBe(2);

      let plain = 0;
      await expect(
        db.transaction(async () => {
          plain++;
          throw new Error('not retryable');
        }),
      ).rejects.toThrow('not retryable');
      expect(plain).toBe(1);
    });

    it('accepts every isolation level', async () => {
      for (const isolation of ['read committed', 'repeatable read', 'serializable'] as const) {
        const level = await db.transaction(
          async (tx) => (await tx.query<{ l: string }>('SELECT current_setting($1) AS l', ['transaction_isolation'])).rows[0]?.l,
          { isolation },
        );
        expect(level).toBe(isolation);
      }
    });

    it('answers ping', async () => {
      expect(await db.ping()).toBe(true);
      expect(await db.ping({ timeoutMs: 5000 })).toBe(true);
    });

    if (engine.name === 'pglite') {
      it('fails loudly when db is used inside its own transaction (one connection: it would hang)', async () => {
        await expect(db.transaction(async () => db.query('SELECT 1'))).rejects.toBeInstanceOf(TransactionMisuseError);
        await expect(db.transaction(async () => db.transaction(async () => 1))).rejects.toBeInstanceOf(TransactionMisuseError);
        expect(await db.ping()).toBe(true);
      });
    }

    if (engine.name === 'postgres') {
      it('retries a real serialization failure and then succeeds', async () => {
        await db.query('INSERT INTO counter VALUES (2, 0)');
        const firstRead = deferred();
        const otherCommitted = deferred();
        let attempts = 0;
        const serializable = db.transaction(
          async (tx) => {
            attempts++;
            const { rows } = await tx.query<{ n: number }>('SELECT n FROM counter WHERE id = 2');
            if (attempts === 1) {
              firstRead.resolve();
              await otherCommitted.promise;
            }
            await tx.query('UPDATE counter SET n = $1 WHERE id = 2', [rows[0]!.n + 1]);
          },
          { isolation: 'serializable' },
        );
        await firstRead.promise;
        await db.query('UPDATE counter SET n = n + 10 WHERE id = 2');
        otherCommitted.resolve();
        await serializable;
        expect(attempts).toBe(2);
        expect((await db.query<{ n: number }>('SELECT n FROM counter WHERE id = 2')).rows[0]?.n).toBe(11);
      });
    }
  });

  describe(`lifecycle [${engine.name}]`, () => {
    it('closes idempotently; afterwards queries fail and ping is false', async () => {
      const db = await engine.open();
      await db.query('SELECT 1');
      await Promise.all([db.close(), db.close()]);
      await db.close();
      await expect(db.query('SELECT 1')).rejects.toBeInstanceOf(DatabaseClosedError);
      await expect(db.transaction(async () => 1)).rejects.toBeInstanceOf(DatabaseClosedError);
      expect(await db.ping()).toBe(false);
      await db.dispose();
      await db.dispose();
    });

    it('registers in a tsyringe container under DATABASE', async () => {
      const db = await engine.open();
      try {
        const child = rootContainer.createChildContainer();
        registerDatabase({ container: child, db });
        expect(child.resolve(DATABASE)).toBe(db);
      } finally {
        await db.dispose();
      }
    });
  });
}

describe('openDatabase', () => {
  it('persists PGlite in a data folder it creates', async () => {
    const base = mkdtempSync(join(tmpdir(), 'tollgate-db-'));
    const dataDir = join(base, 'nested', 'data');
    try {
      const first = await openDatabase({ dataDir });
      await first.query('CREATE TABLE kept (v text)');
      await first.query('INSERT INTO kept VALUES ($1)', ['still here']);
      await first.close();
      const second = await openDatabase({ dataDir });
      expect((await second.query<{ v: string }>('SELECT v FROM kept')).rows).toEqual([{ v: 'still here' }]);
      await second.close();
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('puts every connection in the given schema', async () => {
    const db = await openDatabase({ schema: 'tenant_a' });
    try {
      await db.query('CREATE TABLE t (v int)');
      expect((await db.query<{ s: string }>('SELECT table_schema AS s FROM information_schema.tables WHERE table_name = $1', ['t'])).rows).toEqual([
        { s: 'tenant_a' },
      ]);
    } finally {
      await db.close();
    }
  });

  it('rejects schema names that are not plain identifiers and URLs that are not postgres', async () => {
    await expect(openDatabase({ schema: 'x; DROP TABLE y' })).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(openDatabase({ url: 'mysql://nope' })).rejects.toMatchObject({ code: 'config_invalid' });
  });

  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    it('test harness drops its PostgreSQL schemas on dispose', async () => {
      const engine = testEngines().find((e) => e.name === 'postgres')!;
      const db = await engine.open();
      const schema = (await db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
      expect(schema).toMatch(/^t_[0-9a-f]{12}$/);
      await db.dispose();
      const probe = await openDatabase({ url });
      try {
        const { rowCount } = await probe.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
        expect(rowCount).toBe(0);
      } finally {
        await probe.close();
      }
    });
  }
});
