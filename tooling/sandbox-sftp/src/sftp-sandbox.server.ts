import { createHash, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, posix, resolve, sep } from 'node:path';
import ssh2, { type Connection, type ParsedKey, type SFTPWrapper } from 'ssh2';

const { Server, utils } = ssh2;
const STATUS = utils.sftp.STATUS_CODE;
const OPEN = utils.sftp.OPEN_MODE;

export interface SftpSandboxUser {
  username: string;
  password?: string;
  /** OpenSSH public key line ('ssh-ed25519 AAAA… comment'). */
  publicKey?: string;
}

/** Failures on command; each applies to the connections opened (or the writes made) after it is set. */
export interface SftpSandboxFailures {
  /** Close the connection when a client opens a file for writing after this many files were written (renamed into place or closed). */
  closeAfterFiles?: number | null;
  /** Paths (relative to the user's home, prefix match) where opening, creating or renaming answers permission denied. */
  deniedPaths?: string[];
  /** Writes fail with "no space left" once this many bytes were written since the switch was set. */
  diskFullAfterBytes?: number | null;
  /** Each WRITE waits this long before it is answered. */
  writeDelayMs?: number;
}

export interface SftpSandbox {
  host: '127.0.0.1';
  port: number;
  /** The server's host key fingerprint, 'SHA256:<base64>' as ssh-keygen -l prints it. */
  hostKeyFingerprint: string;
  /** The directory on disk that holds the user's files. */
  homeOf(username: string): string;
  addUser(user: SftpSandboxUser): void;
  setFailures(failures: SftpSandboxFailures): void;
  /** Files written (renamed into place or closed after a write) since start, in order, per user. */
  written(): Array<{ username: string; path: string; size: number }>;
  connections(): number;
  close(): Promise<void>;
}

interface OpenFile {
  kind: 'file';
  handle: FileHandle;
  path: string;
  wrote: boolean;
}
interface OpenDir {
  kind: 'dir';
  path: string;
  done: boolean;
}

/**
 * A fresh ed25519 key pair in OpenSSH format that ssh2 can read back. ssh2's parser refuses about one
 * in 240 of the keys its own generator makes ("Malformed OpenSSH private key"), which failed a test
 * run now and then, so draw again until the private key parses.
 */
export function generateSshKeyPair(): { private: string; public: string } {
  for (;;) {
    const keys = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(keys.private) instanceof Error)) return keys;
  }
}

/**
 * A real SFTP server (ssh2's Server) on 127.0.0.1 for tests and the dev stack: password and public-key
 * users, each jailed in a directory on disk, and failures on command (a connection closed after N
 * files, permission denied on a path, disk full, slow writes).
 */
