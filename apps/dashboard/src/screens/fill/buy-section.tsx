import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api/client.js';
import type { CheckoutView, PaymentMethodView, PurchaseView } from '../../api/funding-views.js';
import { ErrorMessage } from '../../components/error-message.js';
import { Money } from '../../components/money.js';
import { useIdempotencyKey } from '../../components/use-idempotency-key.js';
import { formatDay } from '../../i18n/format-day.js';
import { formatMoney } from '../../i18n/format.js';
import { useI18n } from '../../i18n/index.js';

const CARD_PAGE = 'hosted-card';

/**
 * Buying credit: one of the host's packs (it sells no other amounts: `422 unknown_pack`),
 * paid by card on the processor's hosted page or with a stored method (SEPA mandate, card).
 */
export function BuySection({ packs, methods, canBuy, onBought }: { packs: string[]; methods: PaymentMethodView[]; canBuy: boolean; onBought(): void }) {
  const { t, locale } = useI18n();
  const id = useId();
  const [choice, setChoice] = useState<string>(packs.includes('25.00') ? '25.00' : (packs[0] ?? ''));
  const [method, setMethod] = useState<string>(CARD_PAGE);
  const [hint, setHint] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<PurchaseView | null>(null);
  const keys = useIdempotencyKey('buy');

  async function submit(event: FormEvent) {
    event.preventDefault();
    setHint('');
    setError(null);
    setResult(null);
    const amount = choice;
    if (!amount) return setHint(t('fill.buy.amount'));
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

  const amount = choice;
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
        </div>
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
