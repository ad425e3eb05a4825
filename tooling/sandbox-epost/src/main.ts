// `node tooling/sandbox-epost/dist/main.js`: a local E-POSTBUSINESS API for manual use next to `pnpm start`.
import { SANDBOX_ACCOUNTS, SANDBOX_VENDOR_ID, startEPostSandbox } from './epost-sandbox.server.js';

const env = process.env;
const port = Number(env.PORT ?? 4080);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`sandbox-epost: PORT must be a port number, got ${JSON.stringify(env.PORT)}\n`);
  process.exit(1);
}

const sandbox = await startEPostSandbox({ port, host: env.HOST ?? '127.0.0.1' });
const a = SANDBOX_ACCOUNTS.active;
process.stdout.write(
  `sandbox-epost: listening on ${sandbox.url}/api (vendorID ${SANDBOX_VENDOR_ID}; EKP ${a.ekp}, password ${a.password}, secret ${a.secret}); controls under ${sandbox.url}/_sandbox/\n`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
