import { useState } from 'react';
import { api } from '../../api/client.js';
import { Busy } from '../../components/busy.js';
import { ErrorMessage } from '../../components/error-message.js';
import { Page } from '../../components/page.js';
import { formatDateTime } from '../../i18n/format.js';
import { useI18n } from '../../i18n/index.js';
import type { LedgerCheck } from './types.js';

/** The ledger invariant check (W-2), run on demand: a broken ledger is a finding (200, ok: false), listed plainly. */
export function LedgerCheckScreen() {
  const { t, locale } = useI18n();
  const [report, setReport] = useState<LedgerCheck | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function run() {
    setBusy(true);
    setError(null);
    try {
      setReport(await api.get<LedgerCheck>('/admin/wallet/check'));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Page title={t('admin.ledger.title')}>
      <p className="muted">{t('admin.ledger.help')}</p>
      <div className="row">
        <button type="button" className="primary" onClick={() => void run()} disabled={busy}>
          {busy ? t('app.working') : t('admin.ledger.run')}
        </button>
      </div>
      {busy && <Busy label={t('admin.ledger.running')} />}
      <ErrorMessage error={error} />
      <div role="status" aria-live="polite">
        {report && (
          <div className="stack">
            <p className={report.ok ? 'success' : 'error'} data-testid="ledger-result">
              <strong>{report.ok ? t('admin.ledger.ok') : t('admin.ledger.broken', { count: report.problems.length })}</strong>{' '}
              {t('admin.ledger.checkedAt', { at: formatDateTime(locale, report.checkedAt) })}
            </p>
            <p>{t('admin.ledger.counts', report.counts)}</p>
          </div>
        )}
      </div>
      {report && report.problems.length > 0 && (
        <table>
          <caption>{t('admin.ledger.problems')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('admin.ledger.check')}</th>
              <th scope="col">{t('admin.ledger.detail')}</th>
            </tr>
          </thead>
          <tbody>
            {report.problems.map((problem, index) => (
              <tr key={index}>
                <th scope="row">
                  <code>{problem.check}</code>
                </th>
                <td>{problem.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}
