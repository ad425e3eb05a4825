import type { Clock, InvoiceSyncSink, Logger, Queryable, SourceEvent } from '@tollgate/plugin-sdk';

/** Events handed to the core per claim. */
const BATCH = 50;
/** A claimed batch not finished in this time (host died) is taken up again. */
const CLAIM_MS = 5 * 60_000;
/** After this many failed hand-overs an event is dropped: the core's sweep catches the change. */
export const MAX_ATTEMPTS = 8;

export interface DeliveryResult {
  delivered: number;
  failed: number;
  gaveUp: number;
}

/**
 * Hands the stored webhook events to the core's import, oldest first. Hosts claim batches (so two
 * hosts never hand over the same event at once); an event the core could not handle (a Teamleader
 * outage, an import already running) is tried again with backoff: 1, 2, 4 … minutes.
 */
export async function deliverWebhookEvents({
  database: db,
  clock,
  invoiceSync,
  logger,
  sourceId,
}: {
  database: Queryable;
  clock: Clock;
  invoiceSync: InvoiceSyncSink;
  logger: Logger;
  sourceId: string;
}): Promise<DeliveryResult> {
  const result: DeliveryResult = { delivered: 0, failed: 0, gaveUp: 0 };
  for (;;) {
    const now = clock.now();
    const { rows } = await db.query<{ event_id: string; event: SourceEvent | string; attempts: number; generation: number }>(
      `UPDATE source_teamleader_webhook_events SET next_attempt_at = $2, attempts = attempts + 1
        WHERE event_id IN (
          SELECT event_id FROM source_teamleader_webhook_events
           WHERE processed_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
           ORDER BY received_at, event_id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
        RETURNING event_id, event, attempts, generation`,
      [now.toISOString(), new Date(now.getTime() + CLAIM_MS).toISOString()],
    );
    if (rows.length === 0) return result;
    const events = rows.map((row) => {
      const event = typeof row.event === 'string' ? (JSON.parse(row.event) as SourceEvent) : row.event;
      // A re-armed event is a new change for the core, which handles each event id once.
      const generation = Number(row.generation);
      return generation > 0 ? { ...event, eventId: `${event.eventId}.${generation}` } : event;
    });
    const { results } = await invoiceSync.report({ sourceId, events });
    for (const [i, row] of rows.entries()) {
      const handled = results[i];
      const at = clock.now();
      if (handled && handled.outcome !== 'failed') {
        // Re-armed while it was being handed over: go round once more instead of closing it.
        await db.query(
          `UPDATE source_teamleader_webhook_events SET outcome = $3, last_error = NULL,
             processed_at = CASE WHEN rearm THEN NULL ELSE $2::timestamptz END,
             generation = CASE WHEN rearm THEN generation + 1 ELSE generation END,
             attempts = CASE WHEN rearm THEN 0 ELSE attempts END,
             next_attempt_at = CASE WHEN rearm THEN NULL ELSE next_attempt_at END,
             rearm = false
           WHERE event_id = $1`,
          [row.event_id, at.toISOString(), handled.outcome],
        );
        result.delivered++;
        continue;
      }
      const reason = handled?.reason ?? 'not handled';
      const attempts = Number(row.attempts);
      if (attempts >= MAX_ATTEMPTS) {
        await db.query(`UPDATE source_teamleader_webhook_events SET processed_at = $2, outcome = 'gave_up', last_error = $3 WHERE event_id = $1`, [
          row.event_id,
          at.toISOString(),
          reason,
        ]);
        logger.warn({ eventId: row.event_id, reason }, 'Teamleader webhook event given up; the sweep will catch the change');
        result.gaveUp++;
      } else {
        const retryAt = new Date(at.getTime() + 60_000 * 2 ** (attempts - 1));
        await db.query('UPDATE source_teamleader_webhook_events SET next_attempt_at = $2, last_error = $3 WHERE event_id = $1', [
          row.event_id,
          retryAt.toISOString(),
          reason,
        ]);
        result.failed++;
      }
    }
  }
}
