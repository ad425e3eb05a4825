import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@tollgate/clock';
import { testEngines, type Database, type TestDatabase, type TestEngine } from '@tollgate/db';
import { createHost, loadConfig, loadPlugins, type CreateHostInput, type HostConfig, type NewApiKey, type TollgateHost } from '@tollgate/host';
import type { FileStore } from '@tollgate/files';
import type { Plugin, PluginDatabase } from '@tollgate/plugin-sdk';

export interface TestHostInput {
  /** Plugins to load, as descriptors (with options) — checked exactly as the host checks configured ones. */
  plugins?: Array<Plugin | { plugin: Plugin; options?: unknown }>;
  /** Which database engine; default the first of testEngines() (PGlite). */
  engine?: TestEngine;
  clock?: ManualClock;
  config?: Partial<Omit<HostConfig, 'plugins'>>;
  /**
   * An open database to share (a second host instance on the same PostgreSQL schema, as in
   * production with N hosts); the caller closes it. Default: a fresh one from `engine`.
   */
  db?: Database;
  /** Export runs read documents here instead of invoice sync's reader (createHost's accountingDocuments). */
  accountingDocuments?: CreateHostInput['accountingDocuments'];
}

export interface TestResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface UploadInput {
  path: string;
  file: Buffer;
  /** The type the client declares (the body's or the part's Content-Type); default application/octet-stream. */
  contentType?: string;
  filename?: string;
  /** Text fields: sends multipart/form-data. */
  fields?: Record<string, string>;
  multipart?: boolean;
  /** An API key (Bearer). */
  key?: string;
  idempotencyKey?: string;
  method?: 'POST' | 'PUT' | 'PATCH';
  headers?: Record<string, string>;
}

export interface TestHost {
  host: TollgateHost;
  url: string;
  clock: ManualClock;
  /** The host's database: core tables (accounts, wallets, prices…). A plugin's tables are not on its path: see pluginDatabase. */
  db: TestDatabase;
  /** A loaded plugin's own connection, the one it gets as coreServices.database: its tables, in its schema. */
  pluginDatabase(pluginId: string): PluginDatabase;
  /** A platform admin key, made for this host. */
  adminKey: string;
  /**
   * Where this host keeps files (`config.files`): a temp folder of its own unless the test named one
   * or a bucket. A second host sharing this one's database shares its files with
   * `createTestHost({ db: t.db, config: { files: t.filesConfig } })` (the first host removes the folder).
   */
  filesConfig: HostConfig['files'];
  /** The host's file store (coreServices.files keeps a plugin's files under `plugins/<id>/` in it). */
  files: FileStore;
  /** A real HTTP request to the running host; JSON in, JSON out. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read responses loosely, like JSON
  request<T = any>(input: { method?: string; path: string; key?: string; body?: unknown; headers?: Record<string, string> }): Promise<TestResponse<T>>;
  /**
   * Sends a file to an upload route (plugin API 2.7): as the raw body with its Content-Type and
   * `X-Filename`, or, with `multipart: true` or any `fields`, as multipart/form-data with a `file` part.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read responses loosely, like JSON
  upload<T = any>(input: UploadInput): Promise<TestResponse<T>>;
  /** Creates an account through the admin API and returns it with its owner key. */
  createAccount(input?: {
    name?: string;
    locale?: 'nl' | 'fr' | 'en' | 'de';
    timeZone?: string;
    ownerEmail?: string;
    referralCode?: string;
  }): Promise<{ accountId: string; ownerKey: string; ownerId: string }>;
  /**
   * Runs the plugins' jobs now, on the test's clock: every scheduled job once (`jobs.schedule`),
   * then every queued job of every plugin until the queues are empty (jobs that enqueue jobs are
   * followed). Nothing polls in a test host; this is how time-driven work happens in tests.
   * Events out run around them: outboxes relayed to the log, due handler and webhook deliveries made.
   */
  runJobs(input?: { maxRounds?: number }): Promise<{ completed: number; failed: number }>;
  close(): Promise<void>;
}

/**
 * A real host on a real database and a real port (0 = any free one), with a manual clock:
 * the Vendure-style e2e test server. Plugins go through the same checks as in production.
 */
