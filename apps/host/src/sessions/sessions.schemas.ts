import { z } from 'zod';
import { resourceId } from '../accounts/accounts.schemas.js';
import { MIN_PASSWORD_LENGTH } from './sessions.service.js';

// Loose on purpose: a sign-in is refused by its credentials (401), not by the shape of an e-mail.
const email = z.string().trim().min(1).max(254);
const password = z.string().min(1).max(1024);

export const signInBody = z.union([
  z.strictObject({
    email,
    password,
    accountId: resourceId('acc').optional().describe('Which account, when the e-mail signs in to several (409 account_choice_required names them)'),
  }),
  z.strictObject({ apiKey: z.string().min(1).max(200).describe('An account or platform admin API key: a session acting as that key') }),
]);

export const setPasswordBody = z.strictObject({
  currentPassword: password.optional().describe('Needed when the user has a password already'),
  newPassword: z.string().min(MIN_PASSWORD_LENGTH).max(1024).describe(`At least ${MIN_PASSWORD_LENGTH} characters`),
});
