import { useId, useRef, useState, type FormEvent } from 'react';
import { api } from '../../api/client.js';
import { hasRole } from '../../api/session.js';
import { useSession } from '../../auth.js';
import { Busy } from '../../components/busy.js';
import { ErrorMessage } from '../../components/error-message.js';
import { Page } from '../../components/page.js';
import { useLoad } from '../../components/use-load.js';
import { formatDateTime } from '../../i18n/format.js';
import { useI18n } from '../../i18n/index.js';
import { MandateReport } from './mandate-report.js';
import { InvoicesSubNav } from './sub-nav.js';
import { SYNC, type MandateUpload, type MandateUploadSummary } from './types.js';

/**
 * Signed SEPA mandates as a CSV upload (S-9) and the row report of each upload. The file is sent as
 * `{ csv, fileName }` (the route takes that or raw text/csv) so the upload keeps its file name.
 */
export function MandatesScreen() {
  const { t, locale } = useI18n();
  const session = useSession();
  const id = useId();
  const canUpload = hasRole(session, 'admin');
  const fileInput = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [shown, setShown] = useState<MandateUpload | null>(null);
  const [opening, setOpening] = useState<string | null>(null);
  const uploads = useLoad((signal) => api.get<{ data: MandateUploadSummary[] }>(`${SYNC}/mandates/uploads`, undefined, signal).then((r) => r.data), []);

  async function upload(event: FormEvent) {
    event.preventDefault();
    if (!file) return;
    setUploading(true);
    setError(null);
    try {
      const csv = await file.text();
      setShown(await api.post<MandateUpload>(`${SYNC}/mandates/uploads`, { csv, fileName: file.name }));
      setFile(null);
      if (fileInput.current) fileInput.current.value = '';
      uploads.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setUploading(false);
    }
  }

  async function open(uploadId: string) {
    setOpening(uploadId);
    setError(null);
    try {
      setShown(await api.get<MandateUpload>(`${SYNC}/mandates/uploads/${encodeURIComponent(uploadId)}`));
    } catch (caught) {
      setError(caught);
    } finally {
      setOpening(null);
    }
  }

  return (
    <Page title={t('invoices.mandates.title')}>
      <InvoicesSubNav />
      {canUpload ? (
        <form onSubmit={upload} className="card stack" aria-busy={uploading}>
          <h2>{t('invoices.mandates.upload')}</h2>
          <p id={`${id}-help`} className="muted">
            {t('invoices.mandates.help')}
          </p>
          <label htmlFor={`${id}-file`}>{t('invoices.mandates.file')}</label>
          <input
            ref={fileInput}
            id={`${id}-file`}
            type="file"
            accept=".csv,text/csv"
            required
            aria-describedby={`${id}-help`}
            onChange={(event) => setFile(event.target.files?.[0] ?? null)}
          />
          <div className="row">
            <button type="submit" className="primary" disabled={!file || uploading}>
              {uploading ? t('app.working') : t('invoices.mandates.send')}
            </button>
          </div>
          {uploading && <Busy label={t('invoices.mandates.uploading')} />}
        </form>
      ) : (
        <p className="muted">{t('app.needsRole', { role: t('role.admin') })}</p>
      )}
      <ErrorMessage error={error} />
      <div aria-live="polite">{shown && <MandateReport upload={shown} />}</div>
      <section className="card" aria-labelledby={`${id}-uploads`}>
        <h2 id={`${id}-uploads`}>{t('invoices.mandates.uploads')}</h2>
        {uploads.loading && !uploads.data && <Busy />}
        <ErrorMessage error={uploads.error} onRetry={uploads.reload} />
        {uploads.data && uploads.data.length === 0 && <p>{t('app.none')}</p>}
        {uploads.data && uploads.data.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('invoices.mandates.file')}</th>
                <th scope="col">{t('invoices.mandates.uploadedAt')}</th>
                <th scope="col">{t('invoices.mandates.summary')}</th>
                <th scope="col">
                  <span className="sr-only">{t('invoices.profiles.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {uploads.data.map((item) => (
                <tr key={item.id}>
                  <th scope="row">{item.fileName ?? item.id}</th>
                  <td>{formatDateTime(locale, item.createdAt, session.account?.timeZone)}</td>
                  <td>{t('invoices.mandates.counts', item.counts)}</td>
                  <td>
                    <button
                      type="button"
                      disabled={opening !== null}
                      onClick={() => void open(item.id)}
                      aria-label={t('invoices.mandates.showReportOf', { file: item.fileName ?? item.id })}
                    >
                      {opening === item.id ? t('app.working') : t('invoices.mandates.showReport')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </Page>
  );
}
