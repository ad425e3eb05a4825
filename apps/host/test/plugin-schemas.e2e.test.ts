import { migrate, type TestDatabase } from '@tollgate/db';
import { coreServices, definePlugin, type Migration, type PluginDatabase, type PluginFiles } from '@tollgate/plugin-sdk';
import { createTestHost, testEngines, type TestHost } from '@tollgate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MISSING = (table: string) => new RegExp(`relation "${table}" does not exist`);

/** Plugins that keep notes in a table named `notes` (the same name in each) and note jobs through the outbox. */
const seen: Array<{ plugin: string; data: unknown }> = [];
const fileViews = new Map<string, PluginFiles>();
function notesPlugin(id: string, databases: Map<string, PluginDatabase>) {
  return definePlugin({
    id,
    compatibility: '^2.0.0',
    register(env) {
      env.registerMigrations({ migrations: [{ id: '0001_notes', sql: 'create table notes (id serial primary key, body text not null)' }] });
      env.registerInit({
        deps: { db: coreServices.database, jobs: coreServices.jobs, files: coreServices.files },
        async init({ db, jobs, files }) {
          databases.set(id, db);
          fileViews.set(id, files);
          await jobs.work({ name: 'noted', handler: async ({ data }) => void seen.push({ plugin: id, data }) });
          // The plugin's way to send a job with its own rows: `tx` is its scoped transaction.
          outbox.set(id, (body: string, fail: boolean) =>
            db.transaction(async (tx) => {
              const { rows } = await tx.query<{ id: number }>('insert into notes (body) values ($1) returning id', [body]);
              await jobs.send({ name: 'noted', data: { id: rows[0]!.id, body }, tx });
              if (fail) throw new Error('changed my mind');
            }),
          );
        },
      });
    },
  });
}
const outbox = new Map<string, (body: string, fail: boolean) => Promise<void>>();

// A plugin as it was made before plugin API 2: its table carries its id as a prefix.
const legacyMigrations: Migration[] = [
  {
    id: '0001_items',
    sql: 'create table legacy_notes_items (id serial primary key, body text not null);\ncreate index legacy_notes_items_body on legacy_notes_items (body)',
  },
];
function legacyPlugin(databases: Map<string, PluginDatabase>) {
  return definePlugin({
    id: 'legacy-notes',
    compatibility: '^2.0.0',
    register(env) {
      env.registerMigrations({ migrations: legacyMigrations });
      env.registerInit({ deps: { db: coreServices.database }, init: ({ db }) => void databases.set('legacy-notes', db) });
    },
  });
}

