import { serverNow } from '../../api/server-clock.js';
import { Busy } from '../../components/busy.js';
import { ErrorMessage } from '../../components/error-message.js';
import { useI18n } from '../../i18n/index.js';
import { pricesInForce } from './feature-catalog.js';
import { PriceLine } from './feature-card.js';
import { useCatalog } from './use-catalog.js';

/** What a service's channels cost this account now (its plan's rows first), one row per channel. */
export function ChannelPrices({ caption, rows }: { caption: string; rows: Array<{ channel: string; label: string }> }) {
  const { t } = useI18n();
  const catalog = useCatalog();
  if (catalog.loading && !catalog.data) return <Busy />;
  if (!catalog.data) return <ErrorMessage error={catalog.error} onRetry={catalog.reload} />;
  const now = serverNow().toISOString();
  const priced = rows
    .map((row) => ({ ...row, prices: pricesInForce({ rows: catalog.data!.prices, channel: row.channel, plan: catalog.data!.plan, now }) }))
    .filter((row) => row.prices.length > 0);
  if (priced.length === 0) return null;
  return (
    <div className="table-scroll">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('features.col.part')}</th>
            <th scope="col">{t('features.price')}</th>
          </tr>
        </thead>
        <tbody>
          {priced.map((row) => (
            <tr key={row.channel}>
              <th scope="row">
                {row.label} <code className="muted">{row.channel}</code>
              </th>
              <td>
                {row.prices.map((price) => (
                  <div key={price.id}>
                    <PriceLine price={price} />
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
