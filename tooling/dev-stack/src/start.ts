// `pnpm start`: sandboxes first, then the host wired to them (H-4: no credentials → sandboxes).
import 'reflect-metadata';
import { isTollgateError } from '@tollgate/errors';
import { createHost, loadConfig, loadPlugins, startOperatorAccess } from '@tollgate/host';
import { seedTeamleaderDemo, watchTeamleaderDemo } from './teamleader-demo.js';
import { startSandboxStack } from './sandbox-stack.js';

async function main(): Promise<void> {
  const env = process.env;
  const config = loadConfig();
  const cardPort = Number(env.SANDBOX_CARD_PORT ?? 4010);
  const bankPort = Number(env.SANDBOX_BANK_PORT ?? 4020);
  const twilioPort = Number(env.SANDBOX_TWILIO_PORT ?? 4030);
  const teamleaderPort = Number(env.SANDBOX_TEAMLEADER_PORT ?? 4040);
  const hostUrl = `http://127.0.0.1:${config.port}`;

  // Webhooks, status callbacks and Teamleader webhooks go out as soon as a change happens.
  const stack = await startSandboxStack({
    hostUrl,
    autoDeliver: true,
    ports: { card: cardPort, bank: bankPort, twilio: twilioPort, teamleader: teamleaderPort },
  });
  const { card, bank, twilio, teamleader } = stack;
  // A few customers and booked invoices to import.
  const demo = seedTeamleaderDemo({ sandbox: teamleader });
  const sandboxPlugins = stack.plugins;
  if (!config.plugins.length) config.plugins = sandboxPlugins;
  // Imported from here, where the bundled plugins are dependencies.
  const plugins = await loadPlugins({ config, importer: (specifier) => import(specifier) });
  const host = await createHost({ config, plugins });
  watchTeamleaderDemo({ host }); // dev stack only: demo profiles and the profile field when the sandbox account connects
  const url = await host.listen();
  // The first admin key (printed once) and the socket `pnpm tollgate` uses while this stack runs.
  const operator = await startOperatorAccess({ host, dataDir: config.database.dataDir });
  host.logger.info(
    {
      url,
      card: card.url,
      bank: bank.url,
      twilio: `${twilio.url}/_sandbox`,
      teamleader: teamleader.url,
      teamleaderDemo: demo,
      plugins: host.pluginHost.plugins.map((p) => p.plugin.id),
    },
    `Tollgate host listening on port ${config.port} with the sandboxes`,
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    await operator.close();
    await host.close();
    await stack.close();
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
