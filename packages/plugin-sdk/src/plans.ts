/**
 * Plans (editions, W-11): an account is on one plan, which selects its price list and the rules
 * that differ between editions. Plugins read them; only the host moves an account between plans.
 */

/** Why money comes in: a top-up the user starts, or an automatic refill. */
export type FundingPurpose = 'top_up' | 'auto_refill';

/** How a card is funded, as the card network reports it (Stripe's `card.funding`). */
export type CardFunding = 'credit' | 'debit' | 'prepaid' | 'unknown';

/** One payment method a plan allows for a purpose; `cardFunding` narrows cards (classic: debit only for top-ups). */
export type PlanPaymentMethodRule = { kind: 'sepa_direct_debit' } | { kind: 'card'; cardFunding?: readonly CardFunding[] };

/** The rules that differ between plans. */
export interface PlanRules {
  /** Payment methods allowed per purpose; a method not listed is refused with `payment_method_not_in_plan`. */
  paymentMethods: Readonly<Record<FundingPurpose, readonly PlanPaymentMethodRule[]>>;
  /**
   * Countries a channel (or a channel family such as 'post') is offered in, ISO 3166 alpha-2.
   * A channel not listed here is offered everywhere its catalog has a price.
   */
  countries: Readonly<Record<string, readonly string[]>>;
  /**
   * Where a per-user feature is switched on, by feature id (e.g. 'company-data' → 'users' or 'hr'):
   * the settings page a person looks for it on. The switch itself is the same API on every plan.
   */
  featureSettings: Readonly<Record<string, string>>;
  /** Free-form per-feature settings a plugin documents (e.g. which Trends Top formulas carry export rights). */
  features: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * Units of a channel the plan includes every month (e.g. 20 letters), spent after the free quota
   * and before money, by channel id. Since API 2.8.
   */
  allowances?: Readonly<Record<string, PlanAllowance>>;
}

/** A plan's monthly allowance of one channel. Since API 2.8. */
export interface PlanAllowance {
  /** Units granted each calendar month in the account's time zone (decimal string): "20". */
  units: string;
  /**
   * Unused units roll over into the next months, at most `max` in total (units already carried keep
   * their place; a month's leftover tops the cap up); they can be used until `expiresAfterMonths`
   * months after the month they were granted in (none: until used). Without `rollover`, unused units lapse.
   */
  rollover?: { max: string; expiresAfterMonths?: number };
}

/** An account's plan as a plugin sees it. */
export interface AccountPlan {
  /** 'classic', 'focus', or an id defined in the host's config. */
  id: string;
  label: string;
  /** Since when the account is on it. */
  since: Date;
  rules: PlanRules;
}

/** Plans, read only (since plugin API 2.4). */
export interface PluginPlans {
  /** The account's plan now; null when no such account exists. */
  forAccount(input: { accountId: string }): Promise<AccountPlan | null>;
}