export async function createTestHost(input: TestHostInput = {}): Promise<TestHost> {
  const entries = (input.plugins ?? []).map((p) => ('$$type' in p ? { plugin: p, options: undefined } : p));
  // Stored files (invoice PDFs) go to a folder of this host's own, removed on close, unless the test names one (or a bucket).
  const named = input.config?.files;
  const filesRoot = named && (named.driver === 's3' || named.root) ? null : await mkdtemp(join(tmpdir(), 'tollgate-test-files-'));
  const config: HostConfig = {
    ...loadConfig({ env: {}, cwd: process.cwd(), overrides: { port: 0, host: '127.0.0.1', logLevel: 'silent' } }),
    ...(filesRoot ? { files: { root: filesRoot } } : {}),
    ...input.config,
    plugins: entries.map((_, i) => ({ package: `tollgate-test-plugin:${i}`, enabled: true, options: entries[i]!.options })),
  };
  const plugins = await loadPlugins({
    config,
    importer: async (specifier) => {
      const index = Number(/^tollgate-test-plugin:(\d+)$/.exec(specifier)?.[1]);
      return { default: entries[index]?.plugin };
    },
  });
  const engine = input.engine ?? testEngines()[0]!;
  const shared = input.db;
  // A shared database stays open when this host closes: its owner closes it.
  const db: TestDatabase = shared
    ? {
        engine: shared.engine,
        query: shared.query.bind(shared),
        transaction: shared.transaction.bind(shared),
        ping: shared.ping.bind(shared),
        close: async () => undefined,
        dispose: async () => undefined,
      }
    : await engine.open();
  const clock = input.clock ?? new ManualClock('2026-01-15T09:00:00.000Z');
  let host: TollgateHost;
  try {
    host = await createHost({
      config,
      plugins,
      db: shared ?? db,
      clock,
      superviseJobs: false,
      workers: false,
      ...(input.accountingDocuments ? { accountingDocuments: input.accountingDocuments } : {}),
    });
  } catch (error) {
    await db.dispose();
    if (filesRoot) await rm(filesRoot, { recursive: true, force: true });
    throw error;
  }
  const url = await host.listen();
  const adminKey: NewApiKey = await host.accounts.createAdminKey({ name: 'test-admin' });

  const request: TestHost['request'] = async ({ method = 'GET', path, key, body, headers = {} }) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as never };
  };

  const upload: TestHost['upload'] = async ({ method = 'POST', path, file, contentType, filename, fields, multipart, key, idempotencyKey, headers = {} }) => {
    const common = { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}), ...headers };
    let init: RequestInit;
    if (multipart || fields) {
      const form = new FormData();
      for (const [name, value] of Object.entries(fields ?? {})) form.append(name, value);
      form.append('file', new Blob([new Uint8Array(file)], { type: contentType ?? 'application/octet-stream' }), filename ?? 'upload');
      init = { method, headers: common, body: form };
    } else {
      init = {
        method,
        headers: { 'content-type': contentType ?? 'application/octet-stream', ...(filename ? { 'x-filename': encodeURIComponent(filename) } : {}), ...common },
        body: new Uint8Array(file),
      };
    }
    const response = await fetch(`${url}${path}`, init);
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as never };
  };

  let counter = 0;
  return {
    host,
    url,
    clock,
    db,
    adminKey: adminKey.key,
    filesConfig: config.files,
    files: host.files,
    request,
    upload,
    pluginDatabase: (pluginId) => host.pluginHost.pluginDatabase(pluginId),
    async createAccount(options = {}) {
      counter += 1;
      const res = await request<{ account: { id: string }; owner: { id: string }; apiKey: { key: string } }>({
        method: 'POST',
        path: '/admin/accounts',
        key: adminKey.key,
        body: {
          name: options.name ?? `Account ${counter}`,
          ...(options.locale ? { locale: options.locale } : {}),
          ...(options.timeZone ? { timeZone: options.timeZone } : {}),
          owner: { email: options.ownerEmail ?? `owner${counter}@example.test`, name: 'Owner' },
          ...(options.referralCode ? { referralCode: options.referralCode } : {}),
        },
      });
      if (res.status !== 201) throw new Error(`createAccount: ${res.status} ${JSON.stringify(res.body)}`);
      return { accountId: res.body.account.id, ownerKey: res.body.apiKey.key, ownerId: res.body.owner.id };
    },
    async runJobs(options = {}) {
      // Events first (a handler's work may enqueue jobs), then the plugins' jobs, then the events those made.
      const before = await host.events.jobs.runOnce();
      const jobs = await host.pluginHost.runJobs(options);
      const after = await host.events.jobs.runOnce();
      return {
        completed: jobs.completed + before.delivered + after.delivered,
        failed: jobs.failed + before.retried + before.parked + after.retried + after.parked,
      };
    },
    async close() {
      await host.close();
      await db.dispose();
      if (filesRoot) await rm(filesRoot, { recursive: true, force: true });
    },
  };
}
