import { useState } from 'react';
import { api } from '../../api/client.js';
import { useLoad } from '../../components/use-load.js';

type Query = Record<string, string | undefined>;

/** A newest-first list with `nextCursor` → `before` paging; a change of `query` starts again. */
export function usePagedList<T>(path: string, query: Query) {
  const first = useLoad((signal) => api.get<{ data: T[]; nextCursor: string | null }>(path, query, signal), [path, query]);
  const [more, setMore] = useState<{ key: string; rows: T[]; cursor: string | null; used: boolean; loading: boolean; error: unknown }>({
    key: '',
    rows: [],
    cursor: null,
    used: false,
    loading: false,
    error: null,
  });
  const key = JSON.stringify([path, query, first.data?.data.length ?? -1]);
  // Pages loaded for an earlier query or before a reload do not belong to this one.
  const current = more.key === key ? more : { key, rows: [], cursor: null, used: false, loading: false, error: null };
  const cursor = current.used ? current.cursor : (first.data?.nextCursor ?? null);
  const loadMore = async () => {
    if (!cursor) return;
    setMore({ ...current, loading: true, error: null });
    try {
      const page = await api.get<{ data: T[]; nextCursor: string | null }>(path, { ...query, before: cursor });
      setMore({ key, rows: [...current.rows, ...page.data], cursor: page.nextCursor, used: true, loading: false, error: null });
    } catch (error) {
      setMore({ ...current, used: true, cursor, loading: false, error });
    }
  };
  return {
    rows: first.data ? [...first.data.data, ...current.rows] : undefined,
    loading: first.loading,
    error: first.error,
    reload: first.reload,
    more: { available: !!cursor, loading: current.loading, error: current.error, load: loadMore },
  };
}
