import 'reflect-metadata';
import { isTollgateError } from '@tollgate/errors';
import { loadConfig } from './config/host-config.js';
import { createHost } from './create-host.js';
import { assertPortFree } from './http/port-check.js';
import { startOperatorAccess } from './operator/operator-access.js';

/** `pnpm start`: config → plugins → database → HTTP. A bad config exits 1 with one line saying why. */
async function main(): Promise<void> {
  const config = loadConfig();
  await assertPortFree({ port: config.port, host: config.host });
  const host = await createHost({ config });
  let url: string;
  try {
    url = await host.listen();
  } catch (error) {
    await host.close();
    throw error;
  }
  // After listen: the key is printed once the host can be used with it.
  const operator = await startOperatorAccess({ host, dataDir: config.database.dataDir });
  host.logger.info(
    { url, engine: host.db.engine, plugins: host.pluginHost.plugins.map((p) => p.plugin.id), operatorSocket: operator.socketPath },
    `Tollgate host listening on port ${config.port}`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    host.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    await operator.close();
    await host.close();
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  const message = isTollgateError(error) ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`tollgate: ${message}\n`);
  process.exit(1);
});
