import { openDatabase, pgArray } from '@tollgate/db';
import { checkInvariants, type InvariantReport } from '@tollgate/wallet';
import type { Operation } from './operations.js';
import { reconcile, type LedgerRow, type Violation, type WalletFigures } from './reconcile.js';

export async function walletFigures(input: { databaseUrl: string; accountIds: string[] }): Promise<Map<string, WalletFigures>> {
  const db = await openDatabase({ url: input.databaseUrl, poolSize: 1 });
  try {
    const { rows } = await db.query<{ account_id: string; available: string; pending: string }>(
      'select account_id, available::text, pending::text from wallets where account_id = any($1::text[])',
      [pgArray(input.accountIds)],
    );
    return new Map(rows.map((r) => [r.account_id, { available: r.available, pending: r.pending }]));
  } finally {
    await db.close();
  }
}

/** After the load: the wallet's own invariant check, then the run's operations against the ledger. */
export async function verifyRun(input: {
  databaseUrl: string;
  keyPrefix: string;
  ops: readonly Operation[];
  initial: ReadonlyMap<string, WalletFigures>;
}): Promise<{ invariants: InvariantReport; violations: Violation[]; ledgerRows: number }> {
  const db = await openDatabase({ url: input.databaseUrl, poolSize: 1 });
  try {
    const invariants = await checkInvariants({ db, limit: 100 });
    const { rows } = await db.query<{ id: string; account_id: string; type: string; amount: string; hold_id: string | null; idempotency_key: string }>(
      `select id::text, account_id, type, amount::text, hold_id::text, idempotency_key from ledger_transactions where idempotency_key like $1`,
      [`api:${input.keyPrefix}%`],
    );
    const ledger: LedgerRow[] = rows.map((r) => ({
      id: r.id,
      accountId: r.account_id,
      type: r.type,
      amount: r.amount,
      holdId: r.hold_id,
      key: r.idempotency_key.slice('api:'.length),
    }));
    const final = await walletFigures({ databaseUrl: input.databaseUrl, accountIds: [...input.initial.keys()] });
    const { violations } = reconcile({ ops: input.ops, ledger, initial: input.initial, final });
    return { invariants, violations, ledgerRows: ledger.length };
  } finally {
    await db.close();
  }
}
