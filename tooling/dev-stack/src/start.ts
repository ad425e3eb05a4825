// `pnpm start`: sandboxes first, then the host wired to them (H-4: no credentials → sandboxes).
import 'reflect-metadata';
import { isTollgateError } from '@tollgate/errors';
import { createHost, loadConfig, loadPlugins, type PluginEntry } from '@tollgate/host';
import { startBankSandbox } from '@tollgate/sandbox-bank';
import { startCardSandbox } from '@tollgate/sandbox-card';
import { startTeamleaderSandbox } from '@tollgate/sandbox-teamleader';
import { seedTeamleaderDemo } from './teamleader-demo.js';
import { startTwilioSandbox } from '@tollgate/sandbox-twilio';

const WEBHOOK_SECRET = 'whsec_sandbox';
const BANK_TOKEN = 'sandbox-bank-token';

async function main(): Promise<void> {
  const env = process.env;
  const config = loadConfig();
  const cardPort = Number(env.SANDBOX_CARD_PORT ?? 4010);
  const bankPort = Number(env.SANDBOX_BANK_PORT ?? 4020);
  const twilioPort = Number(env.SANDBOX_TWILIO_PORT ?? 4030);
  const teamleaderPort = Number(env.SANDBOX_TEAMLEADER_PORT ?? 4040);
  const hostUrl = `http://127.0.0.1:${config.port}`;

  const card = await startCardSandbox({ port: cardPort, autoDeliverWebhooks: true, webhook: { url: `${hostUrl}/v1/payments/webhooks/payments-card`, secret: WEBHOOK_SECRET } });
  const bank = await startBankSandbox({ port: bankPort, token: BANK_TOKEN });
  // Status callbacks go out at once; GET <twilio>/_sandbox lists every text and call "sent".
  const twilio = await startTwilioSandbox({ port: twilioPort, autoDeliverCallbacks: true });
  const twilioCredentials = { baseUrl: twilio.url, accountSid: twilio.accountSid, authToken: twilio.authToken };
  // Webhooks go out as soon as a change happens; a few customers and booked invoices to import.
  const teamleader = await startTeamleaderSandbox({ port: teamleaderPort, autoDeliverWebhooks: true });
  const demo = seedTeamleaderDemo({ sandbox: teamleader });

  const sandboxPlugins: PluginEntry[] = [
    { package: '@tollgate/plugin-payments-card', enabled: true, options: { baseUrl: card.url, webhookSecret: WEBHOOK_SECRET } },
    {
      package: '@tollgate/plugin-payments-sepa',
      enabled: true,
      // A made-up creditor with valid checksums (the sandbox bank checks nothing else).
      options: { creditor: { name: 'Tollgate Sandbox BV', iban: 'BE68539007547034', bic: 'GEBABEBB', id: 'BE68ZZZ0123456789' }, bank: { baseUrl: bank.url, token: BANK_TOKEN } },
    },
    { package: '@tollgate/plugin-sms-reminders', enabled: true, options: twilioCredentials },
    { package: '@tollgate/plugin-voice', enabled: true, options: twilioCredentials },
    // No credentials: the plugin uses the sandbox integration (client id tl-sandbox-client) and a fixed token key.
    { package: '@tollgate/plugin-source-teamleader', enabled: true, options: { authBaseUrl: teamleader.url, apiBaseUrl: teamleader.url } },
  ];
  if (!config.plugins.length) config.plugins = sandboxPlugins;
  // Imported from here, where the bundled plugins are dependencies.
  const plugins = await loadPlugins({ config, importer: (specifier) => import(specifier) });
  const host = await createHost({ config, plugins });
  const url = await host.listen();
  host.logger.info({ url, card: card.url, bank: bank.url, twilio: `${twilio.url}/_sandbox`, teamleader: teamleader.url, teamleaderDemo: demo, plugins: host.pluginHost.plugins.map((p) => p.plugin.id) }, `Tollgate host listening on port ${config.port} with the sandboxes`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    await host.close();
    await Promise.all([card.close(), bank.close(), twilio.close(), teamleader.close()]);
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
