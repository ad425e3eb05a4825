import { serverNow } from '../../api/server-clock.js';
import { useState } from 'react';
import { api } from '../../api/client.js';
import type { HistoryLineView, Page as ListPage } from '../../api/wallet-views.js';
import { useSession } from '../../auth.js';
import { Busy } from '../../components/busy.js';
import { ErrorMessage } from '../../components/error-message.js';
import { SpendChart } from '../../components/spend-chart.js';
import { useLoad } from '../../components/use-load.js';
import { formatDay } from '../../i18n/format-day.js';
import { useI18n } from '../../i18n/index.js';
import { monthOf, spendingByMonth, type SpendLine } from '../../money/spending-by-month.js';
import { monthStart, type HistoryFilters } from './history-filters.js';

/** Enough for a busy account's half year; past it the chart says it is incomplete rather than guess. */
const MAX_PAGES = 40;
const PAGE = 100;

/**
 * Spending per channel per month over the chosen period (default: this month and the five before),
 * from the history's own spend lines, paged through and summed in cents in the browser: the host has
 * no summary route, and the lines are the final costs the list shows.
 */
export function SpendingSection({ filters }: { filters: HistoryFilters }) {
  const { t, locale } = useI18n();
  const { account } = useSession();
  const timeZone = account?.timeZone ?? 'UTC';
  const from = filters.from ?? monthStart(monthOf(serverNow().toISOString(), timeZone), 5);
  const query = { from, to: filters.to, channel: filters.channel, kind: filters.kind, type: 'spend', limit: PAGE };
  const [read, setRead] = useState(0);
  const loaded = useLoad(
    async (signal) => {
      const lines: SpendLine[] = [];
      let before: string | null = null;
      let pages = 0;
      setRead(0);
      do {
        const page: ListPage<HistoryLineView> = await api.get('/v1/wallet/history', { ...query, ...(before ? { before } : {}) }, signal);
        lines.push(...page.data);
        before = page.nextCursor;
        pages += 1;
        setRead(lines.length);
      } while (before && pages < MAX_PAGES);
      const now = monthOf(serverNow().toISOString(), timeZone);
      const last = filters.to && filters.to.slice(0, 7) < now ? filters.to.slice(0, 7) : now;
      return { spending: spendingByMonth({ lines, timeZone, period: { from: from.slice(0, 7), to: last } }), complete: before === null };
    },
    [query, timeZone],
  );

  const title = t('history.chart.title', { from: formatDay(locale, from), to: filters.to ? formatDay(locale, filters.to) : t('history.chart.today') });
  if (loaded.error) return <ErrorMessage error={loaded.error} onRetry={loaded.reload} />;
  if (loaded.loading || !loaded.data) return <Busy label={t('history.chart.reading', { count: read })} />;
  const { spending, complete } = loaded.data;
  return (
    <>
      {spending.channels.length === 0 ? <p className="muted">{t('history.chart.none')}</p> : <SpendChart spending={spending} title={title} />}
      {!complete && <p className="notice">{t('history.chart.partial', { count: read })}</p>}
    </>
  );
}
