import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidMigrationError,
  MigrationChecksumError,
  MigrationFailedError,
  migrate,
  openDatabase,
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
      await expect(migrate({ db, sets: [{ namespace: 'x', migrations: [{ id: 'a b', sql: '' }] }] })).rejects.toBeInstanceOf(
        InvalidMigrationError,
      );
      expect((await db.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'dup_a'`)).rowCount).toBe(0);
    });
  });
}

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
}
