import { ValidationError } from '@tollgate/errors';

const KEY = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/**
 * The keys every FileStore accepts: segments of letters, digits, '.', '_' and '-' joined by '/',
 * no '.' or '..' segment, and not ending in '.meta.json' or '.tmp' (the local store's own files).
 * Checked the same way by every store, so a key that works locally works on S3 and back.
 */
export function assertFileKey(key: string): void {
  if (!KEY.test(key) || key.split('/').some((part) => part === '.' || part === '..') || key.endsWith('.meta.json') || key.endsWith('.tmp')) {
    throw new ValidationError({ message: `Invalid file key: ${JSON.stringify(key)}.`, details: { key } });
  }
}
