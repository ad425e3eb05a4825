import { z } from 'zod';

/** Response bodies, for the OpenAPI document (checked against real answers by the dev-stack audit). */
const sourced = z.object({ value: z.unknown(), source: z.literal('trendstop'), retrievedAt: z.string() });
const address = z.object({
  street: z.string(),
  houseNumber: z.string().optional(),
  box: z.string().optional(),
  postalCode: z.string(),
  municipality: z.string(),
  country: z.string().optional(),
});

export const companyView = z.object({
  id: z.string(),
  name: z.string(),
  country: z.string(),
  enterpriseNumber: z.string().nullable(),
  vatNumber: z.string().nullable(),
  address: address.nullable(),
  createdAt: z.string(),
  data: z.object({
    status: z.enum(['available', 'bought', 'ignored', 'not_found', 'unknown', 'not_available']),
    available: z.record(z.string(), z.boolean()).nullable(),
    checkedAt: z.string().nullable(),
    fields: z.record(z.string(), sourced).nullable(),
    purchaseId: z.string().nullable(),
    filledAt: z.string().nullable(),
    ignored: z.object({ at: z.string(), by: z.string().nullable() }).nullable(),
    offer: z
      .object({
        price: z.string(),
        currency: z.string(),
        paidBy: z.enum(['wallet', 'subscription', 'already_bought']),
        affordable: z.boolean(),
        actions: z.array(z.enum(['buy', 'ignore', 'unignore'])),
        refusal: z.string().nullable(),
      })
      .nullable(),
  }),
});

export const companiesPage = z.object({ data: z.array(companyView), nextBefore: z.string().nullable() });

export const purchaseView = z.object({
  id: z.string(),
  enterpriseNumber: z.string(),
  paidBy: z.enum(['wallet', 'subscription']),
  amount: z.string(),
  transactionId: z.string().nullable(),
  exportId: z.string().nullable(),
  boughtBy: z.string().nullable(),
  boughtAt: z.string(),
  retrievedAt: z.string().nullable(),
  freeRefreshUntil: z.string(),
});

export const purchaseAnswer = z.object({ charged: z.boolean(), company: companyView, purchase: purchaseView });

export const enabledUserView = z.object({
  userId: z.string(),
  name: z.string(),
  role: z.enum(['owner', 'admin', 'member']),
  enabled: z.boolean(),
  enabledAt: z.string().nullable(),
  enabledBy: z.string().nullable(),
  settingsPage: z.string(),
});

export const enabledUsersList = z.object({ data: z.array(enabledUserView), settingsPage: z.string(), plan: z.string() });

export const subscriptionView = z.object({
  linked: z.boolean(),
  customerId: z.string().nullable(),
  formula: z.string().nullable(),
  exportRights: z.boolean(),
  linkedAt: z.string().nullable(),
  linkedBy: z.string().nullable(),
  exportRightsFormulas: z.array(z.string()),
  requiresOwnSubscription: z.boolean(),
  plan: z.string(),
});
