import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a receiver concluded about a delivery's `Tollgate-Signature` header. */
export type SignatureStatus = 'valid' | 'invalid' | 'missing' | 'expired' | 'unchecked';

export const SIGNATURE_HEADER = 'Tollgate-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * The `Tollgate-Signature` value for one delivery: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`.
 * Several secrets (a rotation: new and old) give one v1 each, in the order given.
 */
export function signWebhook(input: { secret: string | readonly string[]; timestamp: number; body: string }): string {
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0) throw new RangeError(`timestamp must be whole unix seconds, got ${input.timestamp}`);
  const secrets = typeof input.secret === 'string' ? [input.secret] : input.secret;
  if (secrets.length === 0 || secrets.some((secret) => typeof secret !== 'string' || secret === '')) throw new RangeError('secret must be a non-empty string');
  return [`t=${input.timestamp}`, ...secrets.map((secret) => `v1=${hmac(secret, input.timestamp, input.body)}`)].join(',');
}

/**
 * Checks a `Tollgate-Signature` header: valid when any v1 matches any secret. A correct signature whose
 * `t` is more than `toleranceSeconds` from `now` is `expired` (a replay), so the clock is checked last.
 */
export function verifyWebhookSignature(input: {
  header: string | undefined | null;
  body: string;
  secrets: readonly string[];
  now?: () => Date;
  toleranceSeconds?: number;
}): SignatureStatus {
  if (input.secrets.length === 0) return 'unchecked';
  if (input.header === undefined || input.header === null || input.header.trim() === '') return 'missing';
  const parsed = parseSignatureHeader(input.header);
  if (!parsed) return 'invalid';
  const expected = input.secrets.map((secret) => Buffer.from(hmac(secret, parsed.timestamp, input.body), 'hex'));
  const matches = parsed.signatures.some((given) => expected.some((wanted) => wanted.length === given.length && timingSafeEqual(wanted, given)));
  if (!matches) return 'invalid';
  const nowSeconds = Math.floor((input.now ?? (() => new Date()))().getTime() / 1000);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  return Math.abs(nowSeconds - parsed.timestamp) > tolerance ? 'expired' : 'valid';
}

/** `t` and every well-formed v1 (other schemes are ignored, as a newer sender may add them); null when unusable. */
export function parseSignatureHeader(header: string): { timestamp: number; signatures: Buffer[] } | null {
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const key = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (key === 't') {
      if (!/^\d{1,15}$/.test(value) || timestamp !== undefined) return null;
      timestamp = Number(value);
    } else if (key === 'v1' && /^[0-9a-fA-F]{64}$/.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  return timestamp === undefined || signatures.length === 0 ? null : { timestamp, signatures };
}

function hmac(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}
