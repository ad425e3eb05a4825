import type { PlanRules } from '@tollgate/plugin-sdk';

export type { AccountPlan, CardFunding, FundingPurpose, PlanPaymentMethodRule, PlanRules } from '@tollgate/plugin-sdk';

/** A plan as the platform defines it (no account, no date): what `GET /v1/plans` lists. */
export interface PlanDefinition {
  id: string;
  label: string;
  rules: PlanRules;
}
