import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@tollgate/errors';
import type { PluginEntry } from '@tollgate/host';
import { startBankSandbox, type BankSandbox } from '@tollgate/sandbox-bank';
import { startCardSandbox, type CardSandbox } from '@tollgate/sandbox-card';
import {
  SANDBOX_ACCOUNTS as EPOST_ACCOUNTS,
  SANDBOX_VENDOR_ID as EPOST_VENDOR_ID,
  startEPostSandbox,
  type EPostSandbox,
  type StatusTimings,
} from '@tollgate/sandbox-epost';
import { SANDBOX_KEYS as PRINTMAIL_KEYS, startPrintMailSandbox, type LifecycleTimings, type PrintMailSandbox } from '@tollgate/sandbox-print-mail';
import { startSftpSandbox, type SftpSandbox } from '@tollgate/sandbox-sftp';
import { startTeamleaderSandbox, type TeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { SANDBOX_KEYS as TRENDSTOP_KEYS, startTrendsTopSandbox, type TrendsTopSandbox } from '@tollgate/sandbox-trendstop';
import { startTwilioSandbox, type TwilioSandbox } from '@tollgate/sandbox-twilio';
import { startWebhookSandbox, type WebhookSandbox } from '@tollgate/sandbox-webhooks';
import type { SandboxName } from './sandbox-state.js';

export const WEBHOOK_SECRET = 'whsec_sandbox';
export const BANK_TOKEN = 'sandbox-bank-token';
/** Signs the print service's status callbacks to the host (postal-be and postal-nl check it). */
export const PRINTMAIL_WEBHOOK_SECRET = 'pm_whsec_dev_stack';

/**
 * The E-POST customer a user stores with `PUT /v1/plugins/postal-de-epost/credentials` in `pnpm start`
 * (the sandbox's built-in active account: it exists in every E-POST sandbox, restarted or not).
 */
export const EPOST_DEMO_CREDENTIALS = {
  ekp: EPOST_ACCOUNTS.active.ekp,
  password: EPOST_ACCOUNTS.active.password,
  secret: EPOST_ACCOUNTS.active.secret,
} as const;

/**
 * The accountant's SFTP server of `pnpm start` (export targets with `delivery.kind: 'sftp'`): this
 * user and password, the files under `<dataDir>/sftp/home/accountant`.
 */
export const SFTP_DEMO_USER = { username: 'accountant', password: 'sandbox-sftp' } as const;

/**
 * With `autoDeliver` (pnpm start) letters move on in real time, fast enough to watch: the print
 * service accepts after 10 s, prints after 30 s more, posts after a minute; E-POST processes after
 * 10 s, hands to the print centre after 30 s, reports posted after a minute. Tests keep the vendors'
 * timings (minutes to hours) and move the sandbox clocks by hand.
 */
export const DEV_PRINTMAIL_TIMINGS: LifecycleTimings = {
  acceptSeconds: 10,
  printSeconds: 30,
  postSeconds: 60,
  deliverSeconds: { standard: 600, priority: 300, registered: 300 },
  returnSeconds: 900,
};
export const DEV_EPOST_TIMINGS: StatusTimings = {
  processedAfterMs: 10_000,
  printUploadAfterMs: 30_000,
  printFeedbackAfterMs: 60_000,
  destinationAfterMs: 600_000,
};

export interface SandboxStack {
  card: CardSandbox;
  bank: BankSandbox;
  twilio: TwilioSandbox;
  teamleader: TeamleaderSandbox;
  /** Trends Top company data (the partner key and customer keys per formula: SANDBOX_KEYS). */
  trendstop: TrendsTopSandbox;
  /** The print-and-mail service of postal-be and postal-nl (letters to BE and NL; `GET <url>/_sandbox/letters`). */
  printmail: PrintMailSandbox;
  /** Deutsche Post's E-POSTBUSINESS API of postal-de-epost (the account's own contract: EPOST_DEMO_CREDENTIALS). */
  epost: EPostSandbox;
  /** The customer's endpoint for Tollgate's outgoing webhooks (no secrets: deliveries are recorded `unchecked`). */
  webhooks: WebhookSandbox;
  /** An accountant's SFTP server for accounting exports (SFTP_DEMO_USER); its files are on disk, no saved state. */
  sftp: SftpSandbox;
  /** Every bundled plugin, configured against these sandboxes (what `pnpm start` loads). */
  plugins: PluginEntry[];
  close(): Promise<void>;
}

/**
 * The webhook receiver keeps nothing across restarts, and the SFTP server keeps its files on disk, so
 * they are started here but are no SandboxName (no saved state).
 */
export type StackSandboxName = SandboxName | 'webhooks' | 'sftp';

/** The variable that moves each sandbox (named in the port-clash message and the README). */
export const SANDBOX_PORT_VARIABLES: Record<StackSandboxName, string> = {
  card: 'SANDBOX_CARD_PORT',
  bank: 'SANDBOX_BANK_PORT',
  twilio: 'SANDBOX_TWILIO_PORT',
  teamleader: 'SANDBOX_TEAMLEADER_PORT',
  trendstop: 'SANDBOX_TRENDSTOP_PORT',
  printmail: 'SANDBOX_PRINTMAIL_PORT',
  epost: 'SANDBOX_EPOST_PORT',
  webhooks: 'SANDBOX_WEBHOOKS_PORT',
  sftp: 'SANDBOX_SFTP_PORT',
};

/** A port already taken is one line naming the sandbox and the variable, not a stack trace. */
async function listening<T>(name: StackSandboxName, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ConfigError({
        code: 'port_in_use',
        message: `the ${name} sandbox cannot listen on port ${port}: it is in use (EADDRINUSE); set ${SANDBOX_PORT_VARIABLES[name]} to a free port`,
      });
    }
    throw error;
  }
}

