import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import ssh2, { type SFTPWrapper } from 'ssh2';
import { ExportDeliveryError } from '../accounting-exports.errors.js';
import type { DeliverableFile, ExportDelivery } from '../export-delivery.js';

export interface SftpDeliveryOptions {
  /** Connection and authentication deadline (default 15 s). */
  connectTimeoutMs?: number;
  /** One file operation's deadline (an upload: per file; default 60 s). */
  operationTimeoutMs?: number;
}

/** SFTP status codes (draft-ietf-secsh-filexfer-02) the server answers with. */
const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;

/**
 * Uploads each file to `<directory>/<name>.part` and renames it into place, so the accountant's
 * importer never sees half a file. A file already there with the same size (a resumed run whose
 * rename went through before the connection dropped) is not uploaded again. The server's host key
 * is pinned by its SHA-256 fingerprint: given in the target, or recorded on the first connection
 * (trust on first use) and required from then on.
 */
export class SftpDelivery implements ExportDelivery {
  readonly kind = 'sftp' as const;
  readonly #connectMs: number;
  readonly #opMs: number;
  constructor(options: SftpDeliveryOptions = {}) {
    this.#connectMs = options.connectTimeoutMs ?? 15_000;
    this.#opMs = options.operationTimeoutMs ?? 60_000;
  }

  async deliver(input: Parameters<ExportDelivery['deliver']>[0]): Promise<void> {
    const s = input.settings as {
      host: string;
      port: number;
      username: string;
      password?: string | null;
      privateKey?: string | null;
      passphrase?: string | null;
      directory: string;
      hostKeyFingerprint?: string | null;
    };
    const pinned = s.hostKeyFingerprint ? s.hostKeyFingerprint.replace(/=+$/, '') : null;
    let seen: string | null = null;
    const client = new ssh2.Client();
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('ready', () => resolve());
        client.once('error', (error: Error & { level?: string }) => {
          if (seen && pinned && seen !== pinned)
            reject(new ExportDeliveryError({ code: 'sftp_host_key_mismatch', message: `The SFTP server's host key ${seen} is not the pinned ${pinned}.` }));
          else if (error.level === 'client-authentication')
            reject(new ExportDeliveryError({ code: 'sftp_auth_failed', message: `The SFTP server refused the login of ${s.username}.`, cause: error }));
          else if (/timed out/i.test(error.message))
            reject(
              new ExportDeliveryError({
                code: 'sftp_timeout',
                message: `No answer from the SFTP server ${s.host}:${s.port} within ${this.#connectMs} ms.`,
                cause: error,
              }),
            );
          else
            reject(
              new ExportDeliveryError({
                code: 'sftp_unreachable',
                message: `Cannot reach the SFTP server ${s.host}:${s.port}: ${error.message}`,
                cause: error,
              }),
            );
        });
        client.connect({
          host: s.host,
          port: s.port,
          username: s.username,
          ...(s.password ? { password: s.password } : {}),
          ...(s.privateKey ? { privateKey: s.privateKey } : {}),
          ...(s.passphrase ? { passphrase: s.passphrase } : {}),
          readyTimeout: this.#connectMs,
          hostVerifier: (key: Buffer) => {
            seen = `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
            return pinned === null || seen === pinned;
          },
        });
      });
      if (!pinned && seen) await input.recordSettings({ hostKeyFingerprint: seen });
      const sftp = await this.#op<SFTPWrapper>('open the SFTP session', (cb) => client.sftp(cb));
      const directory = s.directory || '.';
      await this.#mkdirs(sftp, directory);
      for (const file of input.files) {
        await this.#upload(sftp, directory, file);
        await input.delivered(file.name);
      }
    } finally {
      client.end();
    }
  }

  async #upload(sftp: SFTPWrapper, directory: string, file: DeliverableFile): Promise<void> {
    const target = posix.join(directory, file.name);
    const there = await this.#statOrNull(sftp, target);
    if (there && there.size === file.size) return;
    const part = `${target}.part`;
    // open/write/close by hand: ssh2's write stream closes without an error when the server refuses a write.
    const handle = await this.#op<Buffer>(`open ${file.name}.part`, (cb) => sftp.open(part, 'w', { mode: 0o644 }, cb));
    let offset = 0;
    for await (const chunk of await file.open()) {
      const data = chunk as Buffer;
      await this.#op(`write ${file.name}.part`, (cb) => sftp.write(handle, data, 0, data.length, offset, (error) => cb(error, undefined)));
      offset += data.length;
    }
    await this.#op(`close ${file.name}.part`, (cb) => sftp.close(handle, (error) => cb(error, undefined)));
    if (there) await this.#op(`replace ${file.name}`, (cb) => sftp.unlink(target, cb));
    await this.#op(`rename ${file.name}.part`, (cb) => sftp.rename(part, target, cb));
  }

  async #mkdirs(sftp: SFTPWrapper, directory: string): Promise<void> {
    if (directory === '.' || directory === '/') return;
    let path = directory.startsWith('/') ? '/' : '';
    for (const part of directory.split('/').filter(Boolean)) {
      path = path ? posix.join(path, part) : part;
      if (await this.#statOrNull(sftp, path)) continue;
      await this.#op(`create ${path}`, (cb) => sftp.mkdir(path, cb));
    }
  }

  async #statOrNull(sftp: SFTPWrapper, path: string): Promise<{ size: number } | null> {
    try {
      return await this.#op<{ size: number }>(`stat ${path}`, (cb) => sftp.stat(path, cb));
    } catch (error) {
      if (error instanceof ExportDeliveryError && error.code === 'sftp_not_found') return null;
      throw error;
    }
  }

  #op<T = void>(what: string, start: (cb: (error: Error | null | undefined, value: T) => void) => void): Promise<T> {
    return this.#withTimeout(what, () => new Promise<T>((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value)))));
  }

  async #withTimeout<T>(what: string, work: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ExportDeliveryError({ code: 'sftp_timeout', message: `SFTP: ${what} took longer than ${this.#opMs} ms.` })),
        this.#opMs,
      );
    });
    try {
      return await Promise.race([work(), deadline]);
    } catch (error) {
      throw mapSftpError(what, error);
    } finally {
      clearTimeout(timer);
    }
  }
}

function mapSftpError(what: string, error: unknown): ExportDeliveryError {
  if (error instanceof ExportDeliveryError) return error;
  const e = error as Error & { code?: number | string };
  if (e.code === SFTP_NO_SUCH_FILE)
    return new ExportDeliveryError({ code: 'sftp_not_found', message: `SFTP: ${what}: no such file or directory.`, cause: error });
  if (e.code === SFTP_PERMISSION_DENIED)
    return new ExportDeliveryError({ code: 'sftp_permission_denied', message: `SFTP: ${what}: permission denied.`, cause: error });
  if (typeof e.code === 'number') return new ExportDeliveryError({ code: 'sftp_failure', message: `SFTP: ${what}: ${e.message}`, cause: error });
  return new ExportDeliveryError({ code: 'sftp_connection_lost', message: `SFTP: ${what}: ${e?.message ?? String(error)}`, cause: error });
}
