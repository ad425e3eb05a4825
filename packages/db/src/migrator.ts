import { createHash } from 'node:crypto';
import type { Database } from './database.js';
import { InvalidMigrationError, MigrationChecksumError, MigrationFailedError } from './errors.js';
import { RAW_SQL, rawSqlOf } from './internal.js';

/** One schema change. `id` orders it within its set ('0001_create_accounts'); zero-pad the number. */
export interface Migration {
  id: string;
  /** One or more statements. No BEGIN/COMMIT (each migration already runs in its own transaction). */
  sql: string;
}

/** The migrations of one owner: 'host', 'wallet', 'plugin:sms-reminders'. */
export interface MigrationSet {
  namespace: string;
  migrations: readonly Migration[];
}

interface Planned {
  namespace: string;
  id: string;
  sql: string;
  checksum: string;
}

// Serialises migrators (several hosts starting at once) per schema: a fixed class id plus the schema.
const LOCK_CLASS = 1953459308; // 'toll'
const LOCK = `SELECT pg_advisory_xact_lock(${LOCK_CLASS}, hashtext(coalesce(current_schema(), '')))`;

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS tollgate_migrations (
  namespace text NOT NULL,
  id text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (namespace, id)
)`;

/** sha256 of the SQL, with line endings normalised so a Windows checkout does not look like an edit. */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

function plan(sets: readonly MigrationSet[]): Planned[] {
  const namespaces = new Set<string>();
  const planned: Planned[] = [];
  for (const set of sets) {
    if (typeof set.namespace !== 'string' || set.namespace.trim() === '' || set.namespace.includes('/')) {
      throw new InvalidMigrationError({ message: `Invalid migration namespace "${String(set.namespace)}".` });
    }
    if (namespaces.has(set.namespace)) {
      throw new InvalidMigrationError({ message: `Migration namespace "${set.namespace}" is given twice.` });
    }
    namespaces.add(set.namespace);
    const ids = new Set<string>();
    for (const migration of set.migrations) {
      if (typeof migration.id !== 'string' || !/^[^\s/]+$/.test(migration.id)) {
        throw new InvalidMigrationError({ message: `Invalid migration id "${String(migration.id)}" in ${set.namespace}.` });
      }
      if (ids.has(migration.id)) {
        throw new InvalidMigrationError({
          message: `Migration id ${set.namespace}/${migration.id} is used twice.`,
          details: { namespace: set.namespace, id: migration.id },
        });
      }
      if (typeof migration.sql !== 'string') {
        throw new InvalidMigrationError({ message: `Migration ${set.namespace}/${migration.id} has no SQL.` });
      }
      ids.add(migration.id);
    }
    // Code-unit order, not locale order: '0010' after '0009' on every machine.
    const sorted = [...set.migrations].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const m of sorted) {
      planned.push({ namespace: set.namespace, id: m.id, sql: m.sql, checksum: migrationChecksum(m.sql) });
    }
  }
  return planned;
}

const keyOf = (m: { namespace: string; id: string }): string => `${m.namespace}/${m.id}`;

/**
 * Applies pending migrations, sets in the given order, ids sorted, each in its own transaction.
 * Safe to run from several hosts at once against one PostgreSQL: each step takes an advisory lock
 * and re-checks, so every migration is applied exactly once. Returns what this call applied.
 */
export async function migrate(input: { db: Database; sets: readonly MigrationSet[] }): Promise<{ applied: string[] }> {
  const { db } = input;
  const planned = plan(input.sets);

  const known = await db.transaction(async (tx) => {
    await tx.query(LOCK);
    await tx.query(CREATE_TABLE);
    const { rows } = await tx.query<{ namespace: string; id: string; checksum: string }>(
      'SELECT namespace, id, checksum FROM tollgate_migrations',
    );
    return new Map(rows.map((r) => [keyOf(r), r.checksum]));
  });

  // Refuse before changing anything when history was edited.
  for (const m of planned) {
    const checksum = known.get(keyOf(m));
    if (checksum !== undefined && checksum !== m.checksum) {
      throw new MigrationChecksumError({ namespace: m.namespace, id: m.id, expected: checksum, actual: m.checksum });
    }
  }

  const applied: string[] = [];
  for (const m of planned) {
    if (known.has(keyOf(m))) continue;
    if (await applyOne(db, m)) applied.push(keyOf(m));
  }
  return { applied };
}

async function applyOne(db: Database, m: Planned): Promise<boolean> {
  try {
    return await db.transaction(
      async (tx) => {
        await tx.query(LOCK);
        const { rows } = await tx.query<{ checksum: string }>(
          'SELECT checksum FROM tollgate_migrations WHERE namespace = $1 AND id = $2',
          [m.namespace, m.id],
        );
        const existing = rows[0];
        if (existing) {
          // Another host applied it while we waited for the lock.
          if (existing.checksum !== m.checksum) {
            throw new MigrationChecksumError({ namespace: m.namespace, id: m.id, expected: existing.checksum, actual: m.checksum });
          }
          return false;
        }
        await rawSqlOf(tx)[RAW_SQL](m.sql);
        await tx.query('INSERT INTO tollgate_migrations (namespace, id, checksum) VALUES ($1, $2, $3)', [
          m.namespace,
          m.id,
          m.checksum,
        ]);
        return true;
      },
      { retries: 0 },
    );
  } catch (error) {
    if (error instanceof MigrationChecksumError) throw error;
    throw new MigrationFailedError({ namespace: m.namespace, id: m.id, cause: error });
  }
}
