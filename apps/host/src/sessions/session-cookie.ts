import type { FastifyReply } from 'fastify';

export const SESSION_COOKIE = 'tg_session';

/** The session token from a Cookie header (the first tg_session), without a cookie library. */
export function sessionToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.join('; ') : header;
  if (!value) return undefined;
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const token = part.slice(eq + 1).trim();
    // Our tokens are base64url: anything else is not one of ours.
    return /^[A-Za-z0-9_-]{1,128}$/.test(token) ? token : undefined;
  }
  return undefined;
}

/** HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure behind HTTPS (dashboard.secureCookies). */
export function setSessionCookie(reply: FastifyReply, input: { token: string; maxAgeSeconds: number; secure: boolean }): void {
  void reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=${input.token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${input.maxAgeSeconds}${input.secure ? '; Secure' : ''}`,
  );
}

export function clearSessionCookie(reply: FastifyReply, input: { secure: boolean }): void {
  void reply.header('set-cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${input.secure ? '; Secure' : ''}`);
}
