import type { PlanDefinition } from './plan.types.js';

/**
 * The two editions the platform sells (contract 2 of issue 15). Classic is the older one: manual
 * top-ups by debit card, auto-refill by credit card, post to three countries. Focus takes SEPA or any card.
 */
export const CLASSIC_PLAN: PlanDefinition = {
  id: 'classic',
  label: 'Classic',
  rules: {
    paymentMethods: {
      top_up: [{ kind: 'card', cardFunding: ['debit'] }],
      auto_refill: [{ kind: 'card', cardFunding: ['credit'] }],
    },
    countries: { post: ['BE', 'NL', 'DE'] },
    featureSettings: { 'company-data': 'hr' },
    features: { 'company-data': { exportRightsFormulas: ['plus', 'xl'], requiresOwnSubscription: true } },
  },
};

export const FOCUS_PLAN: PlanDefinition = {
  id: 'focus',
  label: 'Focus',
  rules: {
    paymentMethods: {
      top_up: [{ kind: 'sepa_direct_debit' }, { kind: 'card' }],
      auto_refill: [{ kind: 'sepa_direct_debit' }, { kind: 'card' }],
    },
    countries: { post: ['BE', 'NL'] },
    featureSettings: { 'company-data': 'users' },
    features: { 'company-data': { exportRightsFormulas: ['marketing', 'business'], requiresOwnSubscription: false } },
  },
};

export const BUILT_IN_PLANS: readonly PlanDefinition[] = [CLASSIC_PLAN, FOCUS_PLAN];
export const DEFAULT_PLAN = 'focus';
