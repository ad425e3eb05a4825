// The host process of `pnpm bench:company-data` (forked by company-data.bench.ts, never run alone): a
// real host (createHost, production defaults: info logs, background workers) with the
// company-data-trendstop plugin loaded from its configuration entry, listening on loopback. The
// parent does everything else over HTTP with the admin key this process issues.
//
// tsyringe (inside the host) needs the Reflect metadata API before it is imported.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database, type Engine } from '@tollgate/db';
import { createHost, loadConfig } from '@tollgate/host';

export interface CompanyDataHostOptions {
  engine: Engine;
  url: string;
  pool: number;
  logLevel: string;
  /** The Trends Top sandbox of the parent (its partner key is the plugin's). */
  sandboxUrl: string;
  partnerApiKey: string;
}

export interface CompanyDataHostReady {
  url: string;
  adminKey: string;
  version: string;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]!) as CompanyDataHostOptions;
  const schema = `bench_cd_${process.pid}`;
  const db: Database = options.engine === 'postgres' ? await openDatabase({ url: options.url, schema, poolSize: options.pool }) : await openDatabase({});
  const empty = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  // The plugin by its resolved path (the host resolves bare names from its own dependencies, and the
  // plugin is not one of them); everything else at its production default.
  const plugin = createRequire(import.meta.url).resolve('@tollgate/plugin-company-data-trendstop');
  const config = loadConfig({
    env: {},
    cwd: empty,
    overrides: {
      port: 0,
      host: '127.0.0.1',
      logLevel: options.logLevel as 'info',
      plugins: [
        {
          package: plugin,
          enabled: true,
          options: { baseUrl: options.sandboxUrl, partnerApiKey: options.partnerApiKey, sealingKey: randomBytes(32).toString('base64'), retries: 0 },
        },
      ],
    },
  });
  const host = await createHost({ config, db });
  const url = await host.listen();
  const adminKey = await host.accounts.createAdminKey({ name: 'bench-admin' });
  const version = (await db.query<{ v: string }>('select version() as v')).rows[0]!.v;

  process.on('message', (message: { op: 'close' }) => {
    if (message.op !== 'close') return;
    void (async () => {
      await host.close();
      // The host's schema and those named after it (the job queue's, the plugin's).
      if (db.engine === 'postgres') {
        const { rows } = await db.query<{ name: string }>('select nspname as name from pg_namespace where nspname = $1 or nspname like $2', [
          schema,
          `${schema}\\_%`,
        ]);
        for (const { name } of rows) await db.query(`drop schema if exists ${name} cascade`).catch(() => undefined);
      }
      await db.close();
      rmSync(empty, { recursive: true, force: true });
      setImmediate(() => process.exit(0));
    })();
  });
  process.send!({ url, adminKey: adminKey.key, version } satisfies CompanyDataHostReady);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
