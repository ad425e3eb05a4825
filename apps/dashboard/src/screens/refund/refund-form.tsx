import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api/client.js';
import type { RefundView } from '../../api/funding-views.js';
import { Dialog } from '../../components/dialog.js';
import { ErrorMessage } from '../../components/error-message.js';
import { Money } from '../../components/money.js';
import { useIdempotencyKey } from '../../components/use-idempotency-key.js';
import { useI18n } from '../../i18n/index.js';
import { AMOUNT_INPUT, compareAmounts } from '../../money/cents.js';
import { quoteRefund, type RefundQuote } from './refund-quote.js';

/**
 * A refund request (owner only): the credits to exchange back, then a confirmation that shows the
 * fee and the payout before anything is sent.
 */
export function RefundForm({
  refundable,
  fee,
  canRefund,
  onRequested,
}: {
  refundable: string;
  fee: string;
  canRefund: boolean;
  onRequested(refund: RefundView): void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [credits, setCredits] = useState(refundable);
  const [hint, setHint] = useState('');
  const [quote, setQuote] = useState<Extract<RefundQuote, { ok: true }> | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const keys = useIdempotencyKey('refund');
  const typed = credits.trim().replace(',', '.');
  const preview = AMOUNT_INPUT.test(typed) ? quoteRefund({ credits: typed, fee, refundable }) : null;
  const nothingToRefund = compareAmounts(refundable, fee) <= 0;

  function review(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (!preview) return setHint(t('refund.form.badAmount'));
    if (!preview.ok) return setHint(t(`refund.form.${preview.reason}`));
    setHint('');
    setQuote(preview);
  }

  async function confirm() {
    if (!quote) return;
    setBusy(true);
    setError(null);
    try {
      const refund = await api.post<RefundView>('/v1/funding/refunds', { credits: quote.credits }, { idempotencyKey: keys.keyFor(quote.credits) });
      keys.settle();
      setQuote(null);
      onRequested(refund);
    } catch (caught) {
      keys.settle(caught);
      setError(caught);
      setQuote(null);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      {!canRefund && <p className="notice">{t('refund.form.ownerOnly')}</p>}
      {canRefund && nothingToRefund && <p className="notice">{t('refund.form.nothing')}</p>}
      <dl className="facts">
        <dt>{t('refund.form.refundable')}</dt>
        <dd>
          <Money amount={refundable} />
        </dd>
        <dt>{t('refund.form.fee')}</dt>
        <dd>
          <Money amount={fee} />
        </dd>
      </dl>
      <form onSubmit={review} className="stack" aria-describedby={`${id}-rule`}>
        <p id={`${id}-rule`} className="muted">
          {t('refund.form.rule')}
        </p>
        <fieldset disabled={!canRefund || nothingToRefund || busy} className="stack">
          <legend className="sr-only">{t('refund.form.title')}</legend>
          <label htmlFor={`${id}-credits`}>{t('refund.form.credits')}</label>
          <input
            id={`${id}-credits`}
            className="narrow"
            inputMode="decimal"
            required
            value={credits}
            aria-invalid={hint ? true : undefined}
            aria-describedby={`${id}-preview`}
            onChange={(event) => setCredits(event.target.value)}
          />
          <p id={`${id}-preview`} aria-live="polite">
            {preview?.ok ? (
              <>
                {t('refund.form.preview')} <Money amount={preview.payout} />
              </>
            ) : null}
          </p>
          {hint && (
            <p className="error" role="alert">
              {hint}
            </p>
          )}
          <div>
            <button type="submit" className="primary">
              {t('refund.form.review')}
            </button>
          </div>
        </fieldset>
      </form>
      <ErrorMessage error={error} />
      <Dialog open={quote !== null} title={t('refund.confirm.title')} onClose={() => !busy && setQuote(null)}>
        {quote && (
          <div className="stack">
            <p>{t('refund.confirm.explain')}</p>
            <table>
              <tbody>
                <tr>
                  <th scope="row">{t('refund.form.credits')}</th>
                  <td className="num">
                    <Money amount={quote.credits} />
                  </td>
                </tr>
                <tr>
                  <th scope="row">{t('refund.form.fee')}</th>
                  <td className="num">
                    − <Money amount={quote.fee} />
                  </td>
                </tr>
                <tr>
                  <th scope="row">{t('refund.confirm.payout')}</th>
                  <td className="num">
                    <strong>
                      <Money amount={quote.payout} />
                    </strong>
                  </td>
                </tr>
              </tbody>
            </table>
            <p className="muted">{t('refund.confirm.final')}</p>
            <div className="row">
              <button type="button" className="danger" onClick={() => void confirm()} disabled={busy}>
                {busy ? t('app.working') : t('refund.confirm.submit')}
              </button>
              <button type="button" onClick={() => setQuote(null)} disabled={busy}>
                {t('app.cancel')}
              </button>
            </div>
          </div>
        )}
      </Dialog>
    </>
  );
}
