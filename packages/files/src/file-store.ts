import type { Readable } from 'node:stream';

/** What a stored file is: its key, size in bytes and SHA-256 (hex). */
export interface StoredFile {
  key: string;
  size: number;
  sha256: string;
  contentType: string;
}

/** Durable bytes under a key. A put under an existing key replaces the file whole (never half). */
export interface FileStore {
  put(input: { key: string; body: Buffer | Readable; contentType: string }): Promise<StoredFile>;
  /** The file's bytes as a stream, or null when nothing is stored under the key. */
  open(input: { key: string }): Promise<{ file: StoredFile; stream: Readable } | null>;
  read(input: { key: string }): Promise<{ file: StoredFile; body: Buffer } | null>;
  stat(input: { key: string }): Promise<StoredFile | null>;
  /** Missing is not an error. */
  delete(input: { key: string }): Promise<void>;
}

export const FILE_STORE = Symbol.for('tollgate.FileStore');
