// `node tooling/sandbox-webhooks/dist/main.js`: the webhook receiver for manual use next to `pnpm start`.
import { startWebhookSandbox } from './webhook-sandbox.server.js';

const env = process.env;
const port = Number(env.PORT ?? 4050);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`sandbox-webhooks: PORT must be a port number, got ${JSON.stringify(env.PORT)}\n`);
  process.exit(1);
}
// Comma-separated; two during a rotation. None: every delivery is recorded as `unchecked`.
const secrets = (env.SANDBOX_WEBHOOKS_SECRETS ?? '')
  .split(',')
  .map((secret) => secret.trim())
  .filter((secret) => secret !== '');

const sandbox = await startWebhookSandbox({ port, host: env.HOST ?? '127.0.0.1', secrets });
process.stdout.write(`sandbox-webhooks: listening on ${sandbox.url}; deliveries received at ${sandbox.url}/_sandbox/received\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
