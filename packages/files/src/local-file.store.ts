import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertFileKey } from './file-key.js';
import type { FileStore, StoredFile } from './file-store.js';

/**
 * Files in a local folder. Each file has a sidecar `<file>.meta.json` (size, sha256, content type),
 * written after the bytes are in place: a file without its sidecar is treated as absent.
 */
export class LocalFileStore implements FileStore {
  readonly #root: string;

  constructor({ root }: { root: string }) {
    this.#root = root;
  }

  async put({ key, body, contentType }: { key: string; body: Buffer | Readable; contentType: string }): Promise<StoredFile> {
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomUUID()}.tmp`;
    const hash = createHash('sha256');
    let size = 0;
    try {
      const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
      const count = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      await pipeline(source, count, createWriteStream(temporary, { flags: 'wx' }));
      const file: StoredFile = { key, size, sha256: hash.digest('hex'), contentType };
      await rm(`${path}.meta.json`, { force: true });
      await rename(temporary, path);
      await writeFile(`${path}.meta.json.tmp`, JSON.stringify(file));
      await rename(`${path}.meta.json.tmp`, `${path}.meta.json`);
      return file;
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async stat({ key }: { key: string }): Promise<StoredFile | null> {
    const path = this.#path(key);
    try {
      const meta = JSON.parse(await readFile(`${path}.meta.json`, 'utf8')) as StoredFile;
      const info = await stat(path);
      return info.size === meta.size ? meta : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async open({ key }: { key: string }): Promise<{ file: StoredFile; stream: Readable } | null> {
    const file = await this.stat({ key });
    return file ? { file, stream: createReadStream(this.#path(key)) } : null;
  }

  async read({ key }: { key: string }): Promise<{ file: StoredFile; body: Buffer } | null> {
    const file = await this.stat({ key });
    return file ? { file, body: await readFile(this.#path(key)) } : null;
  }

  async delete({ key }: { key: string }): Promise<void> {
    const path = this.#path(key);
    await rm(`${path}.meta.json`, { force: true });
    await rm(path, { force: true });
  }

  #path(key: string): string {
    assertFileKey(key);
    return join(this.#root, ...key.split('/'));
  }
}
