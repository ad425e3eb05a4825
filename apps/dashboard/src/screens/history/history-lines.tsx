import { api } from '../../api/client.js';
import type { HistoryLineView, Page as ListPage } from '../../api/wallet-views.js';
import { useSession } from '../../auth.js';
import { useChannelName } from '../../components/channel-name.js';
import { LoadMoreFooter, useLoadMore } from '../../components/load-more.js';
import { Money } from '../../components/money.js';
import { formatDateTime } from '../../i18n/format.js';
import { useI18n } from '../../i18n/index.js';
import type { HistoryFilters } from './history-filters.js';

/** One line per use with its final cost, newest first; "load more" follows nextCursor. */
export function HistoryLines({ first, filters }: { first: ListPage<HistoryLineView>; filters: HistoryFilters }) {
  const { t, locale } = useI18n();
  const { account } = useSession();
  const channelName = useChannelName();
  const list = useLoadMore({ first, fetchPage: (before) => api.get<ListPage<HistoryLineView>>('/v1/wallet/history', { ...filters, limit: 50, before }) });
  const lines = list.rows;

  if (lines.length === 0) return <p className="muted">{t('history.none')}</p>;
  return (
    <>
      <table>
        <caption className="sr-only">{t('history.lines')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('history.date')}</th>
            <th scope="col">{t('history.type')}</th>
            <th scope="col">{t('history.channel')}</th>
            <th scope="col">{t('history.description')}</th>
            <th scope="col" className="num">
              {t('history.amount')}
            </th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line) => (
            <tr key={line.id}>
              <td>{formatDateTime(locale, line.createdAt, account?.timeZone)}</td>
              <td>
                {t(`history.type.${line.type}`)}
                {line.status === 'pending' && <span className="badge"> {t('history.pending')}</span>}
              </td>
              <td>{channelName(line.channel)}</td>
              <td>{line.description}</td>
              <td className="num">
                <Money amount={line.amount} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted" role="status" aria-live="polite">
        {t('history.shown', { count: lines.length })}
      </p>
      <LoadMoreFooter list={list} />
    </>
  );
}
