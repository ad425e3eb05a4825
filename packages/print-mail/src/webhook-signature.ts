import { createHmac, timingSafeEqual } from 'node:crypto';
import { PrintMailSignatureError } from './print-mail.errors.js';
import { eventSchema, type PrintMailEvent } from './print-mail.schemas.js';

export const PRINT_MAIL_SIGNATURE_HEADER = 'printmail-signature';
export const PRINT_MAIL_TIMESTAMP_HEADER = 'printmail-signature-timestamp';
/** How far the callback's timestamp may be from our clock (replays of old callbacks are refused). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Checks a status callback: `PrintMail-Signature` = hex HMAC-SHA256(secret, `${timestamp}.${rawBody}`)
 * over the raw bytes, the timestamp within ±5 minutes of `now`. Fails closed: no secret, a missing or
 * malformed header, an old or future timestamp or another signature all throw PrintMailSignatureError.
 */
export function verifyPrintMailSignature(input: { secret: string; headers: Headers; rawBody: Buffer | string; now: Date; toleranceSeconds?: number }): void {
  if (typeof input.secret !== 'string' || input.secret.length === 0)
    throw new PrintMailSignatureError({ message: 'No webhook secret is configured: callbacks are refused.' });
  const signature = header(input.headers, PRINT_MAIL_SIGNATURE_HEADER);
  const timestamp = header(input.headers, PRINT_MAIL_TIMESTAMP_HEADER);
  if (!signature || !timestamp)
    throw new PrintMailSignatureError({ message: 'The callback has no PrintMail-Signature or PrintMail-Signature-Timestamp header.' });
  if (!/^\d{1,12}$/.test(timestamp)) throw new PrintMailSignatureError({ message: 'PrintMail-Signature-Timestamp is not Unix seconds.' });
  const tolerance = input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  const skew = Math.abs(Math.floor(input.now.getTime() / 1000) - Number(timestamp));
  if (skew > tolerance) throw new PrintMailSignatureError({ message: `The callback's timestamp is ${skew} s from now (at most ${tolerance} s).` });
  if (!/^[0-9a-f]{64}$/i.test(signature)) throw new PrintMailSignatureError({ message: 'PrintMail-Signature is not a hex SHA-256 HMAC.' });
  const raw = typeof input.rawBody === 'string' ? Buffer.from(input.rawBody, 'utf8') : input.rawBody;
  const expected = createHmac('sha256', input.secret).update(`${timestamp}.`).update(raw).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) throw new PrintMailSignatureError({ message: 'The callback signature does not match.' });
}

/** The event of a verified callback; PrintMailSignatureError (`invalid_webhook_body`) when it does not fit the protocol. */
export function parsePrintMailEvent(rawBody: Buffer | string): PrintMailEvent {
  let json: unknown;
  try {
    json = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'));
  } catch {
    throw new PrintMailSignatureError({ code: 'invalid_webhook_body', message: 'The callback body is not JSON.' });
  }
  const parsed = eventSchema.safeParse(json);
  if (!parsed.success)
    throw new PrintMailSignatureError({
      code: 'invalid_webhook_body',
      message: 'The callback body is not a letter event.',
      details: { issues: parsed.error.issues.slice(0, 10).map((issue) => ({ path: issue.path.join('.'), message: issue.message })) },
    });
  return parsed.data;
}

/** Header names are case-insensitive; a repeated header is ambiguous and counts as missing. */
function header(headers: Headers, name: string): string | undefined {
  const values = Object.entries(headers).filter(([key]) => key.toLowerCase() === name);
  if (values.length !== 1) return undefined;
  const value = values[0]![1];
  return typeof value === 'string' ? value.trim() : undefined;
}
