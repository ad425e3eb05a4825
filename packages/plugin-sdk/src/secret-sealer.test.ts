import { describe, expect, it } from 'vitest';
import { SecretSealer } from './secret-sealer.js';

const k1 = SecretSealer.generateKey();
const k2 = SecretSealer.generateKey();

describe('SecretSealer', () => {
  it('opens what it sealed, for the same context only', () => {
    const sealer = new SecretSealer({ keys: { k1 }, currentKeyId: 'k1', format: 'tts1' });
    const sealed = sealer.seal({ context: 'acc_1', secret: 'customer-key-123' });
    expect(sealed.startsWith('tts1.k1.')).toBe(true);
    expect(sealed).not.toContain('customer-key-123');
    expect(sealer.open({ context: 'acc_1', sealed })).toBe('customer-key-123');
    expect(() => sealer.open({ context: 'acc_2', sealed })).toThrow(/failed authentication/);
  });

  it('rotates keys: old values open while their key is configured, and are stale', () => {
    const old = new SecretSealer({ keys: { k1 }, currentKeyId: 'k1', format: 'tts1' });
    const sealed = old.seal({ context: 'acc_1', secret: 's' });
    const rotated = new SecretSealer({ keys: { k1, k2 }, currentKeyId: 'k2', format: 'tts1' });
    expect(rotated.open({ context: 'acc_1', sealed })).toBe('s');
    expect(rotated.isStale({ sealed })).toBe(true);
    expect(() => new SecretSealer({ keys: { k2 }, currentKeyId: 'k2', format: 'tts1' }).open({ context: 'acc_1', sealed })).toThrow(/not configured/);
  });

  it('refuses another format, a tampered body and bad keys', () => {
    const sealer = new SecretSealer({ keys: { k1 }, currentKeyId: 'k1', format: 'tts1' });
    const sealed = sealer.seal({ context: 'a', secret: 'secret' });
    expect(() => new SecretSealer({ keys: { k1 }, currentKeyId: 'k1', format: 'other' }).open({ context: 'a', sealed })).toThrow(/known sealed format/);
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => sealer.open({ context: 'a', sealed: parts.join('.') })).toThrow(/failed authentication/);
    expect(() => new SecretSealer({ keys: { k1: 'short' }, currentKeyId: 'k1', format: 'tts1' })).toThrow(/32 bytes/);
    expect(() => new SecretSealer({ keys: { k1 }, currentKeyId: 'k9', format: 'tts1' })).toThrow(/currentKeyId/);
  });
});
