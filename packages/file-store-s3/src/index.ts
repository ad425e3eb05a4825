// The FileStore on S3-compatible object storage (AWS S3, MinIO, Ceph, Scaleway, OVH): files under keys, with size and SHA-256.
export { S3FileStore, type S3FileStoreOptions } from './s3-file.store.js';
export {
  FileStoreAuthError,
  FileStoreBucketMissingError,
  FileStoreChecksumError,
  FileStoreRequestError,
  FileStoreUnavailableError,
} from './s3-file-store.errors.js';
