import { request } from 'node:http';
import { join } from 'node:path';
import { isTollgateError, TollgateError, type ErrorBody } from '@tollgate/errors';

// The CLI's side of the operator socket: kept free of Nest and the domain packages so a command
// sent to a running host starts in a fraction of a second.

/** A command's JSON output, and problems that make the CLI exit 1 (one line each on stderr). */
export interface OperatorResult {
  output: unknown;
  problems?: string[];
}

/** Where a running host listens for operator commands: in its data folder, so the folder's owner is the one who may use it. */
export function operatorSocketPath(dataDir: string): string {
  return join(dataDir, 'tollgate.sock');
}

/** What the operator socket answers: the command's result, or the API's error shape. */
export type SocketReply = { ok: true; result: OperatorResult } | ({ ok: false; status: number } & ErrorBody);

/** The CLI could not reach a host on the socket: nobody listens there (no host, or a stale file). */
export class NoRunningHostError extends TollgateError {
  constructor(path: string) {
    super({ code: 'no_running_host', message: `No host answers on ${path}.` });
  }
}

/** Sends one command to the host on the socket; NoRunningHostError when none listens there. */
export function sendOperatorCommand(input: { dataDir: string; command: string; input: unknown }): Promise<OperatorResult> {
  const path = operatorSocketPath(input.dataDir);
  const payload = JSON.stringify({ command: input.command, input: input.input });
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: path, method: 'POST', path: '/commands', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          const reply = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SocketReply;
          if (reply.ok) resolve(reply.result);
          else reject(new TollgateError({ code: reply.error.code, status: reply.status, message: reply.error.message, details: reply.error.details }));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') reject(new NoRunningHostError(path));
      else reject(error);
    });
    req.end(payload);
  });
}

export const isNoRunningHost = (error: unknown): boolean => isTollgateError(error) && error.code === 'no_running_host';
