import type { RefundView } from '../../api/funding-views.js';
import { useSession } from '../../auth.js';
import { Money } from '../../components/money.js';
import { formatDateTime } from '../../i18n/format.js';
import { useI18n } from '../../i18n/index.js';

export function RefundsTable({ refunds }: { refunds: RefundView[] }) {
  const { t, locale } = useI18n();
  const { account } = useSession();
  if (refunds.length === 0) return <p className="muted">{t('refund.list.none')}</p>;
  return (
    <table>
      <caption className="sr-only">{t('refund.list.title')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('refund.list.requested')}</th>
          <th scope="col" className="num">
            {t('refund.form.credits')}
          </th>
          <th scope="col" className="num">
            {t('refund.form.fee')}
          </th>
          <th scope="col" className="num">
            {t('refund.confirm.payout')}
          </th>
          <th scope="col">{t('refund.list.status')}</th>
        </tr>
      </thead>
      <tbody>
        {refunds.map((refund) => (
          <tr key={refund.id}>
            <td>{formatDateTime(locale, refund.createdAt, account?.timeZone)}</td>
            <td className="num">
              <Money amount={refund.credits} />
            </td>
            <td className="num">
              <Money amount={refund.fee} />
            </td>
            <td className="num">
              <Money amount={refund.payout} />
            </td>
            <td>
              {refund.status === 'paid'
                ? t('refund.list.paid', {
                    at: refund.paidAt ? formatDateTime(locale, refund.paidAt, account?.timeZone) : '',
                    reference: refund.payoutReference ?? '—',
                  })
                : t('refund.list.waiting')}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
