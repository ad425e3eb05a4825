// Shared by the unit tests of this plugin (not exported from index.ts).
import type { TestDatabase, TestEngine } from '@tollgate/testing';
import { smsRemindersMigrations } from '../src/sms-reminders.migrations.js';

/** A logger that drops everything. */
export const silentLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
} as never;

/** A fresh database with this plugin's tables. The host's migrator is not a plugin's to import: the statements run one by one (comments dropped). */
export async function migratedDatabase(engine: TestEngine): Promise<TestDatabase> {
  const db = await engine.open();
  for (const migration of smsRemindersMigrations) {
    const sql = migration.sql.replace(/^\s*--.*$/gm, '');
    for (const statement of sql.split(';').filter((s) => s.trim())) await db.query(statement);
  }
  return db;
}
