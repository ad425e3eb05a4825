import { ConfigError } from '@tollgate/errors';
import { describe, expect, it } from 'vitest';
import { TokenDecryptionError } from './teamleader.errors.js';
import { TokenCipher } from './token-cipher.js';

const tokens = { accessToken: 'access-1', refreshToken: 'refresh-1', expiresAt: '2026-01-01T01:00:00.000Z' };
const keyA = TokenCipher.generateKey();
const keyB = TokenCipher.generateKey();

describe('TokenCipher', () => {
  it('round-trips tokens and never shows them in the sealed text', () => {
    const cipher = new TokenCipher({ keys: { a: keyA }, currentKeyId: 'a' });
    const sealed = cipher.seal({ connectionId: 'conn-1', tokens });
    expect(sealed).toMatch(/^tlt1\.a\./);
    expect(sealed).not.toContain('access-1');
    expect(sealed).not.toContain('refresh-1');
    expect(cipher.open({ connectionId: 'conn-1', sealed })).toEqual(tokens);
    // A fresh IV every time.
    expect(cipher.seal({ connectionId: 'conn-1', tokens })).not.toBe(sealed);
  });

  it('rejects any tampered part', () => {
    const cipher = new TokenCipher({ keys: { a: keyA }, currentKeyId: 'a' });
    const sealed = cipher.seal({ connectionId: 'conn-1', tokens });
    const parts = sealed.split('.');
    for (const index of [2, 3, 4]) {
      const bytes = Buffer.from(parts[index] as string, 'base64url');
      bytes[0] = (bytes[0] as number) ^ 0x01;
      const tampered = parts.map((part, i) => (i === index ? bytes.toString('base64url') : part)).join('.');
      expect(() => cipher.open({ connectionId: 'conn-1', sealed: tampered })).toThrow(TokenDecryptionError);
    }
    expect(() => cipher.open({ connectionId: 'conn-1', sealed: 'garbage' })).toThrow(TokenDecryptionError);
  });

  it('rejects the wrong key, an unknown key id and another connection', () => {
    const sealed = new TokenCipher({ keys: { a: keyA }, currentKeyId: 'a' }).seal({ connectionId: 'conn-1', tokens });
    expect(() => new TokenCipher({ keys: { a: keyB }, currentKeyId: 'a' }).open({ connectionId: 'conn-1', sealed })).toThrow(TokenDecryptionError);
    expect(() => new TokenCipher({ keys: { b: keyA }, currentKeyId: 'b' }).open({ connectionId: 'conn-1', sealed })).toThrow(/key "a"/);
    // Bound to its connection: a row copied to another connection does not open.
    expect(() => new TokenCipher({ keys: { a: keyA }, currentKeyId: 'a' }).open({ connectionId: 'conn-2', sealed })).toThrow(TokenDecryptionError);
    // Renaming the key id in the envelope breaks authentication too.
    const renamed = sealed.replace(/^tlt1\.a\./, 'tlt1.b.');
    expect(() => new TokenCipher({ keys: { a: keyA, b: keyA }, currentKeyId: 'a' }).open({ connectionId: 'conn-1', sealed: renamed })).toThrow(
      TokenDecryptionError,
    );
  });

  it('rotates keys: old seals still open, new seals use the current key', () => {
    const old = new TokenCipher({ keys: { a: keyA }, currentKeyId: 'a' });
    const sealed = old.seal({ connectionId: 'conn-1', tokens });
    const rotated = new TokenCipher({ keys: { a: keyA, b: keyB }, currentKeyId: 'b' });
    expect(rotated.open({ connectionId: 'conn-1', sealed })).toEqual(tokens);
    expect(rotated.isStale({ sealed })).toBe(true);
    const resealed = rotated.seal({ connectionId: 'conn-1', tokens });
    expect(resealed).toMatch(/^tlt1\.b\./);
    expect(rotated.isStale({ sealed: resealed })).toBe(false);
  });

  it('refuses keys that are not 32 bytes of base64, and an unknown current key', () => {
    expect(() => new TokenCipher({ keys: { a: Buffer.alloc(31).toString('base64') }, currentKeyId: 'a' })).toThrow(ConfigError);
    expect(() => new TokenCipher({ keys: { a: 'not base64!' }, currentKeyId: 'a' })).toThrow(ConfigError);
    expect(() => new TokenCipher({ keys: { 'a.b': keyA }, currentKeyId: 'a.b' })).toThrow(ConfigError);
    expect(() => new TokenCipher({ keys: { a: keyA }, currentKeyId: 'b' })).toThrow(ConfigError);
  });

  it('opens tokens sealed before it used the SDK SecretSealer (a stored connection keeps working)', () => {
    // Sealed by the previous implementation, with a key of 32 bytes of 7.
    const sealed = 'tlt1.k1.5vrRIYaNtG44VW6O.74tQxTOns--0FU5wj5rw5a8bLqhrtPy46A0BSDD4o4H5g77GQIjyKlPfHZrpGbiu3fXvpxK4.utt2XWT8l4x0zEVkt2mAzA';
    const cipher = new TokenCipher({ keys: { k1: Buffer.alloc(32, 7).toString('base64') }, currentKeyId: 'k1' });
    expect(cipher.open({ connectionId: 'conn-1', sealed })).toEqual({ accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: '2026-12-06T10:00:00.000Z' });
    expect(() => cipher.open({ connectionId: 'conn-2', sealed })).toThrow(TokenDecryptionError);
  });
});
