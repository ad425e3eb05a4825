import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { Logger } from 'pino';
import { toErrorResponse } from '../http/error.filter.js';
import { operatorSocketPath, type SocketReply } from './operator-client.js';
import { runOperatorCommand, type OperatorContext } from './operator-commands.js';

/** Node refuses Unix socket paths longer than this (sun_path is 108 bytes on Linux, with its NUL). */
const MAX_SOCKET_PATH = 107;
const MAX_REQUEST_BYTES = 64 * 1024;

function probe(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: path, method: 'GET', path: '/health', agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Serves operator commands on a Unix socket in the data folder (mode 0600): the CLI run next to a
 * host sends its command here instead of opening the database, which the embedded engine allows to
 * one process only. The socket is the credential, as PostgreSQL's local socket is: whoever may
 * open the data folder may also read the database files in it.
 */
export async function startOperatorSocket(input: {
  dataDir: string;
  context: OperatorContext;
  logger: Logger;
}): Promise<{ path: string; close(): Promise<void> } | null> {
  const path = operatorSocketPath(input.dataDir);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    input.logger.warn({ path }, 'operator socket path too long for a Unix socket: the CLI cannot reach this host (use a shorter TOLLGATE_DATA_DIR)');
    return null;
  }
  mkdirSync(input.dataDir, { recursive: true });
  if (await probe(path)) {
    // Another host on this folder (two hosts on one PostgreSQL): the CLI talks to that one.
    input.logger.warn({ path }, 'another host already serves operator commands on this data folder');
    return null;
  }
  rmSync(path, { force: true }); // left by a host that was killed
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: SocketReply) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/health') return send(200, { ok: true, result: { output: 'ok' } });
    if (req.method !== 'POST' || req.url !== '/commands') return send(404, { ok: false, status: 404, error: { code: 'not_found', message: 'POST /commands' } });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      void (async () => {
        try {
          const { command, input: args } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { command: string; input: unknown };
          input.logger.info({ command }, 'operator command');
          send(200, { ok: true, result: await runOperatorCommand({ ctx: input.context, name: command, input: args }) });
        } catch (error) {
          const { status, body } = toErrorResponse(error);
          if (status >= 500) input.logger.error({ err: error }, 'operator command failed');
          send(200, { ok: false, status, ...body });
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          rmSync(path, { force: true });
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
