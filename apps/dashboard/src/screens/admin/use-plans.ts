import { api } from '../../api/client.js';
import { useLoad } from '../../components/use-load.js';
import type { PlanDefinition } from './types.js';

/** The plans offered (GET /admin/plans): the choices when creating an account or moving one. */
export function usePlans() {
  return useLoad((signal) => api.get<{ data: PlanDefinition[] }>('/admin/plans', undefined, signal).then((r) => r.data), []);
}
