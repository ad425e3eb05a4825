import { useSession } from '../../auth.js';
import { hasMessage, useI18n } from '../../i18n/index.js';
import { formatDateTime } from '../../i18n/format.js';
import { SYNC, type MandateUpload } from './types.js';

/** An upload's row report: every row with its outcome, and for a failed row why (text and code). */
export function MandateReport({ upload }: { upload: MandateUpload }) {
  const { t, locale } = useI18n();
  // Times in the account's time zone, as everywhere in the account's screens.
  const timeZone = useSession().account?.timeZone;
  const { counts } = upload;
  return (
    <section className="stack" aria-labelledby={`upload-${upload.id}`}>
      <h3 id={`upload-${upload.id}`}>
        {t('invoices.mandates.reportTitle', { file: upload.fileName ?? upload.id })}{' '}
        <span className="muted">{formatDateTime(locale, upload.createdAt, timeZone)}</span>
      </h3>
      {upload.replayed && <p className="notice">{t('invoices.mandates.replayed')}</p>}
      <p data-testid="mandate-counts">{t('invoices.mandates.counts', counts)}</p>
      <p>
        <a href={`${SYNC}/mandates/uploads/${encodeURIComponent(upload.id)}/report.csv`} download>
          {t('invoices.mandates.downloadReport')}
        </a>
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col" className="num">
              {t('invoices.mandates.line')}
            </th>
            <th scope="col">{t('invoices.mandates.customer')}</th>
            <th scope="col">{t('invoices.mandates.reference')}</th>
            <th scope="col">{t('invoices.mandates.outcome')}</th>
            <th scope="col">{t('invoices.mandates.reasons')}</th>
          </tr>
        </thead>
        <tbody>
          {upload.rows.map((row) => (
            <tr key={row.line} data-outcome={row.outcome}>
              <td className="num">{row.line}</td>
              <td>{row.customerNumber || '—'}</td>
              <td>{row.reference || '—'}</td>
              <td>{t(`invoices.mandates.outcome.${row.outcome}`)}</td>
              <td>
                {row.reasons.length > 0 && (
                  <ul className="plain">
                    {row.reasons.map((reason) => (
                      <li key={reason}>
                        {hasMessage(`invoices.mandates.reason.${reason}`) ? t(`invoices.mandates.reason.${reason}`) : reason}{' '}
                        <span className="error-code">({reason})</span>
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
