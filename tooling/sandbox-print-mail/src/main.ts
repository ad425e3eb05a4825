// `node tooling/sandbox-print-mail/dist/main.js`: a local print-and-mail service for manual use next to `pnpm start`.
import { SANDBOX_KEYS, startPrintMailSandbox } from './print-mail-sandbox.server.js';

const env = process.env;
const port = Number(env.PORT ?? 4080);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`sandbox-print-mail: PORT must be a port number, got ${JSON.stringify(env.PORT)}\n`);
  process.exit(1);
}

const sandbox = await startPrintMailSandbox({ port, host: env.HOST ?? '127.0.0.1', ...(env.WEBHOOK_SECRET ? { webhookSecret: env.WEBHOOK_SECRET } : {}) });
// Tests drive the lifecycle with /_sandbox/advance; a manual session lets real time move it.
const tickMs = Number(env.TICK_MS ?? 1000);
const tick = setInterval(() => void sandbox.control.process().catch(() => undefined), tickMs);
process.stdout.write(
  `sandbox-print-mail: listening on ${sandbox.url}/v1 (key ${SANDBOX_KEYS.test}, callbacks signed with ${sandbox.webhookSecret}); controls under ${sandbox.url}/_sandbox/\n`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    clearInterval(tick);
    void sandbox.close().then(() => process.exit(0));
  });
}
