import { useId, useState, type FormEvent } from 'react';
import { HISTORY_LINE_TYPES, LOT_KINDS } from '../../api/wallet-views.js';
import { useChannelName } from '../../components/channel-name.js';
import { useI18n } from '../../i18n/index.js';
import type { HistoryFilters } from './history-filters.js';

export function FiltersForm({ filters, channels, onApply }: { filters: HistoryFilters; channels: string[]; onApply(filters: HistoryFilters): void }) {
  const { t } = useI18n();
  const channelName = useChannelName();
  const id = useId();
  const [from, setFrom] = useState(filters.from ?? '');
  const [to, setTo] = useState(filters.to ?? '');
  const [channel, setChannel] = useState(filters.channel ?? '');
  const [kind, setKind] = useState<string>(filters.kind ?? '');
  const [type, setType] = useState<string>(filters.type ?? '');
  const [hint, setHint] = useState('');
  const known = filters.channel && !channels.includes(filters.channel) ? [...channels, filters.channel] : channels;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (from && to && to < from) return setHint(t('history.filters.badPeriod'));
    setHint('');
    onApply({
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      ...(channel ? { channel } : {}),
      ...(kind ? { kind: kind as HistoryFilters['kind'] & string } : {}),
      ...(type ? { type: type as HistoryFilters['type'] & string } : {}),
    });
  }

  return (
    <form onSubmit={submit} className="row filters" aria-label={t('history.filters.title')}>
      <div className="stack">
        <label htmlFor={`${id}-from`}>{t('history.filters.from')}</label>
        <input id={`${id}-from`} type="date" value={from} onChange={(event) => setFrom(event.target.value)} />
      </div>
      <div className="stack">
        <label htmlFor={`${id}-to`}>{t('history.filters.to')}</label>
        <input id={`${id}-to`} type="date" value={to} onChange={(event) => setTo(event.target.value)} />
      </div>
      <div className="stack">
        <label htmlFor={`${id}-channel`}>{t('history.filters.channel')}</label>
        <select id={`${id}-channel`} value={channel} onChange={(event) => setChannel(event.target.value)}>
          <option value="">{t('history.filters.allChannels')}</option>
          {known.map((option) => (
            <option key={option} value={option}>
              {channelName(option)}
            </option>
          ))}
        </select>
      </div>
      <div className="stack">
        <label htmlFor={`${id}-kind`}>{t('history.filters.kind')}</label>
        <select id={`${id}-kind`} value={kind} onChange={(event) => setKind(event.target.value)}>
          <option value="">{t('history.filters.allKinds')}</option>
          {LOT_KINDS.map((option) => (
            <option key={option} value={option}>
              {t(`wallet.kind.${option}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="stack">
        <label htmlFor={`${id}-type`}>{t('history.filters.type')}</label>
        <select id={`${id}-type`} value={type} onChange={(event) => setType(event.target.value)}>
          <option value="">{t('history.filters.allTypes')}</option>
          {HISTORY_LINE_TYPES.map((option) => (
            <option key={option} value={option}>
              {t(`history.type.${option}`)}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" className="primary">
        {t('history.filters.apply')}
      </button>
      {hint && (
        <p className="error full" role="alert">
          {hint}
        </p>
      )}
    </form>
  );
}
