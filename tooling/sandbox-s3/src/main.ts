// `node tooling/sandbox-s3/dist/main.js`: a local S3 endpoint for manual use next to `pnpm start`.
import { SANDBOX_S3_CREDENTIALS, startS3Sandbox } from './s3-sandbox.server.js';

const env = process.env;
const port = Number(env.PORT ?? 4100);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`sandbox-s3: PORT must be a port number, got ${JSON.stringify(env.PORT)}\n`);
  process.exit(1);
}
const buckets = (env.BUCKETS ?? 'tollgate').split(',').filter(Boolean);
const sandbox = await startS3Sandbox({ port, host: env.HOST ?? '127.0.0.1', region: env.REGION ?? 'us-east-1', buckets });
const { accessKeyId, secretAccessKey } = SANDBOX_S3_CREDENTIALS;
process.stdout.write(
  `sandbox-s3: listening on ${sandbox.url} (path-style, region ${sandbox.region}, buckets ${buckets.join(', ')}; access key ${accessKeyId}, secret ${secretAccessKey}); objects are kept in memory\n`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
