import { Money } from '@tollgate/plugin-sdk';

/** Billed minutes of a call: every started minute counts (61 s = 2), a call of 0 s costs nothing. */
export function minutesFor(durationSeconds: number): number {
  if (!Number.isInteger(durationSeconds) || durationSeconds < 0) throw new RangeError(`durationSeconds must be a whole number >= 0, got ${durationSeconds}`);
  return Math.ceil(durationSeconds / 60);
}

/** What `minutes` cost: the wallet rounds half-up to the cent once, after multiplying. */
export function priceOfMinutes(input: { unitPrice: Money; minutes: number }): Money {
  return input.unitPrice.times(input.minutes).roundToCents();
}

/**
 * The most whole minutes (up to `max`) whose price the available credit covers; 0 when not even
 * the first minute is covered. Counted down because rounding makes cost per minute uneven.
 */
export function affordableMinutes(input: { available: Money; unitPrice: Money; max: number }): number {
  for (let minutes = input.max; minutes > 0; minutes--) {
    if (priceOfMinutes({ unitPrice: input.unitPrice, minutes }).lessThanOrEqual(input.available)) return minutes;
  }
  return 0;
}
