import { randomUUID } from 'node:crypto';
import { ValidationError } from '@tollgate/errors';
import { idempotencyKeyInput } from './wallet.schemas.js';

/**
 * Idempotency keys of the wallet API (Stripe style): in the `Idempotency-Key` header or the body's
 * `idempotencyKey`; both may be given only when equal. Keys are per account. The wallet replays the
 * first outcome of a key (success or refusal) and refuses the same key with other parameters (409
 * idempotency_key_reused). API keys are namespaced (`api:`) so they can never meet the keys the
 * platform itself uses in the same wallet (the trial grant's, a plugin's spend steps).
 */
export function idempotencyKey(input: { header: string | string[] | undefined; body: string | undefined; required: boolean }): {
  key: string;
  fromCaller: boolean;
} {
  const header = Array.isArray(input.header) ? input.header[0] : input.header;
  if (header !== undefined) {
    const parsed = idempotencyKeyInput.safeParse(header);
    if (!parsed.success) {
      throw new ValidationError({
        code: 'invalid_idempotency_key',
        message: `Idempotency-Key header: ${parsed.error.issues[0]?.message ?? 'invalid'} (1 to 200 printable characters)`,
        details: [{ path: ['Idempotency-Key'], message: parsed.error.issues[0]?.message }],
      });
    }
  }
  if (header !== undefined && input.body !== undefined && header !== input.body) {
    throw new ValidationError({
      code: 'idempotency_key_mismatch',
      message: 'The Idempotency-Key header and the body idempotencyKey differ; send one, or the same value in both.',
    });
  }
  const key = header ?? input.body;
  if (key === undefined) {
    if (input.required)
      throw new ValidationError({
        code: 'idempotency_key_required',
        message: 'An idempotency key is required: send the Idempotency-Key header or idempotencyKey in the body.',
      });
    // No key: the request is not made idempotent (a retry is a new request), as in Stripe.
    return { key: `auto:${randomUUID()}`, fromCaller: false };
  }
  return { key: `api:${key}`, fromCaller: true };
}
