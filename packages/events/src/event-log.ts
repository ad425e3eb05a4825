import { randomBytes } from 'node:crypto';
import type { Clock } from '@tollgate/clock';
import { pgArray, type Database, type Queryable, type Transaction } from '@tollgate/db';
import { EVENT_TYPES, isEventType, type EventType, type TollgateEvent } from '@tollgate/plugin-sdk';

/** Every relay holds this transaction-level advisory lock: sequences are given in one order, whatever the number of hosts. */
export const EVENT_RELAY_LOCK = 0x7467_6576; // 'tgev'

/** An event as a source recorded it, before it has an id and a sequence. */
export interface RecordedEvent {
  /** Where it comes from ('wallet', 'outbox'); with sourceId it is the event's identity: appended once. */
  source: string;
  sourceId: string;
  accountId: string;
  type: string;
  data: object;
  occurredAt: Date;
}

/** A plugin handler's subscription, as the log fans events out to it. */
export interface HandlerTarget {
  /** 'plugin-id/name'. */
  target: string;
  types: readonly EventType[];
}

export function newEventId(): string {
  return `evt_${randomBytes(12).toString('base64url')}`;
}

interface EventRow {
  id: string;
  account_id: string;
  seq: string;
  type: string;
  version: number;
  data: object;
  occurred_at: Date;
}

export function eventView(row: EventRow): TollgateEvent {
  return {
    id: row.id,
    type: row.type as EventType,
    version: row.version,
    accountId: row.account_id,
    sequence: Number(row.seq),
    occurredAt: new Date(row.occurred_at).toISOString(),
    data: row.data as never,
  };
}

/**
 * The log: appends recorded events with the next sequence of their account and creates their
 * deliveries, in the relay's transaction: one per subscribed handler, one per enabled endpoint of
 * the account that wants the type and existed when the event occurred (as with Stripe, a disabled
 * endpoint misses what happens meanwhile: a replay sends it). Only event types of the SDK's catalog are appended
 * (an internal type a source records is not part of the public contract); the others are dropped.
 */
export class EventLog {
  #handlers: readonly HandlerTarget[] = [];

  constructor(private readonly deps: { db: Database; clock: Clock }) {}

  /** The plugin handlers to fan out to (set once plugins have subscribed). */
  setHandlers(handlers: readonly HandlerTarget[]): void {
    this.#handlers = handlers;
  }

  /** Takes the relay lock for the rest of `tx` (the caller's outbox claim must come after it). */
  static async lock(tx: Transaction): Promise<void> {
    await tx.query('select pg_advisory_xact_lock($1)', [EVENT_RELAY_LOCK]);
  }

