import { describe, expect, it } from 'vitest';
import { signTwilioRequest } from './twilio-signature.js';

describe('signTwilioRequest', () => {
  it("reproduces Twilio's documented example signature", () => {
    const signature = signTwilioRequest({
      authToken: '12345',
      url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
      params: { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' },
    });
    expect(signature).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  it('sorts parameters by name, so their order does not matter, and the token and URL do', () => {
    const params = { To: '+18005551212', From: '+12349013030', Digits: '1234', Caller: '+12349013030', CallSid: 'CA1234567890ABCDE' };
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    expect(signTwilioRequest({ authToken: '12345', url, params })).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
    expect(signTwilioRequest({ authToken: '54321', url, params })).not.toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
    expect(signTwilioRequest({ authToken: '12345', url: 'https://mycompany.com/myapp.php', params })).not.toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  it('signs repeated parameters value by value, sorted, as the SDK validates them', () => {
    const url = 'https://example.test/cb';
    expect(signTwilioRequest({ authToken: 't', url, params: { A: ['2', '1', '2'] } })).toBe(signTwilioRequest({ authToken: 't', url: `${url}A1A2` }));
  });
});
