import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, newWebhookSecret, signatureHeader } from './webhook-signature.js';

const hmac = (secret: string, payload: string) => createHmac('sha256', secret).update(payload, 'utf8').digest('hex');

describe('signatureHeader', () => {
  const body = '{"id":"evt_1","type":"wallet.charged","data":{"amount":"0.12","note":"café ✓"}}';
  const secret = 'whsec_test_secret_one';

  it('signs `${t}.${body}` with HMAC-SHA256 keyed with the whole secret', () => {
    const header = signatureHeader({ secrets: [secret], timestamp: new Date('2026-12-06T09:15:02.000Z'), body });
    const t = 1796548502; // 2026-12-06T09:15:02Z
    expect(Date.UTC(2026, 11, 6, 9, 15, 2) / 1000).toBe(t);
    expect(header).toBe(`t=${t},v1=${hmac(secret, `${t}.${body}`)}`);
    // A known vector (computed with `openssl dgst -sha256 -hmac whsec_test_secret_one`), not only "the same code twice".
    expect(signatureHeader({ secrets: [secret], timestamp: new Date(t * 1000), body: '{}' })).toBe(
      't=1796548502,v1=1df2b5dfba8c174507547a9e7e46642b4b04fe39ebe73db153865d39365fe4b1',
    );
  });

  it('signs with each secret, in order, under one timestamp', () => {
    const previous = 'whsec_previous';
    const header = signatureHeader({ secrets: [secret, previous], timestamp: new Date('2026-12-06T09:15:02.000Z'), body });
    const parts = header.split(',');
    expect(parts).toEqual(['t=1796548502', `v1=${hmac(secret, `1796548502.${body}`)}`, `v1=${hmac(previous, `1796548502.${body}`)}`]);
    expect(parts[1]).not.toBe(parts[2]);
  });

  it('takes the timestamp in whole seconds, rounded down', () => {
    const at = (iso: string) => signatureHeader({ secrets: [secret], timestamp: new Date(iso), body }).split(',')[0];
    expect(at('2026-12-06T09:15:02.999Z')).toBe('t=1796548502');
    expect(at('2026-12-06T09:15:02.001Z')).toBe('t=1796548502');
    expect(at('2026-12-06T09:15:03.000Z')).toBe('t=1796548503');
    const header = signatureHeader({ secrets: [secret], timestamp: new Date('2026-12-06T09:15:02.999Z'), body });
    expect(header).toBe(`t=1796548502,v1=${hmac(secret, `1796548502.${body}`)}`);
  });

  it('changes with the body, the timestamp and the secret', () => {
    const base = signatureHeader({ secrets: [secret], timestamp: new Date(1_000_000_000_000), body });
    expect(signatureHeader({ secrets: [secret], timestamp: new Date(1_000_000_000_000), body: `${body} ` })).not.toBe(base);
    expect(signatureHeader({ secrets: [secret], timestamp: new Date(1_000_000_001_000), body }).split(',')[1]).not.toBe(base.split(',')[1]);
    expect(signatureHeader({ secrets: [`${secret}x`], timestamp: new Date(1_000_000_000_000), body })).not.toBe(base);
  });

  it('is sent as Tollgate-Signature', () => {
    expect(SIGNATURE_HEADER).toBe('Tollgate-Signature');
  });
});

describe('newWebhookSecret', () => {
  it('is whsec_ and 24 random bytes in base64url, different every time', () => {
    const secrets = new Set(Array.from({ length: 50 }, () => newWebhookSecret()));
    expect(secrets.size).toBe(50);
    for (const s of secrets) expect(s).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
  });
});
