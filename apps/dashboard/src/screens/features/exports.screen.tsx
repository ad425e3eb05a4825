import { useState, type FormEvent, type ReactNode } from 'react';
import { api, newIdempotencyKey } from '../../api/client.js';
import { hasRole } from '../../api/session.js';
import { useSession } from '../../auth.js';
import { Busy } from '../../components/busy.js';
import { ErrorMessage } from '../../components/error-message.js';
import { Money } from '../../components/money.js';
import { Page } from '../../components/page.js';
import { CellView } from '../../components/panel-table.js';
import { useLoad } from '../../components/use-load.js';
import { hasMessage, useI18n } from '../../i18n/index.js';
import { Link } from '../../router.js';
import { ChannelPrices } from './channel-prices.js';
import { ExportRunDetails } from './export-run-details.js';
import { usePagedList } from './paged-list.js';

interface Run {
  id: string;
  targetId: string;
  exporterId: string;
  deliveryKind: 'download' | 'email' | 'sftp';
  status: string;
  reason: string | null;
  counts: { selected: number; exported: number; refused: number; skipped: number; undelivered: number };
  amounts: { charged: string; currency: string };
  createdAt: string;
}
interface Target {
  id: string;
  exporterId: string;
  name: string;
  delivery: { kind: string };
}
interface Exporter {
  id: string;
  label: string;
  format: string;
  channel: string;
}

const RUN_STATUSES = ['queued', 'running', 'delivering', 'completed', 'partially_delivered', 'failed'];

