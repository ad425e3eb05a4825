import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { TollgateError } from '@tollgate/errors';
import { assertFileKey, type FileStore, type StoredFile } from '@tollgate/files';
import {
  FileStoreAuthError,
  FileStoreBucketMissingError,
  FileStoreChecksumError,
  FileStoreRequestError,
  FileStoreUnavailableError,
} from './s3-file-store.errors.js';

export interface S3FileStoreOptions {
  /** The S3-compatible endpoint (MinIO, Ceph, Scaleway…); absent = AWS S3 for the region. */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Path-style addressing (endpoint/bucket/key), which most S3-compatible services need. Default false. */
  forcePathStyle?: boolean;
  /** Keys are stored under this folder of the bucket ('tollgate' → 'tollgate/invoice-sync/…'). */
  prefix?: string;
  /** Tries of one request (5xx, throttling, dropped connections, a corrected clock skew). Default 3. */
  maxAttempts?: number;
  /** Deadline of one request, in milliseconds. Default 30 000. */
  requestTimeoutMs?: number;
  /** Where a stream of unknown length is spooled before it is sent. Default the system's temporary folder. */
  spoolDir?: string;
}

const SHA256_META = 'sha256';
const AUTH_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'RequestTimeTooSkewed',
  'AuthorizationHeaderMalformed',
  'InvalidToken',
  'ExpiredToken',
  'Forbidden',
]);
const CHECKSUM_CODES = new Set(['BadDigest', 'XAmzContentSHA256Mismatch', 'InvalidDigest']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH']);

/**
 * The FileStore on S3-compatible object storage (the official AWS SDK v3 client). Each object carries
 * its SHA-256 (hex) in its metadata and is sent with S3's own `ChecksumSHA256`, so S3 refuses bytes
 * that changed on the way; GetObject checksums are validated by the SDK on the way back.
 * A stream of unknown length is spooled to a temporary file first (hashing as it goes): S3 needs the
 * length and the checksum up front, and a retry needs the bytes again.
 */
export class S3FileStore implements FileStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #maxAttempts: number;
  readonly #spoolDir: string;

  constructor(options: S3FileStoreOptions) {
    const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    if (prefix) assertFileKey(prefix);
    this.#prefix = prefix ? `${prefix}/` : '';
    this.#bucket = options.bucket;
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#spoolDir = options.spoolDir ?? tmpdir();
    const config = {
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      requestHandler: { requestTimeout: options.requestTimeoutMs ?? 30_000, connectionTimeout: 5_000 },
    };
    // Silent: every failure reaches the caller as a typed error (the SDK would also warn that it does
    // not retry a request whose body is a stream: put() retries those itself, with a new stream).
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    this.#client = new S3Client({ ...config, maxAttempts: this.#maxAttempts, logger: quiet });
  }

  /** Checks at start-up that the bucket exists and the credentials are accepted (HeadBucket). */
  async check(): Promise<void> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.#bucket }));
    } catch (error) {
      throw this.#translate(error, null);
    }
  }

  async put({ key, body, contentType }: { key: string; body: Buffer | Readable; contentType: string }): Promise<StoredFile> {
    const objectKey = this.#objectKey(key);
    if (Buffer.isBuffer(body)) {
      const digest = createHash('sha256').update(body).digest();
      const file: StoredFile = { key, size: body.length, sha256: digest.toString('hex'), contentType };
      try {
        await this.#client.send(new PutObjectCommand(this.#putInput({ objectKey, file, checksum: digest.toString('base64'), body })));
      } catch (error) {
        throw this.#translate(error, key);
      }
      return file;
    }
    const folder = await mkdtemp(join(this.#spoolDir, 'tollgate-s3-put-'));
    try {
      const spooled = join(folder, 'body');
      const hash = createHash('sha256');
      let size = 0;
      const count = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      await pipeline(body, count, createWriteStream(spooled, { flags: 'wx' }));
      const digest = hash.digest();
      const file: StoredFile = { key, size, sha256: digest.toString('hex'), contentType };
      for (let attempt = 1; ; attempt++) {
        try {
          const input = this.#putInput({ objectKey, file, checksum: digest.toString('base64'), body: createReadStream(spooled) });
          await this.#client.send(new PutObjectCommand(input));
          return file;
        } catch (error) {
          if (attempt >= this.#maxAttempts || !retryable(error)) throw this.#translate(error, key);
          // Full jitter on a doubling base, as the SDK's own standard retries do.
          await delay(Math.random() * Math.min(20_000, 100 * 2 ** attempt));
        }
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }

  async stat({ key }: { key: string }): Promise<StoredFile | null> {
    const objectKey = this.#objectKey(key);
    try {
      const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: objectKey }));
      return this.#file(key, head.Metadata, head.ContentLength, head.ContentType);
    } catch (error) {
      if (notFound(error)) return null;
      throw this.#translate(error, key);
    }
  }

  async open({ key }: { key: string }): Promise<{ file: StoredFile; stream: Readable } | null> {
    const objectKey = this.#objectKey(key);
    try {
      const got = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: objectKey }));
      const file = this.#file(key, got.Metadata, got.ContentLength, got.ContentType);
      const stream = got.Body as Readable | undefined;
      if (!file || !stream) {
        stream?.destroy();
        return null;
      }
      return { file, stream };
    } catch (error) {
      if (notFound(error)) return null;
      throw this.#translate(error, key);
    }
  }

  async read({ key }: { key: string }): Promise<{ file: StoredFile; body: Buffer } | null> {
    const opened = await this.open({ key });
    if (!opened) return null;
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of opened.stream) chunks.push(chunk as Buffer);
    } catch (error) {
      throw this.#translate(error, key);
    }
    const body = Buffer.concat(chunks);
    if (createHash('sha256').update(body).digest('hex') !== opened.file.sha256) {
      throw new FileStoreChecksumError({ message: `The bytes read for ${key} do not match their SHA-256.`, details: { key } });
    }
    return { file: opened.file, body };
  }

  async delete({ key }: { key: string }): Promise<void> {
    const objectKey = this.#objectKey(key);
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: objectKey }));
    } catch (error) {
      if (notFound(error)) return;
      throw this.#translate(error, key);
    }
  }

  /** Closes the clients' connection pools. */
  close(): void {
    this.#client.destroy();
  }

  #objectKey(key: string): string {
    assertFileKey(key);
    return `${this.#prefix}${key}`;
  }

  #putInput(input: { objectKey: string; file: StoredFile; checksum: string; body: Buffer | Readable }): PutObjectCommandInput {
    return {
      Bucket: this.#bucket,
      Key: input.objectKey,
      Body: input.body,
      ContentLength: input.file.size,
      ContentType: input.file.contentType,
      ChecksumSHA256: input.checksum,
      Metadata: { [SHA256_META]: input.file.sha256 },
    };
  }

  // An object without our SHA-256 was not written by a FileStore: treated as absent, like a local file without its sidecar.
  #file(key: string, metadata: Record<string, string> | undefined, size: number | undefined, contentType: string | undefined): StoredFile | null {
    const sha256 = metadata?.[SHA256_META];
    if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256) || size === undefined) return null;
    return { key, size, sha256, contentType: contentType ?? 'application/octet-stream' };
  }

  #translate(error: unknown, key: string | null): TollgateError {
    if (error instanceof TollgateError) return error;
    const where = key === null ? `bucket ${this.#bucket}` : `${key} in bucket ${this.#bucket}`;
    const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
    // A HEAD answer has no body, so no S3 code: name the status instead.
    const code = ['Unknown', 'UnknownError'].includes(errorCode(error)) && status ? `HTTP ${status}` : errorCode(error);
    const details = { bucket: this.#bucket, ...(key === null ? {} : { key }), s3Code: code, ...(status ? { s3Status: status } : {}) };
    const init = { details, cause: error };
    if (AUTH_CODES.has(code) || status === 403) {
      return new FileStoreAuthError({ message: `The object store refused the credentials for ${where} (${code}).`, ...init });
    }
    if (code === 'NoSuchBucket' || (key === null && status === 404)) {
      return new FileStoreBucketMissingError({ message: `The bucket ${this.#bucket} does not exist.`, ...init });
    }
    if (CHECKSUM_CODES.has(code) || /checksum mismatch/i.test((error as Error)?.message ?? '')) {
      return new FileStoreChecksumError({ message: `The object store refused ${where}: the bytes do not match their checksum (${code}).`, ...init });
    }
    if (retryable(error) || (status !== undefined && status >= 500)) {
      return new FileStoreUnavailableError({ message: `The object store is not available for ${where} (${code}).`, ...init });
    }
    return new FileStoreRequestError({ message: `The object store refused a request for ${where} (${code}: ${(error as Error)?.message ?? ''}).`, ...init });
  }
}

function errorCode(error: unknown): string {
  if (error instanceof S3ServiceException) return (error as { Code?: string }).Code ?? error.name;
  const e = error as { code?: string; name?: string } | undefined;
  return e?.code ?? e?.name ?? 'Error';
}

function notFound(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'NoSuchKey' || code === 'NotFound';
}

function retryable(error: unknown): boolean {
  const e = error as { $retryable?: unknown; $metadata?: { httpStatusCode?: number }; code?: string; name?: string };
  const status = e?.$metadata?.httpStatusCode;
  if (e?.$retryable) return true;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  const code = errorCode(error);
  return (
    NETWORK_CODES.has(code) ||
    ['SlowDown', 'RequestTimeout', 'RequestTimeTooSkewed', 'TimeoutError', 'ThrottlingException'].includes(code) ||
    (!!e?.code && NETWORK_CODES.has(e.code))
  );
}
