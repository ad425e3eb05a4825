import twilio from 'twilio';

/** Form fields as Twilio signed them: a key sent several times keeps every value (an array). */
export type FormParams = Record<string, string | string[]>;

export const SIGNATURE_HEADER = 'x-twilio-signature';
/** Present when a Twilio Webhook Rule signs with a SharedKey instead of the auth token: `key=<id>,algorithm=HMAC_SHA256`. */
export const SIGNATURE_SETTINGS_HEADER = 'x-twilio-webhooks-signature-settings';

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

const ALGORITHMS = new Set([twilio.HMAC_SHA1, twilio.HMAC_SHA256]);

/**
 * Checks a Twilio webhook's `X-Twilio-Signature` under either scheme, with the SDK's `validateRequest`:
 * - no `X-Twilio-Webhooks-Signature-Settings` header: HMAC-SHA1 with the auth token;
 * - with it: the header's algorithm (HMAC_SHA256 or HMAC_SHA1) keyed with the SharedKey secret named by `key=`.
 * The signed string is the same in both: the URL, then each field name + value sorted by name.
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
  const algorithm = twilio.getSignatureAlgorithm(input.settings).toUpperCase();
  // Checked here too: the SDK would only log a warning and fail, and the operator needs the reason.
  if (!ALGORITHMS.has(algorithm)) return { valid: false, reason: 'unsupported_algorithm' };
  const key = keyOf(input.settings);
  const secret = key === undefined ? undefined : input.sharedKeys[key];
  if (!secret) return { valid: false, reason: 'unknown_shared_key' };
  return twilio.validateRequest(secret, signature, input.url, input.params, algorithm)
    ? { valid: true, scheme: 'shared-key' }
    : { valid: false, reason: 'signature_mismatch' };
}

/** The SharedKey id of a settings header (`key=<id>,algorithm=…`); the SDK reads only the algorithm. */
function keyOf(header: string): string | undefined {
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    if (at >= 0 && part.slice(0, at).trim().toLowerCase() === 'key') return part.slice(at + 1).trim() || undefined;
  }
  return undefined;
}
