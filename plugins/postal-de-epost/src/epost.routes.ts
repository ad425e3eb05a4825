import { defineRoute, type PluginRoute } from '@tollgate/plugin-sdk';
import { z } from 'zod';
import type { CredentialsStore } from './credentials.store.js';
import { credentialsView } from './epost.responses.js';

export const PLUGIN_PATH = '/v1/plugins/postal-de-epost';

/** Routes mounted under /v1/plugins/postal-de-epost: the account's own E-POST contract. */
export function epostRoutes(input: { credentials: CredentialsStore }): PluginRoute[] {
  const { credentials } = input;
  return [
    defineRoute({
      method: 'GET',
      path: '/credentials',
      auth: 'account',
      minRole: 'member',
      summary: "Whether the account's E-POST credentials are stored (the EKP masked; never the password or secret)",
      responses: { 200: { description: 'The stored credentials, masked, or configured: false', body: credentialsView } },
      async handler({ caller }) {
        return { body: await credentials.get({ accountId: caller.accountId }) };
      },
    }),
    defineRoute({
      method: 'PUT',
      path: '/credentials',
      auth: 'account',
      // They send letters on the account's contract: owner or admin (the default for a write).
      minRole: 'admin',
      summary: "Store the account's E-POST contract (EKP, password, secret from the E-POST activation); checked with a login first, sealed at rest",
      body: z.strictObject({
        ekp: z.string().regex(/^\d{10}$/, 'must be the 10-digit EKP (customer number) of the E-POST contract'),
        // Blank values are refused here: the E-POST client throws on them (a 500 the bad-input sweep found).
        password: z.string().min(5).max(100).regex(/\S/, 'must not be blank'),
        secret: z.string().min(1).max(100).regex(/\S/, 'must not be blank'),
      }),
      responses: {
        200: { description: 'Verified with a login and stored sealed', body: credentialsView },
        422: { description: 'epost_credentials_invalid: E-POST refused them (nothing stored)' },
        503: { description: 'epost_unavailable: E-POST could not be asked (nothing stored)' },
      },
      async handler({ caller, body }) {
        return { body: await credentials.put({ accountId: caller.accountId, credentials: body, userId: caller.userId ?? null }) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/credentials',
      auth: 'account',
      minRole: 'admin',
      summary: "Forget the account's E-POST credentials (letters to Germany are then refused)",
      responses: { 200: { description: 'Forgotten', body: credentialsView } },
      async handler({ caller }) {
        return { body: await credentials.delete({ accountId: caller.accountId }) };
      },
    }),
  ];
}
