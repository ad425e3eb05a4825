// `node tooling/sandbox-card/dist/main.js`: the card sandbox for manual use next to `pnpm start`.
import { startCardSandbox } from './card-sandbox.server.js';

const env = process.env;
const port = Number(env.PORT ?? 4010);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`sandbox-card: PORT must be a port number, got ${JSON.stringify(env.PORT)}\n`);
  process.exit(1);
}
const url = env.SANDBOX_CARD_WEBHOOK_URL;
const secret = env.SANDBOX_CARD_WEBHOOK_SECRET;
if (url && !secret) {
  process.stderr.write("sandbox-card: SANDBOX_CARD_WEBHOOK_URL needs SANDBOX_CARD_WEBHOOK_SECRET (the plugin's webhookSecret)\n");
  process.exit(1);
}

const sandbox = await startCardSandbox({
  port,
  host: env.HOST ?? '127.0.0.1',
  apiKey: env.SANDBOX_CARD_API_KEY ?? 'sk_test_sandbox',
  ...(url && secret ? { webhook: { url, secret } } : {}),
  autoDeliverWebhooks: true,
});
process.stdout.write(
  `sandbox-card: listening on ${sandbox.url} (API key ${sandbox.apiKey}); webhooks ${url ? `to ${url}` : 'off (set SANDBOX_CARD_WEBHOOK_URL)'}\n`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
