import type { CardFunding, FundingPurpose, PlanPaymentMethodRule, PlanRules } from '@tollgate/plugin-sdk';

export type PaymentMethodKind = PlanPaymentMethodRule['kind'];

export type PaymentMethodVerdict =
  | { ok: true }
  | {
      ok: false;
      code: 'payment_method_not_in_plan';
      message: string;
      details: { plan: string | null; purpose: FundingPurpose; kind: string; cardFunding: CardFunding | null; allowed: PlanPaymentMethodRule[] };
    };

const PURPOSE_WORDS: Record<FundingPurpose, string> = { top_up: 'top-ups', auto_refill: 'auto-refills' };

/**
 * Whether a plan takes this payment method for this purpose. A card rule with `cardFunding` takes
 * only cards whose funding the network reported as one of those: a card of unknown funding (or one
 * saved before funding was recorded) is refused there, since the plan cannot be shown to allow it.
 * `plan` (the plan's id) only words the refusal: "The classic plan takes top-ups by debit card only".
 */
export function allowsPaymentMethod(input: {
  rules: PlanRules;
  purpose: FundingPurpose;
  kind: string;
  cardFunding?: CardFunding | null;
  plan?: string;
}): PaymentMethodVerdict {
  const allowed = input.rules.paymentMethods[input.purpose] ?? [];
  const funding = input.cardFunding ?? null;
  const ok = allowed.some((rule) => {
    if (rule.kind !== input.kind) return false;
    if (rule.kind === 'card' && rule.cardFunding) return funding !== null && rule.cardFunding.includes(funding);
    return true;
  });
  if (ok) return { ok: true };
  const plan = input.plan ?? null;
  const what = describeMethods(allowed);
  const message = allowed.length
    ? `The ${plan ?? 'account’s'} plan takes ${PURPOSE_WORDS[input.purpose]} by ${what}${allowed.length === 1 ? ' only' : ''}; this payment method is ${describeMethod(input.kind, funding)}.`
    : `The ${plan ?? 'account’s'} plan takes no ${PURPOSE_WORDS[input.purpose]}.`;
  return {
    ok: false,
    code: 'payment_method_not_in_plan',
    message,
    details: { plan, purpose: input.purpose, kind: input.kind, cardFunding: funding, allowed: allowed.map((r) => ({ ...r })) },
  };
}

/** Whether the plan takes this method for at least one purpose (a method it never takes is not worth saving). */
export function allowsForAnyPurpose(input: { rules: PlanRules; kind: string; cardFunding?: CardFunding | null }): boolean {
  return (['top_up', 'auto_refill'] as const).some((purpose) => allowsPaymentMethod({ ...input, purpose }).ok);
}

/** 'debit card', 'SEPA direct debit or card', 'credit or debit card'. */
export function describeMethods(rules: readonly PlanPaymentMethodRule[]): string {
  const words = rules.map((rule) =>
    rule.kind === 'sepa_direct_debit' ? 'SEPA direct debit' : rule.cardFunding ? `${orList(rule.cardFunding.map(String))} card` : 'card',
  );
  return orList(words);
}

function describeMethod(kind: string, funding: CardFunding | null): string {
  if (kind === 'sepa_direct_debit') return 'a SEPA direct debit';
  if (kind !== 'card') return `a ${kind} payment method`;
  if (funding === null || funding === 'unknown') return 'a card whose funding (credit or debit) is not known';
  return `a ${funding} card`;
}

function orList(words: readonly string[]): string {
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

/**
 * The countries a channel is offered in under these rules, or null when the plan does not limit it
 * (the channel's catalog decides). A channel's own entry wins over its family's: 'post-letter' reads
 * 'post-letter', then 'post'.
 */
export function countriesFor(input: { rules: PlanRules; channel: string }): readonly string[] | null {
  const own = input.rules.countries[input.channel];
  if (own) return own;
  const family = input.channel.split(/[-.]/)[0];
  return family !== undefined && family !== input.channel ? (input.rules.countries[family] ?? null) : null;
}
