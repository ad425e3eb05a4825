import type { Queryable } from '@tollgate/db';

export interface InvariantProblem {
  check: string;
  detail: string;
}

export interface InvariantReport {
  ok: boolean;
  problems: InvariantProblem[];
  counts: { wallets: number; lots: number; transactions: number; postings: number };
}

/**
 * Proves the ledger (W-2): every transaction balances, all postings sum to zero, every wallet's
 * available and pending equal its postings, every lot's remaining equals its postings and no
 * wallet or lot is below zero. Reads only; safe on a live database.
 */
export async function checkInvariants(input: { db: Queryable; limit?: number }): Promise<InvariantReport> {
  const limit = input.limit ?? 20;
  const problems: InvariantProblem[] = [];
  const check = async (name: string, sql: string, describe: (row: Record<string, unknown>) => string) => {
    const { rows } = await input.db.query<Record<string, unknown>>(`${sql} limit ${limit}`);
    for (const row of rows) problems.push({ check: name, detail: describe(row) });
  };

  await check(
    'transaction_balanced',
    'select transaction_id, sum(amount) as total from ledger_postings group by transaction_id having sum(amount) <> 0',
    (r) => `transaction ${r.transaction_id} postings sum to ${r.total}, not 0`,
  );
  await check('ledger_zero', 'select sum(amount) as total from ledger_postings having sum(amount) <> 0', (r) => `all postings sum to ${r.total}, not 0`);
  await check(
    'transaction_has_postings',
    `select t.id from ledger_transactions t where t.amount <> 0 and not exists (select 1 from ledger_postings p where p.transaction_id = t.id)`,
    (r) => `transaction ${r.id} moves money but has no postings`,
  );
  await check(
    'wallet_available',
    `select w.account_id, w.available, coalesce(p.total, 0) as ledger from wallets w
       left join (select account_id, sum(amount) as total from ledger_postings where book = 'wallet' group by account_id) p on p.account_id = w.account_id
      where w.available <> coalesce(p.total, 0)`,
    (r) => `wallet ${r.account_id}: available ${r.available} but its wallet postings sum to ${r.ledger}`,
  );
  await check(
    'wallet_pending',
    `select w.account_id, w.pending, coalesce(p.total, 0) as ledger from wallets w
       left join (select account_id, sum(amount) as total from ledger_postings where book = 'holds' group by account_id) p on p.account_id = w.account_id
      where w.pending <> coalesce(p.total, 0)`,
    (r) => `wallet ${r.account_id}: pending ${r.pending} but its hold postings sum to ${r.ledger}`,
  );
  await check(
    'pending_holds',
    `select w.account_id, w.pending, coalesce(h.total, 0) as held from wallets w
       left join (select account_id, sum(amount) as total from holds where status = 'pending' group by account_id) h on h.account_id = w.account_id
      where w.pending <> coalesce(h.total, 0)`,
    (r) => `wallet ${r.account_id}: pending ${r.pending} but its pending holds total ${r.held}`,
  );
  await check(
    'wallet_owed',
    `select w.account_id, w.owed, coalesce(-p.total, 0) as ledger from wallets w
       left join (select account_id, sum(amount) as total from ledger_postings where book = 'receivables' group by account_id) p on p.account_id = w.account_id
      where w.owed <> coalesce(-p.total, 0)`,
    (r) => `wallet ${r.account_id}: owes ${r.owed} but its receivables postings say ${r.ledger}`,
  );
  await check(
    'wallet_not_negative',
    'select account_id, available, pending from wallets where available < 0 or pending < 0',
    (r) => `wallet ${r.account_id} is below zero (available ${r.available}, pending ${r.pending})`,
  );
  await check(
    'lot_remaining',
    `select l.id, l.remaining, coalesce(p.total, 0) as ledger from credit_lots l
       left join (select lot_id, sum(amount) as total from ledger_postings where book = 'wallet' and lot_id is not null group by lot_id) p on p.lot_id = l.id
      where l.remaining <> coalesce(p.total, 0)`,
    (r) => `lot ${r.id}: remaining ${r.remaining} but its wallet postings sum to ${r.ledger}`,
  );
  await check(
    'lot_not_negative',
    'select id, remaining from credit_lots where remaining < 0 or remaining > granted',
    (r) => `lot ${r.id} has remaining ${r.remaining} outside 0..granted`,
  );
  await check(
    'lots_sum_to_wallet',
    `select w.account_id, w.available, coalesce(l.total, 0) as lots from wallets w
       left join (select account_id, sum(remaining) as total from credit_lots group by account_id) l on l.account_id = w.account_id
      where w.available <> coalesce(l.total, 0)`,
    (r) => `wallet ${r.account_id}: available ${r.available} but its lots hold ${r.lots}`,
  );

  const {
    rows: [counts],
  } = await input.db.query<{ wallets: number; lots: number; transactions: number; postings: number }>(
    `select (select count(*)::int from wallets) as wallets, (select count(*)::int from credit_lots) as lots,
            (select count(*)::int from ledger_transactions) as transactions, (select count(*)::int from ledger_postings) as postings`,
  );
  return { ok: problems.length === 0, problems, counts: counts! };
}
