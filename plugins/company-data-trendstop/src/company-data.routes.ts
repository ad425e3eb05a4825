import { defineRoute, type PluginRoute, type RouteResponse } from '@tollgate/plugin-sdk';
import { z } from 'zod';
import { RateLimitedError } from './company-data.errors.js';
import { companiesPage, companyView, enabledUserView, enabledUsersList, purchaseAnswer, subscriptionView } from './company-data.responses.js';
import type { CompanyDataService } from './company-data.service.js';

export const PLUGIN_PATH = '/v1/plugins/company-data-trendstop';

const companyParams = z.object({ id: z.string().min(1).max(64) });
const country = z
  .string()
  .trim()
  .transform((c) => c.toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 country code, e.g. "BE"'));
const address = z.strictObject({
  street: z.string().trim().min(1).max(200),
  houseNumber: z.string().trim().min(1).max(20).optional(),
  box: z.string().trim().min(1).max(20).optional(),
  postalCode: z.string().trim().min(1).max(20),
  municipality: z.string().trim().min(1).max(100),
  country: country.optional(),
});

/** Trends Top's rate limit: a 503 with Retry-After (not kept by the idempotency layer, so the same key may retry). */
async function withRetryAfter(work: () => Promise<RouteResponse>): Promise<RouteResponse> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RateLimitedError) return { status: 503, headers: { 'retry-after': String(error.retryAfterSeconds) }, body: error.toBody() };
    throw error;
  }
}