/** `/features/accounting-exports`: export runs and their status; admins start a run for a target and resume a broken one. */
export function ExportsScreen() {
  const { t } = useI18n();
  const session = useSession();
  const admin = hasRole(session, 'admin');
  const [status, setStatus] = useState('');
  const runs = usePagedList<Run>('/v1/accounting-exports/runs', { status: status || undefined });
  const exporters = useLoad((signal) => api.get<{ data: Exporter[] }>('/v1/accounting-exports/exporters', undefined, signal), []);
  // Targets are an admin's read; members see runs by their target id.
  const targets = useLoad(
    async (signal) => (admin ? (await api.get<{ data: Target[] }>('/v1/accounting-exports/targets', undefined, signal)).data : []),
    [admin],
  );
  const targetName = (id: string) => targets.data?.find((target) => target.id === id)?.name ?? id;
  const exporterLabel = (id: string) => exporters.data?.data.find((exporter) => exporter.id === id)?.label ?? id;

  return (
    <Page
      title={t('features.exports.title')}
      actions={
        <Link to="/features" className="back-link">
          {t('features.backToFeatures')}
        </Link>
      }
    >
      <p className="muted">{t('features.exports.help')}</p>
      {exporters.error ? <ErrorMessage error={exporters.error} onRetry={exporters.reload} /> : null}
      {exporters.data && (
        <p>
          {t('features.labelValue', {
            label: t('features.exports.exporters'),
            value: exporters.data.data.map((exporter) => `${exporter.label} (${exporter.format})`).join(', ') || t('app.none'),
          })}
        </p>
      )}
      {exporters.data && exporters.data.data.length > 0 && (
        <ChannelPrices
          caption={t('features.exports.prices')}
          rows={exporters.data.data.map((exporter) => ({ channel: exporter.channel, label: exporter.label }))}
        />
      )}
      {admin && (
        <>
          {targets.error ? <ErrorMessage error={targets.error} onRetry={targets.reload} /> : null}
          {targets.data && <StartRun targets={targets.data} exporterLabel={exporterLabel} onStarted={runs.reload} />}
        </>
      )}
      <h2 id="runs-list">{t('features.exports.runs')}</h2>
      <div className="row">
        <div className="stack">
          <label htmlFor="runs-status">{t('features.filterStatus')}</label>
          <select id="runs-status" value={status} onChange={(event) => setStatus(event.target.value)}>
            <option value="">{t('features.allStatuses')}</option>
            {RUN_STATUSES.map((code) => (
              <option key={code} value={code}>
                {t(`features.status.${code}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="button" onClick={runs.reload} disabled={runs.loading}>
          {t('features.refresh')}
        </button>
      </div>
      {runs.error ? <ErrorMessage error={runs.error} onRetry={runs.reload} /> : null}
      {runs.loading && <Busy />}
      {runs.rows && runs.rows.length === 0 && <p className="muted">{t('features.exports.none')}</p>}
      {runs.rows && runs.rows.length > 0 && (
        <div className="table-scroll">
          <table aria-labelledby="runs-list">
            <thead>
              <tr>
                <th scope="col">{t('features.col.created')}</th>
                <th scope="col">{t('features.col.target')}</th>
                <th scope="col">{t('features.col.status')}</th>
                <th scope="col" className="num">
                  {t('features.col.exported')}
                </th>
                <th scope="col" className="num">
                  {t('features.col.refused')}
                </th>
                <th scope="col" className="num">
                  {t('features.col.charged')}
                </th>
                <th scope="col">{t('features.col.actions')}</th>
                <th scope="col">{t('features.col.details')}</th>
              </tr>
            </thead>
            <tbody>
              {runs.rows.map((run) => (
                <RunRow key={run.id} run={run} columns={7}>
                  <td>
                    <CellView value={run.createdAt} format="datetime" />
                  </td>
                  <td>
                    {targetName(run.targetId)} <span className="muted">({exporterLabel(run.exporterId)})</span>
                  </td>
                  <td>
                    <CellView value={run.status} format="status" />
                    {run.reason && <div className="muted">{hasMessage(`features.reason.${run.reason}`) ? t(`features.reason.${run.reason}`) : run.reason}</div>}
                  </td>
                  <td className="num">{run.counts.exported}</td>
                  <td className="num">{run.counts.refused}</td>
                  <td className="num">
                    <Money amount={run.amounts.charged} currency={run.amounts.currency} />
                  </td>
                  <td>
                    <RunActions run={run} admin={admin} onChanged={runs.reload} />
                  </td>
                </RunRow>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ErrorMessage error={runs.more.error} />
      {runs.more.available && (
        <button type="button" onClick={() => void runs.more.load()} disabled={runs.more.loading}>
          {t('app.loadMore')}
        </button>
      )}
    </Page>
  );
}

/** A run's row, and under it, on demand, its report (a disclosure button keeps the table readable). */
function RunRow({ run, columns, children }: { run: Run; columns: number; children: ReactNode }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const detailsId = `run-details-${run.id}`;
  return (
    <>
      <tr>
        {children}
        <td>
          <button type="button" className="link-button" aria-expanded={open} aria-controls={detailsId} onClick={() => setOpen(!open)}>
            {open ? t('features.exports.hideDetails') : t('features.exports.showDetails')}
          </button>
        </td>
      </tr>
      {open && (
        <tr id={detailsId}>
          <td colSpan={columns + 1}>
            <ExportRunDetails runId={run.id} />
          </td>
        </tr>
      )}
    </>
  );
}

function RunActions({ run, admin, onChanged }: { run: Run; admin: boolean; onChanged(): void }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [key] = useState(() => newIdempotencyKey('resume'));
  const downloadable = run.deliveryKind === 'download' && (run.status === 'completed' || run.status === 'partially_delivered') && run.counts.exported > 0;
  const resumable = admin && (run.status === 'partially_delivered' || run.status === 'failed') && run.counts.undelivered > 0;
  const resume = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.post(`/v1/accounting-exports/runs/${encodeURIComponent(run.id)}/resume`, {}, { idempotencyKey: key });
      onChanged();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="stack">
      {downloadable && <a href={`/v1/accounting-exports/runs/${encodeURIComponent(run.id)}/download`}>{t('features.exports.download')}</a>}
      {resumable && (
        <button type="button" onClick={() => void resume()} disabled={busy}>
          {t('features.exports.resume')}
        </button>
      )}
      {busy && <Busy label={t('app.working')} />}
      <ErrorMessage error={error} />
    </div>
  );
}

/** Starts a run for one target: documents not yet exported to it, optionally within issue dates. */
function StartRun({ targets, exporterLabel, onStarted }: { targets: Target[]; exporterLabel(id: string): string; onStarted(): void }) {
  const { t } = useI18n();
  const [targetId, setTargetId] = useState(targets[0]?.id ?? '');
  const [issuedFrom, setIssuedFrom] = useState('');
  const [issuedTo, setIssuedTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [started, setStarted] = useState(false);
  const [key, setKey] = useState(() => newIdempotencyKey('export'));
  const changed =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setStarted(false);
      setKey(newIdempotencyKey('export'));
    };
  if (targets.length === 0)
    return (
      <section className="card" aria-labelledby="start-run">
        <h2 id="start-run">{t('features.exports.start')}</h2>
        <p className="muted">
          {t('features.exports.noTargets')} <a href="/docs">{t('features.exports.apiDocs')}</a>
        </p>
      </section>
    );
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setStarted(false);
    try {
      const selection = { ...(issuedFrom ? { issuedFrom } : {}), ...(issuedTo ? { issuedTo } : {}) };
      await api.post('/v1/accounting-exports/runs', { targetId, selection }, { idempotencyKey: key });
      setStarted(true);
      setKey(newIdempotencyKey('export'));
      onStarted();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" aria-labelledby="start-run">
      <h2 id="start-run">{t('features.exports.start')}</h2>
      <p className="muted">{t('features.exports.startHelp')}</p>
      <form className="row" onSubmit={(event) => void submit(event)}>
        <div className="stack">
          <label htmlFor="run-target">{t('features.col.target')}</label>
          <select id="run-target" value={targetId} onChange={(event) => changed(setTargetId)(event.target.value)}>
            {targets.map((target) => (
              <option key={target.id} value={target.id}>
                {target.name} — {exporterLabel(target.exporterId)} ({t(`features.exports.delivery.${target.delivery.kind}`)})
              </option>
            ))}
          </select>
        </div>
        <div className="stack">
          <label htmlFor="run-from">{t('features.exports.issuedFrom')}</label>
          <input id="run-from" type="date" value={issuedFrom} onChange={(event) => changed(setIssuedFrom)(event.target.value)} />
        </div>
        <div className="stack">
          <label htmlFor="run-to">{t('features.exports.issuedTo')}</label>
          <input id="run-to" type="date" value={issuedTo} onChange={(event) => changed(setIssuedTo)(event.target.value)} />
        </div>
        <button type="submit" className="primary" disabled={busy || !targetId}>
          {t('features.exports.startButton')}
        </button>
      </form>
      {busy && <Busy label={t('app.working')} />}
      <ErrorMessage error={error} />
      <p role="status" aria-live="polite" className={started ? 'success' : 'sr-only'}>
        {started ? t('features.exports.started') : ''}
      </p>
    </section>
  );
}
