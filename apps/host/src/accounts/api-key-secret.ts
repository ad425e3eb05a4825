import { createHash, randomBytes } from 'node:crypto';

/** Account keys start with tgk_, platform admin keys with tga_; 32 base64url chars of randomness follow. */
export function newKeySecret(kind: 'account' | 'admin'): { key: string; prefix: string; hash: string } {
  const key = `${kind === 'admin' ? 'tga' : 'tgk'}_${randomBytes(24).toString('base64url')}`;
  return { key, prefix: key.slice(0, 10), hash: hashKey(key) };
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function looksLikeKey(value: string): boolean {
  return /^tg[ka]_[A-Za-z0-9_-]{32}$/.test(value);
}
