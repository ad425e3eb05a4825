import type { TollgateHost } from '../create-host.js';
import { hostOperatorContext } from './operator-commands.js';
import { startOperatorSocket } from './operator-socket.js';

/**
 * What a long-running host (`main.ts`, the dev stack) adds for its operator: the first platform
 * admin key, printed once (or TOLLGATE_ADMIN_KEY registered), and the operator socket the CLI uses
 * while this host holds the data folder. Test hosts and the CLI's own host skip both.
 */
export async function startOperatorAccess(input: {
  host: TollgateHost;
  /** The data folder (config.database.dataDir): the socket lives there. */
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  /** Where the one-time key is shown: stderr by default, apart from the JSON log lines on stdout. */
  print?: (line: string) => void;
}): Promise<{ socketPath: string | null; close(): Promise<void> }> {
  const { host } = input;
  const env = input.env ?? process.env;
  const print = input.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  const bootstrap = await host.accounts.bootstrapAdminKey({ key: env.TOLLGATE_ADMIN_KEY || undefined });
  if (bootstrap.created) {
    host.logger.info({ keyId: bootstrap.created.id, prefix: bootstrap.created.prefix }, 'created the first platform admin key');
    print(`tollgate: the first platform admin key (shown once; keep it, or set TOLLGATE_ADMIN_KEY before the first start): ${bootstrap.created.key}`);
  } else if (bootstrap.registered) {
    host.logger.info('registered TOLLGATE_ADMIN_KEY as a platform admin key');
  }
  const socket = await startOperatorSocket({
    dataDir: input.dataDir,
    logger: host.logger,
    context: hostOperatorContext(host),
  });
  return { socketPath: socket?.path ?? null, close: async () => socket?.close() };
}
