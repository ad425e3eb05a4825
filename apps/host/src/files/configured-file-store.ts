import { join } from 'node:path';
import { ConfigError, isTollgateError } from '@tollgate/errors';
import { S3FileStore } from '@tollgate/file-store-s3';
import { LocalFileStore, type FileStore } from '@tollgate/files';
import type { HostConfig } from '../config/host-config.js';

/** The host's FileStore as the config says (`files.driver`), and how to let go of it when the host closes. */
export interface ConfiguredFileStore {
  store: FileStore;
  /** Where files go, for the start-up log: a folder, or s3://bucket/prefix at the endpoint. */
  describe: string;
  close(): void;
}

/**
 * Opens the configured file store. With the s3 driver the bucket is checked (HeadBucket) unless
 * `check` is false: a missing bucket, refused credentials or an unreachable endpoint stop the start
 * with a ConfigError that says which, instead of failing the first upload.
 */
export async function openConfiguredFileStore(config: HostConfig, input: { check?: boolean } = {}): Promise<ConfiguredFileStore> {
  const files = config.files;
  if (files.driver !== 's3') {
    const root = files.root ?? join(config.database.dataDir, 'files');
    return { store: new LocalFileStore({ root }), describe: root, close: () => undefined };
  }
  const store = new S3FileStore({
    ...(files.endpoint ? { endpoint: files.endpoint } : {}),
    region: files.region,
    bucket: files.bucket,
    accessKeyId: files.accessKeyId,
    secretAccessKey: files.secretAccessKey,
    forcePathStyle: files.forcePathStyle,
    ...(files.prefix ? { prefix: files.prefix } : {}),
  });
  const describe = `s3://${files.bucket}/${files.prefix ? `${files.prefix}/` : ''} at ${files.endpoint ?? `AWS S3 ${files.region}`}`;
  if (input.check ?? true) {
    try {
      await store.check();
    } catch (cause) {
      store.close();
      const code = isTollgateError(cause) ? cause.code : 'file_store_unavailable';
      const why =
        code === 'file_store_bucket_missing'
          ? `the bucket "${files.bucket}" does not exist (create it, or fix files.bucket)`
          : code === 'file_store_auth_failed'
            ? 'the access key was refused (check files.accessKeyId / files.secretAccessKey or FILES_S3_ACCESS_KEY_ID / FILES_S3_SECRET_ACCESS_KEY, files.region, and the clock)'
            : 'the endpoint could not be reached or kept failing (check files.endpoint and the network)';
      throw new ConfigError({ code: 'file_store_unusable', message: `config files (driver s3, ${describe}): ${why}: ${(cause as Error).message}`, cause });
    }
  }
  return { store, describe, close: () => store.close() };
}