for (const engine of testEngines()) {
  describe(`a schema per plugin [${engine.name}]`, () => {
    const databases = new Map<string, PluginDatabase>();
    let t: TestHost;
    beforeAll(async () => {
      t = await createTestHost({ engine, plugins: [notesPlugin('notes-a', databases), notesPlugin('notes-b', databases)] });
    });
    afterAll(() => t?.close());

    it('gives each plugin its own schema, named after its id', () => {
      const prefix = engine.name === 'postgres' ? /^t_[0-9a-f]{12}_/ : /^/;
      expect(databases.get('notes-a')!.schema).toMatch(new RegExp(`${prefix.source}plugin_notes_a$`));
      expect(databases.get('notes-b')!.schema).toMatch(new RegExp(`${prefix.source}plugin_notes_b$`));
      expect(t.pluginDatabase('notes-a')).toBe(databases.get('notes-a'));
    });

    it("keeps the core's tables out of a plugin's path", async () => {
      const db = databases.get('notes-a')!;
      for (const table of ['wallets', 'accounts', 'tollgate_migrations', 'ledger_transactions']) {
        await expect(db.query(`select * from ${table}`)).rejects.toThrow(MISSING(table));
      }
      await expect(db.transaction((tx) => tx.query('update wallets set available = available + 1'))).rejects.toThrow(MISSING('wallets'));
    });

    it('lets two plugins own a table of the same name, which the core does not see', async () => {
      await databases.get('notes-a')!.query(`insert into notes (body) values ('from a')`);
      await databases.get('notes-b')!.query(`insert into notes (body) values ('from b'), ('from b again')`);
      expect((await t.pluginDatabase('notes-a').query('select body from notes order by id')).rows).toEqual([{ body: 'from a' }]);
      expect((await t.pluginDatabase('notes-b').query('select body from notes order by id')).rows).toEqual([{ body: 'from b' }, { body: 'from b again' }]);
      await expect(t.db.query('select * from notes')).rejects.toThrow(MISSING('notes'));
      // The core's own queries go on as before between the plugins' ones.
      expect((await t.db.query<{ n: number }>('select count(*)::int as n from accounts')).rows[0]!.n).toBeGreaterThanOrEqual(0);
    });

    it('gives each plugin its own file prefix as it gives its own schema: the same key is two files', async () => {
      await fileViews.get('notes-a')!.put({ key: 'notes/1.txt', body: Buffer.from('from a'), contentType: 'text/plain' });
      await fileViews.get('notes-b')!.put({ key: 'notes/1.txt', body: Buffer.from('from b'), contentType: 'text/plain' });
      expect((await fileViews.get('notes-a')!.read({ key: 'notes/1.txt' }))!.body.toString()).toBe('from a');
      expect((await t.files.read({ key: 'plugins/notes-b/notes/1.txt' }))!.body.toString()).toBe('from b');
      expect(await t.files.stat({ key: 'notes/1.txt' })).toBeNull();
    });

    it('sends a job inside a plugin transaction: it runs iff the transaction commits', async () => {
      await outbox.get('notes-b')!('kept', false);
      await expect(outbox.get('notes-b')!('dropped', true)).rejects.toThrow('changed my mind');
      seen.length = 0;
      expect(await t.runJobs()).toEqual({ completed: 1, failed: 0 });
      expect(seen).toEqual([{ plugin: 'notes-b', data: { id: expect.any(Number), body: 'kept' } }]);
      expect((await t.pluginDatabase('notes-b').query(`select body from notes where body in ('kept', 'dropped')`)).rows).toEqual([{ body: 'kept' }]);
    });
  });

  describe(`a plugin made before plugin API 2 [${engine.name}]`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await engine.open();
    });
    afterAll(() => db?.dispose());

    it('has its tables moved into its schema with their rows at the first start, and nothing happens at the second', async () => {
      // As a v1 host left it: the plugin's migration applied in the core schema, rows stored.
      await migrate({ db, sets: [{ namespace: 'plugin:legacy-notes', migrations: legacyMigrations }] });
      await db.query(`insert into legacy_notes_items (body) values ('one'), ('two')`);

      const databases = new Map<string, PluginDatabase>();
      const first = await createTestHost({ db, plugins: [legacyPlugin(databases)] });
      const schema = databases.get('legacy-notes')!.schema;
      try {
        const plugin = databases.get('legacy-notes')!;
        expect((await plugin.query('select id, body from legacy_notes_items order by id')).rows).toEqual([
          { id: 1, body: 'one' },
          { id: 2, body: 'two' },
        ]);
        expect((await plugin.query(`insert into legacy_notes_items (body) values ('three') returning id`)).rows).toEqual([{ id: 3 }]);
        await expect(db.query('select * from legacy_notes_items')).rejects.toThrow(MISSING('legacy_notes_items'));
        const { rows: placed } = await db.query<{ name: string; schema: string }>(
          `select c.relname as name, n.nspname as schema from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relname like 'legacy_notes_items%' and n.nspname in (current_schema(), $1) order by 1`,
          [schema],
        );
        expect(placed).toEqual(
          ['legacy_notes_items', 'legacy_notes_items_body', 'legacy_notes_items_id_seq', 'legacy_notes_items_pkey'].map((name) => ({ name, schema })),
        );
      } finally {
        await first.close();
      }

      const recorded = async () =>
        (await db.query<{ id: string; applied_at: Date }>(`select id, applied_at from tollgate_migrations where namespace = 'plugin:legacy-notes' order by id`))
          .rows;
      const before = await recorded();
      expect(before.map((r) => r.id)).toEqual(['0001_items', `@schema:${schema}`]);

      const again = new Map<string, PluginDatabase>();
      const second = await createTestHost({ db, plugins: [legacyPlugin(again)] });
      try {
        expect(await recorded()).toEqual(before);
        expect(await migrate({ db, sets: second.host.pluginHost.migrationSets({ db }) })).toEqual({ applied: [], moved: [] });
        expect((await again.get('legacy-notes')!.query('select body from legacy_notes_items order by id')).rows.map((r) => r.body)).toEqual([
          'one',
          'two',
          'three',
        ]);
      } finally {
        await second.close();
      }
    });
  });
}
