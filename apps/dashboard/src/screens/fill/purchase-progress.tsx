import { useEffect, useState } from 'react';
import { api } from '../../api/client.js';
import type { PurchaseView } from '../../api/funding-views.js';
import { Busy } from '../../components/busy.js';
import { ErrorMessage } from '../../components/error-message.js';
import { Money } from '../../components/money.js';
import { useI18n } from '../../i18n/index.js';

const FINAL = new Set(['succeeded', 'failed', 'reversed']);
/** How often and how long the page asks after a card payment; the host asks the processor at most every 5 s. */
const POLL_MS = 2000;
const MAX_POLLS = 45;

/**
 * Back from the processor's hosted page (`?purchase=<id>`): asks the host until the payment is
 * settled one way or the other, with progress shown, then says how it ended.
 */
export function PurchaseProgress({ purchaseId, onSettled, onDismiss }: { purchaseId: string; onSettled(): void; onDismiss(): void }) {
  const { t } = useI18n();
  const [purchase, setPurchase] = useState<PurchaseView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [polls, setPolls] = useState(0);
  const [round, setRound] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let count = 0;
    const ask = async () => {
      try {
        const answer = await api.get<PurchaseView>(`/v1/funding/purchases/${encodeURIComponent(purchaseId)}`, undefined, controller.signal);
        if (controller.signal.aborted) return;
        setPurchase(answer);
        setError(null);
        count += 1;
        setPolls(count);
        if (FINAL.has(answer.status)) {
          onSettled();
          return;
        }
        if (count < MAX_POLLS) timer = setTimeout(() => void ask(), POLL_MS);
      } catch (caught) {
        if (!controller.signal.aborted) setError(caught);
      }
    };
    void ask();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
    // onSettled is a fresh function on every render of the parent; the poll depends on the purchase only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [purchaseId, round]);

  const status = purchase?.status;
  const waiting = !status || !FINAL.has(status);
  return (
    <div className="card purchase-progress" aria-labelledby="purchase-progress-title">
      <h2 id="purchase-progress-title">{t('fill.progress.title')}</h2>
      <div role="status" aria-live="polite">
        {waiting && polls < MAX_POLLS && !error && <Busy label={t('fill.progress.waiting')} value={polls} max={MAX_POLLS} />}
        {waiting && polls >= MAX_POLLS && <p>{t('fill.progress.stillWaiting')}</p>}
        {purchase && status === 'succeeded' && (
          <p className="success">
            {t('fill.progress.succeeded')} <Money amount={purchase.amount} />
          </p>
        )}
        {purchase && (status === 'failed' || status === 'reversed') && (
          <p className="error">
            {t('fill.progress.failed')}
            {purchase.reason ? ` ${t('error.code', { code: purchase.reason })}` : ''}
          </p>
        )}
      </div>
      <ErrorMessage error={error} />
      <div className="row">
        {waiting && (polls >= MAX_POLLS || error !== null) && (
          <button type="button" onClick={() => setRound((value) => value + 1)}>
            {t('fill.progress.checkAgain')}
          </button>
        )}
        <button type="button" className="link-button" onClick={onDismiss}>
          {t('app.close')}
        </button>
      </div>
    </div>
  );
}
