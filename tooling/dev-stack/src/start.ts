// `pnpm start`: sandboxes first, then the host wired to them (H-4: no credentials → sandboxes).
import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTollgateError } from '@tollgate/errors';
import { assertPortFree, createHost, loadConfig, loadPlugins, startOperatorAccess } from '@tollgate/host';
import { ensureDemoLogin } from './demo-login.js';
import { seedTeamleaderDemo, teamleaderDemoSummary, watchTeamleaderDemo } from './teamleader-demo.js';
import { EPOST_DEMO_CREDENTIALS, SFTP_DEMO_USER, startSandboxStack } from './sandbox-stack.js';
import { checkDataDir, importSandboxStates, loadSandboxStates, SandboxStateSaver, sandboxStateDir } from './sandbox-state.js';

/** How often the print service's lifecycle is moved on (its own `TICK_MS` default when run alone). */
const PRINTMAIL_TICK_MS = 1000;

/**
 * A local sandbox costs nothing to ask: unless the config chose its own figures, the dev stack looks
 * for due letter work every 10 s and polls letters in flight a minute after their last change (E-POST
 * has no callbacks), so a DE letter is seen moving within a minute or two.
 */
function devLetterPolling(letters: { pollMinutes: number; sweepSeconds: number }): void {
  if (letters.pollMinutes === 15 && letters.sweepSeconds === 60) {
    letters.pollMinutes = 1;
    letters.sweepSeconds = 10;
  }
}

/**
 * Seals export targets' SFTP passwords when the config gives no `accountingExports.sealingKey`: a
 * fixed, public key (the dev stack says so at start), so sealed secrets still open after a restart.
 */
const DEV_EXPORT_SEALING_KEY = 'dG9sbGdhdGUtZGV2LXN0YWNrLXNlYWxpbmcta2V5ISE=';

/**
 * The SFTP server's folder and host key, kept in the data folder: export targets pin the server's key
 * on their first delivery, so a restarted server must show the same one.
 */
function sftpSandboxFiles(dataDir: string): { root: string; hostKey: string } {
  const root = join(dataDir, 'sftp');
  const keyFile = join(root, 'host_key.pem');
  mkdirSync(join(root, 'home'), { recursive: true });
  if (!existsSync(keyFile)) {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    writeFileSync(keyFile, privateKey, { mode: 0o600 });
  }
  return { root: join(root, 'home'), hostKey: readFileSync(keyFile, 'utf8') };
}

