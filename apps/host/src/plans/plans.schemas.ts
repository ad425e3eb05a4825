import { planId, planRulesSchema } from '@tollgate/plans';
import { z } from 'zod';
import { idempotencyKeyInput } from '../wallet/wallet.schemas.js';

export const movePlanBody = z.strictObject({
  plan: planId.describe('The plan to move the account to, e.g. "classic" or "focus" (GET /v1/plans lists them)'),
  idempotencyKey: idempotencyKeyInput.optional().describe('Same as the Idempotency-Key header'),
});

/* What the plan routes answer (for the OpenAPI document); objects may gain properties. */

export const planDefinitionView = z.object({
  id: z.string(),
  label: z.string(),
  rules: planRulesSchema.describe(
    'What differs between plans: payment methods per purpose, countries per channel, where a feature is switched on, feature settings',
  ),
  default: z.boolean().describe('New accounts start on this plan'),
});
export const plansList = z.object({ data: z.array(planDefinitionView) });

export const planPeriodView = z.object({
  plan: z.string(),
  label: z.string(),
  from: z.string(),
  to: z.string().nullable().describe('null: the plan the account is on now'),
  changedBy: z.string().nullable(),
});

export const accountPlanView = z.object({
  accountId: z.string(),
  id: z.string(),
  label: z.string(),
  since: z.string(),
  rules: planRulesSchema,
  history: z.array(planPeriodView).describe('Every plan the account has been on, oldest first'),
});
export const movedPlanView = accountPlanView.extend({ changed: z.boolean().describe('false: the account was already on this plan; nothing changed') });
