import type { Readable } from 'node:stream';

/** A stored file of a run, as a delivery sees it. */
export interface DeliverableFile {
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  /** The bytes, read from the file store when needed. */
  open(): Promise<Readable>;
}

/**
 * Pushes a run's files somewhere (or, for a download, nothing: they are streamed on request). A
 * delivery calls `delivered(name)` as soon as a file is safely there, so a delivery that stops
 * half-way keeps what it did; it throws ExportDeliveryError for what it could not deliver.
 */
export interface ExportDelivery {
  readonly kind: 'download' | 'email' | 'sftp';
  deliver(input: {
    runId: string;
    accountId: string;
    targetId: string;
    targetName: string;
    attempt: number;
    /** Opened (secrets unsealed) settings of the target. */
    settings: Record<string, unknown>;
    files: readonly DeliverableFile[];
    /** One file's name, or all the names a delivery took at once (a mail, a download). */
    delivered(names: string | readonly string[]): Promise<void>;
    /** SFTP trust on first use: records the host key fingerprint seen on the first connection. */
    recordSettings(patch: Record<string, unknown>): Promise<void>;
  }): Promise<void>;
}

export interface ExportDeliveryDirectory {
  get(kind: string): ExportDelivery | undefined;
}
