import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigError, TollgateError } from '@tollgate/errors';

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const FORMAT = /^[a-z][a-z0-9]{1,15}$/;

/** A sealed value that cannot be opened: unknown format, a key no longer configured, or tampered. */
export class SecretUnsealError extends TollgateError {
  constructor(input: { message: string; cause?: unknown }) {
    super({ status: 500, code: 'secret_unseal_failed', message: input.message, ...(input.cause !== undefined ? { cause: input.cause } : {}) });
  }
}

export interface SecretSealerConfig {
  /** Key id → 32-byte key, base64. Keep old ids while values sealed with them may still be stored. */
  keys: Readonly<Record<string, string>>;
  /** The id new values are sealed with. */
  currentKeyId: string;
  /** Names the envelope (first field), e.g. 'tts1': a value sealed for one purpose does not open for another. */
  format: string;
}

/**
 * Seals a secret (an API key, tokens) for storage with AES-256-GCM: the scheme of the Teamleader
 * tokens (`@tollgate/teamleader` TokenCipher), for any string. The envelope
 * `<format>.<keyId>.<iv>.<body>.<tag>` names its key id so keys can rotate; the format, the key id
 * and the record the value belongs to (`context`, e.g. the account id) are authenticated (AAD), so a
 * sealed value cannot be moved to another record.
 */
export class SecretSealer {
  readonly currentKeyId: string;
  readonly #format: string;
  readonly #keys = new Map<string, Buffer>();

  constructor(config: SecretSealerConfig) {
    if (!FORMAT.test(config.format)) throw new ConfigError({ message: `Sealing format "${config.format}" must be 2-16 of a-z 0-9, starting with a letter.` });
    this.#format = config.format;
    for (const [id, base64] of Object.entries(config.keys)) {
      if (!KEY_ID.test(id)) throw new ConfigError({ message: `Sealing key id "${id}" must be 1-32 of A-Z a-z 0-9 _ -.` });
      const key = BASE64.test(base64) ? Buffer.from(base64, 'base64') : Buffer.alloc(0);
      if (key.length !== 32) throw new ConfigError({ message: `Sealing key "${id}" must be 32 bytes, base64-encoded.` });
      this.#keys.set(id, key);
    }
    if (!this.#keys.has(config.currentKeyId))
      throw new ConfigError({ message: `Sealing key "${config.currentKeyId}" (currentKeyId) is not among the configured keys.` });
    this.currentKeyId = config.currentKeyId;
  }

  /** A fresh random key, base64 (for config generation and tests). */
  static generateKey(): string {
    return randomBytes(32).toString('base64');
  }

  seal(input: { context: string; secret: string }): string {
    const key = this.#keys.get(this.currentKeyId) as Buffer;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(this.#aad(this.currentKeyId, input.context));
    const body = Buffer.concat([cipher.update(input.secret, 'utf8'), cipher.final()]);
    return [this.#format, this.currentKeyId, b64(iv), b64(body), b64(cipher.getAuthTag())].join('.');
  }

  open(input: { context: string; sealed: string }): string {
    const parts = input.sealed.split('.');
    const [format, keyId, iv, body, tag] = parts;
    if (parts.length !== 5 || format !== this.#format || !keyId || !iv || body === undefined || !tag) {
      throw new SecretUnsealError({ message: 'The stored secret is not in a known sealed format.' });
    }
    const key = this.#keys.get(keyId);
    if (!key) throw new SecretUnsealError({ message: `The stored secret uses key "${keyId}", which is not configured.` });
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(this.#aad(keyId, input.context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new SecretUnsealError({ message: 'The stored secret failed authentication (tampered, or the wrong key).', cause: error });
    }
  }

  /** True when `sealed` was made with an older key (re-seal it on the next save). */
  isStale(input: { sealed: string }): boolean {
    return input.sealed.split('.')[1] !== this.currentKeyId;
  }

  #aad(keyId: string, context: string): Buffer {
    return Buffer.from(`${this.#format}|${keyId}|${context}`, 'utf8');
  }
}

const b64 = (bytes: Buffer) => bytes.toString('base64url');
