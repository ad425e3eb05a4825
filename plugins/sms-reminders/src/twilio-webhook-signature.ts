import { createHmac, timingSafeEqual } from 'node:crypto';
import twilio from 'twilio';

/** Form fields as Twilio signed them: a key sent several times keeps every value (an array). */
export type FormParams = Record<string, string | string[]>;

export const SIGNATURE_HEADER = 'x-twilio-signature';
/** Present when a Twilio Webhook Rule signs with a SharedKey instead of the auth token: `key=<id>,algorithm=HMAC_SHA256`. */
export const SIGNATURE_SETTINGS_HEADER = 'x-twilio-webhooks-signature-settings';

const ALGORITHMS: Record<string, 'sha1' | 'sha256'> = { HMAC_SHA1: 'sha1', HMAC_SHA256: 'sha256' };

/** A form-encoded body, repeated keys kept as arrays (URLSearchParams → Object.fromEntries would keep only the last value). */
export function parseForm(raw: string): FormParams {
  const params: FormParams = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    const seen = params[name];
    params[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

/** The first value of a field (a repeated field's first one). */
export function firstValue(params: FormParams, name: string): string | undefined {
  const value = params[name];
  return Array.isArray(value) ? value[0] : value;
}

export type SignatureCheck = { valid: true; scheme: 'auth-token' | 'shared-key' } | { valid: false; reason: string };

/**
 * Checks a Twilio webhook's `X-Twilio-Signature` under either scheme:
 * - no `X-Twilio-Webhooks-Signature-Settings` header: HMAC-SHA1 with the auth token (the SDK's `validateRequest`);
 * - with it: the header's algorithm (HMAC_SHA256 or HMAC_SHA1) keyed with the SharedKey secret named by `key=`.
 * The signed string is the same in both (URL, then each field name + value sorted by name, a repeated
 * field's distinct values sorted). twilio-node 6.2 has no SHA-256 variant, so that hash is computed here
 * over the SDK's own string rules.
 */
export function checkTwilioSignature(input: {
  authToken: string;
  sharedKeys: Readonly<Record<string, string>>;
  signature: string | undefined;
  settings: string | undefined;
  url: string;
  params: FormParams;
}): SignatureCheck {
  const signature = input.signature ?? '';
  if (!signature) return { valid: false, reason: 'signature_missing' };
  if (input.settings === undefined || input.settings.trim() === '') {
    return twilio.validateRequest(input.authToken, signature, input.url, input.params)
      ? { valid: true, scheme: 'auth-token' }
      : { valid: false, reason: 'signature_mismatch' };
  }
  const settings = parseSettings(input.settings);
  const algorithm = ALGORITHMS[settings.algorithm ?? ''];
  if (!algorithm) return { valid: false, reason: 'unsupported_algorithm' };
  const secret = settings.key === undefined ? undefined : input.sharedKeys[settings.key];
  if (!secret) return { valid: false, reason: 'unknown_shared_key' };
  const ok = urlVariants(input.url).some((url) => safeEqual(signature, sign({ algorithm, secret, url, params: input.params })));
  return ok ? { valid: true, scheme: 'shared-key' } : { valid: false, reason: 'signature_mismatch' };
}

/** base64(HMAC(secret, url + sorted fields)): what Twilio sends in `X-Twilio-Signature`. */
export function sign(input: { algorithm: 'sha1' | 'sha256'; secret: string; url: string; params: FormParams }): string {
  let data = input.url;
  for (const name of Object.keys(input.params).sort()) {
    const value = input.params[name]!;
    // As twilio-node's getExpectedTwilioSignature: distinct values, sorted.
    for (const one of Array.isArray(value) ? [...new Set(value)].sort() : [value]) data += name + one;
  }
  return createHmac(input.algorithm, input.secret).update(Buffer.from(data, 'utf8')).digest('base64');
}

function parseSettings(header: string): { key?: string; algorithm?: string } {
  const out: { key?: string; algorithm?: string } = {};
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const name = part.slice(0, at).trim().toLowerCase();
    const value = part.slice(at + 1).trim();
    if (name === 'key') out.key = value;
    if (name === 'algorithm') out.algorithm = value.toUpperCase();
  }
  return out;
}

/** The URL as given, and with the default port added or removed (the SDK tries the same). */
function urlVariants(url: string): string[] {
  const match = /^(https?:\/\/)([^/?#:]+)(:\d+)?(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme, host, port, rest] = match;
  const standard = scheme!.toLowerCase() === 'https://' ? ':443' : ':80';
  return port ? [url, port === standard ? `${scheme}${host}${rest}` : url] : [url, `${scheme}${host}${standard}${rest}`];
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