  /**
   * Appends, in order, under the relay lock (the caller holds it: see `lock`). Returns the ids of
   * the new events; an event whose (source, sourceId) is in the log already is skipped.
   */
  async append(tx: Transaction, events: readonly RecordedEvent[]): Promise<string[]> {
    const now = this.deps.clock.now();
    const input = events
      .filter((e) => isEventType(e.type))
      .map((e, ord) => ({
        ord,
        id: newEventId(),
        source: e.source,
        source_id: e.sourceId,
        account_id: e.accountId,
        type: e.type,
        version: EVENT_TYPES[e.type as EventType],
        data: e.data,
        occurred_at: e.occurredAt.toISOString(),
      }));
    if (!input.length) return [];
    // Set-based: one statement numbers and stores the batch, whatever its size.
    const { rows } = await tx.query<{ id: string }>(
      `with input as (
         select x.* from jsonb_to_recordset($1::jsonb) as x(ord int, id text, source text, source_id text, account_id text, type text, version int, data jsonb, occurred_at timestamptz)
          where not exists (select 1 from events e where e.source = x.source and e.source_id = x.source_id)
       ),
       counts as (select account_id, count(*)::bigint as n from input group by account_id),
       bumped as (
         insert into event_account_seq (account_id, last_seq) select account_id, n from counts
         on conflict (account_id) do update set last_seq = event_account_seq.last_seq + excluded.last_seq
         returning account_id, last_seq
       ),
       numbered as (
         select i.*, b.last_seq - c.n + row_number() over (partition by i.account_id order by i.ord) as seq
           from input i join bumped b using (account_id) join counts c using (account_id)
       )
       insert into events (id, account_id, seq, type, version, data, occurred_at, recorded_at, source, source_id)
       select id, account_id, seq, type, version, data, occurred_at, $2, source, source_id from numbered order by ord
       returning id`,
      [JSON.stringify(input), now],
    );
    const ids = rows.map((r) => r.id);
    if (!ids.length) return ids;
    await tx.query(
      `insert into event_deliveries (event_id, account_id, seq, kind, target, status, next_attempt_at, created_at)
       select e.id, e.account_id, e.seq, 'webhook', w.id, 'pending', $2, $2
         from events e join webhook_endpoints w on w.account_id = e.account_id
        where e.id = any($1::text[]) and w.status = 'enabled' and w.deleted_at is null and (e.type = any(w.event_types) or '*' = any(w.event_types))
          and e.occurred_at >= w.created_at
        order by e.account_id, e.seq, w.id`,
      [pgArray(ids), now],
    );
    const pairs = this.#handlers.flatMap((h) => h.types.map((type) => ({ target: h.target, type })));
    if (pairs.length) {
      await tx.query(
        `insert into event_deliveries (event_id, account_id, seq, kind, target, status, next_attempt_at, created_at)
         select e.id, e.account_id, e.seq, 'handler', t.target, 'pending', $3, $3
           from events e join jsonb_to_recordset($2::jsonb) as t(target text, type text) on t.type = e.type
          where e.id = any($1::text[])
          order by e.account_id, e.seq, t.target`,
        [pgArray(ids), JSON.stringify(pairs), now],
      );
    }
    return ids;
  }

  /** Moves `event_outbox` rows into the log, a page at a time, each page in one transaction with the relay lock. */
  async relayOutbox(input: { limit?: number; maxPages?: number } = {}): Promise<number> {
    const limit = input.limit ?? 500;
    let total = 0;
    for (let page = 0; page < (input.maxPages ?? 20); page++) {
      const moved = await this.deps.db.transaction(async (tx) => {
        await EventLog.lock(tx);
        const { rows } = await tx.query<{ id: string; account_id: string; type: string; data: object; occurred_at: Date }>(
          'select id, account_id, type, data, occurred_at from event_outbox where published_at is null order by id limit $1',
          [limit],
        );
        if (!rows.length) return 0;
        await this.append(
          tx,
          rows.map((r) => ({ source: 'outbox', sourceId: r.id, accountId: r.account_id, type: r.type, data: r.data, occurredAt: new Date(r.occurred_at) })),
        );
        await tx.query('update event_outbox set published_at = $2 where id = any($1::bigint[])', [pgArray(rows.map((r) => r.id)), this.deps.clock.now()]);
        return rows.length;
      });
      total += moved;
      if (moved < limit) break;
    }
    return total;
  }

  /** An account's events, oldest first after `afterSequence`. */
  async list(input: { accountId: string; types?: readonly string[]; afterSequence?: number; limit: number; q?: Queryable }): Promise<TollgateEvent[]> {
    const { rows } = await (input.q ?? this.deps.db).query<EventRow>(
      `select id, account_id, seq, type, version, data, occurred_at from events
        where account_id = $1 and seq > $2 and ($3::text[] is null or type = any($3::text[]))
        order by seq limit $4`,
      [input.accountId, input.afterSequence ?? 0, input.types?.length ? pgArray(input.types) : null, input.limit],
    );
    return rows.map(eventView);
  }

  async get(input: { accountId: string; eventId: string }): Promise<TollgateEvent | null> {
    const { rows } = await this.deps.db.query<EventRow>(
      'select id, account_id, seq, type, version, data, occurred_at from events where account_id = $1 and id = $2',
      [input.accountId, input.eventId],
    );
    return rows[0] ? eventView(rows[0]) : null;
  }
}
