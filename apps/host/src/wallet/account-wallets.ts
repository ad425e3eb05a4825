import type { Database } from '@tollgate/db';
import { WalletNotFoundError, type WalletService } from '@tollgate/wallet';
import type { AccountHooks } from '../accounts/accounts.service.js';

/**
 * Every account has a wallet (W-1) opened with the trial credit (W-3). The wallet lives in its own
 * tables and transactions, so it is opened right after the account commits; `openWallet` is
 * idempotent (the trial grant has a fixed key), so any path below may run it again safely.
 */
export function walletAccountHooks(input: { wallet: WalletService }): AccountHooks {
  return {
    async created(account, options) {
      // The plan asked for when the account was made; else the wallet's default (the config's plans.default).
      await input.wallet.openWallet({ accountId: account.id, timeZone: account.timeZone, ...(options?.plan ? { plan: options.plan } : {}) });
    },
    async updated({ account, changed, tx }) {
      // The free monthly quota resets at the start of the month in the account's time zone (W-8).
      if (changed.timeZone !== undefined) await tx.query('update wallets set time_zone = $2 where account_id = $1', [account.id, account.timeZone]);
    },
  };
}

/**
 * Opens the wallet of every account that has none: accounts made before the wallet existed, or
 * whose wallet could not be opened after the account committed (a crash in between). Run at start-up.
 */
export async function openMissingWallets(input: { db: Database; wallet: WalletService; limit?: number }): Promise<number> {
  let opened = 0;
  for (;;) {
    const { rows } = await input.db.query<{ id: string; time_zone: string }>(
      'select a.id, a.time_zone from accounts a where not exists (select 1 from wallets w where w.account_id = a.id) order by a.id limit $1',
      [input.limit ?? 500],
    );
    for (const row of rows) {
      await input.wallet.openWallet({ accountId: row.id, timeZone: row.time_zone });
      opened++;
    }
    if (rows.length < (input.limit ?? 500)) return opened;
  }
}

/**
 * Runs `fn` on the account's wallet; when the account exists but its wallet does not (see
 * openMissingWallets), opens it first and runs `fn` again. Any other error goes through.
 */
export async function withWallet<T>(input: { db: Database; wallet: WalletService; accountId: string }, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (!(error instanceof WalletNotFoundError)) throw error;
    const {
      rows: [account],
    } = await input.db.query<{ time_zone: string }>('select time_zone from accounts where id = $1', [input.accountId]);
    if (!account) throw error;
    await input.wallet.openWallet({ accountId: input.accountId, timeZone: account.time_zone });
    return fn();
  }
}