async function main(): Promise<void> {
  // Node started this long ago (module loading included): the first figure of the start-up log line.
  const loadedMs = Math.round(performance.now());
  const env = process.env;
  const config = loadConfig();
  const cardPort = Number(env.SANDBOX_CARD_PORT ?? 4010);
  const bankPort = Number(env.SANDBOX_BANK_PORT ?? 4020);
  const twilioPort = Number(env.SANDBOX_TWILIO_PORT ?? 4030);
  const teamleaderPort = Number(env.SANDBOX_TEAMLEADER_PORT ?? 4040);
  const webhooksPort = Number(env.SANDBOX_WEBHOOKS_PORT ?? 4050);
  const trendstopPort = Number(env.SANDBOX_TRENDSTOP_PORT ?? 4070);
  const printmailPort = Number(env.SANDBOX_PRINTMAIL_PORT ?? 4080);
  const epostPort = Number(env.SANDBOX_EPOST_PORT ?? 4090);
  const sftpPort = Number(env.SANDBOX_SFTP_PORT ?? 4060);
  const hostUrl = `http://127.0.0.1:${config.port}`;
  const dataDir = config.database.dataDir;

  // Clashes and a half-kept data folder are refused before anything is opened or written.
  await assertPortFree({ port: config.port, host: config.host });
  const { start, dropped } = checkDataDir({ dataDir, embedded: !config.database.url });
  const states = start === 'restore' ? loadSandboxStates(dataDir) : undefined;

  // Bound after the sandboxes exist; a change reported before that is covered by the first full save.
  const saverRef: { current?: SandboxStateSaver } = {};
  // Webhooks, status callbacks and Teamleader webhooks go out as soon as a change happens.
  const stack = await startSandboxStack({
    hostUrl,
    autoDeliver: true,
    ports: {
      card: cardPort,
      bank: bankPort,
      twilio: twilioPort,
      teamleader: teamleaderPort,
      trendstop: trendstopPort,
      printmail: printmailPort,
      epost: epostPort,
      webhooks: webhooksPort,
      sftp: sftpPort,
    },
    sftp: sftpSandboxFiles(dataDir),
    onStateChange: (name) => saverRef.current?.changed(name),
  });
  const { card, bank, twilio, teamleader, trendstop, printmail, epost, webhooks, sftp } = stack;
  const sandboxes = {
    card: card.control,
    bank: bank.control,
    twilio: twilio.control,
    teamleader: teamleader.control,
    trendstop: trendstop.control,
    printmail: printmail.control,
    epost: epost.control,
  };
  const saver = new SandboxStateSaver({
    dataDir,
    sandboxes,
    onError: (error) => process.stderr.write(`tollgate: could not save the sandbox state in ${sandboxStateDir(dataDir)}: ${error.message}\n`),
  });
  saverRef.current = saver;
  let demo;
  if (states) {
    // The sandboxes go on where they stopped: saved cards, mandates, bank files, Teamleader tokens and demo data.
    importSandboxStates({ dataDir, states, sandboxes });
    demo = teamleaderDemoSummary();
  } else {
    // A few customers and booked invoices to import (fixed ids); saved before the database is made, so a database never exists without them.
    demo = seedTeamleaderDemo({ sandbox: teamleader });
    saver.flush({ all: true });
  }
  const sandboxesMs = Math.round(performance.now()) - loadedMs;

  // The dashboard's "Connect Teamleader" comes back to /app/invoices after consent (without a
  // returnUrl the plugin's callback answers JSON, which suits API clients and the tests' stack).
  const dashboardReturn = `${config.baseUrl ?? hostUrl}/app/invoices`;
  const sandboxPlugins = stack.plugins.map((entry) =>
    entry.package === '@tollgate/plugin-source-teamleader' ? { ...entry, options: { ...(entry.options as object), returnUrl: dashboardReturn } } : entry,
  );
  if (!config.plugins.length) config.plugins = sandboxPlugins;
  devLetterPolling(config.letters);
  const devSealingKey = !config.accountingExports.sealingKey;
  if (devSealingKey) config.accountingExports.sealingKey = DEV_EXPORT_SEALING_KEY;
  // Imported from here, where the bundled plugins are dependencies.
  const plugins = await loadPlugins({ config, importer: (specifier) => import(specifier) });
  const host = await createHost({ config, plugins });
  watchTeamleaderDemo({ host }); // dev stack only: demo profiles and the profile field when the sandbox account connects
  let url: string;
  try {
    url = await host.listen();
  } catch (error) {
    await host.close();
    await stack.close();
    throw error;
  }
  // The first admin key (printed once) and the socket `pnpm tollgate` uses while this stack runs.
  const operator = await startOperatorAccess({ host, dataDir });
  // Beside the admin key: the demo account's dashboard login (made once, its password printed once).
  // The same origin the card page and Teamleader send people back to: a session cookie set on
  // localhost would not ride along to 127.0.0.1.
  await ensureDemoLogin({ host, dashboardUrl: `${(config.baseUrl ?? hostUrl).replace(/\/$/, '')}/app` });
  // Events the host had not accepted before the last stop go out now that it listens.
  void card.control.deliverWebhooks();
  void twilio.control.deliverCallbacks();
  void teamleader.control.deliverWebhooks();
  // The print service's letters move on in real time (what came due while stopped first), callbacks to the host now it listens.
  // One round at a time: a slow callback delays the next tick instead of queueing rounds behind it.
  let round: Promise<unknown> | undefined;
  const processLetters = () => {
    round ??= printmail.control
      .process()
      .catch(() => undefined)
      .finally(() => (round = undefined));
  };
  processLetters();
  const printmailTick = setInterval(processLetters, PRINTMAIL_TICK_MS);
  const totalMs = Math.round(performance.now());
  host.logger.info(
    {
      url,
      card: card.url,
      bank: bank.url,
      webhooks: `${webhooks.url} (what arrived: ${webhooks.url}/_sandbox/received)`,
      twilio: `${twilio.url}/_sandbox`,
      teamleader: teamleader.url,
      trendstop: trendstop.url,
      printmail: `${printmail.url} (letters received: ${printmail.url}/_sandbox/letters)`,
      epost: `${epost.url} (demo credentials for PUT /v1/plugins/postal-de-epost/credentials: ${JSON.stringify(EPOST_DEMO_CREDENTIALS)})`,
      sftp: `sftp://${SFTP_DEMO_USER.username}@${sftp.host}:${sftp.port} (password ${SFTP_DEMO_USER.password}; host key ${sftp.hostKeyFingerprint}; files in ${sftp.homeOf(SFTP_DEMO_USER.username)})`,
      ...(devSealingKey ? { accountingExportsSealingKey: 'the dev stack’s fixed sandbox key (set accountingExports.sealingKey for real secrets)' } : {}),
      teamleaderDemo: demo,
      sandboxState: { dir: sandboxStateDir(dataDir), start, ...(dropped ? { dropped: 'state without a database' } : {}) },
      plugins: host.pluginHost.plugins.map((p) => p.plugin.id),
      // Start-up figures (issue 20): node + module loading, sandboxes, then the host (database, migrations, plugins, HTTP).
      startup: { loadedMs, sandboxesMs, hostMs: totalMs - loadedMs - sandboxesMs, totalMs },
    },
    `Tollgate host listening on port ${config.port} with the sandboxes`,
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => {
      saver.flush({ all: true });
      process.exit(1);
    }, 10_000).unref();
    clearInterval(printmailTick);
    try {
      await operator.close();
      await host.close();
      await stack.close();
    } finally {
      // Last: whatever the host's shutdown still asked of the sandboxes is kept too.
      saver.flush({ all: true });
    }
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  const message = isTollgateError(error) ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`tollgate: ${message}\n`);
  process.exit(1);
});
