// `node tooling/sandbox-bank/dist/main.js`: the bank sandbox for manual use next to `pnpm start`.
import { DEFAULT_BANK_TOKEN, startBankSandbox } from './bank-sandbox.server.js';

const env = process.env;
const port = Number(env.PORT ?? 4020);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`sandbox-bank: PORT must be a port number, got ${JSON.stringify(env.PORT)}\n`);
  process.exit(1);
}
const reversalDays = Number(env.SANDBOX_BANK_REVERSAL_DAYS ?? 10);
if (!Number.isInteger(reversalDays) || reversalDays < 1 || reversalDays > 40) {
  process.stderr.write(
    `sandbox-bank: SANDBOX_BANK_REVERSAL_DAYS must be a whole number of TARGET2 business days from 1 to 40, got ${JSON.stringify(env.SANDBOX_BANK_REVERSAL_DAYS)}\n`,
  );
  process.exit(1);
}

const minLeadDays = Number(env.SANDBOX_BANK_MIN_LEAD_DAYS ?? 1);
if (!Number.isInteger(minLeadDays) || minLeadDays < 1) {
  process.stderr.write(`sandbox-bank: SANDBOX_BANK_MIN_LEAD_DAYS must be a whole number >= 1, got ${JSON.stringify(env.SANDBOX_BANK_MIN_LEAD_DAYS)}\n`);
  process.exit(1);
}

const bank = await startBankSandbox({ port, host: env.HOST ?? '127.0.0.1', token: env.SANDBOX_BANK_TOKEN ?? DEFAULT_BANK_TOKEN, reversalDays, minLeadDays });
process.stdout.write(`sandbox-bank: listening on ${bank.url} (token ${bank.token}); POST /files/pain.008, GET /files/pain.002, GET /files/camt.054\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void bank.close().then(() => process.exit(0));
  });
}
