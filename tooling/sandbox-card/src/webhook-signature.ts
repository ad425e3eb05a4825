import { createHmac } from 'node:crypto';

/**
 * The `Stripe-Signature` header for a payload: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<payload>")>`,
 * which the SDK's `webhooks.constructEvent` verifies.
 */
export function signWebhookPayload(input: { payload: string; secret: string; timestamp: number }): string {
  const signature = createHmac('sha256', input.secret).update(`${input.timestamp}.${input.payload}`).digest('hex');
  return `t=${input.timestamp},v1=${signature}`;
}
