import type { AccountPlan, PlanDefinition } from '@tollgate/plans';
import type { PlanPeriod } from './account-plans.js';

export function planDefinitionView(plan: PlanDefinition, defaultPlan: string) {
  return { id: plan.id, label: plan.label, rules: plan.rules, default: plan.id === defaultPlan };
}

export function accountPlanView(accountId: string, plan: AccountPlan, history: PlanPeriod[]) {
  return {
    accountId,
    id: plan.id,
    label: plan.label,
    since: plan.since.toISOString(),
    rules: plan.rules,
    history: history.map((p) => ({ plan: p.plan, label: p.label, from: p.from.toISOString(), to: p.to?.toISOString() ?? null, changedBy: p.changedBy })),
  };
}
