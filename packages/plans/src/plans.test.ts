import { ConfigError } from '@tollgate/errors';
import { describe, expect, it } from 'vitest';
import {
  allowsForAnyPurpose,
  allowsPaymentMethod,
  buildPlanDirectory,
  CLASSIC_PLAN,
  countriesFor,
  FOCUS_PLAN,
  PaymentMethodNotInPlanError,
  UnknownPlanError,
} from './index.js';

describe('built-in plans', () => {
  it('classic takes top-ups by debit card only and auto-refills by credit card only', () => {
    const rules = CLASSIC_PLAN.rules;
    expect(allowsPaymentMethod({ rules, purpose: 'top_up', kind: 'card', cardFunding: 'debit' })).toEqual({ ok: true });
    const credit = allowsPaymentMethod({ rules, purpose: 'top_up', kind: 'card', cardFunding: 'credit', plan: 'classic' });
    expect(credit).toMatchObject({ ok: false, code: 'payment_method_not_in_plan' });
    expect(credit.ok === false && credit.message).toBe('The classic plan takes top-ups by debit card only; this payment method is a credit card.');
    expect(allowsPaymentMethod({ rules, purpose: 'top_up', kind: 'sepa_direct_debit' }).ok).toBe(false);
    expect(allowsPaymentMethod({ rules, purpose: 'top_up', kind: 'card', cardFunding: 'prepaid' }).ok).toBe(false);
    expect(allowsPaymentMethod({ rules, purpose: 'auto_refill', kind: 'card', cardFunding: 'credit' }).ok).toBe(true);
    const debit = allowsPaymentMethod({ rules, purpose: 'auto_refill', kind: 'card', cardFunding: 'debit', plan: 'classic' });
    expect(debit.ok === false && debit.message).toBe('The classic plan takes auto-refills by credit card only; this payment method is a debit card.');
  });

  it('a card of unknown funding is refused where the plan names a funding, taken where it does not', () => {
    expect(allowsPaymentMethod({ rules: CLASSIC_PLAN.rules, purpose: 'top_up', kind: 'card' }).ok).toBe(false);
    expect(allowsPaymentMethod({ rules: CLASSIC_PLAN.rules, purpose: 'top_up', kind: 'card', cardFunding: 'unknown' }).ok).toBe(false);
    expect(allowsPaymentMethod({ rules: FOCUS_PLAN.rules, purpose: 'top_up', kind: 'card' }).ok).toBe(true);
  });

  it('focus takes SEPA or any card for both purposes', () => {
    for (const purpose of ['top_up', 'auto_refill'] as const) {
      for (const cardFunding of ['credit', 'debit', 'prepaid', 'unknown'] as const)
        expect(allowsPaymentMethod({ rules: FOCUS_PLAN.rules, purpose, kind: 'card', cardFunding }).ok).toBe(true);
      expect(allowsPaymentMethod({ rules: FOCUS_PLAN.rules, purpose, kind: 'sepa_direct_debit' }).ok).toBe(true);
    }
    const other = allowsPaymentMethod({ rules: FOCUS_PLAN.rules, purpose: 'top_up', kind: 'paypal', plan: 'focus' });
    expect(other.ok === false && other.message).toBe(
      'The focus plan takes top-ups by SEPA direct debit or card; this payment method is a paypal payment method.',
    );
  });

  it('a method is worth saving when some purpose takes it: SEPA is never taken on classic', () => {
    expect(allowsForAnyPurpose({ rules: CLASSIC_PLAN.rules, kind: 'sepa_direct_debit' })).toBe(false);
    expect(allowsForAnyPurpose({ rules: CLASSIC_PLAN.rules, kind: 'card', cardFunding: 'credit' })).toBe(true);
    expect(allowsForAnyPurpose({ rules: CLASSIC_PLAN.rules, kind: 'card', cardFunding: 'prepaid' })).toBe(false);
  });

  it('countries: a channel reads its own entry, then its family, else no limit', () => {
    expect(countriesFor({ rules: CLASSIC_PLAN.rules, channel: 'post' })).toEqual(['BE', 'NL', 'DE']);
    expect(countriesFor({ rules: CLASSIC_PLAN.rules, channel: 'post-letter' })).toEqual(['BE', 'NL', 'DE']);
    expect(countriesFor({ rules: FOCUS_PLAN.rules, channel: 'post-letter' })).toEqual(['BE', 'NL']);
    expect(countriesFor({ rules: FOCUS_PLAN.rules, channel: 'sms-reminder' })).toBeNull();
    const own = { ...FOCUS_PLAN.rules, countries: { post: ['BE'], 'post-letter': ['NL'] } };
    expect(countriesFor({ rules: own, channel: 'post-letter' })).toEqual(['NL']);
  });
});

