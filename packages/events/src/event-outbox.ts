import type { Queryable } from '@tollgate/db';
import type { EventPayloads, EventType } from '@tollgate/plugin-sdk';

/**
 * Records an event in the caller's transaction (the outbox): it exists iff the change it tells
 * about commits. The relay gives it its id and sequence later. The wallet has its own outbox
 * (`wallet_events`); every other source writes here.
 */
export async function recordEvent<T extends EventType>(input: {
  q: Queryable;
  accountId: string;
  type: T;
  data: EventPayloads[T];
  occurredAt: Date;
}): Promise<void> {
  await input.q.query('insert into event_outbox (account_id, type, data, occurred_at) values ($1, $2, $3, $4)', [
    input.accountId,
    input.type,
    JSON.stringify(input.data),
    input.occurredAt,
  ]);
}
