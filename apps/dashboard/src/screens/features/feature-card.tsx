import { Money } from '../../components/money.js';
import { formatDate, formatNumber } from '../../i18n/format.js';
import { hasMessage, useI18n, type Translate } from '../../i18n/index.js';
import { Link } from '../../router.js';
import { useSession } from '../../auth.js';
import { SpendingCap } from './spending-cap.js';
import type { FeatureCard as Card, PriceRow } from './feature-catalog.js';
import { localized, panelPath } from './panel-types.js';

/** A unit in words ("scan", "message") when the dashboard knows it, else as the catalog names it. */
export function unitText(t: Translate, unit: string): string {
  return hasMessage(`features.unit.${unit}`) ? t(`features.unit.${unit}`) : unit;
}

/** A channel's name: its feature panel's title, the dashboard's own name for it, or its id. */
export function channelName(input: { t: Translate; locale: Parameters<typeof localized>[1]; card: Pick<Card, 'channel' | 'panels'> }): string {
  const panel = input.card.panels[0];
  if (panel) return localized(panel.title, input.locale);
  // The wallet screens' names (`channel.<id>`), so a channel is called the same everywhere.
  return hasMessage(`channel.${input.card.channel}`) ? input.t(`channel.${input.card.channel}`) : input.card.channel;
}

export function PriceLine({ price }: { price: PriceRow }) {
  const { t } = useI18n();
  return (
    <>
      <Money amount={price.unitPrice} currency={price.currency} /> {t('features.perUnit', { unit: unitText(t, price.unit) })}
      {price.country !== '*' && <span className="muted"> ({t('features.toCountry', { country: price.country })})</span>}
    </>
  );
}

export function FeatureCardView({ card, onCapChanged }: { card: Card; onCapChanged(): void }) {
  const { t, locale } = useI18n();
  const session = useSession();
  const timeZone = session.account?.timeZone;
  const name = channelName({ t, locale, card });
  const headingId = `feature-${card.channel}`;
  const unit = card.price ? unitText(t, card.price.unit) : '';
  return (
    <article className="card feature-card" aria-labelledby={headingId} data-channel={card.channel}>
      <h3 id={headingId}>{name}</h3>
      <p className="muted">
        <code>{card.channel}</code>
      </p>
      <dl className="feature-facts">
        <dt>{t('features.price')}</dt>
        <dd>
          {card.price ? <PriceLine price={card.price} /> : <span className="muted">{t('features.noPrice')}</span>}
          {card.countryPrices.map((price) => (
            <div key={price.id}>
              <PriceLine price={price} />
            </div>
          ))}
        </dd>
        {card.quota && (
          <>
            <dt>{t('features.freeQuota')}</dt>
            <dd>
              {t('features.quotaLeft', { remaining: formatNumber(locale, card.quota.remaining), free: formatNumber(locale, card.quota.freeUnits), unit })}{' '}
              <span className="muted">({t('features.resetsOn', { date: formatDate(locale, card.quota.resetsAt, timeZone) })})</span>
              <progress
                className="quota-bar"
                // Units are whole counts here; the bar is a picture of the sentence above, which carries the meaning.
                value={Number(card.quota.remaining)}
                max={Number(card.quota.freeUnits)}
                aria-hidden="true"
              />
            </dd>
          </>
        )}
        {card.allowance && (
          <>
            <dt>{card.allowance.label || t('features.allowance')}</dt>
            <dd>
              {t('features.allowanceLeft', {
                remaining: formatNumber(locale, card.allowance.remaining),
                granted: formatNumber(locale, card.allowance.granted),
                unit,
              })}
              {card.allowance.carried.some((carried) => carried.left !== '0') && (
                <span className="muted">
                  {' '}
                  {t('features.allowanceCarried', {
                    units: card.allowance.carried.map((carried) => formatNumber(locale, carried.left)).join(' + '),
                  })}
                </span>
              )}{' '}
              <span className="muted">({t('features.resetsOn', { date: formatDate(locale, card.allowance.resetsAt, timeZone) })})</span>
            </dd>
          </>
        )}
      </dl>
      <h4>{t('features.cap.title')}</h4>
      <SpendingCap kind="channel" target={card.channel} cap={card.cap} onChanged={onCapChanged} />
      {card.panels.length > 0 && (
        <ul className="panel-links">
          {card.panels.map((panel) => (
            <li key={`${panel.pluginId}/${panel.id}`}>
              <Link to={panelPath(panel)}>{localized(panel.title, locale)}</Link>
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}
