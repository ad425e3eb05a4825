import { pgArray, type Database, type Transaction } from '@tollgate/db';

export interface OutboxEvent {
  id: string;
  accountId: string;
  type: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

/**
 * Hands outbox events (written in the same transaction as the change) to `publish`, oldest first,
 * at least once, inside the relaying transaction (`tx`, e.g. to enqueue jobs atomically with
 * marking the rows published). Several hosts may relay at once: rows are claimed with SKIP LOCKED and marked
 * published in the same transaction, so a crash before commit only means a redelivery.
 */
export async function relayWalletEvents(input: {
  db: Database;
  publish: (events: OutboxEvent[], tx: Transaction) => Promise<void>;
  now: Date;
  limit?: number;
  /** Runs first in the relaying transaction, before rows are claimed (e.g. a lock that orders relays across hosts). */
  before?: (tx: Transaction) => Promise<void>;
}): Promise<number> {
  return input.db.transaction(async (tx) => {
    await input.before?.(tx);
    const { rows } = await tx.query<{ id: string; account_id: string; type: string; payload: Record<string, unknown>; created_at: Date }>(
      'select id, account_id, type, payload, created_at from wallet_events where published_at is null order by id limit $1 for update skip locked',
      [input.limit ?? 500],
    );
    if (!rows.length) return 0;
    await input.publish(
      rows.map((r) => ({ id: r.id, accountId: r.account_id, type: r.type, payload: r.payload, createdAt: r.created_at })),
      tx,
    );
    await tx.query('update wallet_events set published_at = $2 where id = any($1::bigint[])', [pgArray(rows.map((r) => r.id)), input.now]);
    return rows.length;
  });
}