describe('PlanDirectory', () => {
  it('offers classic and focus, focus by default', () => {
    const plans = buildPlanDirectory();
    expect(plans.ids()).toEqual(['classic', 'focus']);
    expect(plans.defaultPlan).toBe('focus');
    expect(plans.require({ id: 'classic' })).toEqual(CLASSIC_PLAN);
    expect(plans.get({ id: 'gold' })).toBeUndefined();
  });

  it('require names the plans offered when the id is unknown', () => {
    const plans = buildPlanDirectory();
    const error = (() => {
      try {
        plans.require({ id: 'gold' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnknownPlanError);
    expect(error).toMatchObject({ code: 'unknown_plan', status: 404, message: 'There is no plan "gold". Plans offered: classic, focus.' });
  });

  it('a config plan extends focus and overrides its label and some rules; a built-in label may change', () => {
    const plans = buildPlanDirectory({
      config: {
        default: 'focus-plus',
        definitions: [
          { id: 'classic', label: 'Classic (legacy)' },
          {
            id: 'focus-plus',
            label: 'Focus Plus',
            extends: 'focus',
            rules: { paymentMethods: { top_up: [{ kind: 'card' }] }, countries: { post: ['BE', 'NL', 'LU'] } },
          },
        ],
      },
    });
    expect(plans.ids()).toEqual(['classic', 'focus', 'focus-plus']);
    expect(plans.defaultPlan).toBe('focus-plus');
    expect(plans.require({ id: 'classic' }).label).toBe('Classic (legacy)');
    expect(plans.require({ id: 'classic' }).rules).toEqual(CLASSIC_PLAN.rules);
    const plus = plans.require({ id: 'focus-plus' });
    expect(plus.rules.paymentMethods.top_up).toEqual([{ kind: 'card' }]);
    expect(plus.rules.paymentMethods.auto_refill).toEqual(FOCUS_PLAN.rules.paymentMethods.auto_refill);
    expect(plus.rules.countries).toEqual({ post: ['BE', 'NL', 'LU'] });
    expect(plus.rules.features).toEqual(FOCUS_PLAN.rules.features);
    // The built-in is left as it was.
    expect(FOCUS_PLAN.rules.paymentMethods.top_up).toHaveLength(2);
  });

  it('a config plan sets monthly allowances per channel; an extending plan replaces them channel by channel', () => {
    const plans = buildPlanDirectory({
      config: {
        definitions: [
          { id: 'letters', extends: 'focus', rules: { allowances: { 'post-letter': { units: '20', rollover: { max: '10', expiresAfterMonths: 2 } } } } },
          { id: 'letters-sms', extends: 'letters', rules: { allowances: { sms: { units: '100' } } } },
        ],
      },
    });
    expect(plans.require({ id: 'focus' }).rules.allowances).toBeUndefined();
    expect(plans.require({ id: 'letters' }).rules.allowances).toEqual({ 'post-letter': { units: '20', rollover: { max: '10', expiresAfterMonths: 2 } } });
    expect(plans.require({ id: 'letters-sms' }).rules.allowances).toEqual({
      'post-letter': { units: '20', rollover: { max: '10', expiresAfterMonths: 2 } },
      sms: { units: '100' },
    });
  });

  it.each([
    [{ units: '0' }, 'must be more than 0'],
    [{ units: 20 }, 'expected string'],
    [{ units: '20', rollover: { max: '1.5e3' } }, 'must be a decimal string'],
    [{ units: '20', rollover: { max: '10', expiresAfterMonths: 0 } }, 'expiresAfterMonths'],
    [{ units: '20', rolover: { max: '10' } }, 'rolover'],
  ])('refuses a bad allowance %j at start', (allowance, message) => {
    expect(() =>
      buildPlanDirectory({ config: { definitions: [{ id: 'gold', extends: 'focus', rules: { allowances: { 'post-letter': allowance as never } } }] } }),
    ).toThrow(message);
  });

  it.each([
    [{ default: 'gold' }, 'plans.default: "gold" is not a plan (plans: classic, focus)'],
    [{ definitions: [{ id: 'gold', extends: 'platinum' }] }, 'plans.definitions[0] (gold): extends "platinum", which is not a plan'],
    [
      {
        definitions: [
          { id: 'gold', extends: 'focus' },
          { id: 'gold', extends: 'classic' },
        ],
      },
      'the id "gold" is defined twice',
    ],
    [{ definitions: [{ id: 'Gold!', extends: 'focus' }] }, 'plans.definitions.0.id: must be a plan id'],
    [
      { definitions: [{ id: 'gold', extends: 'focus', rules: { paymentMethods: { top_up: [{ kind: 'cash' }] } } }] },
      'plans.definitions.0.rules.paymentMethods.top_up.0.kind',
    ],
    [{ definitions: [{ id: 'gold', extends: 'focus', rules: { paymentMethod: {} } }] }, 'Unrecognized key: "paymentMethod"'],
    [{ definitions: [{ id: 'gold', extends: 'focus', rules: { countries: { post: ['be'] } } }] }, 'must be an ISO 3166 alpha-2 code'],
    [{ definitions: [{ id: 'gold' }] }, 'a plan that extends none needs a label'],
    [{ definitions: [{ id: 'gold', label: 'Gold', rules: { countries: {} } }] }, 'a plan that extends none must give every rule'],
  ])('refuses a bad config plan with a clear message: %j', (config, message) => {
    expect(() => buildPlanDirectory({ config: config as never })).toThrow(ConfigError);
    expect(() => buildPlanDirectory({ config: config as never })).toThrow(message);
  });

  it('a plan may extend one defined earlier in the list', () => {
    const plans = buildPlanDirectory({
      config: {
        definitions: [
          { id: 'gold', label: 'Gold', extends: 'classic' },
          { id: 'gold-eu', label: 'Gold EU', extends: 'gold', rules: { countries: { post: ['BE'] } } },
        ],
      },
    });
    expect(plans.require({ id: 'gold-eu' }).rules.paymentMethods).toEqual(CLASSIC_PLAN.rules.paymentMethods);
  });

  it('the refusal error is a 422 with its code', () => {
    expect(new PaymentMethodNotInPlanError({ message: 'no' })).toMatchObject({ status: 422, code: 'payment_method_not_in_plan' });
  });
});
