import { ValidationError } from '@tollgate/errors';
import { Money } from '@tollgate/money';

export const FUNDING_OPTIONS = Symbol.for('tollgate.FundingOptions');

export interface FundingOptions {
  /** Cash packs in euros (C-1). Default 5, 10, 25, 50, 100, 250, 500, 1000. */
  packs?: readonly string[];
  /** The administrative fee of a refund (C-5, Terms of Service). Default "50.00". */
  refundFee?: string;
  /** What the referrer earns when a referred account first buys credits (C-4). Default "10.00". */
  referralCredit?: string;
  /** Auto-refill storm guard defaults: at most this many refills per period (C-3). Default 3 per 24 h. */
  refillMaxPerPeriod?: number;
  refillPeriodHours?: number;
  /** How long a charge may wait for an in-flight card ('fast') refill. Default 5000 ms; 0 = never wait. */
  refillWaitMs?: number;
}

export const PACK_MIN = Money.of('5.00');
export const PACK_MAX = Money.of('1000.00');

export interface ResolvedFundingOptions {
  packs: Money[];
  refundFee: Money;
  referralCredit: Money;
  refillMaxPerPeriod: number;
  refillPeriodHours: number;
  refillWaitMs: number;
}

export function resolveFundingOptions(options: FundingOptions = {}): ResolvedFundingOptions {
  const packs = (options.packs ?? ['5', '10', '25', '50', '100', '250', '500', '1000']).map((p) => Money.of(p).roundToCents());
  for (const pack of packs) {
    if (pack.lessThan(PACK_MIN) || pack.greaterThan(PACK_MAX))
      throw new ValidationError({ code: 'invalid_packs', message: `Pack €${pack.toString()} is outside €5.00…€1000.00` });
  }
  return {
    packs: [...packs].sort((a, b) => a.compare(b)),
    refundFee: Money.of(options.refundFee ?? '50.00'),
    referralCredit: Money.of(options.referralCredit ?? '10.00'),
    refillMaxPerPeriod: options.refillMaxPerPeriod ?? 3,
    refillPeriodHours: options.refillPeriodHours ?? 24,
    refillWaitMs: options.refillWaitMs ?? 5000,
  };
}
