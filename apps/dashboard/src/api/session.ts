export type Role = 'owner' | 'admin' | 'member';
export type Locale = 'nl' | 'fr' | 'en' | 'de';

/** What `GET /auth/session` answers (see docs/api.md, "Sessions"). */
export interface SessionView {
  kind: 'account' | 'admin';
  expiresAt: string;
  account: { id: string; name: string; locale: Locale; timeZone: string } | null;
  user: { id: string; email: string; name: string; role: Role } | null;
  role: Role | null;
}

export interface SessionResponse {
  session: SessionView;
  csrfToken: string;
  /** The host's clock when it answered (see server-clock.ts). */
  serverTime?: string;
}

const RANK: Record<Role, number> = { member: 1, admin: 2, owner: 3 };

/** Whether the session's role reaches `needed` (owner > admin > member); the host checks again. */
export function hasRole(session: SessionView | null, needed: Role): boolean {
  return !!session?.role && RANK[session.role] >= RANK[needed];
}
