import { createHmac } from 'node:crypto';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { checkTwilioSignature, firstValue, parseForm } from './twilio-webhook-signature.js';

// Twilio's documented example (docs "Webhooks security", the helper libraries' tests): auth token 12345.
const URL_ = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const PARAMS = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };
const DOCS_SIGNATURE = '0/KCTR6DLpKmkAf8muzZqo1nDgQ=';

const check = (input: Partial<Parameters<typeof checkTwilioSignature>[0]>) =>
  checkTwilioSignature({ authToken: '12345', sharedKeys: {}, signature: undefined, settings: undefined, url: URL_, params: PARAMS, ...input });

describe('Twilio webhook signatures', () => {
  it("accepts Twilio's documented HMAC-SHA1 example, as the SDK does, and nothing else", () => {
    expect(twilio.validateRequest('12345', DOCS_SIGNATURE, URL_, PARAMS)).toBe(true);
    expect(twilio.getExpectedTwilioSignature('12345', URL_, PARAMS)).toBe(DOCS_SIGNATURE);
    expect(check({ signature: DOCS_SIGNATURE })).toEqual({ valid: true, scheme: 'auth-token' });
    expect(check({ signature: DOCS_SIGNATURE, params: { ...PARAMS, Digits: '1235' } })).toEqual({ valid: false, reason: 'signature_mismatch' });
    expect(check({ signature: DOCS_SIGNATURE, authToken: '54321' })).toMatchObject({ valid: false });
    expect(check({ signature: undefined })).toEqual({ valid: false, reason: 'signature_missing' });
  });

  it('SharedKey scheme: HMAC-SHA256 with the secret named by X-Twilio-Webhooks-Signature-Settings, over the same string', () => {
    const secret = 'shared-key-secret';
    const data = URL_ + 'CallSidCA1234567890ABCDECaller+12349013030Digits1234From+12349013030To+18005551212';
    const expected = createHmac('sha256', secret).update(data).digest('base64');
    // Computed apart from the SDK: the SDK's HMAC_SHA256 signs the same string.
    expect(twilio.getExpectedTwilioSignature(secret, URL_, PARAMS, 'HMAC_SHA256')).toBe(expected);
    const settings = 'key=HK0123,algorithm=HMAC_SHA256';
    expect(check({ signature: expected, settings, sharedKeys: { HK0123: secret } })).toEqual({ valid: true, scheme: 'shared-key' });
    // Spaces and case in the header are tolerated; the key id must be configured.
    expect(check({ signature: expected, settings: ' key=HK0123 , algorithm=hmac_sha256', sharedKeys: { HK0123: secret } })).toMatchObject({ valid: true });
    expect(check({ signature: expected, settings, sharedKeys: { HKother: secret } })).toEqual({ valid: false, reason: 'unknown_shared_key' });
    expect(check({ signature: expected, settings: 'key=HK0123,algorithm=HMAC_MD5', sharedKeys: { HK0123: secret } })).toEqual({
      valid: false,
      reason: 'unsupported_algorithm',
    });
    // The auth token's SHA-1 signature does not pass as a SharedKey one, nor the SharedKey one without its header.
    expect(check({ signature: DOCS_SIGNATURE, settings, sharedKeys: { HK0123: secret } })).toMatchObject({ valid: false });
    expect(check({ signature: expected, sharedKeys: { HK0123: secret } })).toMatchObject({ valid: false });
    // HMAC_SHA1 with a SharedKey is the same string, the other hash.
    const sha1 = createHmac('sha1', secret).update(data).digest('base64');
    expect(check({ signature: sha1, settings: 'key=HK0123,algorithm=HMAC_SHA1', sharedKeys: { HK0123: secret } })).toMatchObject({ valid: true });
  });

  it('a repeated form key keeps every value, and the signature covers them all (sorted)', () => {
    const raw = 'MessageSid=SM1&ErrorCode=30008&MessageStatus=failed&ErrorCode=30003';
    const params = parseForm(raw);
    expect(params).toEqual({ MessageSid: 'SM1', ErrorCode: ['30008', '30003'], MessageStatus: 'failed' });
    expect(firstValue(params, 'ErrorCode')).toBe('30008');
    const url = 'https://tollgate.example/v1/plugins/sms-reminders/status-callbacks';
    const signature = createHmac('sha1', 'tok').update(`${url}ErrorCode30003ErrorCode30008MessageSidSM1MessageStatusfailed`).digest('base64');
    expect(checkTwilioSignature({ authToken: 'tok', sharedKeys: {}, signature, settings: undefined, url, params })).toMatchObject({ valid: true });
    // The old reading (last value wins) does not match what was signed.
    const lastOnly = Object.fromEntries(new URLSearchParams(raw));
    expect(checkTwilioSignature({ authToken: 'tok', sharedKeys: {}, signature, settings: undefined, url, params: lastOnly })).toMatchObject({ valid: false });
    const sha256 = createHmac('sha256', 's').update(`${url}ErrorCode30003ErrorCode30008MessageSidSM1MessageStatusfailed`).digest('base64');
    expect(
      checkTwilioSignature({ authToken: 'tok', sharedKeys: { K: 's' }, signature: sha256, settings: 'key=K,algorithm=HMAC_SHA256', url, params }),
    ).toMatchObject({
      valid: true,
    });
  });

  it('the URL is also tried with the default port added or removed, as the SDK does', () => {
    const secret = 's';
    const signed = twilio.getExpectedTwilioSignature(secret, 'https://mycompany.com:443/myapp.php?foo=1&bar=2', PARAMS, 'HMAC_SHA256');
    expect(check({ signature: signed, settings: 'key=K,algorithm=HMAC_SHA256', sharedKeys: { K: secret } })).toMatchObject({ valid: true });
  });
});
