import { useCallback, useEffect, useState } from 'react';
import { api } from '../api/client.js';
import { hasRole } from '../api/session.js';
import { useSession } from '../auth.js';
import { Page } from '../components/page.js';
import { useLoad } from '../components/use-load.js';
import { useI18n } from '../i18n/index.js';
import { navigate, useLocation } from '../router.js';
import { ConnectionSection } from './invoices/connection-section.js';
import { ImportDialog } from './invoices/import-dialog.js';
import { InvoiceList } from './invoices/invoice-list.js';
import { InvoicesSubNav } from './invoices/sub-nav.js';
import { SYNC, type SyncConnection } from './invoices/types.js';

/** Invoices overview: the Teamleader connection, a manual import with its progress, and the imported invoices. */
export function InvoicesScreen() {
  const { t } = useI18n();
  const session = useSession();
  const { query } = useLocation();
  // Read once: the outcome Teamleader's consent sent back (?teamleader=connected|error&code=…).
  const [returned] = useState(() => {
    const outcome = query.get('teamleader');
    return outcome ? { outcome, code: query.get('code') } : null;
  });
  useEffect(() => {
    // Drop the outcome from the address so a reload does not announce it again.
    if (returned) navigate('/invoices', { replace: true });
  }, [returned]);
  const connections = useLoad((signal) => api.get<{ data: SyncConnection[] }>(`${SYNC}/connections`, undefined, signal).then((r) => r.data), []);
  const [importing, setImporting] = useState(false);
  const [refreshKey, setRefreshKey] = useState(0);
  const refresh = useCallback(() => setRefreshKey((key) => key + 1), []);
  const active = connections.data?.filter((connection) => connection.status === 'connected') ?? [];
  const canImport = hasRole(session, 'admin') && active.length > 0;

  return (
    <Page
      title={t('invoices.title')}
      actions={
        canImport && (
          <button type="button" className="primary" onClick={() => setImporting(true)}>
            {t('invoices.import.open')}
          </button>
        )
      }
    >
      <InvoicesSubNav />
      <ConnectionSection connections={connections} returned={returned} />
      {importing && <ImportDialog connections={active} onClose={() => setImporting(false)} onFinished={refresh} />}
      <InvoiceList refreshKey={refreshKey} />
    </Page>
  );
}
