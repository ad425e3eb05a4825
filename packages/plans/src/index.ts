export { BUILT_IN_PLANS, CLASSIC_PLAN, DEFAULT_PLAN, FOCUS_PLAN } from './built-in-plans.js';
export { buildPlanDirectory, PlanDirectory } from './plan-directory.js';
export { allowsForAnyPurpose, allowsPaymentMethod, countriesFor, describeMethods, type PaymentMethodVerdict } from './plan-rules.js';
export {
  configPlanSchema,
  PLAN_ID,
  planDefinitionSchema,
  planAllowanceSchema,
  planId,
  planRulesSchema,
  plansConfigSchema,
  type ConfigPlan,
  type PlansConfig,
} from './plan.schemas.js';
export type { AccountPlan, CardFunding, FundingPurpose, PlanDefinition, PlanPaymentMethodRule, PlanRules } from './plan.types.js';
export { PaymentMethodNotInPlanError, UnknownPlanError } from './plans.errors.js';
export { PLAN_DIRECTORY, registerPlans } from './registration.js';
