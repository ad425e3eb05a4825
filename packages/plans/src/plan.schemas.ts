import { z } from 'zod';

/** The wallet's rule for plan ids (contract 1): lower case, digits, single dashes. */
export const PLAN_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
export const planId = z.string().regex(PLAN_ID, 'must be a plan id like "classic" or "focus-plus" (lower case, digits, single dashes)').max(40);

const cardFunding = z.enum(['credit', 'debit', 'prepaid', 'unknown']);
const countryCode = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code such as "BE"');

export const planPaymentMethodRule = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('sepa_direct_debit') }),
  z.strictObject({ kind: z.literal('card'), cardFunding: z.array(cardFunding).min(1).optional() }),
]);

const paymentMethods = z.array(planPaymentMethodRule);
const countries = z.record(z.string().min(1).max(64), z.array(countryCode));
const featureSettings = z.record(z.string().min(1).max(64), z.string().min(1).max(64));
const features = z.record(z.string().min(1).max(64), z.record(z.string(), z.unknown()));

/** The wallet's units: a decimal string with at most 6 decimals. */
const units = z.string().regex(/^(0|[1-9]\d{0,11})(\.\d{1,6})?$/, 'must be a decimal string such as "20" (at most 6 decimals)');
/** A plan's monthly allowance of one channel (issue 22; the SDK's PlanAllowance). */
export const planAllowanceSchema = z.strictObject({
  units: units.refine((v) => !/^0(\.0+)?$/.test(v), 'must be more than 0'),
  rollover: z
    .strictObject({
      max: units.describe('Most units that may roll over in total'),
      expiresAfterMonths: z
        .number()
        .int()
        .min(1)
        .max(120)
        .optional()
        .describe('Rolled-over units expire this many months after the month they were granted in'),
    })
    .optional(),
});
const allowances = z.record(
  z
    .string()
    .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'must be a channel id such as "post-letter"')
    .max(64),
  planAllowanceSchema,
);

/** Every rule of a plan (the SDK's PlanRules); strict, so a misspelt key is refused at start. */
export const planRulesSchema = z.strictObject({
  paymentMethods: z.strictObject({ top_up: paymentMethods, auto_refill: paymentMethods }),
  countries,
  featureSettings,
  features,
  allowances: allowances.optional(),
});

/** A whole plan: what the directory holds and the routes show. */
export const planDefinitionSchema = z.strictObject({
  id: planId,
  label: z.string().trim().min(1).max(80),
  rules: planRulesSchema,
});

/**
 * A plan as the host's config writes it. `extends` starts from another plan (a built-in or one
 * defined earlier in the list); `rules` then replaces, key by key, what it names: a purpose's list of
 * payment methods, a channel's countries, a feature's setting page, a feature's settings object.
 * An entry whose id is a built-in's changes that built-in (its label, say).
 */
export const configPlanSchema = z.strictObject({
  id: planId,
  label: z.string().trim().min(1).max(80).optional(),
  extends: planId.optional(),
  rules: z
    .strictObject({
      paymentMethods: z.strictObject({ top_up: paymentMethods.optional(), auto_refill: paymentMethods.optional() }).optional(),
      countries: countries.optional(),
      featureSettings: featureSettings.optional(),
      features: features.optional(),
      allowances: allowances.optional(),
    })
    .optional(),
});

/** The host config's `plans` section. */
export const plansConfigSchema = z.strictObject({
  /** The plan new accounts start on. */
  default: planId.default('focus'),
  definitions: z.array(configPlanSchema).default([]),
});

export type ConfigPlan = z.output<typeof configPlanSchema>;
export type PlansConfig = z.input<typeof plansConfigSchema>;
