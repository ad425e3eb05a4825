import type { AllowanceView, HoldView, QuotaView } from '../../api/wallet-views.js';
import { useSession } from '../../auth.js';
import { useChannelName } from '../../components/channel-name.js';
import { Money } from '../../components/money.js';
import { formatDay } from '../../i18n/format-day.js';
import { formatDateTime, formatNumber } from '../../i18n/format.js';
import { useI18n } from '../../i18n/index.js';

/** Open holds: money set aside for uses in progress (a call, a letter being printed). */
export function HoldsTable({ holds }: { holds: HoldView[] }) {
  const { t, locale } = useI18n();
  const { account } = useSession();
  const channelName = useChannelName();
  if (holds.length === 0) return <p className="muted">{t('wallet.holds.none')}</p>;
  return (
    <table>
      <caption className="sr-only">{t('wallet.holds.title')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('wallet.holds.channel')}</th>
          <th scope="col">{t('wallet.holds.description')}</th>
          <th scope="col" className="num">
            {t('wallet.holds.amount')}
          </th>
          <th scope="col">{t('wallet.holds.created')}</th>
          <th scope="col">{t('wallet.holds.expires')}</th>
        </tr>
      </thead>
      <tbody>
        {holds.map((hold) => (
          <tr key={hold.id}>
            <td>{channelName(hold.channel)}</td>
            <td>{hold.description}</td>
            <td className="num">
              <Money amount={hold.amount} />
            </td>
            <td>{formatDateTime(locale, hold.createdAt, account?.timeZone)}</td>
            <td>{formatDateTime(locale, hold.expiresAt, account?.timeZone)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Free monthly quotas: "87 of 100 left", with a meter that also says it in words. */
export function QuotaList({ quotas }: { quotas: QuotaView[] }) {
  const { t, locale } = useI18n();
  const channelName = useChannelName();
  if (quotas.length === 0) return <p className="muted">{t('wallet.quotas.none')}</p>;
  return (
    <ul className="counters">
      {quotas.map((quota) => {
        const text = t('wallet.quotas.left', { remaining: formatNumber(locale, quota.remaining), total: formatNumber(locale, quota.freeUnits) });
        return (
          <li key={quota.channel} className="card">
            <h3>{channelName(quota.channel)}</h3>
            <p className="figure">{text}</p>
            <meter min={0} max={Number(quota.freeUnits)} value={Number(quota.remaining)} aria-label={`${channelName(quota.channel)}: ${text}`} />
            <p className="muted">{t('wallet.quotas.resets', { date: formatDay(locale, quota.resetsAt) })}</p>
          </li>
        );
      })}
    </ul>
  );
}

/** The plan's monthly allowances: units included in the plan, rolled-over ones first. */
export function AllowanceList({ allowances }: { allowances: AllowanceView[] }) {
  const { t, locale } = useI18n();
  const channelName = useChannelName();
  if (allowances.length === 0) return <p className="muted">{t('wallet.allowances.none')}</p>;
  return (
    <ul className="counters">
      {allowances.map((allowance) => (
        <li key={allowance.channel} className="card">
          <h3>{channelName(allowance.channel)}</h3>
          <p className="figure">{t('wallet.allowances.left', { remaining: formatNumber(locale, allowance.remaining) })}</p>
          <p>
            {t('wallet.allowances.detail', {
              granted: formatNumber(locale, allowance.granted),
              used: formatNumber(locale, allowance.used),
            })}
          </p>
          {allowance.carried.length > 0 && (
            <ul>
              {allowance.carried.map((carried) => (
                <li key={carried.from}>
                  {t('wallet.allowances.carried', { left: formatNumber(locale, carried.left), from: carried.from.slice(0, 7) })}
                  {carried.expiresAfter ? ` ${t('wallet.allowances.expires', { month: carried.expiresAfter.slice(0, 7) })}` : ''}
                </li>
              ))}
            </ul>
          )}
          <p className="muted">{t('wallet.quotas.resets', { date: formatDay(locale, allowance.resetsAt) })}</p>
        </li>
      ))}
    </ul>
  );
}
