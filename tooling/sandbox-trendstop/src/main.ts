// `node tooling/sandbox-trendstop/dist/main.js`: a local company-data vendor for manual use next to `pnpm start`.
import { SANDBOX_KEYS, startTrendsTopSandbox } from './trendstop-sandbox.server.js';

const env = process.env;
const port = Number(env.PORT ?? 4060);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`sandbox-trendstop: PORT must be a port number, got ${JSON.stringify(env.PORT)}\n`);
  process.exit(1);
}

const sandbox = await startTrendsTopSandbox({ port, host: env.HOST ?? '127.0.0.1' });
process.stdout.write(
  `sandbox-trendstop: listening on ${sandbox.url}/v1 (partner key ${SANDBOX_KEYS.partner}, customer keys ${Object.values(SANDBOX_KEYS.customers).join(' ')}); ` +
    `controls under ${sandbox.url}/_sandbox/\n`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
