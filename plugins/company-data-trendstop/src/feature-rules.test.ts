import type { AccountPlan } from '@tollgate/plugin-sdk';
import { describe, expect, it } from 'vitest';
import { companyDataRules, hasExportRights } from './feature-rules.js';

const plan = (id: string, featureSettings: Record<string, string>, features: Record<string, Record<string, unknown>>): AccountPlan => ({
  id,
  label: id === 'classic' ? 'Classic' : 'Focus',
  since: new Date('2026-01-01T00:00:00Z'),
  rules: { paymentMethods: { top_up: [], auto_refill: [] }, countries: {}, featureSettings, features },
});

describe('company data rules per plan', () => {
  it('classic: Settings > HR, own subscription required, plus/xl export', () => {
    const rules = companyDataRules(
      plan('classic', { 'company-data': 'hr' }, { 'company-data': { exportRightsFormulas: ['plus', 'xl'], requiresOwnSubscription: true } }),
    );
    expect(rules).toMatchObject({ settingsPage: 'Settings > HR', requiresOwnSubscription: true, exportRightsFormulas: ['plus', 'xl'] });
    expect(hasExportRights({ rules, formula: 'xl', vendorExportRights: true })).toBe(true);
    expect(hasExportRights({ rules, formula: 'marketing', vendorExportRights: true })).toBe(false);
    expect(hasExportRights({ rules, formula: 'plus', vendorExportRights: false })).toBe(false);
  });

  it('focus: Settings > Users, the wallet may pay', () => {
    const rules = companyDataRules(
      plan('focus', { 'company-data': 'users' }, { 'company-data': { exportRightsFormulas: ['marketing', 'business'], requiresOwnSubscription: false } }),
    );
    expect(rules).toMatchObject({ settingsPage: 'Settings > Users', requiresOwnSubscription: false });
    expect(hasExportRights({ rules, formula: 'business', vendorExportRights: true })).toBe(true);
  });

  it('a plan without company-data rules: users page, no formulas, wallet', () => {
    const rules = companyDataRules(plan('startup', { other: 'x' }, {}));
    expect(rules).toMatchObject({ settingsPage: 'Settings > Users', requiresOwnSubscription: false, exportRightsFormulas: [] });
    expect(companyDataRules(plan('x', { 'company-data': 'team' }, {})).settingsPage).toBe('Settings > Team');
  });
});