export async function startSftpSandbox(input: { root: string; users?: SftpSandboxUser[]; port?: number; hostKey?: string }): Promise<SftpSandbox> {
  const hostKey = input.hostKey ?? generateSshKeyPair().private;
  const parsedHost = utils.parseKey(hostKey);
  if (parsedHost instanceof Error) throw parsedHost;
  const hostKeyFingerprint = `SHA256:${createHash('sha256')
    .update((Array.isArray(parsedHost) ? parsedHost[0] : parsedHost).getPublicSSH())
    .digest('base64')
    .replace(/=+$/, '')}`;
  const users = new Map<string, SftpSandboxUser>();
  let failures: SftpSandboxFailures = {};
  let bytesSinceFailureSet = 0;
  let filesWritten = 0;
  let connectionCount = 0;
  const written: Array<{ username: string; path: string; size: number }> = [];
  const live = new Set<Connection>();
  const root = resolve(input.root);

  const homeOf = (username: string) => join(root, username);
  const addUser = (user: SftpSandboxUser) => {
    users.set(user.username, user);
  };
  for (const user of input.users ?? []) addUser(user);
  await Promise.all([...users.keys()].map((u) => mkdir(homeOf(u), { recursive: true })));

  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    connectionCount++;
    live.add(client);
    let username: string | null = null;
    client.on('close', () => live.delete(client));
    client.on('error', () => live.delete(client));
    client.on('authentication', (ctx) => {
      const user = users.get(ctx.username);
      if (!user) return ctx.reject(['password', 'publickey']);
      if (ctx.method === 'password' && user.password && same(ctx.password, user.password)) {
        username = user.username;
        return ctx.accept();
      }
      if (ctx.method === 'publickey' && user.publicKey) {
        const allowed = utils.parseKey(user.publicKey);
        const key = (Array.isArray(allowed) ? allowed[0] : allowed) as ParsedKey | Error;
        if (!(key instanceof Error) && ctx.key.algo === key.type && key.getPublicSSH().equals(ctx.key.data)) {
          // Without a signature the client only asks whether the key would do.
          if (!ctx.signature || !ctx.blob) return ctx.accept();
          if (key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) {
            username = user.username;
            return ctx.accept();
          }
        }
      }
      ctx.reject(['password', 'publickey']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('sftp', (acceptSftp) => {
          const home = homeOf(username!);
          void mkdir(home, { recursive: true }).then(() => serve(acceptSftp(), home, username!, client));
        });
      });
    });
  });

  /** The path on disk for a client path, jailed in the home directory. */
  const local = (home: string, path: string): string => {
    const normal = posix.normalize(`/${path}`);
    const full = resolve(home, `.${normal}`);
    if (full !== home && !full.startsWith(home + sep)) return home;
    return full;
  };
  const relative = (home: string, full: string) => (full === home ? '/' : full.slice(home.length).split(sep).join('/'));
  const denied = (home: string, full: string) =>
    (failures.deniedPaths ?? []).some((p) => relative(home, full).replace(/^\//, '').startsWith(p.replace(/^\//, '')));

  function serve(sftp: SFTPWrapper, home: string, username: string, client: Connection): void {
    const handles = new Map<number, OpenFile | OpenDir>();
    let next = 1;
    const handleOf = (buf: Buffer) => (buf.length === 4 ? handles.get(buf.readUInt32BE(0)) : undefined);
    const newHandle = (h: OpenFile | OpenDir) => {
      const id = next++;
      handles.set(id, h);
      const buf = Buffer.alloc(4);
      buf.writeUInt32BE(id, 0);
      return buf;
    };
    const fail = (reqId: number, error: unknown) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return sftp.status(reqId, STATUS.NO_SUCH_FILE);
      if (code === 'EACCES' || code === 'EPERM') return sftp.status(reqId, STATUS.PERMISSION_DENIED);
      return sftp.status(reqId, STATUS.FAILURE, (error as Error).message);
    };
    const attrsOf = (s: Awaited<ReturnType<typeof stat>>) => ({
      mode: Number(s.mode),
      uid: 0,
      gid: 0,
      size: Number(s.size),
      atime: Math.floor(Number(s.atimeMs) / 1000),
      mtime: Math.floor(Number(s.mtimeMs) / 1000),
    });
    const record = (path: string, size: number) => {
      filesWritten++;
      written.push({ username, path, size });
    };

    sftp.on('REALPATH', (reqId, path) => {
      const full = local(home, path);
      sftp.name(reqId, [{ filename: relative(home, full), longname: relative(home, full), attrs: {} as never }]);
    });
    const onStat = (reqId: number, path: string) => {
      stat(local(home, path)).then(
        (s) => sftp.attrs(reqId, attrsOf(s)),
        (e: unknown) => fail(reqId, e),
      );
    };
    sftp.on('STAT', onStat);
    sftp.on('LSTAT', onStat);
    sftp.on('FSTAT', (reqId, handle) => {
      const h = handleOf(handle);
      if (!h || h.kind !== 'file') return sftp.status(reqId, STATUS.FAILURE);
      h.handle.stat().then(
        (s) => sftp.attrs(reqId, attrsOf(s)),
        (e: unknown) => fail(reqId, e),
      );
    });
    sftp.on('OPEN', (reqId, filename, flags) => {
      const full = local(home, filename);
      const writing = (flags & OPEN.WRITE) !== 0;
      if (writing && failures.closeAfterFiles != null && filesWritten >= failures.closeAfterFiles) {
        client.end();
        return;
      }
      if (denied(home, full)) return sftp.status(reqId, STATUS.PERMISSION_DENIED);
      const mode = writing ? ((flags & OPEN.TRUNC) !== 0 || (flags & OPEN.CREAT) !== 0 ? 'w' : 'r+') : 'r';
      open(full, (flags & OPEN.APPEND) !== 0 ? 'a' : mode).then(
        (handle) => sftp.handle(reqId, newHandle({ kind: 'file', handle, path: full, wrote: false })),
        (e: unknown) => fail(reqId, e),
      );
    });
    sftp.on('WRITE', (reqId, handle, offset, data) => {
      const h = handleOf(handle);
      if (!h || h.kind !== 'file') return sftp.status(reqId, STATUS.FAILURE);
      const go = () => {
        if (failures.diskFullAfterBytes != null && bytesSinceFailureSet + data.length > failures.diskFullAfterBytes)
          return sftp.status(reqId, STATUS.FAILURE, 'No space left on device');
        bytesSinceFailureSet += data.length;
        h.wrote = true;
        h.handle.write(data, 0, data.length, offset).then(
          () => sftp.status(reqId, STATUS.OK),
          (e: unknown) => fail(reqId, e),
        );
      };
      if (failures.writeDelayMs) setTimeout(go, failures.writeDelayMs);
      else go();
    });
    sftp.on('READ', (reqId, handle, offset, length) => {
      const h = handleOf(handle);
      if (!h || h.kind !== 'file') return sftp.status(reqId, STATUS.FAILURE);
      const buf = Buffer.alloc(length);
      h.handle.read(buf, 0, length, offset).then(
        ({ bytesRead }) => (bytesRead === 0 ? sftp.status(reqId, STATUS.EOF) : sftp.data(reqId, buf.subarray(0, bytesRead))),
        (e: unknown) => fail(reqId, e),
      );
    });
    sftp.on('CLOSE', (reqId, handle) => {
      const h = handleOf(handle);
      if (!h) return sftp.status(reqId, STATUS.FAILURE);
      handles.delete(handle.readUInt32BE(0));
      if (h.kind === 'dir') return sftp.status(reqId, STATUS.OK);
      h.handle
        .close()
        .then(async () => {
          // A finished upload that is not a '.part' counts as a file written now; a '.part' counts at its rename.
          if (h.wrote && !h.path.endsWith('.part')) record(relative(home, h.path), (await stat(h.path)).size);
          sftp.status(reqId, STATUS.OK);
        })
        .catch((e: unknown) => fail(reqId, e));
    });
    sftp.on('OPENDIR', (reqId, path) => {
      const full = local(home, path);
      stat(full).then(
        (s) => (s.isDirectory() ? sftp.handle(reqId, newHandle({ kind: 'dir', path: full, done: false })) : sftp.status(reqId, STATUS.FAILURE)),
        (e: unknown) => fail(reqId, e),
      );
    });
    sftp.on('READDIR', (reqId, handle) => {
      const h = handleOf(handle);
      if (!h || h.kind !== 'dir') return sftp.status(reqId, STATUS.FAILURE);
      if (h.done) return sftp.status(reqId, STATUS.EOF);
      h.done = true;
      readdir(h.path)
        .then(async (names) => {
          const entries = await Promise.all(names.map(async (name) => ({ filename: name, longname: name, attrs: attrsOf(await stat(join(h.path, name))) })));
          if (!entries.length) return sftp.status(reqId, STATUS.EOF);
          sftp.name(reqId, entries);
        })
        .catch((e: unknown) => fail(reqId, e));
    });
    sftp.on('MKDIR', (reqId, path) => {
      const full = local(home, path);
      if (denied(home, full)) return sftp.status(reqId, STATUS.PERMISSION_DENIED);
      mkdir(full).then(
        () => sftp.status(reqId, STATUS.OK),
        (e: unknown) => fail(reqId, e),
      );
    });
    sftp.on('REMOVE', (reqId, path) => {
      const full = local(home, path);
      if (denied(home, full)) return sftp.status(reqId, STATUS.PERMISSION_DENIED);
      rm(full).then(
        () => sftp.status(reqId, STATUS.OK),
        (e: unknown) => fail(reqId, e),
      );
    });
    sftp.on('RENAME', (reqId, from, to) => {
      const src = local(home, from);
      const dst = local(home, to);
      if (denied(home, src) || denied(home, dst)) return sftp.status(reqId, STATUS.PERMISSION_DENIED);
      // SFTP v3: renaming onto an existing file fails (the client removes it first).
      stat(dst).then(
        () => sftp.status(reqId, STATUS.FAILURE, 'target exists'),
        () =>
          rename(src, dst)
            .then(async () => {
              record(relative(home, dst), (await stat(dst)).size);
              sftp.status(reqId, STATUS.OK);
            })
            .catch((e: unknown) => fail(reqId, e)),
      );
    });
    sftp.on('SETSTAT', (reqId) => sftp.status(reqId, STATUS.OK));
    sftp.on('FSETSTAT', (reqId) => sftp.status(reqId, STATUS.OK));
  }

  await new Promise<void>((ok, bad) => {
    server.once('error', bad);
    server.listen(input.port ?? 0, '127.0.0.1', () => ok());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    host: '127.0.0.1',
    port,
    hostKeyFingerprint,
    homeOf,
    addUser: (user) => {
      addUser(user);
    },
    setFailures: (next) => {
      failures = { ...next };
      bytesSinceFailureSet = 0;
    },
    written: () => [...written],
    connections: () => connectionCount,
    close: async () => {
      for (const c of live) c.end();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
