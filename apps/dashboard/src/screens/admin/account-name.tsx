import { api } from '../../api/client.js';
import { useLoad } from '../../components/use-load.js';
import type { AccountView } from './types.js';

/** An account's name where a list only has its id (refunds); the id stays visible until the name arrives, or if it cannot. */
export function AccountName({ accountId }: { accountId: string }) {
  const account = useLoad((signal) => api.get<AccountView>(`/admin/accounts/${encodeURIComponent(accountId)}`, undefined, signal), [accountId]);
  return <>{account.data?.name ?? accountId}</>;
}
