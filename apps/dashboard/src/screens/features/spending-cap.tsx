import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.js';
import { hasRole } from '../../api/session.js';
import { useSession } from '../../auth.js';
import { Busy } from '../../components/busy.js';
import { ErrorMessage } from '../../components/error-message.js';
import { formatDate, formatMoney } from '../../i18n/format.js';
import { useI18n } from '../../i18n/index.js';
import type { CapView } from './feature-catalog.js';

const MONEY = /^\d+(\.\d{1,2})?$/;

/** A monthly spending cap of a channel or of a user; owners set and remove it (the host checks the role again). */
export function SpendingCap(props: {
  kind: 'channel' | 'user';
  target: string;
  cap: CapView | null;
  onChanged(): void;
  /** Whose cap, in the input's label, where several share a screen. */ owner?: string;
}) {
  const { kind, target, cap, onChanged } = props;
  const { t, locale } = useI18n();
  const session = useSession();
  const isOwner = hasRole(session, 'owner');
  const [limit, setLimit] = useState(cap?.limit ?? '');
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const id = kind === 'channel' ? `cap-${target}` : `cap-user-${target}`;
  const path = `/v1/wallet/caps/${kind === 'channel' ? 'channels' : 'users'}/${encodeURIComponent(target)}`;

  const run = async (action: () => Promise<unknown>, message: string) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      await action();
      setDone(message);
      onChanged();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const save = (event: FormEvent) => {
    event.preventDefault();
    const value = limit.trim();
    if (!MONEY.test(value)) {
      setProblem(t('features.form.problem.money'));
      return;
    }
    setProblem(null);
    void run(() => api.put(path, { limit: value }), t('features.cap.saved'));
  };

  const remove = () => void run(() => api.delete(path), t('features.cap.removed'));

  const timeZone = session.account?.timeZone;
  return (
    <div className="cap">
      {cap ? (
        <p>
          <span data-amount={cap.limit}>
            {t('features.cap.summary', { limit: formatMoney(locale, cap.limit), remaining: formatMoney(locale, cap.remaining) })}
          </span>{' '}
          <span className="muted">({t('features.resetsOn', { date: formatDate(locale, cap.resetsAt, timeZone) })})</span>
        </p>
      ) : (
        <p className="muted">{t('features.cap.none')}</p>
      )}
      {isOwner && (
        <form className="row" onSubmit={save} noValidate>
          <div className="stack">
            <label htmlFor={id}>
              {cap ? t('features.cap.change') : t('features.cap.set')}
              {props.owner && <span className="sr-only"> ({props.owner})</span>}
            </label>
            <input
              id={id}
              inputMode="decimal"
              autoComplete="off"
              value={limit}
              aria-invalid={problem ? true : undefined}
              aria-describedby={problem ? `${id}-error` : `${id}-help`}
              onChange={(event) => setLimit(event.target.value)}
            />
          </div>
          <button type="submit" disabled={busy}>
            {t('app.save')}
          </button>
          {cap && (
            <button type="button" disabled={busy} onClick={remove}>
              {t('features.cap.remove')}
            </button>
          )}
          <p id={`${id}-help`} className="sr-only">
            {t('features.cap.help')}
          </p>
          {problem && (
            <p id={`${id}-error`} className="field-error">
              {problem}
            </p>
          )}
        </form>
      )}
      {busy && <Busy label={t('app.working')} />}
      <ErrorMessage error={error} />
      <p role="status" aria-live="polite" className={done ? 'success' : 'sr-only'}>
        {done ?? ''}
      </p>
    </div>
  );
}
