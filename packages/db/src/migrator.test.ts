import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createdObjects } from './migrator.js';
import {
  InvalidMigrationError,
  MigrationChecksumError,
  MigrationFailedError,
  migrate,
  nestedSchemaName,
  openDatabase,
  scopeDatabase,
  testEngines,
  type MigrationSet,
  type TestDatabase,
} from './index.js';

const host: MigrationSet = {
  namespace: 'host',
  migrations: [
    // Given out of order on purpose: ids sort.
    { id: '0002_add_balance', sql: 'ALTER TABLE accounts ADD COLUMN balance numeric(20,4) NOT NULL DEFAULT 0;' },
    {
      id: '0001_create_accounts',
      sql: `CREATE TABLE accounts (id text PRIMARY KEY);
            CREATE INDEX accounts_id_idx ON accounts (id);`,
    },
  ],
};
const wallet: MigrationSet = {
  namespace: 'wallet',
  migrations: [{ id: '0001_create_ledger', sql: 'CREATE TABLE ledger (account_id text REFERENCES accounts(id), amount numeric NOT NULL)' }],
};

for (const engine of testEngines()) {
  describe(`migrate [${engine.name}]`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await engine.open();
    });
    afterAll(() => db.dispose());

    it('applies sets in order and ids sorted, each once', async () => {
      const first = await migrate({ db, sets: [host, wallet] });
      expect(first.applied).toEqual(['host/0001_create_accounts', 'host/0002_add_balance', 'wallet/0001_create_ledger']);
      await db.query(`INSERT INTO accounts (id, balance) VALUES ('a', '1.5')`);
      expect((await migrate({ db, sets: [host, wallet] })).applied).toEqual([]);

      const { rows } = await db.query<{ namespace: string; id: string; checksum: string; applied_at: Date }>(
        'SELECT namespace, id, checksum, applied_at FROM tollgate_migrations ORDER BY applied_at, namespace, id',
      );
      expect(rows.map((r) => `${r.namespace}/${r.id}`).sort()).toEqual(first.applied.slice().sort());
      expect(rows[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(rows[0]?.applied_at).toBeInstanceOf(Date);
    });

    it('applies only what is new when a set grows', async () => {
      const grown: MigrationSet = {
        namespace: 'host',
        migrations: [...host.migrations, { id: '0003_add_name', sql: 'ALTER TABLE accounts ADD COLUMN name text' }],
      };
      expect((await migrate({ db, sets: [grown, wallet] })).applied).toEqual(['host/0003_add_name']);
    });

    it('refuses an applied migration whose SQL changed, naming it', async () => {
      const edited: MigrationSet = {
        namespace: 'host',
        migrations: [{ id: '0001_create_accounts', sql: 'CREATE TABLE accounts (id uuid PRIMARY KEY)' }, ...host.migrations.slice(0, 1)],
      };
      const error = await migrate({ db, sets: [edited] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationChecksumError);
      expect(error).toMatchObject({ code: 'migration_checksum_mismatch', namespace: 'host', migrationId: '0001_create_accounts' });
      expect((error as Error).message).toContain('host/0001_create_accounts');
    });

    it('treats CRLF line endings as the same SQL', async () => {
      const crlf: MigrationSet = {
        namespace: 'host',
        migrations: host.migrations.map((m) => ({ ...m, sql: m.sql.replace(/\n/g, '\r\n') })),
      };
      expect((await migrate({ db, sets: [crlf] })).applied).toEqual([]);
    });

    it('rolls back a failing migration, names it, and keeps the earlier ones', async () => {
      const plugin: MigrationSet = {
        namespace: 'plugin:sms-reminders',
        migrations: [
          { id: '0001_ok', sql: 'CREATE TABLE sms_sent (id int)' },
          { id: '0002_broken', sql: 'CREATE TABLE sms_half (id int); SELECT * FROM no_such_table;' },
          { id: '0003_never', sql: 'CREATE TABLE sms_never (id int)' },
        ],
      };
      const error = await migrate({ db, sets: [plugin] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationFailedError);
      expect(error).toMatchObject({ code: 'migration_failed', namespace: 'plugin:sms-reminders', migrationId: '0002_broken' });
      expect((error as Error).message).toContain('plugin:sms-reminders/0002_broken');
      const tables = await db.query<{ t: string }>(
        `SELECT table_name AS t FROM information_schema.tables WHERE table_name LIKE 'sms_%' AND table_schema = current_schema() ORDER BY 1`,
      );
      expect(tables.rows.map((r) => r.t)).toEqual(['sms_sent']);
      const recorded = await db.query<{ id: string }>(`SELECT id FROM tollgate_migrations WHERE namespace = $1`, ['plugin:sms-reminders']);
      expect(recorded.rows.map((r) => r.id)).toEqual(['0001_ok']);
      expect(await db.ping()).toBe(true); // the connection is usable after the failed script
    });

    it('validates the sets before touching the database', async () => {
      const duplicate: MigrationSet = {
        namespace: 'dup',
        migrations: [
          { id: '0001_a', sql: 'CREATE TABLE dup_a (id int)' },
          { id: '0001_a', sql: 'CREATE TABLE dup_b (id int)' },
        ],
      };
      await expect(migrate({ db, sets: [duplicate] })).rejects.toBeInstanceOf(InvalidMigrationError);
      await expect(migrate({ db, sets: [duplicate] })).rejects.toMatchObject({ code: 'migration_invalid' });
      await expect(migrate({ db, sets: [wallet, wallet] })).rejects.toBeInstanceOf(InvalidMigrationError);
      await expect(migrate({ db, sets: [{ namespace: '', migrations: [] }] })).rejects.toBeInstanceOf(InvalidMigrationError);
      await expect(migrate({ db, sets: [{ namespace: 'x', migrations: [{ id: 'a b', sql: '' }] }] })).rejects.toBeInstanceOf(InvalidMigrationError);
      expect((await db.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'dup_a'`)).rowCount).toBe(0);
    });
  });
}

// A plugin as it was before API v2: prefixed tables in the database's own schema.
const demoV1: MigrationSet = {
  namespace: 'plugin:demo-notes',
  migrations: [
    {
      id: '0001_notes',
      sql: `-- the plugin's tables (a comment with an apostrophe, and CREATE TABLE ignored_in_comment)
CREATE TABLE demo_notes_notes (id bigserial PRIMARY KEY, account_id text NOT NULL, body text NOT NULL DEFAULT 'CREATE TABLE not_a_table');
CREATE INDEX demo_notes_notes_account ON demo_notes_notes (account_id);
CREATE TABLE demo_notes_tags (note_id bigint NOT NULL REFERENCES demo_notes_notes (id), tag text NOT NULL, PRIMARY KEY (note_id, tag));
CREATE TYPE demo_notes_mood AS ENUM ('calm', 'busy');
CREATE SEQUENCE demo_notes_ticket;
CREATE VIEW demo_notes_counts AS SELECT account_id, count(*) AS n FROM demo_notes_notes GROUP BY account_id;`,
    },
    { id: '0002_mood', sql: 'ALTER TABLE demo_notes_notes ADD COLUMN mood demo_notes_mood' },
  ],
};

for (const engine of testEngines()) {
  describe(`migrate into a set's own schema [${engine.name}]`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await engine.open();
    });
    afterAll(() => db.dispose());

    const core: MigrationSet = {
      namespace: 'host',
      // Named like the plugin's tables on purpose: a prefix must not decide what moves.
      migrations: [{ id: '0001_events', sql: 'CREATE TABLE demo_notes_events (id int PRIMARY KEY); CREATE TABLE wallets (account_id text PRIMARY KEY)' }],
    };

    it('creates the schema, runs the set there and keeps the bookkeeping in the core', async () => {
      const schema = nestedSchemaName({ db, name: 'plugin_fresh' });
      const fresh: MigrationSet = { namespace: 'plugin:fresh', schema, migrations: [{ id: '0001_items', sql: 'CREATE TABLE items (id int PRIMARY KEY)' }] };
      const result = await migrate({ db, sets: [core, fresh] });
      expect(result.applied).toEqual(['host/0001_events', `plugin:fresh/@schema:${schema}`, 'plugin:fresh/0001_items']);
      expect(result.moved).toEqual([]);
      const where = await db.query<{ schema: string }>(`SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'items'`);
      expect(where.rows).toEqual([{ schema }]);
      // The migration saw only its own schema.
      const peeking: MigrationSet = { ...fresh, migrations: [...fresh.migrations, { id: '0002_peek', sql: 'SELECT * FROM wallets' }] };
      await expect(migrate({ db, sets: [core, peeking] })).rejects.toThrow(/relation "wallets" does not exist/);
      expect((await migrate({ db, sets: [core, fresh] })).applied).toEqual([]);
      const { rows } = await db.query<{ id: string }>(`SELECT id FROM tollgate_migrations WHERE namespace = 'plugin:fresh' ORDER BY id`);
      expect(rows.map((r) => r.id)).toEqual(['0001_items', `@schema:${schema}`]);
    });

    it('moves a pre-v2 plugin’s tables with their data, then applies its new migrations there, once', async () => {
      // v1: the plugin's migrations ran in the database's own schema, and it stored rows.
      await migrate({ db, sets: [core, { ...demoV1, migrations: demoV1.migrations.slice(0, 1) }] });
      await db.query(`INSERT INTO demo_notes_notes (account_id, body) VALUES ('acc_1', 'first'), ('acc_1', 'second')`);
      await db.query(`INSERT INTO demo_notes_tags VALUES (1, 'x')`);
      await db.query(`SELECT nextval('demo_notes_ticket')`);
      await db.query(`INSERT INTO demo_notes_events VALUES (1)`);

      // v2: the same set, with a schema and one more migration.
      const schema = nestedSchemaName({ db, name: 'plugin_demo_notes' });
      const v2: MigrationSet = { ...demoV1, schema };
      const result = await migrate({ db, sets: [core, v2] });
      expect(result.applied).toEqual([`plugin:demo-notes/@schema:${schema}`, 'plugin:demo-notes/0002_mood']);
      expect(result.moved).toEqual([
        {
          namespace: 'plugin:demo-notes',
          schema,
          objects: ['table demo_notes_notes', 'table demo_notes_tags', 'view demo_notes_counts', 'sequence demo_notes_ticket', 'type demo_notes_mood'],
        },
      ]);

      const own = (await db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
      const { rows: placed } = await db.query<{ name: string; schema: string }>(
        `SELECT c.relname AS name, n.nspname AS schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relname LIKE 'demo_notes%' AND n.nspname IN ($1, $2) ORDER BY 1`,
        [own, schema],
      );
      expect(placed).toEqual(
        [
          ['demo_notes_counts', schema],
          ['demo_notes_events', own], // the core's table stays
          ['demo_notes_events_pkey', own],
          ['demo_notes_notes', schema],
          ['demo_notes_notes_account', schema],
          ['demo_notes_notes_id_seq', schema],
          ['demo_notes_notes_pkey', schema],
          ['demo_notes_tags', schema],
          ['demo_notes_tags_pkey', schema],
          ['demo_notes_ticket', schema],
        ].map(([name, s]) => ({ name, schema: s })),
      );

      // The plugin reads its rows through its scoped connection; serials, sequences, keys and the new column work.
      const plugin = scopeDatabase({ db, schema });
      try {
        expect((await plugin.query('SELECT id, body, mood FROM demo_notes_notes ORDER BY id')).rows).toEqual([
          { id: '1', body: 'first', mood: null },
          { id: '2', body: 'second', mood: null },
        ]);
        expect((await plugin.query(`INSERT INTO demo_notes_notes (account_id, body, mood) VALUES ('acc_1', 'third', 'busy') RETURNING id`)).rows).toEqual([
          { id: '3' },
        ]);
        expect((await plugin.query(`SELECT nextval('demo_notes_ticket') AS n`)).rows).toEqual([{ n: '2' }]);
        expect((await plugin.query('SELECT n FROM demo_notes_counts')).rows).toEqual([{ n: '3' }]);
        await expect(plugin.query(`INSERT INTO demo_notes_tags VALUES (99, 'dangling')`)).rejects.toThrow(/foreign key/);
      } finally {
        await plugin.close();
      }

      const { rows: recorded } = await db.query<{ id: string }>(`SELECT id FROM tollgate_migrations WHERE namespace = 'plugin:demo-notes' ORDER BY id`);
      expect(recorded.map((r) => r.id)).toEqual(['0001_notes', '0002_mood', `@schema:${schema}`]);
      expect(await migrate({ db, sets: [core, v2] })).toEqual({ applied: [], moved: [] });
    });

    it('refuses a migration id the migrator keeps for itself, and a schema given twice', async () => {
      await expect(migrate({ db, sets: [{ namespace: 'x', migrations: [{ id: '@schema:x', sql: '' }] }] })).rejects.toBeInstanceOf(InvalidMigrationError);
      await expect(migrate({ db, sets: [{ namespace: 'x', schema: 'Bad Name', migrations: [] }] })).rejects.toBeInstanceOf(InvalidMigrationError);
      await expect(
        migrate({
          db,
          sets: [
            { namespace: 'x', schema: 'same', migrations: [] },
            { namespace: 'y', schema: 'same', migrations: [] },
          ],
        }),
      ).rejects.toBeInstanceOf(InvalidMigrationError);
    });
  });
}

describe('createdObjects', () => {
  it('finds what statements create, not what comments or strings mention, nor qualified names', () => {
    expect(
      createdObjects([
        `-- CREATE TABLE in_comment
         /* CREATE TABLE in_block */
         create table if not exists Plain (note text default 'CREATE TABLE in_string');
         CREATE UNLOGGED TABLE "Quoted""Name" (id int);
         CREATE TABLE public.elsewhere (id int);
         CREATE MATERIALIZED VIEW totals AS SELECT 1;
         ALTER TABLE plain RENAME TO renamed;
         ALTER TABLE renamed RENAME COLUMN note TO body;
         CREATE SEQUENCE IF NOT EXISTS counter;
         CREATE TYPE mood AS ENUM ('a');`,
      ]),
    ).toEqual([
      { kind: 'relation', name: 'plain' },
      { kind: 'relation', name: 'Quoted"Name' },
      { kind: 'relation', name: 'totals' },
      { kind: 'relation', name: 'renamed' },
      { kind: 'sequence', name: 'counter' },
      { kind: 'type', name: 'mood' },
    ]);
  });
});

const url = process.env.TEST_DATABASE_URL;
if (url) {
  describe('migrate [postgres, two hosts at once]', () => {
    it('applies each migration exactly once when two instances race', async () => {
      const engine = testEngines().find((e) => e.name === 'postgres')!;
      const owner = await engine.open();
      const schema = (await owner.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
      // A second "host": its own pool on the same schema.
      const other = await openDatabase({ url, schema, poolSize: 2 });
      try {
        const sets: MigrationSet[] = [
          {
            namespace: 'host',
            migrations: Array.from({ length: 8 }, (_, i) => ({
              id: `000${i}_step`,
              // Not idempotent: a second application would fail.
              sql: `CREATE TABLE step_${i} (id int); INSERT INTO step_${i} VALUES (${i});`,
            })),
          },
        ];
        const [a, b] = await Promise.all([migrate({ db: owner, sets }), migrate({ db: other, sets })]);
        const all = [...a.applied, ...b.applied].sort();
        expect(all).toEqual(sets[0]!.migrations.map((m) => `host/${m.id}`));
        expect(new Set(all).size).toBe(all.length);
        const { rows } = await owner.query<{ n: string }>('SELECT count(*) AS n FROM tollgate_migrations');
        expect(rows[0]?.n).toBe('8');
      } finally {
        await other.close();
        await owner.dispose();
      }
    });
  });

  describe('migrate [postgres, two hosts set up a plugin schema at once]', () => {
    it('moves the tables once', async () => {
      const engine = testEngines().find((e) => e.name === 'postgres')!;
      const owner = await engine.open();
      const own = (await owner.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
      const other = await openDatabase({ url, schema: own, poolSize: 2 });
      try {
        await migrate({ db: owner, sets: [{ ...demoV1, migrations: demoV1.migrations.slice(0, 1) }] });
        await owner.query(`INSERT INTO demo_notes_notes (account_id, body) VALUES ('acc_1', 'kept')`);
        const v2: MigrationSet = { ...demoV1, schema: nestedSchemaName({ db: owner, name: 'plugin_demo_notes' }) };
        const [a, b] = await Promise.all([migrate({ db: owner, sets: [v2] }), migrate({ db: other, sets: [v2] })]);
        expect([...a.applied, ...b.applied].sort()).toEqual([`plugin:demo-notes/0002_mood`, `plugin:demo-notes/@schema:${v2.schema}`]);
        expect([...a.moved, ...b.moved]).toHaveLength(1);
        expect((await owner.query(`SELECT body FROM ${v2.schema}.demo_notes_notes`)).rows).toEqual([{ body: 'kept' }]);
      } finally {
        await other.close();
        await owner.dispose();
      }
    });
  });
}
