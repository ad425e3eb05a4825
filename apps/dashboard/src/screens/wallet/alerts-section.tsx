import { useId, useRef, useState, type FormEvent } from 'react';
import { api, newIdempotencyKey } from '../../api/client.js';
import { hasRole } from '../../api/session.js';
import type { AlertKind, AlertView } from '../../api/wallet-views.js';
import { useSession } from '../../auth.js';
import { ErrorMessage } from '../../components/error-message.js';
import { useRowAction } from '../../components/use-row-action.js';
import { Money } from '../../components/money.js';
import { AMOUNT_INPUT, normaliseAmount } from '../../money/cents.js';
import { useI18n } from '../../i18n/index.js';

/** The account's low-balance alerts; admins and owners add and remove them (the host checks the role again). */
export function AlertsSection({ alerts, onChanged }: { alerts: AlertView[]; onChanged(): void }) {
  const { t } = useI18n();
  const session = useSession();
  const canEdit = hasRole(session, 'admin');
  const rows = useRowAction({ onDone: onChanged });
  const { busyId, error, status, setStatus } = rows;
  const remove = (alert: AlertView) =>
    rows.run({ id: alert.id, action: () => api.delete(`/v1/wallet/alerts/${encodeURIComponent(alert.id)}`), doneText: t('wallet.alerts.removed') });

  return (
    <>
      {alerts.length === 0 ? (
        <p className="muted">{t('wallet.alerts.none')}</p>
      ) : (
        <table>
          <caption className="sr-only">{t('wallet.alerts.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('wallet.alerts.name')}</th>
              <th scope="col">{t('wallet.alerts.rule')}</th>
              <th scope="col">{t('wallet.alerts.state')}</th>
              {canEdit && <th scope="col">{t('wallet.alerts.actions')}</th>}
            </tr>
          </thead>
          <tbody>
            {alerts.map((alert) => (
              <tr key={alert.id}>
                <td>{alert.name ?? t(`wallet.alerts.kind.${alert.kind}`)}</td>
                <td>
                  <AlertRule alert={alert} />
                </td>
                <td>{!alert.enabled ? t('wallet.alerts.off') : alert.state === 'triggered' ? t('wallet.alerts.triggered') : t('wallet.alerts.armed')}</td>
                {canEdit && (
                  <td>
                    <button type="button" onClick={() => void remove(alert)} disabled={busyId === alert.id}>
                      {t('wallet.alerts.remove')}
                      <span className="sr-only"> {alert.name ?? t(`wallet.alerts.kind.${alert.kind}`)}</span>
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p role="status" aria-live="polite" className="sr-only">
        {status}
      </p>
      <ErrorMessage error={error} />
      {canEdit ? (
        <AddAlertForm
          onAdded={() => {
            setStatus(t('wallet.alerts.added'));
            onChanged();
          }}
        />
      ) : (
        <p className="muted">{t('app.needsRole', { role: t('role.admin') })}</p>
      )}
    </>
  );
}

function AlertRule({ alert }: { alert: AlertView }) {
  const { t } = useI18n();
  if (alert.kind === 'balance_below' && alert.amount)
    return (
      <>
        {t('wallet.alerts.rule.balance_below')} <Money amount={alert.amount} />
      </>
    );
  if (alert.kind === 'percent_of_last_top_up') return <>{t('wallet.alerts.rule.percent_of_last_top_up', { percent: alert.percent ?? '' })}</>;
  return <>{t('wallet.alerts.rule.days_left', { days: alert.days ?? '' })}</>;
}

function AddAlertForm({ onAdded }: { onAdded(): void }) {
  const { t } = useI18n();
  const id = useId();
  const [kind, setKind] = useState<AlertKind>('balance_below');
  const [value, setValue] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [hint, setHint] = useState('');
  // One key per filled-in form, so a double click or a retry after a lost answer adds one alert.
  const key = useRef(newIdempotencyKey('alert'));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setHint('');
    const typed = value.trim().replace(',', '.');
    let body: Record<string, unknown>;
    if (kind === 'balance_below') {
      if (!AMOUNT_INPUT.test(typed)) return setHint(t('wallet.alerts.badAmount'));
      body = { kind, amount: normaliseAmount(typed) };
    } else {
      if (!/^\d{1,3}$/.test(typed)) return setHint(t('wallet.alerts.badNumber'));
      body = kind === 'days_left' ? { kind, days: Number(typed) } : { kind, percent: Number(typed) };
    }
    if (name.trim()) body.name = name.trim();
    setBusy(true);
    try {
      await api.post('/v1/wallet/alerts', body, { idempotencyKey: key.current });
      key.current = newIdempotencyKey('alert');
      setValue('');
      setName('');
      onAdded();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const valueLabel = kind === 'balance_below' ? t('wallet.alerts.amount') : kind === 'days_left' ? t('wallet.alerts.days') : t('wallet.alerts.percent');
  return (
    <form onSubmit={submit} className="row add-alert" aria-busy={busy} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} className="full">
        {t('wallet.alerts.add')}
      </h3>
      <div className="stack">
        <label htmlFor={`${id}-kind`}>{t('wallet.alerts.kind')}</label>
        <select id={`${id}-kind`} value={kind} onChange={(event) => setKind(event.target.value as AlertKind)}>
          {(['balance_below', 'percent_of_last_top_up', 'days_left'] as const).map((option) => (
            <option key={option} value={option}>
              {t(`wallet.alerts.kind.${option}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="stack">
        <label htmlFor={`${id}-value`}>{valueLabel}</label>
        <input
          id={`${id}-value`}
          inputMode={kind === 'balance_below' ? 'decimal' : 'numeric'}
          required
          value={value}
          aria-invalid={hint ? true : undefined}
          aria-describedby={hint ? `${id}-hint` : undefined}
          onChange={(event) => setValue(event.target.value)}
        />
      </div>
      <div className="stack">
        <label htmlFor={`${id}-name`}>{t('wallet.alerts.nameOptional')}</label>
        <input id={`${id}-name`} maxLength={100} value={name} onChange={(event) => setName(event.target.value)} />
      </div>
      <button type="submit" className="primary" disabled={busy}>
        {busy ? t('app.working') : t('wallet.alerts.addButton')}
      </button>
      {hint && (
        <p id={`${id}-hint`} className="error full" role="alert">
          {hint}
        </p>
      )}
      <div className="full">
        <ErrorMessage error={error} />
      </div>
    </form>
  );
}
