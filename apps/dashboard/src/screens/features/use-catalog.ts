import { api, ApiError } from '../../api/client.js';
import { useLoad, type Loaded } from '../../components/use-load.js';
import type { PriceRow } from './feature-catalog.js';

export interface Catalog {
  prices: PriceRow[];
  /** The account's plan, whose own price rows come first; null when the host has no plans. */
  plan: string | null;
}

/** The price list and the account's plan: enough to show what a channel costs this account now. */
export function useCatalog(): Loaded<Catalog> {
  return useLoad(async (signal) => {
    const [prices, plan] = await Promise.all([
      api.get<{ data: PriceRow[] }>('/v1/catalog/prices', undefined, signal),
      api.get<{ id: string }>('/v1/plan', undefined, signal).catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return { id: '' };
        throw error;
      }),
    ]);
    return { prices: prices.data, plan: plan.id || null };
  }, []);
}
