import { api, ApiError } from '../../api/client.js';
import { useLoad, type Loaded } from '../../components/use-load.js';
import type { DashboardPanelView } from './panel-types.js';

/**
 * The plugins' panels the caller may see. A host without the panels route (before plugin SDK 2.9)
 * answers 404: that is "no panels", not an error, so the core features still show.
 */
export function usePanels(): Loaded<DashboardPanelView[]> {
  return useLoad(async (signal) => {
    try {
      return (await api.get<{ data: DashboardPanelView[] }>('/v1/dashboard/panels', undefined, signal)).data;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return [];
      throw error;
    }
  }, []);
}
