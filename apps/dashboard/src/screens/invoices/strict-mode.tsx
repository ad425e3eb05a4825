import { useState } from 'react';
import { api } from '../../api/client.js';
import { hasRole } from '../../api/session.js';
import { useSession } from '../../auth.js';
import { ErrorMessage } from '../../components/error-message.js';
import { useLoad } from '../../components/use-load.js';
import { formatDateTime } from '../../i18n/format.js';
import { useI18n } from '../../i18n/index.js';
import { TEAMLEADER } from './types.js';

interface TeamleaderConnection {
  strictMode: { state: 'on' | 'off' | 'unknown'; checkedAt: string | null; detail: string | null; warning: string | null };
}

/**
 * Teamleader's strict mode (docs/invoice-sync.md, "Strict mode"): the payment write-back needs it on.
 * Checking again writes to Teamleader (an empty update of a booked invoice), so it is an admin's button.
 */
export function StrictMode() {
  const { t, locale } = useI18n();
  const session = useSession();
  const connection = useLoad((signal) => api.get<TeamleaderConnection>(`${TEAMLEADER}/connection`, undefined, signal), []);
  const [checked, setChecked] = useState<TeamleaderConnection | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const strict = (checked ?? connection.data)?.strictMode;

  async function check() {
    setBusy(true);
    setError(null);
    try {
      setChecked(await api.post<TeamleaderConnection>(`${TEAMLEADER}/connection/strict-mode-check`, {}));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="stack">
      <ErrorMessage error={connection.error} onRetry={connection.reload} />
      {strict && (
        <>
          <p>
            <strong>{t('invoices.strict.label')}</strong> {t(`invoices.strict.${strict.state}`)}
            {strict.checkedAt && (
              <span className="muted"> · {t('invoices.strict.checkedAt', { at: formatDateTime(locale, strict.checkedAt, session.account?.timeZone) })}</span>
            )}
          </p>
          {strict.state !== 'on' && <p className="notice">{t('invoices.strict.help')}</p>}
        </>
      )}
      {hasRole(session, 'admin') && connection.data && (
        <div className="row">
          <button type="button" onClick={() => void check()} disabled={busy}>
            {busy ? t('app.working') : t('invoices.strict.check')}
          </button>
        </div>
      )}
      <div role="status" aria-live="polite">
        {checked && <p className="success">{t('invoices.strict.checked')}</p>}
      </div>
      <ErrorMessage error={error} />
    </div>
  );
}
