import { useCallback, useEffect, useState } from 'react';
import { api } from '../../api/client.js';
import type { AccountView, AccountsPage } from './types.js';

/** GET /admin/accounts page after page ("load more"): oldest first, so new pages append. */
export function useAccountsPages() {
  const [items, setItems] = useState<AccountView[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [after, setAfter] = useState<string | undefined>(undefined);
  const [generation, setGeneration] = useState(0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError(null);
    api.get<AccountsPage>('/admin/accounts', { limit: 20, after }, controller.signal).then(
      (page) => {
        if (controller.signal.aborted) return;
        setItems((previous) => (after ? [...previous, ...page.data] : page.data));
        setCursor(page.nextCursor);
        setLoading(false);
      },
      (caught: unknown) => {
        if (controller.signal.aborted) return;
        setError(caught);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [after, generation]);

  const more = useCallback(() => cursor && setAfter(cursor), [cursor]);
  const restart = useCallback(() => {
    setAfter(undefined);
    setGeneration((value) => value + 1);
  }, []);
  const retry = useCallback(() => setGeneration((value) => value + 1), []);
  return { items, loading, error, hasMore: !!cursor, more, restart, retry };
}
