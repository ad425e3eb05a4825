import { randomBytes } from 'node:crypto';
import { openDatabase, type Database, type Engine } from './database.js';
import { openPglite, pgliteTemplate } from './pglite.engine.js';
import { dropSchemaFamily } from './postgres.engine.js';

export interface TestDatabase extends Database {
  /** Closes the database and removes everything the test created (PostgreSQL: its schema and every `<schema>_…` one: job queue, plugins). */
  dispose(): Promise<void>;
}

export interface TestEngine {
  name: Engine;
  open(): Promise<TestDatabase>;
}

function withDispose(db: Database, cleanUp: () => Promise<void>): TestDatabase {
  let disposing: Promise<void> | undefined;
  const dispose = (): Promise<void> => {
    disposing ??= db.close().then(cleanUp);
    return disposing;
  };
  // Same object (not a wrapper), so the JobQueue and migrator still recognise it.
  return Object.assign(db, { dispose });
}

/**
 * The engines a storage suite should run on: PGlite always (in memory, fresh per open()), and
 * PostgreSQL when TEST_DATABASE_URL is set (each open() gets its own schema `t_<random>`; the job
 * queue's `t_<random>_boss` and plugin schemas `t_<random>_plugin_…` go with it: dispose() drops
 * every `t_<random>_…` schema). Use:
 *
 *   for (const engine of testEngines()) describe(`wallet [${engine.name}]`, () => { ... });
 */
export function testEngines(): TestEngine[] {
  const engines: TestEngine[] = [
    {
      name: 'pglite',
      // In memory, from a per-process template of an empty cluster (skips initdb on every open).
      open: async () => withDispose(await openPglite({ template: await pgliteTemplate() }), async () => undefined),
    },
  ];
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    engines.push({
      name: 'postgres',
      open: async () => {
        const schema = `t_${randomBytes(6).toString('hex')}`;
        const db = await openDatabase({ url, schema, poolSize: 4 });
        return withDispose(db, () => dropSchemaFamily({ url, schema }));
      },
    });
  }
  return engines;
}
