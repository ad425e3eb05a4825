import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api/client.js';
import type { CheckoutView, PaymentMethodView, PurchaseView } from '../../api/funding-views.js';
import { ErrorMessage } from '../../components/error-message.js';
import { Money } from '../../components/money.js';
import { useIdempotencyKey } from '../../components/use-idempotency-key.js';
import { formatDay } from '../../i18n/format-day.js';
import { formatMoney } from '../../i18n/format.js';
import { useI18n } from '../../i18n/index.js';
import { AMOUNT_INPUT, compareAmounts, normaliseAmount } from '../../money/cents.js';

const CARD_PAGE = 'hosted-card';
const CUSTOM = 'custom';

/**
 * Buying credit: a pack (or a typed amount, which the host accepts only when it is one of its packs),
 * paid by card on the processor's hosted page or with a stored method (SEPA mandate, card).
 */
export function BuySection({ packs, methods, canBuy, onBought }: { packs: string[]; methods: PaymentMethodView[]; canBuy: boolean; onBought(): void }) {
  const { t, locale } = useI18n();
  const id = useId();
  const [choice, setChoice] = useState<string>(packs.includes('25.00') ? '25.00' : (packs[0] ?? CUSTOM));
  const [custom, setCustom] = useState('');
  const [method, setMethod] = useState<string>(CARD_PAGE);
  const [hint, setHint] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<PurchaseView | null>(null);
  const keys = useIdempotencyKey('buy');

  function chosenAmount(): string | null {
    if (choice !== CUSTOM) return choice;
    const typed = custom.trim().replace(',', '.');
    if (!AMOUNT_INPUT.test(typed)) return null;
    return normaliseAmount(typed);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setHint('');
    setError(null);
    setResult(null);
    const amount = chosenAmount();
    if (amount === null) return setHint(t('fill.buy.badAmount'));
    if (compareAmounts(amount, '5') < 0 || compareAmounts(amount, '1000') > 0) return setHint(t('fill.buy.outOfRange'));
    setBusy(true);
    const key = keys.keyFor(`${amount}|${method}`);
    try {
      if (method === CARD_PAGE) {
        const checkout = await api.post<CheckoutView>('/v1/funding/checkouts', { amount, returnPath: '/app/fill' }, { idempotencyKey: key });
        keys.settle();
        // The processor's page takes the card and 3-D Secure; it sends the payer back with ?purchase=<id>.
        window.location.assign(checkout.redirectUrl);
        return;
      }
      const purchase = await api.post<PurchaseView>('/v1/funding/purchases', { amount, paymentMethodId: method }, { idempotencyKey: key });
      keys.settle();
      setResult(purchase);
      onBought();
      if (purchase.redirectUrl) window.location.assign(purchase.redirectUrl);
    } catch (caught) {
      keys.settle(caught);
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const amount = chosenAmount();
  return (
    <form onSubmit={submit} className="stack" aria-busy={busy} aria-describedby={canBuy ? undefined : `${id}-role`}>
      {!canBuy && (
        <p id={`${id}-role`} className="notice">
          {t('fill.needsAdmin')}
        </p>
      )}
      <fieldset disabled={!canBuy || busy} className="packs">
        <legend>{t('fill.buy.amount')}</legend>
        <div className="pack-grid">
          {packs.map((pack) => (
            <label key={pack} className="pack">
              <input type="radio" name={`${id}-pack`} value={pack} checked={choice === pack} onChange={() => setChoice(pack)} />
              <Money amount={pack} />
            </label>
          ))}
          <label className="pack">
            <input type="radio" name={`${id}-pack`} value={CUSTOM} checked={choice === CUSTOM} onChange={() => setChoice(CUSTOM)} />
            {t('fill.buy.custom')}
          </label>
        </div>
        {choice === CUSTOM && (
          <div className="stack narrow">
            <label htmlFor={`${id}-custom`}>{t('fill.buy.customLabel')}</label>
            <input
              id={`${id}-custom`}
              inputMode="decimal"
              autoComplete="off"
              value={custom}
              aria-describedby={`${id}-custom-help`}
              aria-invalid={hint ? true : undefined}
              onChange={(event) => setCustom(event.target.value)}
            />
            <p id={`${id}-custom-help`} className="muted">
              {t('fill.buy.customHelp', { min: formatMoney(locale, '5.00'), max: formatMoney(locale, '1000.00') })}
            </p>
          </div>
        )}
      </fieldset>
      <fieldset disabled={!canBuy || busy}>
        <legend>{t('fill.buy.payWith')}</legend>
        <label className="choice">
          <input type="radio" name={`${id}-method`} value={CARD_PAGE} checked={method === CARD_PAGE} onChange={() => setMethod(CARD_PAGE)} />
          {t('fill.buy.cardPage')}
        </label>
        {methods.map((stored) => (
          <label key={stored.id} className="choice">
            <input type="radio" name={`${id}-method`} value={stored.id} checked={method === stored.id} onChange={() => setMethod(stored.id)} />
            {stored.label} <span className="muted">({t(`fill.methods.kind.${stored.kind}`)})</span>
          </label>
        ))}
      </fieldset>
      {hint && (
        <p className="error" role="alert">
          {hint}
        </p>
      )}
      <ErrorMessage error={error} />
      <div role="status" aria-live="polite">
        {result && <PurchaseResult purchase={result} />}
      </div>
      <div>
        <button type="submit" className="primary" disabled={!canBuy || busy}>
          {busy ? t('app.working') : amount ? t('fill.buy.submit', { amount: formatMoney(locale, amount) }) : t('fill.buy.submitPlain')}
        </button>
      </div>
    </form>
  );
}

function PurchaseResult({ purchase }: { purchase: PurchaseView }) {
  const { t, locale } = useI18n();
  if (purchase.status === 'succeeded')
    return (
      <p className="success">
        {t('fill.progress.succeeded')} <Money amount={purchase.amount} />
      </p>
    );
  if (purchase.status === 'failed' || purchase.status === 'reversed')
    return (
      <p className="error">
        {t('fill.progress.failed')}
        {purchase.reason ? ` ${t('error.code', { code: purchase.reason })}` : ''}
      </p>
    );
  return (
    <p className="notice">
      {t('fill.buy.onItsWay', {
        date: purchase.expectedSettlementDate ? formatDay(locale, purchase.expectedSettlementDate) : t('wallet.purchase.soon'),
      })}
    </p>
  );
}
