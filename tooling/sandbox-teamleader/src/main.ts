// `node tooling/sandbox-teamleader/dist/main.js`: a local Teamleader Focus for manual use next to `pnpm start`.
import { DEFAULT_CLIENT } from './teamleader-oauth.js';
import { startTeamleaderSandbox } from './teamleader-sandbox.server.js';

const env = process.env;
const port = Number(env.PORT ?? 4040);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`sandbox-teamleader: PORT must be a port number, got ${JSON.stringify(env.PORT)}\n`);
  process.exit(1);
}

const sandbox = await startTeamleaderSandbox({ port, host: env.HOST ?? '127.0.0.1', autoDeliverWebhooks: true });
process.stdout.write(
  `sandbox-teamleader: listening on ${sandbox.url} (client_id ${DEFAULT_CLIENT.clientId}, client_secret ${DEFAULT_CLIENT.clientSecret}, ` +
    `redirect URIs ${DEFAULT_CLIENT.redirectUris.join(' ')}); webhooks go out at once; controls under ${sandbox.url}/_sandbox/\n`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
