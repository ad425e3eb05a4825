import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigError } from '@tollgate/errors';
import { TokenDecryptionError } from './teamleader.errors.js';
import type { TeamleaderTokens } from './token-store.js';

const FORMAT = 'tlt1';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface TokenCipherConfig {
  /** Key id → 32-byte key, base64. Keep old ids while tokens sealed with them may still be stored. */
  keys: Record<string, string>;
  /** The id new tokens are sealed with. */
  currentKeyId: string;
}

/**
 * Seals tokens for storage with AES-256-GCM. The envelope names its key id, so keys can rotate:
 * new seals use `currentKeyId`, old ones open while their key is still configured. The key id and
 * the connection id are authenticated (AAD), so a sealed value cannot be moved to another connection.
 */
export class TokenCipher {
  readonly currentKeyId: string;
  readonly #keys = new Map<string, Buffer>();

  constructor(config: TokenCipherConfig) {
    for (const [id, base64] of Object.entries(config.keys)) {
      if (!KEY_ID.test(id)) throw new ConfigError({ message: `Teamleader token key id "${id}" must be 1-32 of A-Z a-z 0-9 _ -.` });
      const key = BASE64.test(base64) ? Buffer.from(base64, 'base64') : Buffer.alloc(0);
      if (key.length !== 32) throw new ConfigError({ message: `Teamleader token key "${id}" must be 32 bytes, base64-encoded.` });
      this.#keys.set(id, key);
    }
    if (!this.#keys.has(config.currentKeyId)) {
      throw new ConfigError({ message: `Teamleader token key "${config.currentKeyId}" (currentKeyId) is not among the configured keys.` });
    }
    this.currentKeyId = config.currentKeyId;
  }

  /** A fresh random key, base64 (for config generation and tests). */
  static generateKey(): string {
    return randomBytes(32).toString('base64');
  }

  seal({ connectionId, tokens }: { connectionId: string; tokens: TeamleaderTokens }): string {
    const key = this.#keys.get(this.currentKeyId) as Buffer;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(this.currentKeyId, connectionId));
    const plain = JSON.stringify({ a: tokens.accessToken, r: tokens.refreshToken, e: tokens.expiresAt });
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [FORMAT, this.currentKeyId, b64(iv), b64(body), b64(cipher.getAuthTag())].join('.');
  }

  open({ connectionId, sealed }: { connectionId: string; sealed: string }): TeamleaderTokens {
    const parts = sealed.split('.');
    const [format, keyId, iv, body, tag] = parts;
    if (parts.length !== 5 || format !== FORMAT || !keyId || !iv || !body || !tag) {
      throw new TokenDecryptionError({ message: 'Stored Teamleader tokens are not in a known sealed format.' });
    }
    const key = this.#keys.get(keyId);
    if (!key) throw new TokenDecryptionError({ message: `Stored Teamleader tokens use key "${keyId}", which is not configured.` });
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(aad(keyId, connectionId));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const plain = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      const value = JSON.parse(plain) as { a: string; r: string; e: string };
      return { accessToken: value.a, refreshToken: value.r, expiresAt: value.e };
    } catch (error) {
      throw new TokenDecryptionError({ message: 'Stored Teamleader tokens failed authentication (tampered, or the wrong key).', cause: error });
    }
  }

  /** True when `sealed` was made with an older key (re-seal it on the next save). */
  isStale({ sealed }: { sealed: string }): boolean {
    return sealed.split('.')[1] !== this.currentKeyId;
  }
}

const aad = (keyId: string, connectionId: string) => Buffer.from(`${FORMAT}|${keyId}|${connectionId}`, 'utf8');
const b64 = (bytes: Buffer) => bytes.toString('base64url');
