import { createHmac, timingSafeEqual } from 'node:crypto';

/** HS256 JWTs, as the E-POSTBUSINESS login answers (the client reads `exp` to know when to log in again). */
export function signJwt(input: { secret: Buffer; claims: Record<string, unknown> }): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify(input.claims));
  const signature = createHmac('sha256', input.secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** The claims of a token this sandbox signed, or null (wrong signature, not a JWT). Expiry is the caller's to check. */
export function verifyJwt(input: { secret: Buffer; token: string }): Record<string, unknown> | null {
  const parts = input.token.split('.');
  if (parts.length !== 3) return null;
  const expected = Buffer.from(createHmac('sha256', input.secret).update(`${parts[0]}.${parts[1]}`).digest('base64url'));
  const given = Buffer.from(parts[2]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function b64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