/**
 * The local sandboxes and the bundled plugins pointed at them: `pnpm start` runs this stack, and
 * the route audit (test/route-guards.e2e.test.ts) loads the same plugins, so a plugin added here
 * is audited too. `autoDeliver` sends webhooks and callbacks at once (dev); tests deliver by hand.
 */
export async function startSandboxStack(input: {
  hostUrl: string;
  autoDeliver: boolean;
  ports?: {
    card?: number;
    bank?: number;
    twilio?: number;
    teamleader?: number;
    trendstop?: number;
    printmail?: number;
    epost?: number;
    webhooks?: number;
    sftp?: number;
  };
  /**
   * The SFTP server's folder and host key (PEM or OpenSSH). `pnpm start` keeps both in the data folder,
   * so a restarted server shows the key a target pinned; by default a temporary folder (removed on
   * close) and a fresh key.
   */
  sftp?: { root: string; hostKey: string };
  now?: () => Date;
  /** Told which sandbox may have changed its state (the dev stack saves it). */
  onStateChange?: (name: SandboxName) => void;
}): Promise<SandboxStack> {
  const { ports = {}, autoDeliver } = input;
  const now = input.now ? { now: input.now } : {};
  const changed = (name: SandboxName) => (input.onStateChange ? { onStateChange: () => input.onStateChange!(name) } : {});
  const sftpRoot = input.sftp?.root ?? (await mkdtemp(join(tmpdir(), 'tollgate-sftp-')));
  // All at once: each is a plain HTTP server, and a port clash in one closes the others.
  const started = await Promise.allSettled([
    listening('card', ports.card ?? 0, () =>
      startCardSandbox({
        port: ports.card ?? 0,
        autoDeliverWebhooks: autoDeliver,
        webhook: { url: `${input.hostUrl}/v1/payments/webhooks/payments-card`, secret: WEBHOOK_SECRET },
        ...now,
        ...changed('card'),
      }),
    ),
    listening('bank', ports.bank ?? 0, () => startBankSandbox({ port: ports.bank ?? 0, token: BANK_TOKEN, ...now, ...changed('bank') })),
    // GET <twilio>/_sandbox lists every text and call "sent".
    listening('twilio', ports.twilio ?? 0, () =>
      startTwilioSandbox({ port: ports.twilio ?? 0, autoDeliverCallbacks: autoDeliver, ...now, ...changed('twilio') }),
    ),
    listening('teamleader', ports.teamleader ?? 0, () =>
      startTeamleaderSandbox({ port: ports.teamleader ?? 0, autoDeliverWebhooks: autoDeliver, ...now, ...changed('teamleader') }),
    ),
    listening('trendstop', ports.trendstop ?? 0, () => startTrendsTopSandbox({ port: ports.trendstop ?? 0, ...now, ...changed('trendstop') })),
    // Its lifecycle moves when control.process() runs: start.ts ticks it once a second; tests advance it by hand.
    listening('printmail', ports.printmail ?? 0, () =>
      startPrintMailSandbox({
        port: ports.printmail ?? 0,
        webhookSecret: PRINTMAIL_WEBHOOK_SECRET,
        ...(input.now ? { clock: { now: input.now } } : {}),
        ...(autoDeliver ? { timings: DEV_PRINTMAIL_TIMINGS } : {}),
        ...changed('printmail'),
      }),
    ),
    // No callbacks: the host polls E-POST (letters.pollMinutes). Statuses follow the sandbox clock on every read.
    listening('epost', ports.epost ?? 0, () => startEPostSandbox({ port: ports.epost ?? 0, ...now, ...changed('epost') })),
    // GET <webhooks>/_sandbox/received lists what Tollgate's outgoing webhooks delivered.
    listening('webhooks', ports.webhooks ?? 0, () => startWebhookSandbox({ port: ports.webhooks ?? 0, ...now })),
    // The accountant's SFTP server: export targets deliver there (SFTP_DEMO_USER).
    listening('sftp', ports.sftp ?? 0, () =>
      startSftpSandbox({ root: sftpRoot, users: [{ ...SFTP_DEMO_USER }], port: ports.sftp ?? 0, ...(input.sftp ? { hostKey: input.sftp.hostKey } : {}) }),
    ),
  ]);
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.close().catch(() => undefined) : undefined)));
    if (!input.sftp) await rm(sftpRoot, { recursive: true, force: true });
    throw failed.reason;
  }
  const [card, bank, twilio, teamleader, trendstop, printmail, epost, webhooks, sftp] = started.map((s) => (s as PromiseFulfilledResult<unknown>).value) as [
    CardSandbox,
    BankSandbox,
    TwilioSandbox,
    TeamleaderSandbox,
    TrendsTopSandbox,
    PrintMailSandbox,
    EPostSandbox,
    WebhookSandbox,
    SftpSandbox,
  ];
  // Saved with the sandbox's state, so a restarted stack keeps them (importState brings them back).
  if (autoDeliver) epost.control.setTimings(DEV_EPOST_TIMINGS);
  // The print service's key and callback secret: the callbacks go to `<host>/webhooks/postal/postal-be|postal-nl`.
  const printMail = { baseUrl: printmail.url, apiKey: PRINTMAIL_KEYS.test, webhookSecret: PRINTMAIL_WEBHOOK_SECRET };
  const twilioCredentials = { baseUrl: twilio.url, accountSid: twilio.accountSid, authToken: twilio.authToken };
  const plugins: PluginEntry[] = [
    { package: '@tollgate/plugin-payments-card', enabled: true, options: { baseUrl: card.url, webhookSecret: WEBHOOK_SECRET } },
    {
      package: '@tollgate/plugin-payments-sepa',
      enabled: true,
      // A made-up creditor with valid checksums: IBAN and creditor scheme id (the sandbox bank refuses an invalid id, BE05).
      options: {
        creditor: { name: 'Tollgate Sandbox BV', iban: 'BE68539007547034', bic: 'GEBABEBB', id: 'BE68ZZZ0123456789' },
        bank: { baseUrl: bank.url, token: BANK_TOKEN },
      },
    },
    { package: '@tollgate/plugin-sms-reminders', enabled: true, options: twilioCredentials },
    { package: '@tollgate/plugin-voice', enabled: true, options: twilioCredentials },
    // No credentials: the plugin uses the sandbox integration (client id tl-sandbox-client) and a fixed token key.
    { package: '@tollgate/plugin-source-teamleader', enabled: true, options: { authBaseUrl: teamleader.url, apiBaseUrl: teamleader.url } },
    // The sandbox's partner key; no sealingKey: the plugin seals subscription keys with its fixed sandbox key (and says so).
    { package: '@tollgate/plugin-company-data-trendstop', enabled: true, options: { baseUrl: trendstop.url, partnerApiKey: TRENDSTOP_KEYS.partner } },
    // Letters by post, paid from the wallet: Belgium and the Netherlands through the print service.
    { package: '@tollgate/plugin-postal-be', enabled: true, options: printMail },
    { package: '@tollgate/plugin-postal-nl', enabled: true, options: printMail },
    // Germany through the account's own E-POST contract; no sealingKey: the plugin's fixed sandbox key (it says so), the same after a restart.
    { package: '@tollgate/plugin-postal-de-epost', enabled: true, options: { baseUrl: epost.url, vendorId: EPOST_VENDOR_ID } },
    // Accounting export as Peppol UBL: no vendor, nothing to point at; every document checked against the Schematron.
    { package: '@tollgate/plugin-export-peppol', enabled: true, options: { validate: true } },
    // Accounting export for WinBooks (BE) and Twinfield (NL): files only, no vendor to call; journals and accounts are the target's options.
    { package: '@tollgate/plugin-export-winbooks', enabled: true, options: {} },
    { package: '@tollgate/plugin-export-twinfield', enabled: true, options: {} },
    // Expense scanning: no vendor (the reader and OCR run in the host's worker threads); files go to the host's file store.
    { package: '@tollgate/plugin-expense-scan', enabled: true, options: {} },
  ];
  return {
    card,
    bank,
    twilio,
    teamleader,
    trendstop,
    printmail,
    epost,
    webhooks,
    sftp,
    plugins,
    close: async () => {
      await Promise.all([
        card.close(),
        bank.close(),
        twilio.close(),
        teamleader.close(),
        trendstop.close(),
        printmail.close(),
        epost.close(),
        webhooks.close(),
        sftp.close(),
      ]);
      if (!input.sftp) await rm(sftpRoot, { recursive: true, force: true });
    },
  };
}
