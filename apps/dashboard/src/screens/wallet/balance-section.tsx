import type { AutoRefillView, PurchaseView } from '../../api/funding-views.js';
import { LOT_KINDS, type AlertView, type BalanceView } from '../../api/wallet-views.js';
import { Money } from '../../components/money.js';
import { formatDay } from '../../i18n/format-day.js';
import { formatDateTime } from '../../i18n/format.js';
import { useI18n } from '../../i18n/index.js';
import { Link } from '../../router.js';
import { useSession } from '../../auth.js';
import { lowBalance } from './low-balance.js';

export function BalanceSection({
  balance,
  autoRefill,
  alerts,
}: {
  balance: BalanceView;
  autoRefill?: AutoRefillView | undefined;
  alerts?: AlertView[] | undefined;
}) {
  const { t, locale } = useI18n();
  const low = lowBalance({ balance, autoRefill, alerts });
  return (
    <>
      {low && (
        <div className="notice low-balance" role="status" data-testid="low-balance">
          <strong>{t('wallet.low.title')}</strong> {low.reason === 'empty' && t('wallet.low.empty')}
          {low.reason === 'below_refill_minimum' && (
            <>
              {t('wallet.low.belowMinimum')} <Money amount={low.minimum} />. {low.paused ? t('wallet.low.refillPaused') : t('wallet.low.refillDue')}
            </>
          )}
          {low.reason === 'alert' && t('wallet.low.alert', { name: low.alert.name ?? t(`wallet.alerts.kind.${low.alert.kind}`) })}{' '}
          <Link to="/fill">{t('wallet.low.fill')}</Link>
        </div>
      )}
      {balance.blocked && (
        <div className="error" role="alert">
          <p>
            {t('wallet.blocked')} <Money amount={balance.owed} />
          </p>
        </div>
      )}
      <div className="cards">
        <div className="card">
          <h2 id="wallet-available">{t('wallet.available')}</h2>
          <p className="figure" aria-labelledby="wallet-available">
            <Money amount={balance.available} />
          </p>
          <p className="muted">{t('wallet.availableHelp')}</p>
        </div>
        <div className="card">
          <h2>{t('wallet.reserved')}</h2>
          <p className="figure">
            <Money amount={balance.pending} />
          </p>
          <p className="muted">{t('wallet.reservedHelp')}</p>
        </div>
        <div className="card">
          <h2>{t('wallet.incoming')}</h2>
          <p className="figure">
            <Money amount={balance.incoming.amount} />
          </p>
          <p className="muted">
            {balance.incoming.purchases > 0
              ? t('wallet.incomingHelp', {
                  count: balance.incoming.purchases,
                  date: balance.incoming.nextExpectedSettlementDate
                    ? formatDay(locale, balance.incoming.nextExpectedSettlementDate)
                    : t('wallet.purchase.soon'),
                })
              : t('wallet.incomingNone')}
          </p>
        </div>
      </div>
      <h2 id="by-kind">{t('wallet.byKind')}</h2>
      <table aria-labelledby="by-kind">
        <thead>
          <tr>
            <th scope="col">{t('wallet.kind')}</th>
            <th scope="col" className="num">
              {t('wallet.available')}
            </th>
            <th scope="col" className="num">
              {t('wallet.reserved')}
            </th>
          </tr>
        </thead>
        <tbody>
          {LOT_KINDS.map((kind) => (
            <tr key={kind}>
              <th scope="row">
                {t(`wallet.kind.${kind}`)}
                <span className="muted"> — {t(`wallet.kindHelp.${kind}`)}</span>
              </th>
              <td className="num">
                <Money amount={balance.byKind[kind].available} />
              </td>
              <td className="num">
                <Money amount={balance.byKind[kind].pending} />
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{t('wallet.total')}</th>
            <td className="num">
              <Money amount={balance.available} />
            </td>
            <td className="num">
              <Money amount={balance.pending} />
            </td>
          </tr>
        </tfoot>
      </table>
      {balance.scoped.length > 0 && (
        <>
          <h3>{t('wallet.scoped')}</h3>
          <ul>
            {balance.scoped.map((scoped) => (
              <li key={scoped.scope.join(',')}>
                {t('wallet.scopedFor', { scope: scoped.scope.join(', ') })}: <Money amount={scoped.available} />
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

/** Pending purchases: a SEPA top-up before its settlement date, a card payment waiting for 3-D Secure. */
export function IncomingPurchases({ purchases }: { purchases: PurchaseView[] }) {
  const { t, locale } = useI18n();
  const { account } = useSession();
  if (purchases.length === 0) return <p className="muted">{t('wallet.incomingNone')}</p>;
  return (
    <table>
      <caption className="sr-only">{t('wallet.incomingList')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('wallet.purchase.created')}</th>
          <th scope="col" className="num">
            {t('wallet.purchase.amount')}
          </th>
          <th scope="col">{t('wallet.purchase.expected')}</th>
        </tr>
      </thead>
      <tbody>
        {purchases.map((purchase) => (
          <tr key={purchase.id}>
            <td>{formatDateTime(locale, purchase.createdAt, account?.timeZone)}</td>
            <td className="num">
              <Money amount={purchase.amount} />
            </td>
            <td>{purchase.expectedSettlementDate ? formatDay(locale, purchase.expectedSettlementDate) : t('wallet.purchase.soon')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
