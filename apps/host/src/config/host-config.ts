import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '@tollgate/errors';
import { buildPlanDirectory, plansConfigSchema } from '@tollgate/plans';
import { z } from 'zod';

const pluginEntry = z.strictObject({
  /** npm package name ('@tollgate/plugin-x') or a path relative to the config file ('./my-plugin'). */
  package: z.string().min(1),
  enabled: z.boolean().default(true),
  options: z.unknown().optional(),
});

export const hostConfigSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).default(3000),
  host: z.string().default('0.0.0.0'),
  /** Public URL of this host, for links and callbacks; default http://localhost:<port>. */
  baseUrl: z.url().optional(),
  database: z
    .strictObject({
      /** PostgreSQL connection string; absent = embedded PGlite in dataDir. */
      url: z.string().optional(),
      dataDir: z.string().default('.data'),
      poolSize: z.number().int().positive().default(10),
    })
    .prefault({}),
  /**
   * Durable files (invoice PDFs, export files, uploads; docs/file-storage.md): a local folder (default
   * <dataDir>/files; share it between hosts on one PostgreSQL) or an S3-compatible bucket, checked at start.
   * The S3 key pair may come from FILES_S3_ACCESS_KEY_ID and FILES_S3_SECRET_ACCESS_KEY instead of the file.
   */
  files: z
    .discriminatedUnion('driver', [
      z.strictObject({ driver: z.literal('local').optional(), root: z.string().optional() }),
      z.strictObject({
        driver: z.literal('s3'),
        /** Absent = AWS S3 for the region. */
        endpoint: z.url().optional(),
        region: z.string().min(1),
        bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3–63 of a-z, 0-9, ".", "-")'),
        accessKeyId: z.string({ error: 'is required (or FILES_S3_ACCESS_KEY_ID)' }).min(1, 'is required (or FILES_S3_ACCESS_KEY_ID)'),
        secretAccessKey: z.string({ error: 'is required (or FILES_S3_SECRET_ACCESS_KEY)' }).min(1, 'is required (or FILES_S3_SECRET_ACCESS_KEY)'),
        /** endpoint/bucket/key addressing, which MinIO and most S3-compatible services need. */
        forcePathStyle: z.boolean().default(false),
        /** A folder in the bucket for this installation's files ('prod' → 'prod/invoice-sync/…'). */
        prefix: z
          .string()
          .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/)
          .optional(),
      }),
    ])
    .prefault({}),
  /** External services use the bundled sandboxes (H-4). */
  sandbox: z.boolean().default(true),
  /**
   * API keys: how long this host serves an authenticated key from memory (revocation elsewhere takes up to this long here).
   * Sessions (the dashboard's sign-in): their absolute lifetime and the idle time after which they end.
   */
  auth: z
    .strictObject({
      keyCacheMs: z.number().int().min(0).max(60_000).default(5_000),
      sessionMaxAgeHours: z
        .number()
        .int()
        .min(1)
        .max(24 * 90)
        .default(24 * 7),
      sessionIdleHours: z
        .number()
        .int()
        .min(1)
        .max(24 * 90)
        .default(12),
    })
    .prefault({}),
  /**
   * The web dashboard at /app: served from `dir` (default: the built @tollgate/dashboard package's dist
   * folder). `secureCookies`: mark the session cookie Secure — set it when the host is reached over HTTPS.
   */
  dashboard: z
    .strictObject({
      enabled: z.boolean().default(true),
      dir: z.string().min(1).optional(),
      secureCookies: z.boolean().default(false),
    })
    .prefault({}),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  plugins: z.array(pluginEntry).default([]),
  /** E-mail (C-6). Without smtp, notifications wait in the outbox (listed by the API) until it is configured. */
  mail: z
    .strictObject({
      from: z.string().min(3).default('Tollgate <no-reply@localhost>'),
      smtp: z
        .strictObject({
          host: z.string().min(1),
          port: z.number().int().min(1).max(65535),
          secure: z.boolean().default(false),
          user: z.string().optional(),
          pass: z.string().optional(),
        })
        .optional(),
    })
    .default({ from: 'Tollgate <no-reply@localhost>' }),
  /** The wallet's guards (W-2). */
  wallet: z
    .strictObject({
      /** The largest single grant or purchased credit, in euro; default 10000.00. */
      maxGrant: z
        .string()
        .regex(/^\d{1,9}(\.\d{1,2})?$/)
        .optional(),
    })
    .default({}),
  /**
   * Plans (editions, W-11): the plan new accounts start on, and plans beyond the built-in classic and
   * focus (`{ id, label?, extends?, rules? }`; see docs/plans.md). Checked at start: a bad plan stops the host.
   */
  plans: plansConfigSchema.prefault({}),
  /** Cash packs, the refund fee, the referral credit, auto-refill guards (C-1…C-5). */
  funding: z
    .strictObject({
      packs: z
        .array(z.string().regex(/^\d{1,4}(\.\d{1,2})?$/))
        .min(1)
        .optional(),
      refundFee: z
        .string()
        .regex(/^\d{1,4}(\.\d{1,2})?$/)
        .optional(),
      referralCredit: z
        .string()
        .regex(/^\d{1,4}(\.\d{1,2})?$/)
        .optional(),
      refillMaxPerPeriod: z.number().int().min(1).optional(),
      refillPeriodHours: z.number().int().min(1).optional(),
      refillWaitMs: z.number().int().min(0).max(60_000).optional(),
    })
    .default({}),
  /** Invoice import (S-3): how often the polling sweep runs, and the importer's knobs. */
  invoiceSync: z
    .strictObject({
      sweepMinutes: z.number().int().min(1).max(1440).default(10),
      pageSize: z.number().int().min(1).max(100).optional(),
      sweepOverlapMinutes: z.number().int().min(0).max(1440).optional(),
      sweepInitialDays: z.number().int().min(1).max(3660).optional(),
      staleRunMinutes: z.number().int().min(1).max(1440).optional(),
      /** S-5 write-back to the source: how often each host drains the queue, and the retry knobs. */
      writebackEverySeconds: z.number().int().min(1).max(3600).default(30),
      writebackMaxAttempts: z.number().int().min(1).max(100).optional(),
      writebackBackoffSeconds: z.number().int().min(1).max(3600).optional(),
      writebackLeaseSeconds: z.number().int().min(10).max(3600).optional(),
      /** S-6: how often the PDF schedule looks for due PDFs; tries before giving up; the first retry's wait (doubling). */
      pdfMinutes: z.number().int().min(1).max(1440).default(5),
      pdfMaxAttempts: z.number().int().min(1).max(50).optional(),
      pdfRetryMinutes: z.number().int().min(1).max(1440).optional(),
    })
    .prefault({}),
  /** Letters by post (P-5): the renderer's browser pool, submission retries, status polls. */
  letters: z
    .strictObject({
      /** Chromium browsers the letter renderer keeps (each renders several pages at once). */
      browsers: z.number().int().min(1).max(16).default(1),
      /** Pages rendered at once per browser. */
      pagesPerBrowser: z.number().int().min(1).max(32).default(4),
      /** One render's deadline. */
      renderTimeoutMs: z.number().int().min(1000).max(120_000).default(15_000),
      /** Submit attempts (a carrier error) before a letter is failed and its holds released. */
      maxSubmitAttempts: z.number().int().min(1).max(50).default(5),
      /** The first retry's wait, doubling per attempt. */
      retrySeconds: z.number().int().min(1).max(86_400).default(60),
      /** A letter in flight is asked about (carriers with getStatus) this long after its last change. */
      pollMinutes: z.number().int().min(1).max(1440).default(15),
      /** How long a letter's wallet holds last: long enough for a slow acceptance. */
      holdDays: z.number().int().min(1).max(60).default(14),
      /** How often each host looks for due submissions, retries and polls. */
      sweepSeconds: z.number().int().min(5).max(3600).default(60),
    })
    .prefault({}),
  /** Export runs (P-6): SFTP secrets at rest, the e-mail size cap, holds, timeouts, the background round. */
  accountingExports: z
    .strictObject({
      /** 32 bytes, base64: seals SFTP passwords and keys of export targets. Without it SFTP targets with secrets are refused. */
      sealingKey: z
        .string()
        .regex(/^[A-Za-z0-9+/]{43}=$/, 'must be 32 bytes, base64 (openssl rand -base64 32)')
        .optional(),
      /** The largest ZIP sent by e-mail; a larger export is not sent (the run says email_too_large). */
      emailMaxMegabytes: z.number().int().min(1).max(50).default(10),
      /** How long a run's wallet hold lasts. */
      holdDays: z.number().int().min(1).max(60).default(7),
      /** SFTP: connect and one file operation's deadlines. */
      sftpConnectTimeoutSeconds: z.number().int().min(1).max(300).default(15),
      sftpOperationTimeoutSeconds: z.number().int().min(1).max(3600).default(60),
      /** How often each host looks for runs left behind (a lost job, a host that died mid-run). */
      sweepSeconds: z.number().int().min(5).max(3600).default(60),
    })
    .prefault({}),
  /**
   * Invoices and credit notes of the wallet (W-13): the seller printed on them (a Belgian company; the
   * defaults are a demo seller for development), the number prefixes, how often a host looks for
   * documents whose render job was lost, and the PDF renderer's deadline.
   */
  billing: z
    .strictObject({
      seller: z
        .strictObject({
          name: z.string().min(1).max(200).default('Tollgate Demo BV'),
          addressLines: z.array(z.string().min(1).max(200)).min(1).max(3).default(['Kerkstraat 1']),
          postcode: z.string().min(1).max(20).default('9000'),
          city: z.string().min(1).max(100).default('Gent'),
          country: z.literal('BE').default('BE'),
          vatNumber: z
            .string()
            .regex(/^BE[01]\d{9}$/, 'must be a Belgian VAT number such as BE0123456749')
            .default('BE0123456749'),
          iban: z
            .string()
            .regex(/^[A-Z]{2}\d{2}[A-Z0-9]{8,30}$/, 'must be an IBAN without spaces')
            .default('BE68539007547034'),
          bic: z.string().optional(),
          email: z.email().default('billing@tollgate.example'),
        })
        .prefault({}),
      prefixes: z
        .strictObject({
          invoice: z
            .string()
            .regex(/^[A-Z]{1,8}$/)
            .default('TG'),
          creditNote: z
            .string()
            .regex(/^[A-Z]{1,8}$/)
            .default('TGCN'),
        })
        .prefault({}),
      sweepSeconds: z.number().int().min(5).max(3600).default(60),
      renderTimeoutMs: z.number().int().min(1000).max(120_000).default(30_000),
    })
    .prefault({}),
  /** Events out (W-10, W-12): webhook delivery and the background round. */
  events: z
    .strictObject({
      /** Deadline of one webhook POST. */
      webhookTimeoutMs: z.number().int().min(100).max(60_000).default(10_000),
      /** Retries of one webhook delivery stop this long after its first attempt. */
      webhookRetryHours: z.number().int().min(1).max(168).default(72),
      /** An endpoint failing without a success for this long is disabled and its account e-mailed. */
      disableAfterHours: z.number().int().min(1).max(720).default(72),
      /** Handler attempts before a delivery is parked. */
      handlerMaxAttempts: z.number().int().min(1).max(50).default(8),
      /** How often a host looks for events other hosts recorded and retries that came due. */
      pollMs: z.number().int().min(100).max(600_000).default(2000),
      /** Events, ended deliveries and their attempts are kept this long (waiting and parked ones until they end). */
      retentionDays: z.number().int().min(1).max(3650).default(30),
    })
    .prefault({}),
});

