import { createHash } from 'node:crypto';
import type { Database } from './database.js';
import { InvalidMigrationError, MigrationChecksumError, MigrationFailedError } from './errors.js';
import { RAW_SQL, assertSchemaName, quoteIdent, rawSqlOf } from './internal.js';
import type { Transaction } from './database.js';

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
  /**
   * The owner's own schema (a plugin's). Created if missing, under the migrator's lock; the set's
   * migrations run with it as their only search_path. When the set had migrations applied in the
   * database's own schema before it had a schema of its own, what they created (tables with their
   * indexes, constraints and owned sequences; sequences, views and types) is moved into it first,
   * once: the row `<namespace>/@schema:<schema>` in tollgate_migrations records it.
   */
  schema?: string;
}

interface Planned {
  namespace: string;
  id: string;
  sql: string;
  checksum: string;
  schema: string | undefined;
}

/** What `migrate` moved from the database's schema into a set's own schema. */
export interface MovedObjects {
  namespace: string;
  schema: string;
  /** 'table voice_calls', 'sequence x', … in the order they were moved. */
  objects: string[];
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

// Ids of the migrator's own rows; a migration's id may not start with it.
const RESERVED = '@';
const schemaRecordId = (schema: string): string => `${RESERVED}schema:${schema}`;

function plan(sets: readonly MigrationSet[]): Planned[] {
  const namespaces = new Set<string>();
  const schemas = new Set<string>();
  const planned: Planned[] = [];
  for (const set of sets) {
    if (typeof set.namespace !== 'string' || set.namespace.trim() === '' || set.namespace.includes('/')) {
      throw new InvalidMigrationError({ message: `Invalid migration namespace "${String(set.namespace)}".` });
    }
    if (namespaces.has(set.namespace)) {
      throw new InvalidMigrationError({ message: `Migration namespace "${set.namespace}" is given twice.` });
    }
    namespaces.add(set.namespace);
    if (set.schema !== undefined) {
      try {
        assertSchemaName(set.schema);
      } catch {
        throw new InvalidMigrationError({
          message: `Invalid schema "${String(set.schema)}" for ${set.namespace}.`,
          details: { namespace: set.namespace, schema: set.schema },
        });
      }
      if (schemas.has(set.schema)) {
        throw new InvalidMigrationError({ message: `Schema "${set.schema}" is given to two migration sets.`, details: { schema: set.schema } });
      }
      schemas.add(set.schema);
    }
    const ids = new Set<string>();
    for (const migration of set.migrations) {
      if (typeof migration.id !== 'string' || !/^[^\s/]+$/.test(migration.id) || migration.id.startsWith(RESERVED)) {
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
      planned.push({ namespace: set.namespace, id: m.id, sql: m.sql, checksum: migrationChecksum(m.sql), schema: set.schema });
    }
  }
  return planned;
}

const keyOf = (m: { namespace: string; id: string }): string => `${m.namespace}/${m.id}`;

/**
 * Applies pending migrations, sets in the given order, ids sorted, each in its own transaction.
 * A set with a `schema` has it set up first (see MigrationSet.schema). Safe to run from several
 * hosts at once against one PostgreSQL: each step takes an advisory lock and re-checks, so every
 * migration is applied exactly once. Returns what this call applied and moved.
 */
export async function migrate(input: { db: Database; sets: readonly MigrationSet[] }): Promise<{ applied: string[]; moved: MovedObjects[] }> {
  const { db } = input;
  const planned = plan(input.sets);

  const known = await db.transaction(async (tx) => {
    await tx.query(LOCK);
    await tx.query(CREATE_TABLE);
    const { rows } = await tx.query<{ namespace: string; id: string; checksum: string }>('SELECT namespace, id, checksum FROM tollgate_migrations');
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
  const moved: MovedObjects[] = [];
  for (const set of input.sets) {
    if (set.schema !== undefined && !known.has(keyOf({ namespace: set.namespace, id: schemaRecordId(set.schema) }))) {
      const done = await setUpSchema(db, { namespace: set.namespace, schema: set.schema, migrations: set.migrations });
      if (done) {
        applied.push(keyOf({ namespace: set.namespace, id: schemaRecordId(set.schema) }));
        if (done.objects.length > 0) moved.push(done);
      }
    }
    for (const m of planned) {
      if (m.namespace !== set.namespace || known.has(keyOf(m))) continue;
      if (await applyOne(db, m)) applied.push(keyOf(m));
    }
  }
  return { applied, moved };
}

async function applyOne(db: Database, m: Planned): Promise<boolean> {
  try {
    return await db.transaction(
      async (tx) => {
        await tx.query(LOCK);
        const { rows } = await tx.query<{ checksum: string }>('SELECT checksum FROM tollgate_migrations WHERE namespace = $1 AND id = $2', [m.namespace, m.id]);
        const existing = rows[0];
        if (existing) {
          // Another host applied it while we waited for the lock.
          if (existing.checksum !== m.checksum) {
            throw new MigrationChecksumError({ namespace: m.namespace, id: m.id, expected: existing.checksum, actual: m.checksum });
          }
          return false;
        }
        await tx.query('INSERT INTO tollgate_migrations (namespace, id, checksum) VALUES ($1, $2, $3)', [m.namespace, m.id, m.checksum]);
        // Last, since tollgate_migrations is not on the set's path; LOCAL ends with the transaction.
        if (m.schema !== undefined) await tx.query(`SET LOCAL search_path TO ${quoteIdent(m.schema)}`);
        await rawSqlOf(tx)[RAW_SQL](m.sql);
        return true;
      },
      { retries: 0 },
    );
  } catch (error) {
    if (error instanceof MigrationChecksumError) throw error;
    throw new MigrationFailedError({ namespace: m.namespace, id: m.id, cause: error });
  }
}

/**
 * Creates a set's schema and moves into it, from the database's own schema, what the set's
 * already-applied migrations created there (a set that gained a schema: plugins before API v2).
 * The objects are found in the migrations' own SQL, never by a name prefix, so a core table whose
 * name happens to start like a plugin's id stays where it is. Returns undefined when another host
 * did it first.
 */
async function setUpSchema(db: Database, set: { namespace: string; schema: string; migrations: readonly Migration[] }): Promise<MovedObjects | undefined> {
  const id = schemaRecordId(set.schema);
  try {
    return await db.transaction(
      async (tx) => {
        await tx.query(LOCK);
        const { rows: done } = await tx.query('SELECT 1 FROM tollgate_migrations WHERE namespace = $1 AND id = $2', [set.namespace, id]);
        if (done.length > 0) return undefined;
        await tx.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(set.schema)}`);
        const { rows } = await tx.query<{ id: string }>('SELECT id FROM tollgate_migrations WHERE namespace = $1', [set.namespace]);
        const appliedIds = new Set(rows.map((r) => r.id));
        const created = createdObjects(set.migrations.filter((m) => appliedIds.has(m.id)).map((m) => m.sql));
        const objects = await moveObjects(tx, created, set.schema);
        await tx.query('INSERT INTO tollgate_migrations (namespace, id, checksum) VALUES ($1, $2, $3)', [
          set.namespace,
          id,
          migrationChecksum(objects.join('\n')),
        ]);
        return { namespace: set.namespace, schema: set.schema, objects };
      },
      { retries: 0 },
    );
  } catch (error) {
    throw new MigrationFailedError({ namespace: set.namespace, id, cause: error });
  }
}

type ObjectKind = 'relation' | 'sequence' | 'type';

interface NamedObject {
  kind: ObjectKind;
  name: string;
}

// An unquoted name (not the first part of a qualified one) or a quoted one.
const IDENT = String.raw`("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)(?![A-Za-z0-9_$]|\s*\.)`;
const IF_NOT_EXISTS = String.raw`(?:IF\s+NOT\s+EXISTS\s+)?`;
const CREATES: ReadonlyArray<[ObjectKind, RegExp]> = [
  ['relation', new RegExp(String.raw`\bCREATE\s+(?:UNLOGGED\s+)?TABLE\s+${IF_NOT_EXISTS}${IDENT}`, 'gi')],
  ['relation', new RegExp(String.raw`\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:RECURSIVE\s+)?(?:MATERIALIZED\s+)?VIEW\s+${IF_NOT_EXISTS}${IDENT}`, 'gi')],
  ['relation', new RegExp(String.raw`\bALTER\s+(?:TABLE|VIEW|MATERIALIZED\s+VIEW)\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?[^;]*?\bRENAME\s+TO\s+${IDENT}`, 'gi')],
  ['sequence', new RegExp(String.raw`\bCREATE\s+(?:UNLOGGED\s+)?SEQUENCE\s+${IF_NOT_EXISTS}${IDENT}`, 'gi')],
  ['type', new RegExp(String.raw`\bCREATE\s+TYPE\s+${IDENT}`, 'gi')],
];

function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.toLowerCase();
}

/** What the statements create, by kind (tables and views first: their own sequences and row types go with them). */
export function createdObjects(sqls: readonly string[]): NamedObject[] {
  const found: NamedObject[] = [];
  const seen = new Set<string>();
  for (const [kind, pattern] of CREATES) {
    for (const sql of sqls) {
      // Comments first (they may hold apostrophes), then string literals.
      const code = sql
        .replace(/--[^\n]*/g, ' ')
        .replace(/\/\*[\s\S]*?\*\//g, ' ')
        .replace(/'(?:[^']|'')*'/g, "''");
      for (const match of code.matchAll(pattern)) {
        const name = unquote(match[1]!);
        const key = `${kind}:${name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        found.push({ kind, name });
      }
    }
  }
  return found;
}

const ALTER_BY_RELKIND: Readonly<Record<string, string>> = {
  r: 'TABLE',
  p: 'TABLE',
  f: 'FOREIGN TABLE',
  v: 'VIEW',
  m: 'MATERIALIZED VIEW',
  S: 'SEQUENCE',
};

/** Moves each object that is still in the current schema; returns 'table voice_calls'-style labels. */
async function moveObjects(tx: Transaction, objects: readonly NamedObject[], target: string): Promise<string[]> {
  const { rows } = await tx.query<{ schema: string | null }>('SELECT current_schema() AS schema');
  const from = rows[0]?.schema;
  if (!from || from === target) return [];
  const moved: string[] = [];
  for (const object of objects) {
    // Looked up one by one: moving a table has already moved its owned sequences and row type.
    if (object.kind === 'type') {
      const { rows: types } = await tx.query(
        `SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
          WHERE n.nspname = $1 AND t.typname = $2 AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')`,
        [from, object.name],
      );
      if (types.length === 0) continue;
      await tx.query(`ALTER TYPE ${quoteIdent(from)}.${quoteIdent(object.name)} SET SCHEMA ${quoteIdent(target)}`);
      moved.push(`type ${object.name}`);
      continue;
    }
    const { rows: relations } = await tx.query<{ relkind: string; owned: boolean }>(
      `SELECT c.relkind, EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')) AS owned
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2`,
      [from, object.name],
    );
    const relation = relations[0];
    const alter = relation ? ALTER_BY_RELKIND[relation.relkind] : undefined;
    // A sequence owned by a column that stays behind stays with it.
    if (!relation || !alter || (relation.relkind === 'S' && relation.owned)) continue;
    await tx.query(`ALTER ${alter} ${quoteIdent(from)}.${quoteIdent(object.name)} SET SCHEMA ${quoteIdent(target)}`);
    moved.push(`${alter.toLowerCase()} ${object.name}`);
  }
  return moved;
}
