import { formatMoney } from '../i18n/format.js';
import { useI18n } from '../i18n/index.js';

/** A decimal string shown as euros in the user's language; `data-amount` keeps the exact value for tests and copying. */
export function Money({ amount, currency = 'EUR' }: { amount: string; currency?: string }) {
  const { locale } = useI18n();
  return (
    <span className="money" data-amount={amount}>
      {formatMoney(locale, amount, currency)}
    </span>
  );
}
