import { useState } from 'react';
import { useI18n } from '../i18n/index.js';
import { Busy } from './busy.js';
import { ErrorMessage } from './error-message.js';

export interface ListPage<T> {
  data: T[];
  nextCursor: string | null;
}

export interface LoadMore<T> {
  rows: T[];
  cursor: string | null;
  busy: boolean;
  error: unknown;
  load(): Promise<void>;
}

/** A list that starts from a page already loaded and follows `nextCursor` on demand ("load more"). */
export function useLoadMore<T>({ first, fetchPage }: { first: ListPage<T>; fetchPage(cursor: string): Promise<ListPage<T>> }): LoadMore<T> {
  const [rows, setRows] = useState(first.data);
  const [cursor, setCursor] = useState(first.nextCursor);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function load() {
    if (!cursor) return;
    setBusy(true);
    setError(null);
    try {
      const page = await fetchPage(cursor);
      setRows((previous) => [...previous, ...page.data]);
      setCursor(page.nextCursor);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }
  return { rows, cursor, busy, error, load };
}

/** Under the list: its error, progress while a page loads, and the button for the next page. */
export function LoadMoreFooter<T>({ list }: { list: LoadMore<T> }) {
  const { t } = useI18n();
  return (
    <>
      <ErrorMessage error={list.error} />
      {list.busy && <Busy />}
      {list.cursor && !list.busy && (
        <button type="button" onClick={() => void list.load()}>
          {t('app.loadMore')}
        </button>
      )}
    </>
  );
}
