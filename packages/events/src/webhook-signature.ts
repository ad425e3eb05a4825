import { createHmac, randomBytes } from 'node:crypto';

/** The header a delivery is signed in (Stripe's `Stripe-Signature` scheme under our name). */
export const SIGNATURE_HEADER = 'Tollgate-Signature';

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

/**
 * `t=<unix seconds>,v1=<hex>[,v1=<hex>]`: HMAC-SHA256 of `${t}.${body}` keyed with each secret
 * (the whole `whsec_…` string). During a rotation both secrets sign, so a receiver that knows
 * either one accepts the delivery.
 */
export function signatureHeader(input: { secrets: readonly string[]; timestamp: Date; body: string }): string {
  const t = Math.floor(input.timestamp.getTime() / 1000);
  const signatures = input.secrets.map((secret) => `v1=${createHmac('sha256', secret).update(`${t}.${input.body}`).digest('hex')}`);
  return [`t=${t}`, ...signatures].join(',');
}
