import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api/client.js';
import { Busy } from '../../components/busy.js';
import { Dialog } from '../../components/dialog.js';
import { ErrorMessage } from '../../components/error-message.js';
import { Money } from '../../components/money.js';
import { Page } from '../../components/page.js';
import { useLoad } from '../../components/use-load.js';
import { formatDateTime } from '../../i18n/format.js';
import { useI18n } from '../../i18n/index.js';
import { Link } from '../../router.js';
import { AccountName } from './account-name.js';
import type { RefundView } from './types.js';

/** Refunds owners asked for (C-5): pay them out by bank transfer, then record the transfer's reference here. */
export function RefundsScreen() {
  const { t, locale } = useI18n();
  const id = useId();
  const [status, setStatus] = useState<'requested' | 'paid' | ''>('requested');
  const refunds = useLoad((signal) => api.get<{ data: RefundView[] }>('/admin/funding/refunds', { status }, signal).then((r) => r.data), [status]);
  const [paying, setPaying] = useState<RefundView | null>(null);
  const [done, setDone] = useState<string | null>(null);

  return (
    <Page title={t('admin.refunds.title')}>
      <p className="muted">{t('admin.refunds.help')}</p>
      <div className="row">
        <div className="stack">
          <label htmlFor={`${id}-status`}>{t('admin.refunds.show')}</label>
          <select id={`${id}-status`} value={status} onChange={(event) => setStatus(event.target.value as typeof status)}>
            <option value="requested">{t('admin.refunds.status.requested')}</option>
            <option value="paid">{t('admin.refunds.status.paid')}</option>
            <option value="">{t('admin.refunds.all')}</option>
          </select>
        </div>
      </div>
      <div role="status" aria-live="polite">
        {done && <p className="success">{done}</p>}
      </div>
      {refunds.loading && <Busy />}
      <ErrorMessage error={refunds.error} onRetry={refunds.reload} />
      {refunds.data && refunds.data.length === 0 && <p>{t('admin.refunds.empty')}</p>}
      {refunds.data && refunds.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('admin.refunds.requestedAt')}</th>
              <th scope="col">{t('admin.refunds.account')}</th>
              <th scope="col" className="num">
                {t('admin.refunds.credits')}
              </th>
              <th scope="col" className="num">
                {t('admin.refunds.fee')}
              </th>
              <th scope="col" className="num">
                {t('admin.refunds.payout')}
              </th>
              <th scope="col">{t('admin.refunds.statusLabel')}</th>
              <th scope="col">{t('admin.refunds.action')}</th>
            </tr>
          </thead>
          <tbody>
            {refunds.data.map((refund) => (
              <tr key={refund.id}>
                <th scope="row">{formatDateTime(locale, refund.createdAt)}</th>
                <td>
                  <Link to={`/accounts/${encodeURIComponent(refund.accountId)}`}>
                    <AccountName accountId={refund.accountId} />
                  </Link>
                </td>
                <td className="num">
                  <Money amount={refund.credits} currency={refund.currency} />
                </td>
                <td className="num">
                  <Money amount={refund.fee} currency={refund.currency} />
                </td>
                <td className="num">
                  <Money amount={refund.payout} currency={refund.currency} />
                </td>
                <td>
                  {t(`admin.refunds.status.${refund.status}`)}
                  {refund.paidAt && (
                    <>
                      {' '}
                      ({formatDateTime(locale, refund.paidAt)}
                      {refund.payoutReference ? `, ${refund.payoutReference}` : ''})
                    </>
                  )}
                </td>
                <td>
                  {refund.status === 'requested' && (
                    // The refund's id is heard, not shown: the spoken name starts with the visible text (WCAG 2.5.3, axe label-content-name-mismatch).
                    <button type="button" onClick={() => setPaying(refund)}>
                      {t('admin.refunds.markPaid')}
                      <span className="sr-only"> ({refund.id})</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {paying && (
        <Dialog open title={t('admin.refunds.markPaidTitle')} onClose={() => setPaying(null)}>
          <MarkPaidForm
            refund={paying}
            onCancel={() => setPaying(null)}
            onPaid={(paid) => {
              setPaying(null);
              setDone(t('admin.refunds.recorded', { reference: paid.payoutReference ?? '' }));
              refunds.reload();
            }}
          />
        </Dialog>
      )}
    </Page>
  );
}

function MarkPaidForm({ refund, onPaid, onCancel }: { refund: RefundView; onPaid(refund: RefundView): void; onCancel(): void }) {
  const { t } = useI18n();
  const id = useId();
  const [reference, setReference] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onPaid(await api.post<RefundView>(`/admin/funding/refunds/${encodeURIComponent(refund.id)}/paid`, { reference: reference.trim() }));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="stack">
      <p>
        {t('admin.refunds.payThis')} <Money amount={refund.payout} currency={refund.currency} />
      </p>
      <label htmlFor={`${id}-reference`}>{t('admin.refunds.reference')}</label>
      <input id={`${id}-reference`} required maxLength={200} value={reference} onChange={(event) => setReference(event.target.value)} />
      <ErrorMessage error={error} />
      <div className="row">
        <button type="submit" className="primary" disabled={busy || !reference.trim()}>
          {busy ? t('app.working') : t('admin.refunds.confirmPaid')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('app.cancel')}
        </button>
      </div>
    </form>
  );
}
