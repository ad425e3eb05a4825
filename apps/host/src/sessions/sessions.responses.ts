import { z } from 'zod';
import { ROLES } from '../accounts/roles.js';

/* What the session routes answer (for the OpenAPI document); objects may gain properties. */

const role = z.enum(ROLES);
export const sessionView = z.object({
  kind: z.enum(['account', 'admin']),
  expiresAt: z.string().describe('The absolute end; an unused session ends earlier (idle timeout)'),
  account: z.object({ id: z.string(), name: z.string(), locale: z.string(), timeZone: z.string() }).nullable(),
  user: z.object({ id: z.string(), email: z.string(), name: z.string(), role }).nullable(),
  role: role.nullable().describe("The session's role in its account: the user's current role, or the key's; null for an admin session"),
});
export const sessionAnswer = z.object({
  session: sessionView,
  csrfToken: z.string().describe('Send as X-CSRF-Token with every request that changes something'),
  serverTime: z.string().describe("The host's clock at the answer: the dashboard's 'this month' follows it, not the browser's clock"),
});
