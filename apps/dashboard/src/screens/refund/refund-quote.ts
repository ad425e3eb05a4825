import { compareAmounts, fromCents, toCents } from '../../money/cents.js';

export type RefundQuote =
  { ok: true; credits: string; fee: string; payout: string } | { ok: false; reason: 'exceeds_refundable' | 'below_fee'; credits: string; fee: string };

/**
 * What a refund of `credits` pays out, by the host's rule (docs/funding.md, "Refunds"): the flat
 * administrative fee is kept, the rest is paid; at most the refundable (purchased, unspent) credit,
 * and more than the fee. Computed in cents; the host computes and checks it again.
 */
export function quoteRefund(input: { credits: string; fee: string; refundable: string }): RefundQuote {
  const credits = fromCents(toCents(input.credits));
  const fee = fromCents(toCents(input.fee));
  if (compareAmounts(credits, input.refundable) > 0) return { ok: false, reason: 'exceeds_refundable', credits, fee };
  if (compareAmounts(credits, fee) <= 0) return { ok: false, reason: 'below_fee', credits, fee };
  return { ok: true, credits, fee, payout: fromCents(toCents(credits) - toCents(fee)) };
}
