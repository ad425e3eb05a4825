import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from './index.js';

const T = 1_773_057_600;
const now = () => new Date(T * 1000);

describe('webhook signature', () => {
  it('signs t.body with HMAC-SHA256 keyed by the whole secret string', () => {
    const body = '{"id":"evt_1"}';
    const expected = createHmac('sha256', 'whsec_abc').update(`${T}.${body}`).digest('hex');
    expect(signWebhook({ secret: 'whsec_abc', timestamp: T, body })).toBe(`t=${T},v1=${expected}`);
    expect(signWebhook({ secret: ['whsec_a', 'whsec_b'], timestamp: T, body }).split(',')).toHaveLength(3);
    expect(() => signWebhook({ secret: 'whsec_abc', timestamp: 1.5, body })).toThrow(RangeError);
    expect(() => signWebhook({ secret: '', timestamp: T, body })).toThrow(RangeError);
  });

  it('tells valid, invalid, missing, expired and unchecked apart', () => {
    const body = '{"id":"evt_1"}';
    const header = signWebhook({ secret: 'whsec_abc', timestamp: T, body });
    const verify = (input: { header?: string; body?: string; secrets?: string[]; toleranceSeconds?: number }) =>
      verifyWebhookSignature({
        header: input.header,
        body: input.body ?? body,
        secrets: input.secrets ?? ['whsec_abc'],
        now,
        toleranceSeconds: input.toleranceSeconds,
      });
    expect(verify({ header })).toBe('valid');
    expect(verify({ header, body: `${body} ` })).toBe('invalid');
    expect(verify({ header, secrets: [] })).toBe('unchecked');
    expect(verify({})).toBe('missing');
    expect(verify({ header: ' ' })).toBe('missing');
    expect(verify({ header: 'garbage' })).toBe('invalid');
    expect(verify({ header: header.replace(/^t=\d+,/, '') })).toBe('invalid'); // no t
    expect(verify({ header: `t=${T},${header}` })).toBe('invalid'); // two t
    expect(verify({ header: `${header.slice(0, -2)}` })).toBe('invalid'); // a v1 cut short
    expect(verify({ header: `${header},v0=abc,v1=zz` })).toBe('valid'); // other schemes and junk v1 are ignored
    const old = signWebhook({ secret: 'whsec_abc', timestamp: T - 11, body });
    expect(verify({ header: old, toleranceSeconds: 10 })).toBe('expired');
    expect(verify({ header: old, toleranceSeconds: 11 })).toBe('valid');
    expect(verify({ header: signWebhook({ secret: 'whsec_x', timestamp: T - 11, body }), toleranceSeconds: 10 })).toBe('invalid');
  });
});
