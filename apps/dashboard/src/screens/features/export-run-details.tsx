import { api } from '../../api/client.js';
import { Busy } from '../../components/busy.js';
import { ErrorMessage } from '../../components/error-message.js';
import { Money } from '../../components/money.js';
import { useLoad } from '../../components/use-load.js';
import { useI18n } from '../../i18n/index.js';

interface RunReport {
  id: string;
  files: Array<{ name: string; size: number; documents: number; deliveredAt: string | null }>;
  report: {
    exported: number;
    refused: Array<{ invoiceId: string; number: string; rule: string; message: string }>;
    skipped: Array<{ invoiceId: string; number: string; reason: string }>;
    undelivered: Array<{ invoiceId: string; number: string; file: string | null; message: string | null }>;
    charged: string;
    released: string;
    currency: string;
  };
}

/** One run's report: what was exported, and each refused, skipped or undelivered document with its reason. */
export function ExportRunDetails({ runId }: { runId: string }) {
  const { t } = useI18n();
  const run = useLoad((signal) => api.get<RunReport>(`/v1/accounting-exports/runs/${encodeURIComponent(runId)}`, undefined, signal), [runId]);
  if (run.loading && !run.data) return <Busy />;
  if (!run.data) return <ErrorMessage error={run.error} onRetry={run.reload} />;
  const { report, files } = run.data;
  return (
    <div className="stack run-details">
      <p>
        {t('features.exports.reportSummary', { exported: report.exported, refused: report.refused.length, skipped: report.skipped.length })}{' '}
        {t('features.exports.reportMoney')} <Money amount={report.charged} currency={report.currency} />
      </p>
      {files.length > 0 && (
        <>
          <h3>{t('features.exports.files')}</h3>
          <ul>
            {files.map((file) => (
              <li key={file.name}>
                <code>{file.name}</code> — {t('features.exports.fileDocuments', { documents: file.documents })}
                {file.deliveredAt ? '' : ` (${t('features.status.undelivered')})`}
              </li>
            ))}
          </ul>
        </>
      )}
      {report.refused.length > 0 && (
        <>
          <h3>{t('features.exports.refused')}</h3>
          <ul>
            {report.refused.map((item) => (
              <li key={`${item.invoiceId}-${item.rule}`}>
                {t('features.labelValue', { label: item.number, value: item.message })} <code>{item.rule}</code>
              </li>
            ))}
          </ul>
        </>
      )}
      {report.skipped.length > 0 && (
        <>
          <h3>{t('features.exports.skipped')}</h3>
          <ul>
            {report.skipped.map((item) => (
              <li key={item.invoiceId}>{t('features.labelValue', { label: item.number, value: item.reason })}</li>
            ))}
          </ul>
        </>
      )}
      {report.undelivered.length > 0 && (
        <>
          <h3>{t('features.exports.undelivered')}</h3>
          <ul>
            {report.undelivered.map((item) => (
              <li key={item.invoiceId}>{t('features.labelValue', { label: item.number, value: item.message ?? item.file ?? '' })}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
