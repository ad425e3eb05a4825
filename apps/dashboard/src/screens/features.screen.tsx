import { serverNow } from '../api/server-clock.js';
import { api, ApiError } from '../api/client.js';
import { Busy } from '../components/busy.js';
import { ErrorMessage } from '../components/error-message.js';
import { Page } from '../components/page.js';
import { useLoad } from '../components/use-load.js';
import { useI18n } from '../i18n/index.js';
import { Link } from '../router.js';
import { featureCards, panelsWithoutChannel, type AllowanceView, type CapView, type PriceRow, type QuotaView } from './features/feature-catalog.js';
import { FeatureCardView } from './features/feature-card.js';
import { localized, panelPath } from './features/panel-types.js';
import { usePanels } from './features/use-panels.js';

interface Carriers {
  data: Array<{ id: string; label: string; countries: string[]; billing: 'wallet' | 'own_account' }>;
  offered: string[];
}
interface Exporters {
  data: Array<{ id: string; label: string; format: string; channel: string }>;
}

/** A list the host may not serve (a core feature switched off): empty instead of an error. */
async function optional<T>(load: Promise<T>, empty: T): Promise<T> {
  try {
    return await load;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return empty;
    throw error;
  }
}

/** `/features`: one card per paid feature (catalog, free quota, allowance, cap), the core services, the plugins' panels. */
export function FeaturesScreen() {
  const { t, locale } = useI18n();
  const panels = usePanels();
  const wallet = useLoad(async (signal) => {
    const [prices, plan, quotas, allowances, caps, carriers, exporters] = await Promise.all([
      api.get<{ data: PriceRow[] }>('/v1/catalog/prices', undefined, signal),
      optional(api.get<{ id: string }>('/v1/plan', undefined, signal), { id: '' }),
      api.get<{ data: QuotaView[] }>('/v1/wallet/quotas', undefined, signal),
      api.get<{ data: AllowanceView[] }>('/v1/wallet/allowances', undefined, signal),
      api.get<{ data: CapView[] }>('/v1/wallet/caps', undefined, signal),
      optional(api.get<Carriers>('/v1/letters/carriers', undefined, signal), { data: [], offered: [] }),
      optional(api.get<Exporters>('/v1/accounting-exports/exporters', undefined, signal), { data: [] }),
    ]);
    return {
      prices: prices.data,
      plan: plan.id || null,
      quotas: quotas.data,
      allowances: allowances.data,
      caps: caps.data,
      carriers,
      exporters: exporters.data,
    };
  }, []);

  const data = wallet.data;
  const panelList = panels.data ?? [];
  // Letters and exports have their own screens: their many priced parts are not cards of their own.
  const grouped = (channel: string) =>
    !!data && (data.carriers.data.some((carrier) => channel.startsWith(`${carrier.id}-`)) || data.exporters.some((exporter) => exporter.channel === channel));
  const cards = data
    ? featureCards({
        prices: data.prices.filter((row) => !grouped(row.channel)),
        plan: data.plan,
        now: serverNow().toISOString(),
        quotas: data.quotas,
        allowances: data.allowances,
        caps: data.caps,
        panels: panelList.filter((panel) => !panel.channel || !grouped(panel.channel)),
      })
    : [];
  const loose = panelsWithoutChannel(panelList);
  const settingsPanels = panelList.filter((panel) => panel.placement === 'settings');

  return (
    <Page title={t('features.title')}>
      <p className="muted">{t('features.intro')}</p>
      {wallet.error ? <ErrorMessage error={wallet.error} onRetry={wallet.reload} /> : null}
      {panels.error ? <ErrorMessage error={panels.error} onRetry={panels.reload} /> : null}
      {(wallet.loading || panels.loading) && <Busy />}

      <section aria-labelledby="features-services">
        <h2 id="features-services">{t('features.services')}</h2>
        <div className="cards">
          <article className="card" aria-labelledby="feature-letters">
            <h3 id="feature-letters">{t('features.letters.title')}</h3>
            <p>{t('features.letters.summary')}</p>
            {data && data.carriers.offered.length > 0 && (
              <p className="muted">{t('features.letters.countries', { countries: data.carriers.offered.join(', ') })}</p>
            )}
            <Link to="/features/letters">{t('features.letters.open')}</Link>
          </article>
          <article className="card" aria-labelledby="feature-exports">
            <h3 id="feature-exports">{t('features.exports.title')}</h3>
            <p>{t('features.exports.summary')}</p>
            {data && data.exporters.length > 0 && <p className="muted">{data.exporters.map((exporter) => exporter.label).join(', ')}</p>}
            <Link to="/features/accounting-exports">{t('features.exports.open')}</Link>
          </article>
        </div>
      </section>

      {data && (
        <section aria-labelledby="features-channels">
          <h2 id="features-channels">{t('features.channels')}</h2>
          {cards.length === 0 && loose.length === 0 ? (
            <p className="muted">{t('features.noChannels')}</p>
          ) : (
            <div className="cards feature-cards">
              {cards.map((card) => (
                <FeatureCardView key={card.channel} card={card} onCapChanged={wallet.reload} />
              ))}
              {loose.map((panel) => (
                <article key={`${panel.pluginId}/${panel.id}`} className="card" aria-labelledby={`panel-${panel.pluginId}-${panel.id}`}>
                  <h3 id={`panel-${panel.pluginId}-${panel.id}`}>{localized(panel.title, locale)}</h3>
                  {panel.description && <p>{localized(panel.description, locale)}</p>}
                  <Link to={panelPath(panel)}>{t('features.panel.open')}</Link>
                </article>
              ))}
            </div>
          )}
        </section>
      )}

      <section aria-labelledby="features-settings">
        <h2 id="features-settings">{t('features.settings')}</h2>
        <ul className="panel-links">
          <li>
            <Link to="/settings">{t('features.accountSettings')}</Link>
          </li>
          {settingsPanels.map((panel) => (
            <li key={`${panel.pluginId}/${panel.id}`}>
              <Link to={panelPath(panel)}>{localized(panel.title, locale)}</Link>
              {panel.description && <span className="muted"> — {localized(panel.description, locale)}</span>}
            </li>
          ))}
        </ul>
      </section>
    </Page>
  );
}
