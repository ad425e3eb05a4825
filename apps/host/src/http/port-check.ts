import { createServer } from 'node:net';
import { ConfigError } from '@tollgate/errors';

/** The one line a port clash gives, instead of an EADDRINUSE stack trace. */
export function portInUse(input: { port: number; variable: string; what?: string }): ConfigError {
  return new ConfigError({
    code: 'port_in_use',
    message: `${input.what ?? 'the host'} cannot listen on port ${input.port}: it is in use (EADDRINUSE); set ${input.variable} to a free port`,
  });
}

/**
 * Fails fast when the host's port is taken, before the database is opened (seconds on a fresh data
 * folder). listen() still turns a clash into the same error, for a port taken in between.
 */
export async function assertPortFree(input: { port: number; host?: string; variable?: string }): Promise<void> {
  if (input.port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? portInUse({ port: input.port, variable: input.variable ?? 'PORT' }) : error),
    );
    probe.listen({ port: input.port, host: input.host ?? '0.0.0.0', exclusive: true }, () => probe.close(() => resolve()));
  });
}
