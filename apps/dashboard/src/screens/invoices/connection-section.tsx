import { useState } from 'react';
import { api, ApiError } from '../../api/client.js';
import { hasRole } from '../../api/session.js';
import { useSession } from '../../auth.js';
import { Busy } from '../../components/busy.js';
import { Dialog } from '../../components/dialog.js';
import { ErrorMessage } from '../../components/error-message.js';
import type { Loaded } from '../../components/use-load.js';
import { formatDateTime } from '../../i18n/format.js';
import { useI18n } from '../../i18n/index.js';
import { StrictMode } from './strict-mode.js';
import { TEAMLEADER, type SyncConnection } from './types.js';

/**
 * The Teamleader connection. Connecting leaves the dashboard for Teamleader's consent page; the
 * plugin's `returnUrl` (set to /app/invoices) brings the browser back with the outcome in the query.
 */
export function ConnectionSection({
  connections,
  returned,
}: {
  connections: Loaded<SyncConnection[]>;
  returned: { outcome: string; code: string | null } | null;
}) {
  const { t, locale } = useI18n();
  const session = useSession();
  const canManage = hasRole(session, 'admin');
  const [busy, setBusy] = useState<'connect' | 'disconnect' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState(false);
  const teamleader = connections.data?.find((connection) => connection.sourceId === 'teamleader') ?? null;

  async function connect() {
    setBusy('connect');
    setError(null);
    try {
      const { authorizeUrl } = await api.get<{ authorizeUrl: string }>(`${TEAMLEADER}/connect`);
      window.location.assign(authorizeUrl);
    } catch (caught) {
      setError(caught);
      setBusy(null);
    }
  }

  async function disconnect() {
    setBusy('disconnect');
    setError(null);
    try {
      await api.delete(`${TEAMLEADER}/connection`);
      setConfirming(false);
      connections.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="card" aria-labelledby="connection-title">
      <h2 id="connection-title">{t('invoices.connection.title')}</h2>
      {returned?.outcome === 'connected' && (
        <p role="status" className="success">
          {t('invoices.connection.connected')}
        </p>
      )}
      {returned?.outcome === 'error' && (
        <ErrorMessage error={new ApiError({ status: 400, code: returned.code ?? 'generic', message: t('invoices.connection.failed') })} />
      )}
      {connections.loading && !connections.data && <Busy />}
      <ErrorMessage error={connections.error} onRetry={connections.reload} />
      {connections.data && (
        <>
          {teamleader ? (
            <dl className="facts">
              <dt>{t('invoices.connection.status')}</dt>
              <dd data-testid="connection-status">{t(`invoices.connection.status.${teamleader.status}`)}</dd>
              <dt>{t('invoices.connection.sourceAccount')}</dt>
              <dd>{teamleader.sourceAccountId}</dd>
              <dt>{t('invoices.connection.autoImport')}</dt>
              <dd>{teamleader.autoImport ? t('invoices.yes') : t('invoices.no')}</dd>
              <dt>{t('invoices.connection.since')}</dt>
              <dd>{formatDateTime(locale, teamleader.createdAt, session.account?.timeZone)}</dd>
            </dl>
          ) : (
            <p>{t('invoices.connection.none')}</p>
          )}
          {teamleader?.status === 'reconsent_needed' && <p className="notice">{t('invoices.connection.reconsentHelp')}</p>}
          {teamleader?.status === 'connected' && <StrictMode key={teamleader.updatedAt} />}
          {canManage ? (
            <div className="row">
              {(!teamleader || teamleader.status !== 'connected') && (
                <button type="button" className="primary" onClick={() => void connect()} disabled={busy !== null}>
                  {teamleader ? t('invoices.connection.reconnect') : t('invoices.connection.connect')}
                </button>
              )}
              {teamleader && (
                <button type="button" onClick={() => setConfirming(true)} disabled={busy !== null}>
                  {t('invoices.connection.disconnect')}
                </button>
              )}
            </div>
          ) : (
            <p className="muted">{t('app.needsRole', { role: t('role.admin') })}</p>
          )}
          {busy === 'connect' && <Busy label={t('invoices.connection.redirecting')} />}
          {!confirming && <ErrorMessage error={error} />}
        </>
      )}
      {confirming && (
        <Dialog open title={t('invoices.connection.disconnectTitle')} onClose={() => setConfirming(false)}>
          <p>{t('invoices.connection.disconnectHelp')}</p>
          <ErrorMessage error={error} />
          <div className="row">
            <button type="button" className="danger" onClick={() => void disconnect()} disabled={busy !== null}>
              {busy === 'disconnect' ? t('app.working') : t('invoices.connection.disconnect')}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              {t('app.cancel')}
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}
