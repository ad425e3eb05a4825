import { Money } from '@tollgate/money';
import type { AlertCondition, AlertReading } from './alert.types.js';

/** What the conditions are measured against, read in the evaluating transaction. */
export interface AlertFacts {
  available: Money;
  /** The amount of the last purchased top-up; null when the account never bought credit. */
  lastTopUp: Money | null;
  /** Spending (charges + captures − reversals) over the last N days, by N. */
  spentOver: ReadonlyMap<number, Money>;
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
const roundDiv = (a: bigint, b: bigint) => (2n * a + b) / (2n * b);

/**
 * Measures one condition. Exact: compared in cents with whole numbers (no division before the
 * comparison), so a balance exactly at the threshold never fires and rounding never decides.
 */
export function readAlert(input: { condition: AlertCondition; facts: AlertFacts }): AlertReading {
  const { condition, facts } = input;
  const balance = facts.available;
  const cents = balance.toCents();
  if (condition.kind === 'balance_below') {
    return { balance, threshold: condition.amount, daysLeft: null, burnPerDay: null, met: balance.lessThan(condition.amount) };
  }
  if (condition.kind === 'percent_of_last_top_up') {
    if (!facts.lastTopUp) return { balance, threshold: null, daysLeft: null, burnPerDay: null, met: false };
    const last = facts.lastTopUp.toCents();
    const percent = BigInt(condition.percent);
    return {
      balance,
      threshold: Money.fromCents(ceilDiv(last * percent, 100n)),
      daysLeft: null,
      burnPerDay: null,
      met: cents * 100n < last * percent,
    };
  }
  const window = BigInt(condition.burnWindowDays);
  const spent = (facts.spentOver.get(condition.burnWindowDays) ?? Money.zero()).toCents();
  // No spending (or more given back than spent): the balance lasts for ever.
  if (spent <= 0n) return { balance, threshold: null, daysLeft: null, burnPerDay: Money.zero(), met: false };
  const days = BigInt(condition.days);
  const tenths = cents <= 0n ? 0n : (cents * window * 10n) / spent;
  return {
    balance,
    threshold: Money.fromCents(ceilDiv(days * spent, window)),
    daysLeft: `${tenths / 10n}.${tenths % 10n}`,
    burnPerDay: Money.fromCents(roundDiv(spent, window)),
    met: cents * window < days * spent,
  };
}