/** Routes mounted under /v1/plugins/company-data-trendstop. */
export function companyDataRoutes(input: { service: CompanyDataService }): PluginRoute[] {
  const { service } = input;
  return [
    defineRoute({
      method: 'POST',
      path: '/companies',
      auth: 'account',
      // A member may add a company: it costs nothing and sends nothing (the availability lookup is free).
      minRole: 'member',
      summary: 'Add a company; a Belgian number shows the data Trends Top has for it and its price (free lookup)',
      body: z.strictObject({
        name: z.string().trim().min(1).max(200),
        country,
        enterpriseNumber: z.string().trim().min(1).max(30).optional(),
        vatNumber: z.string().trim().min(1).max(30).optional(),
        address: address.optional(),
      }),
      responses: { 201: { description: 'The company, with what data is available and its price', body: companyView } },
      async handler({ caller, body }) {
        return { status: 201, body: await service.createCompany({ accountId: caller.accountId, userId: caller.userId, company: body }) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/companies',
      auth: 'account',
      summary: "The account's companies, newest first (filters: country, status available/bought/ignored)",
      query: z.strictObject({
        country: country.optional(),
        status: z.enum(['available', 'bought', 'ignored']).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        before: z.string().min(1).max(64).optional(),
      }),
      responses: { 200: { description: 'A page of companies', body: companiesPage } },
      async handler({ caller, query }) {
        return { body: await service.listCompanies({ accountId: caller.accountId, ...query }) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/companies/:id',
      auth: 'account',
      summary: 'One company: its data (bought fields with source and time), what is available, the price and the actions',
      params: companyParams,
      responses: { 200: { description: 'The company', body: companyView } },
      async handler({ caller, params }) {
        return { body: await service.getCompany({ accountId: caller.accountId, companyId: params.id }) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/companies/:id/data/purchase',
      auth: 'account',
      // Spends money: admin or owner (the default for a write), and the key's user must have the feature switched on.
      idempotency: 'required',
      summary: "Buy the company's data from Trends Top (once per account and number; free again within freeRefreshDays; Idempotency-Key required)",
      params: companyParams,
      body: z.strictObject({ refresh: z.boolean().default(false) }).default({ refresh: false }),
      responses: {
        201: { description: 'Bought now: charged to the wallet, or fetched through the linked subscription', body: purchaseAnswer },
        200: { description: 'Already bought in the free period: nothing charged (refresh: fresh data, free)', body: purchaseAnswer },
        409: { description: 'company_data_ignored (undo the ignore first), wallet_blocked' },
        422: {
          description:
            'company_data_belgium_only, enterprise_number_required, company_data_not_found, company_data_no_data, export_rights_required, company_data_auth_failed, insufficient_funds (nothing held)',
        },
        502: { description: 'spend_failed: the export failed in an unknown way; the hold was released' },
        503: { description: 'company_data_unavailable, company_data_rate_limited (Retry-After): the hold was released, nothing charged' },
      },
      async handler({ caller, params, body, idempotencyKey }) {
        return withRetryAfter(async () => {
          const bought = await service.buy({
            accountId: caller.accountId,
            companyId: params.id,
            userId: caller.userId,
            idempotencyKey,
            refresh: body?.refresh ?? false,
          });
          return { status: bought.charged ? 201 : 200, body: bought };
        });
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/companies/:id/data/ignore',
      auth: 'account',
      // Costs nothing and sends nothing: a member with the feature switched on may ignore.
      minRole: 'member',
      summary: "Ignore the company's data offer (remembered with who and when)",
      params: companyParams,
      responses: { 200: { description: 'The company, ignored', body: companyView } },
      async handler({ caller, params }) {
        return { body: await service.ignore({ accountId: caller.accountId, companyId: params.id, userId: caller.userId }) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/companies/:id/data/ignore',
      auth: 'account',
      // Undoes an ignore: costs nothing, a member with the feature switched on may.
      minRole: 'member',
      summary: 'Undo the ignore',
      params: companyParams,
      responses: { 200: { description: 'The company, offered again', body: companyView } },
      async handler({ caller, params }) {
        return { body: await service.unignore({ accountId: caller.accountId, companyId: params.id, userId: caller.userId }) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/users',
      auth: 'account',
      summary: 'The users company data is switched on for (and where the plan shows the switch)',
      responses: { 200: { description: 'Users with the feature', body: enabledUsersList } },
      async handler({ caller }) {
        return { body: await service.listEnabledUsers({ accountId: caller.accountId }) };
      },
    }),
    defineRoute({
      method: 'PUT',
      path: '/users/:userId',
      auth: 'account',
      summary: 'Switch company data on or off for a user (admin)',
      params: z.object({ userId: z.string().min(1).max(64) }),
      body: z.strictObject({ enabled: z.boolean() }),
      responses: { 200: { description: 'The user and the switch', body: enabledUserView } },
      async handler({ caller, params, body }) {
        return { body: await service.setUserEnabled({ accountId: caller.accountId, userId: params.userId, enabled: body.enabled, by: caller.userId }) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/subscription',
      auth: 'account',
      summary: "The account's own Trends Top subscription link (never the key)",
      responses: { 200: { description: 'The link, or linked: false', body: subscriptionView } },
      async handler({ caller }) {
        return { body: await service.getSubscription({ accountId: caller.accountId }) };
      },
    }),
    defineRoute({
      method: 'PUT',
      path: '/subscription',
      auth: 'account',
      summary: "Link the account's own Trends Top key; its formula must have export rights on the account's plan (admin)",
      // Sent as a header to Trends Top: printable ASCII without spaces.
      body: z.strictObject({ apiKey: z.string().regex(/^[\x21-\x7E]{1,200}$/, 'must be a Trends Top API key (printable characters, no spaces)') }),
      responses: {
        200: { description: 'Linked (the key is stored sealed)', body: subscriptionView },
        422: { description: 'export_rights_required (names the formulas that have them), company_data_auth_failed (unknown key)' },
        503: { description: 'company_data_unavailable: Trends Top could not be asked' },
      },
      async handler({ caller, body }) {
        return { body: await service.linkSubscription({ accountId: caller.accountId, apiKey: body.apiKey, userId: caller.userId }) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/subscription',
      auth: 'account',
      summary: "Unlink the account's own Trends Top subscription (admin)",
      responses: { 200: { description: 'Unlinked', body: subscriptionView } },
      async handler({ caller }) {
        return { body: await service.unlinkSubscription({ accountId: caller.accountId }) };
      },
    }),
  ];
}
