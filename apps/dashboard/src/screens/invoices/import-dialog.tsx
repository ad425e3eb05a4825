import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api } from '../../api/client.js';
import { Dialog } from '../../components/dialog.js';
import { ErrorMessage } from '../../components/error-message.js';
import { useI18n } from '../../i18n/index.js';
import { SYNC, type ImportRun, type SyncConnection } from './types.js';

/** How often a running import is asked for its counts. */
const POLL_MS = 1000;

/**
 * Starts a manual import and follows its run until it ends. The host answers 202 at once and
 * imports in the background, so the counts grow while this polls `GET /runs/:id`.
 */
export function ImportDialog({ connections, onClose, onFinished }: { connections: SyncConnection[]; onClose(): void; onFinished(): void }) {
  const { t } = useI18n();
  const id = useId();
  const [connectionId, setConnectionId] = useState(connections[0]?.id ?? '');
  const [days, setDays] = useState('30');
  const [run, setRun] = useState<ImportRun | null>(null);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const running = run?.status === 'running';
  // A ref, so a parent re-rendering with a new callback does not restart the poll's timer.
  const finished = useRef(onFinished);
  finished.current = onFinished;

  useEffect(() => {
    if (!run || run.status !== 'running') return;
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      api.get<ImportRun>(`${SYNC}/runs/${encodeURIComponent(run.id)}`, undefined, controller.signal).then(
        (next) => {
          setRun(next);
          if (next.status !== 'running') finished.current();
        },
        (caught: unknown) => {
          if ((caught as Error).name !== 'AbortError') setError(caught);
        },
      );
    }, POLL_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [run]);

  async function start(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setStarting(true);
    try {
      setRun(await api.post<ImportRun>(`${SYNC}/connections/${encodeURIComponent(connectionId)}/imports`, { days: Number(days) }));
    } catch (caught) {
      setError(caught);
    } finally {
      setStarting(false);
    }
  }

  const counts = run?.counts;
  const done = counts ? counts.new + counts.updated + counts.ignored + counts.failed : 0;
  return (
    <Dialog open title={t('invoices.import.title')} onClose={onClose}>
      {!run && (
        <form onSubmit={start} className="stack">
          {connections.length > 1 && (
            <>
              <label htmlFor={`${id}-connection`}>{t('invoices.import.connection')}</label>
              <select id={`${id}-connection`} value={connectionId} onChange={(event) => setConnectionId(event.target.value)}>
                {connections.map((connection) => (
                  <option key={connection.id} value={connection.id}>
                    {connection.sourceId} · {connection.sourceAccountId}
                  </option>
                ))}
              </select>
            </>
          )}
          <label htmlFor={`${id}-days`}>{t('invoices.import.days')}</label>
          <input
            id={`${id}-days`}
            type="number"
            inputMode="numeric"
            min={1}
            max={3660}
            step={1}
            required
            value={days}
            aria-describedby={`${id}-days-help`}
            onChange={(event) => setDays(event.target.value)}
          />
          <p id={`${id}-days-help`} className="muted">
            {t('invoices.import.daysHelp')}
          </p>
          <ErrorMessage error={error} />
          <div className="row">
            <button type="submit" className="primary" disabled={starting || !connectionId}>
              {starting ? t('app.working') : t('invoices.import.start')}
            </button>
            <button type="button" onClick={onClose}>
              {t('app.cancel')}
            </button>
          </div>
        </form>
      )}
      {run && counts && (
        <div className="stack">
          <div role="status" aria-live="polite" className="stack">
            <label htmlFor={`${id}-progress`}>{t(`invoices.run.status.${run.status}`)}</label>
            {/* The host does not know the total up front: indeterminate while running, full when done. */}
            {running ? <progress id={`${id}-progress`} /> : <progress id={`${id}-progress`} value={1} max={1} />}
            <p data-testid="import-counts">{t('invoices.run.counts', { done, ...counts })}</p>
          </div>
          {run.error && (
            <p className="error">
              {t('invoices.run.error')} <span className="error-code">{run.error}</span>
            </p>
          )}
          {run.failures.length > 0 && (
            <table>
              <caption>{t('invoices.run.failures')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('invoices.field.number')}</th>
                  <th scope="col">{t('invoices.field.kind')}</th>
                  <th scope="col">{t('invoices.run.reason')}</th>
                </tr>
              </thead>
              <tbody>
                {run.failures.map((failure) => (
                  <tr key={`${failure.kind}-${failure.sourceId}`}>
                    <td>{failure.number ?? failure.sourceId}</td>
                    <td>{t(`invoices.kind.${failure.kind}`)}</td>
                    <td>
                      <code>{failure.reason}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <ErrorMessage error={error} />
          <div className="row">
            <button
              type="button"
              onClick={() => {
                // Show what is imported so far; the list does not follow a run the dialog no longer polls.
                if (running) finished.current();
                onClose();
              }}
            >
              {running ? t('invoices.import.hide') : t('app.close')}
            </button>
          </div>
        </div>
      )}
    </Dialog>
  );
}
