import type { Database } from '@tollgate/db';

export interface PruneResult {
  events: number;
  deliveries: number;
  attempts: number;
  outbox: number;
}

/**
 * Forgets what is older than `before`, a bounded batch per table per call: published outbox rows,
 * attempts and deliveries that ended (delivered, failed), and events none of whose deliveries is
 * still waiting or parked (those stay until they are delivered or retried). Like Stripe, the log is
 * a recent history (30 days by default), not an archive: the ledger is the record of money.
 */
export async function pruneEvents(input: { db: Database; before: Date; batch?: number }): Promise<PruneResult> {
  const { db, before } = input;
  const batch = input.batch ?? 5000;
  const attempts = await db.query(
    `delete from webhook_attempts where id in (
       select a.id from webhook_attempts a join event_deliveries d on d.id = a.delivery_id
        where a.at < $1 and d.status in ('delivered', 'failed') limit $2)`,
    [before, batch],
  );
  const deliveries = await db.query(
    `delete from event_deliveries where id in (
       select d.id from event_deliveries d
        where d.created_at < $1 and d.status in ('delivered', 'failed')
          and not exists (select 1 from webhook_attempts a where a.delivery_id = d.id)
        limit $2)`,
    [before, batch],
  );
  const events = await db.query(
    `delete from events where id in (
       select e.id from events e
        where e.recorded_at < $1 and not exists (select 1 from event_deliveries d where d.event_id = e.id)
        limit $2)`,
    [before, batch],
  );
  const outbox = await db.query(`delete from event_outbox where id in (select id from event_outbox where published_at < $1 limit $2)`, [before, batch]);
  return { events: events.rowCount, deliveries: deliveries.rowCount, attempts: attempts.rowCount, outbox: outbox.rowCount };
}
