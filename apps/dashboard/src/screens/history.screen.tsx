import { api } from '../api/client.js';
import type { HistoryLineView, Page as ListPage } from '../api/wallet-views.js';
import { Page } from '../components/page.js';
import { SectionLoad } from '../components/section-load.js';
import { useLoad } from '../components/use-load.js';
import { useI18n } from '../i18n/index.js';
import { navigate, useLocation } from '../router.js';
import { FiltersForm } from './history/filters-form.js';
import { filtersFromQuery, filtersToQuery } from './history/history-filters.js';
import { HistoryLines } from './history/history-lines.js';
import { SpendingSection } from './history/spending-section.js';

/** The wallet's history: filters kept in the URL, the lines, a CSV of the same, and spending per channel per month. */
export function HistoryScreen() {
  const { t } = useI18n();
  const { query } = useLocation();
  const filters = filtersFromQuery(query);
  const key = filtersToQuery(filters);
  const lines = useLoad((signal) => api.get<ListPage<HistoryLineView>>('/v1/wallet/history', { ...filters, limit: 50 }, signal), [key]);
  // The channels that have a price: the filter's choices.
  const prices = useLoad((signal) => api.get<{ data: Array<{ channel: string }> }>('/v1/catalog/prices', undefined, signal), []);
  const channels = [...new Set((prices.data?.data ?? []).map((price) => price.channel))].sort();
  const csv = api.url('/v1/wallet/history.csv', { ...filters });

  return (
    <Page
      title={t('history.title')}
      actions={
        <a href={csv} download="wallet-history.csv" className="button-link">
          {t('history.csv')}
        </a>
      }
    >
      <FiltersForm key={key} filters={filters} channels={channels} onApply={(next) => navigate(`/history${filtersToQuery(next)}`)} />
      <section aria-labelledby="history-spending">
        <h2 id="history-spending">{t('history.chart.heading')}</h2>
        <SpendingSection filters={filters} />
      </section>
      <section aria-labelledby="history-lines">
        <h2 id="history-lines">{t('history.lines')}</h2>
        <SectionLoad state={lines}>{(data) => <HistoryLines key={key + (data.data[0]?.id ?? '')} first={data} filters={filters} />}</SectionLoad>
      </section>
    </Page>
  );
}
