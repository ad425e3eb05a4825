import { planId } from '@tollgate/plans';
import { z } from 'zod';
import { ROLES } from './roles.js';

const email = z.email().max(254);
const name = z.string().trim().min(1).max(200);
const locale = z.enum(['nl', 'fr', 'en', 'de']);
const timeZone = z.string().min(1).max(64).describe('IANA time zone, e.g. Europe/Brussels');
const role = z.enum(ROLES);
export const resourceId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[0-9a-z]{26}$`), `must be an id like ${prefix}_01j…`);

export const createAccountBody = z.strictObject({
  name,
  locale: locale.optional(),
  timeZone: timeZone.optional(),
  owner: z.strictObject({ email, name }),
  referralCode: z
    .string()
    .trim()
    .min(4)
    .max(20)
    .optional()
    .describe('Code of the account that recommended this one (C-4): it earns referral credit at the first purchase'),
  plan: planId.optional().describe("The plan (edition) the account starts on; default: the host's plans.default (GET /v1/plans lists them)"),
});
export const updateAccountBody = z.strictObject({ name: name.optional(), locale: locale.optional(), timeZone: timeZone.optional() });
export const addUserBody = z.strictObject({ email, name, role: role.default('member') });
export const updateUserBody = z.strictObject({ name: name.optional(), role: role.optional() });
export const createApiKeyBody = z.strictObject({
  name,
  role: role.default('member'),
  userId: resourceId('usr').optional().describe('The user the key acts for (default: the caller’s user); the key’s role cannot exceed theirs'),
});
export const createAdminKeyBody = z.strictObject({ name });
export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().max(64).optional(),
});

export const accountView = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(['trial', 'active', 'closed']),
  locale,
  timeZone: z.string(),
  createdAt: z.string(),
});
export const userView = z.object({ id: z.string(), accountId: z.string(), email: z.string(), name: z.string(), role, createdAt: z.string() });
export const apiKeyView = z.object({
  id: z.string(),
  accountId: z.string().nullable(),
  name: z.string(),
  role: z.string(),
  prefix: z.string(),
  userId: z.string().nullable().describe('The user the key acts for; null for a key issued without one'),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  key: z.string().optional().describe('The secret key; returned only once, when the key is created'),
});
