import { z } from 'zod';
import { accountView, apiKeyView, userView } from './accounts.schemas.js';

/* What the account and admin routes answer (for the OpenAPI document); objects may gain properties. */

export const usersList = z.object({ data: z.array(userView) });
export const apiKeysList = z.object({ data: z.array(apiKeyView) });
export const accountsPage = z.object({ data: z.array(accountView), nextCursor: z.string().nullable().describe('Pass as `after` for the next page') });
export const newKeyView = apiKeyView.extend({ key: z.string().describe('The secret key; returned only this once') });
export const createdAccountView = z.object({
  account: accountView,
  owner: userView,
  apiKey: newKeyView,
  plan: z.string().describe('The plan the account starts on'),
});
