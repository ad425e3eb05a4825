import type { AutoRefillView } from '../../api/funding-views.js';
import type { AlertView, BalanceView } from '../../api/wallet-views.js';
import { compareAmounts } from '../../money/cents.js';

export type LowBalance =
  { reason: 'empty' } | { reason: 'below_refill_minimum'; minimum: string; paused: boolean } | { reason: 'alert'; alert: AlertView } | null;

/**
 * Whether the wallet is low, and why: nothing left; below the auto-refill minimum (a refill is due
 * or paused); or one of the account's alerts has fired. The first that holds is shown.
 */
export function lowBalance(input: { balance: BalanceView; autoRefill?: AutoRefillView | undefined; alerts?: AlertView[] | undefined }): LowBalance {
  if (compareAmounts(input.balance.available, '0') <= 0) return { reason: 'empty' };
  const refill = input.autoRefill;
  if (refill?.enabled && refill.minimum && compareAmounts(input.balance.available, refill.minimum) < 0)
    return { reason: 'below_refill_minimum', minimum: refill.minimum, paused: refill.paused };
  const fired = input.alerts?.find((alert) => alert.enabled && alert.state === 'triggered');
  return fired ? { reason: 'alert', alert: fired } : null;
}
