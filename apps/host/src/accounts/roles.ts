export const ROLES = ['owner', 'admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { member: 1, admin: 2, owner: 3 };

/** Whether a caller with `role` may act at the level of `needed` (owner > admin > member). */
export function atLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

/**
 * Who is calling: a key of one account (with a role and the user it belongs to), or the platform admin.
 * `sessionId`: the caller came with a session cookie (for a person's session, `keyId` is that id too).
 */
export type Caller =
  { kind: 'account'; accountId: string; role: Role; keyId: string; userId: string | null; sessionId?: string } | { kind: 'admin'; keyId: string };
