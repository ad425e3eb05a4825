import { openDatabase, type Database } from '@tollgate/db';
import type { HostConfig } from './config/host-config.js';
import { lockDataDir } from './data-dir-lock.js';

/** Opens PostgreSQL when a URL is configured, else the embedded PGlite in the data folder (locked to this process). */
export async function openConfiguredDatabase(config: Pick<HostConfig, 'database'>): Promise<Database> {
  const { url, dataDir, poolSize } = config.database;
  if (url) return openDatabase({ url, poolSize });
  const lock = lockDataDir(dataDir);
  let db: Database;
  try {
    db = await openDatabase({ dataDir });
  } catch (error) {
    lock.release();
    throw error;
  }
  const close = db.close.bind(db);
  return Object.assign(db, {
    async close() {
      try {
        await close();
      } finally {
        lock.release();
      }
    },
  });
}
