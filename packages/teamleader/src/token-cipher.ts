import { ConfigError } from '@tollgate/errors';
import { SecretSealer, SecretUnsealError } from '@tollgate/plugin-sdk';
import { TokenDecryptionError } from './teamleader.errors.js';
import type { TeamleaderTokens } from './token-store.js';

// The envelope `tlt1.<keyId>.<iv>.<body>.<tag>` is SecretSealer's with this format: values sealed
// before TokenCipher used it open unchanged.
const FORMAT = 'tlt1';

export interface TokenCipherConfig {
  /** Key id → 32-byte key, base64. Keep old ids while tokens sealed with them may still be stored. */
  keys: Record<string, string>;
  /** The id new tokens are sealed with. */
  currentKeyId: string;
}

/**
 * Seals tokens for storage with AES-256-GCM (the SDK's SecretSealer). The envelope names its key
 * id, so keys can rotate: new seals use `currentKeyId`, old ones open while their key is still
 * configured. The key id and the connection id are authenticated (AAD), so a sealed value cannot be
 * moved to another connection.
 */
export class TokenCipher {
  readonly #sealer: SecretSealer;

  constructor(config: TokenCipherConfig) {
    try {
      this.#sealer = new SecretSealer({ keys: config.keys, currentKeyId: config.currentKeyId, format: FORMAT });
    } catch (error) {
      if (error instanceof ConfigError) throw new ConfigError({ message: `Teamleader tokens: ${error.message}` });
      throw error;
    }
  }

  get currentKeyId(): string {
    return this.#sealer.currentKeyId;
  }

  /** A fresh random key, base64 (for config generation and tests). */
  static generateKey(): string {
    return SecretSealer.generateKey();
  }

  seal({ connectionId, tokens }: { connectionId: string; tokens: TeamleaderTokens }): string {
    const secret = JSON.stringify({ a: tokens.accessToken, r: tokens.refreshToken, e: tokens.expiresAt });
    return this.#sealer.seal({ context: connectionId, secret });
  }

  open({ connectionId, sealed }: { connectionId: string; sealed: string }): TeamleaderTokens {
    try {
      const value = JSON.parse(this.#sealer.open({ context: connectionId, sealed })) as { a: string; r: string; e: string };
      return { accessToken: value.a, refreshToken: value.r, expiresAt: value.e };
    } catch (error) {
      const reason = error instanceof SecretUnsealError ? error.message : 'the sealed value is not tokens.';
      throw new TokenDecryptionError({ message: `Stored Teamleader tokens: ${reason}`, cause: error });
    }
  }

  /** True when `sealed` was made with an older key (re-seal it on the next save). */
  isStale({ sealed }: { sealed: string }): boolean {
    return this.#sealer.isStale({ sealed });
  }
}
