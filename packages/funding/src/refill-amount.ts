import { Money } from '@tollgate/money';
import { PACK_MAX, PACK_MIN } from './funding.options.js';

const CENT = Money.of('0.01');

/** Up to the next whole cent: 46.601 → 46.61 (a refill never ends a cent short of its target). */
export function ceilToCents(amount: Money): Money {
  const rounded = amount.roundToCents();
  return rounded.lessThan(amount) ? rounded.plus(CENT) : rounded;
}

/**
 * What a 'target' refill buys: one purchase that lifts the balance to the target, or, for a use the balance
 * cannot pay (`shortfall`: its price less the balance), that leaves the balance at the target once the use is
 * paid (target + shortfall). Rounded up to the cent and kept within the packs' range, €5.00…€1000.00.
 */
export function targetRefillAmount(input: { target: Money; available: Money; shortfall?: Money | null }): Money {
  const wanted = input.shortfall ? input.target.plus(input.shortfall) : input.target.minus(input.available);
  return Money.min(PACK_MAX, Money.max(PACK_MIN, ceilToCents(wanted)));
}
