import { createHmac } from 'node:crypto';

/**
 * The `X-Twilio-Signature` of a callback (or with `algorithm: 'HMAC_SHA256'` and a SharedKey secret, Twilio's
 * Webhook Setting scheme, announced by `X-Twilio-Webhooks-Signature-Settings: key=<id>,algorithm=HMAC_SHA256`): base64(HMAC-SHA1(authToken, url + each POST parameter, sorted by
 * name, as name + value)), which the SDK's `validateRequest(authToken, signature, url, params)` accepts.
 * A parameter with several values contributes each distinct value, sorted. For a GET, pass the full URL
 * (query included) and no params.
 */
export function signTwilioRequest(input: {
  authToken: string;
  url: string;
  params?: Record<string, string | string[]>;
  /** HMAC_SHA256 for a SharedKey of a Twilio Webhook Setting (then `authToken` is that key's secret). Default HMAC_SHA1. */
  algorithm?: 'HMAC_SHA1' | 'HMAC_SHA256';
}): string {
  const params = input.params ?? {};
  let data = input.url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name]!;
    const values = Array.isArray(value) ? [...new Set(value)].sort() : [value];
    for (const one of values) data += name + one;
  }
  return createHmac(input.algorithm === 'HMAC_SHA256' ? 'sha256' : 'sha1', input.authToken)
    .update(Buffer.from(data, 'utf8'))
    .digest('base64');
}
