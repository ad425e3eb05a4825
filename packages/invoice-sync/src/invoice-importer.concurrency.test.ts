import { eventMigrations } from '@tollgate/events';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '@tollgate/clock';
import { migrate, openDatabase, testEngines, type Database, type TestDatabase } from '@tollgate/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionService } from './connection.service.js';
import { CustomerService } from './customer.service.js';
import { InvoiceImporter } from './invoice-importer.js';
import { invoiceSyncMigrations } from './invoice-sync.migrations.js';
import type { Connection, ImportRun } from './invoice-sync.types.js';
import { ProfileService } from './profile.service.js';
import { ScriptedSource, sourceCustomer, sourceDoc } from './scripted-source.fixture.js';

/*
 * Two hosts = two importers. On every engine they share one database handle; on PostgreSQL they
 * also get their own connection pools on ONE schema, as two processes would. They meet only at the
 * database: the unique keys, `on conflict` and the one-running-run index. No sleeps: the
 * assertions are about rows and counts.
 */
interface Hosts {
  first: Database;
  second: Database;
}

function concurrencyCases(name: string, hosts: () => Hosts) {
  const clock = new ManualClock('2026-03-20T10:00:00.000Z');
  const source = new ScriptedSource(`scripted-${name}`);
  source.customers.set('cus-1', sourceCustomer({ sourceId: 'cus-1' }));
  source.customers.set('cus-2', sourceCustomer({ sourceId: 'cus-2', type: 'contact' }));
  const directory = { get: (id: string) => (id === source.id ? source : undefined) };
  let n = 0;
  const host = (db: Database, pageSize: number) => {
    const connections = new ConnectionService(db, clock, directory);
    return { connections, importer: new InvoiceImporter(db, clock, directory, connections, new CustomerService(db, clock), { pageSize }) };
  };
  const both = () => ({ a: host(hosts().first, 3), b: host(hosts().second, 4) });
  async function account(): Promise<{ accountId: string; connection: Connection }> {
    const { first } = hosts();
    const accountId = `acc_${name}_${++n}`;
    const profile = await new ProfileService(first, clock).create({ accountId, name: 'Default', directDebit: true, paymentLink: false, transfer: false });
    const connection = await new ConnectionService(first, clock, directory).create({
      accountId,
      sourceId: source.id,
      sourceAccountId: `tl-${name}-${n}`,
      defaultProfileId: profile.id,
    });
    return { accountId, connection };
  }
  const rows = async (connectionId: string) =>
    (
      await hosts().first.query<{ kind: string; source_id: string; number: string }>(
        'select kind, source_id, number from sync_invoices where connection_id = $1',
        [connectionId],
      )
    ).rows;
  const runsOf = (results: Array<ImportRun | { run: ImportRun | null }>) => results.flatMap((r) => ('run' in r ? (r.run ? [r.run] : []) : [r]));

  it('imports each document once when webhooks on both hosts race a manual import and a sweep', async () => {
    const { a, b } = both();
    const { accountId, connection } = await account();
    const docs = Array.from({ length: 30 }, (_, i) =>
      sourceDoc({
        kind: i % 5 === 4 ? 'credit_note' : 'invoice',
        customer: i % 2 ? { sourceId: 'cus-2', type: 'contact' } : { sourceId: 'cus-1', type: 'company' },
      }),
    );
    source.put(...docs);
    const results = await Promise.all([
      // The sweep may get the connection first: then the manual import is refused, and the webhooks still import everything.
      a.importer
        .importRecent({ connectionId: connection.id })
        .catch((error: { code?: string }) => (error.code === 'import_running' ? { run: null } : Promise.reject(error))),
      b.importer.sweep({ connectionId: connection.id }),
      ...docs.flatMap((d) => [
        a.importer.importOne({ connectionId: connection.id, kind: d.kind, sourceId: d.sourceId }),
        b.importer.importOne({ connectionId: connection.id, kind: d.kind, sourceId: d.sourceId }),
      ]),
    ]);
    const runs = runsOf(results);
    expect(runs.every((r) => r.status === 'completed' && r.counts.failed === 0)).toBe(true);
    expect(runs.reduce((sum, r) => sum + r.counts.new, 0)).toBe(30);
    const stored = await rows(connection.id);
    expect(stored).toHaveLength(30);
    expect(new Set(stored.map((r) => r.number)).size).toBe(30);
    const customers = await hosts().first.query('select source_id from sync_customers where account_id = $1', [accountId]);
    expect(customers.rows).toHaveLength(2);
  });

  it('lets one manual import or sweep run per connection across hosts', async () => {
    const { a, b } = both();
    const { connection } = await account();
    source.put(...Array.from({ length: 6 }, () => sourceDoc()));
    const results = await Promise.allSettled([
      a.importer.importRecent({ connectionId: connection.id }),
      b.importer.importRecent({ connectionId: connection.id }),
      b.importer.sweep({ connectionId: connection.id }),
    ]);
    const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'ran'));
    const running = await hosts().first.query(`select count(*)::int as n from sync_import_runs where connection_id = $1 and status = 'running'`, [
      connection.id,
    ]);
    expect(running.rows[0]).toEqual({ n: 0 });
    // Whatever the interleaving, the refused ones said so, and at least one ran.
    expect(codes.filter((c) => c === 'ran').length).toBeGreaterThanOrEqual(1);
    expect(codes.every((c) => c === 'ran' || c === 'import_running')).toBe(true);
  });

  it('keeps numbers unique when two departments with the same number are imported by two hosts at once', async () => {
    const { a, b } = both();
    const { connection } = await account();
    const clashing = Array.from({ length: 8 }, (_, i) => sourceDoc({ number: '2026 / 77', departmentId: `dep${i}0000-xxxx` }));
    source.put(...clashing);
    await Promise.all(
      clashing.flatMap((d) => [
        a.importer.importOne({ connectionId: connection.id, kind: 'invoice', sourceId: d.sourceId }),
        b.importer.importOne({ connectionId: connection.id, kind: 'invoice', sourceId: d.sourceId }),
      ]),
    );
    const stored = await rows(connection.id);
    expect(stored).toHaveLength(8);
    expect(new Set(stored.map((r) => r.number)).size).toBe(8);
    expect(stored.filter((r) => r.number === '2026 / 77')).toHaveLength(1);
  });
}

for (const engine of testEngines()) {
  describe(`invoice import concurrency [${engine.name}] two importers on one database`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await engine.open();
      await migrate({ db, sets: [eventMigrations, invoiceSyncMigrations] });
    });
    afterAll(async () => {
      await db?.dispose();
    });
    concurrencyCases(`one-${engine.name}`, () => ({ first: db, second: db }));
  });
}

const url = process.env.TEST_DATABASE_URL;
if (url) {
  describe('invoice import concurrency [postgres] two hosts: two pools on one schema', () => {
    const schema = `t_sync_${randomBytes(5).toString('hex')}`;
    let first: Database;
    let second: Database;
    beforeAll(async () => {
      first = await openDatabase({ url, schema, poolSize: 6 });
      second = await openDatabase({ url, schema, poolSize: 6 });
      await migrate({ db: first, sets: [eventMigrations, invoiceSyncMigrations] });
    });
    afterAll(async () => {
      await second?.close();
      await first?.query(`drop schema if exists ${schema} cascade`);
      await first?.close();
    });
    concurrencyCases('pg-two-pools', () => ({ first, second }));
  });
}
