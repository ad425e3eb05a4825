// `node tooling/sandbox-twilio/dist/main.js`: the SMS/voice sandbox for manual use next to `pnpm start`.
import { SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, startTwilioSandbox } from './twilio-sandbox.server.js';

const env = process.env;
const port = Number(env.PORT ?? 4030);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`sandbox-twilio: PORT must be a port number, got ${JSON.stringify(env.PORT)}\n`);
  process.exit(1);
}

const sandbox = await startTwilioSandbox({
  port,
  host: env.HOST ?? '127.0.0.1',
  accountSid: env.SANDBOX_TWILIO_ACCOUNT_SID ?? SANDBOX_ACCOUNT_SID,
  authToken: env.SANDBOX_TWILIO_AUTH_TOKEN ?? SANDBOX_AUTH_TOKEN,
  // By hand nobody calls deliverCallbacks(): callbacks go out as soon as they are made.
  autoDeliverCallbacks: true,
  // Off by default, as Twilio: a callback answered non-2xx is dropped. 1/true: retried at the next round.
  redeliverCallbacks: ['1', 'true'].includes((env.SANDBOX_TWILIO_REDELIVER_CALLBACKS ?? '').toLowerCase()),
});
process.stdout.write(
  `sandbox-twilio: listening on ${sandbox.url} (account ${sandbox.accountSid}, auth token ${sandbox.authToken}); sent messages and calls at ${sandbox.url}/_sandbox\n`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
