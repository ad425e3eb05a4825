import { useState } from 'react';
import { api } from '../api/client.js';
import { useSession } from '../auth.js';
import { hasMessage, useI18n } from '../i18n/index.js';
import { formatCell, valueAt } from '../screens/features/panel-columns.js';
import { localized, type PanelColumnFormat, type PanelTable as PanelTableView } from '../screens/features/panel-types.js';
import { Busy } from './busy.js';
import { ErrorMessage } from './error-message.js';
import { Money } from './money.js';
import { useLoad } from './use-load.js';

interface Page {
  data: unknown[];
  nextCursor?: string | null;
}

/** A plugin's declarative list: `source` answers `{ data, nextCursor? }`; older pages load on demand. */
export function PanelTable({ table, caption }: { table: PanelTableView; caption: string }) {
  const { t, locale } = useI18n();
  const first = useLoad((signal) => api.get<Page>(table.source, undefined, signal), [table.source]);
  const [more, setMore] = useState<{ used: boolean; rows: unknown[]; cursor: string | null; loading: boolean; error: unknown }>({
    used: false,
    rows: [],
    cursor: null,
    loading: false,
    error: null,
  });
  if (first.loading && !first.data) return <Busy />;
  if (first.error && !first.data) return <ErrorMessage error={first.error} onRetry={first.reload} />;
  const rows = [...(first.data?.data ?? []), ...more.rows];
  const cursor = more.used ? more.cursor : (first.data?.nextCursor ?? null);

  const loadMore = async () => {
    if (!cursor) return;
    setMore((previous) => ({ ...previous, loading: true, error: null }));
    try {
      const page = await api.get<Page>(table.source, { before: cursor });
      setMore((previous) => ({ used: true, rows: [...previous.rows, ...page.data], cursor: page.nextCursor ?? null, loading: false, error: null }));
    } catch (error) {
      setMore((previous) => ({ ...previous, used: true, cursor, loading: false, error }));
    }
  };

  if (rows.length === 0) return <p className="muted">{localized(table.empty, locale) || t('app.none')}</p>;
  return (
    <>
      <div className="table-scroll">
        <table>
          <caption className="sr-only">{caption}</caption>
          <thead>
            <tr>
              {table.columns.map((column) => (
                <th key={column.key} scope="col" className={column.format === 'money' ? 'num' : undefined}>
                  {localized(column.label, locale)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, index) => (
              <tr key={rowKey(row, index)}>
                {table.columns.map((column) => (
                  <td key={column.key} className={column.format === 'money' ? 'num' : undefined}>
                    <CellView value={valueAt(row, column.key)} format={column.format} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ErrorMessage error={more.error} />
      {cursor && (
        <div className="row">
          <button type="button" onClick={() => void loadMore()} disabled={more.loading}>
            {t('app.loadMore')}
          </button>
          {more.loading && <Busy />}
        </div>
      )}
    </>
  );
}

function rowKey(row: unknown, index: number): string {
  const id = valueAt(row, 'id');
  return typeof id === 'string' || typeof id === 'number' ? String(id) : `row-${index}`;
}

/** One cell in its format; a status and a yes/no are words, never a colour alone. */
export function CellView({ value, format }: { value: unknown; format: PanelColumnFormat | undefined }) {
  const { t, locale } = useI18n();
  const session = useSession();
  const cell = formatCell({
    value,
    format,
    locale,
    ...(session.account?.timeZone ? { timeZone: session.account.timeZone } : {}),
    statusLabel: (code) => (hasMessage(`features.status.${code}`) ? t(`features.status.${code}`) : null),
  });
  switch (cell.kind) {
    case 'empty':
      return (
        <>
          <span aria-hidden="true">—</span>
          <span className="sr-only">{t('features.cell.none')}</span>
        </>
      );
    case 'boolean':
      return <>{cell.value ? t('features.yes') : t('features.no')}</>;
    case 'money':
      return <Money amount={cell.amount} />;
    case 'datetime':
      return <time dateTime={cell.iso}>{cell.text}</time>;
    case 'status':
      return (
        <span className="status-badge" data-status={cell.code}>
          {cell.text}
        </span>
      );
    default:
      return <>{cell.text}</>;
  }
}