export type HostConfig = z.output<typeof hostConfigSchema> & { configDir: string; configPath?: string };
export type PluginEntry = z.output<typeof pluginEntry>;

/**
 * Reads the config file (TOLLGATE_CONFIG, else ./tollgate.config.json if present) and applies
 * the environment on top: PORT, DATABASE_URL, TOLLGATE_DATA_DIR, LOG_LEVEL, TOLLGATE_BASE_URL, SMTP_URL,
 * FILES_S3_ACCESS_KEY_ID, FILES_S3_SECRET_ACCESS_KEY.
 * Any problem is one ConfigError naming the file and the field.
 */
export function loadConfig(input: { env?: NodeJS.ProcessEnv; cwd?: string; overrides?: Partial<z.input<typeof hostConfigSchema>> } = {}): HostConfig {
  const env = input.env ?? process.env;
  const cwd = input.cwd ?? process.cwd();
  const explicit = env.TOLLGATE_CONFIG;
  const configPath = explicit ? resolve(cwd, explicit) : existsSync(resolve(cwd, 'tollgate.config.json')) ? resolve(cwd, 'tollgate.config.json') : undefined;

  let raw: Record<string, unknown> = {};
  if (configPath) {
    let text: string;
    try {
      text = readFileSync(configPath, 'utf8');
    } catch (cause) {
      throw new ConfigError({ message: `config ${configPath}: cannot be read (${(cause as Error).message})`, cause });
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (cause) {
      throw new ConfigError({ message: `config ${configPath}: not valid JSON (${(cause as Error).message})`, cause });
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new ConfigError({ message: `config ${configPath}: must be a JSON object` });
    }
  }

  const merged: Record<string, unknown> = { ...raw, ...input.overrides };
  const database = { ...(raw.database as object | undefined), ...(input.overrides?.database as object | undefined) } as Record<string, unknown>;
  if (env.PORT !== undefined && env.PORT !== '') {
    const port = Number(env.PORT);
    if (!Number.isInteger(port)) throw new ConfigError({ message: `environment PORT: not a port number: ${env.PORT}` });
    merged.port = port;
  }
  if (env.DATABASE_URL) database.url = env.DATABASE_URL;
  if (env.TOLLGATE_DATA_DIR) database.dataDir = env.TOLLGATE_DATA_DIR;
  if (env.LOG_LEVEL) merged.logLevel = env.LOG_LEVEL;
  if (env.TOLLGATE_BASE_URL) merged.baseUrl = env.TOLLGATE_BASE_URL;
  if (env.SMTP_URL) {
    // smtp://user:pass@host:port, smtps:// for TLS
    const url = new URL(env.SMTP_URL);
    const mail = { ...(raw.mail as object | undefined) } as Record<string, unknown>;
    mail.smtp = {
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
      secure: url.protocol === 'smtps:',
      ...(url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : {}),
    };
    merged.mail = mail;
  }
  merged.database = database;
  if (env.FILES_S3_ACCESS_KEY_ID || env.FILES_S3_SECRET_ACCESS_KEY) {
    // Secrets from the environment, like SMTP_URL and DATABASE_URL; they only make sense with the s3 driver.
    const files = { ...(raw.files as object | undefined), ...(input.overrides?.files as object | undefined) } as Record<string, unknown>;
    if (files.driver !== 's3')
      throw new ConfigError({ message: 'environment FILES_S3_ACCESS_KEY_ID / FILES_S3_SECRET_ACCESS_KEY: set files.driver to "s3" in the config' });
    if (env.FILES_S3_ACCESS_KEY_ID) files.accessKeyId = env.FILES_S3_ACCESS_KEY_ID;
    if (env.FILES_S3_SECRET_ACCESS_KEY) files.secretAccessKey = env.FILES_S3_SECRET_ACCESS_KEY;
    merged.files = files;
  }

  const parsed = hostConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const where = configPath ?? 'configuration';
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ConfigError({ message: `config ${where}: ${issues}`, details: parsed.error.issues });
  }
  try {
    buildPlanDirectory({ config: parsed.data.plans });
  } catch (cause) {
    throw new ConfigError({ message: `config ${configPath ?? 'configuration'}: ${(cause as Error).message}`, cause });
  }
  const configDir = configPath ? dirname(configPath) : cwd;
  const config: HostConfig = { ...parsed.data, configDir, ...(configPath ? { configPath } : {}) };
  config.database.dataDir = resolve(configDir, config.database.dataDir);
  if (config.dashboard.dir !== undefined) config.dashboard.dir = resolve(configDir, config.dashboard.dir);
  if (config.files.driver !== 's3') config.files.root = resolve(configDir, config.files.root ?? join(config.database.dataDir, 'files'));
  return config;
}
