import type { AccountPlan } from '@tollgate/plugin-sdk';
import { z } from 'zod';

export const FEATURE_ID = 'company-data';

/** Settings pages by the plan's featureSettings value (PlanRules.featureSettings['company-data']). */
const SETTINGS_PAGES: Record<string, string> = { users: 'Settings > Users', hr: 'Settings > HR' };

const featureRules = z.object({
  exportRightsFormulas: z.array(z.string()).default([]),
  requiresOwnSubscription: z.boolean().default(false),
});

/** What a plan says about company data (PlanRules.features['company-data'] and featureSettings). */
export interface CompanyDataRules {
  planId: string;
  planLabel: string;
  /** Trends Top formulas whose key may export (plus/xl on classic, marketing/business on focus). */
  exportRightsFormulas: readonly string[];
  /** Classic: company data only through the account's own subscription, never the wallet. */
  requiresOwnSubscription: boolean;
  /** Where a person switches the feature on for a user: "Settings > Users" or "Settings > HR". */
  settingsPage: string;
}

export function companyDataRules(plan: AccountPlan): CompanyDataRules {
  const parsed = featureRules.safeParse(plan.rules.features[FEATURE_ID] ?? {});
  const rules = parsed.success ? parsed.data : { exportRightsFormulas: [], requiresOwnSubscription: false };
  const setting = plan.rules.featureSettings[FEATURE_ID] ?? 'users';
  return {
    planId: plan.id,
    planLabel: plan.label,
    exportRightsFormulas: rules.exportRightsFormulas,
    requiresOwnSubscription: rules.requiresOwnSubscription,
    settingsPage: SETTINGS_PAGES[setting] ?? `Settings > ${setting.charAt(0).toUpperCase()}${setting.slice(1)}`,
  };
}

/** Export rights need both: Trends Top says the key may export, and the plan counts the formula. */
export function hasExportRights(input: { rules: CompanyDataRules; formula: string; vendorExportRights: boolean }): boolean {
  return input.vendorExportRights && input.rules.exportRightsFormulas.includes(input.formula);
}
