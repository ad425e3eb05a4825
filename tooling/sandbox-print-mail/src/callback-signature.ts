import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'PrintMail-Signature';
export const TIMESTAMP_HEADER = 'PrintMail-Signature-Timestamp';
export const EVENT_ID_HEADER = 'PrintMail-Event-Id';

/** hex HMAC-SHA256(secret, `${timestamp}.${rawBody}`), the timestamp in Unix seconds as sent in the header. */
export function signCallback(input: { secret: string; timestamp: number | string; rawBody: string | Buffer }): string {
  return createHmac('sha256', input.secret)
    .update(`${input.timestamp}.`)
    .update(typeof input.rawBody === 'string' ? Buffer.from(input.rawBody, 'utf8') : input.rawBody)
    .digest('hex');
}
