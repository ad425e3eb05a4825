import type { Clock } from '@tollgate/clock';
import { pgArray, type Database, type Transaction } from '@tollgate/db';
import type { TollgateEvent } from '@tollgate/plugin-sdk';
import { eventView, type HandlerTarget } from './event-log.js';
import { postWebhook, WebhookAgents, type SendOutcome } from './webhook-sender.js';
import { SIGNATURE_HEADER, signatureHeader } from './webhook-signature.js';

export interface EventDeliveryOptions {
  /** Sandbox mode: webhooks may go to loopback and over http. */
  sandbox: boolean;
  /** Deadline of one webhook POST. Default 10 000 ms. */
  webhookTimeoutMs?: number;
  /** A webhook delivery is retried until this long after its first attempt, then failed. Default 72 (three days, as Stripe). */
  webhookRetryHours?: number;
  /** An endpoint that has failed without one success for this long is disabled (and its account told). Default 72. */
  disableAfterHours?: number;
  /** How long a claimed delivery is someone's before another worker may take it (a crashed worker). Default 120 s. */
  leaseSeconds?: number;
  /** Handler attempts before a delivery is parked, unless the subscription says otherwise. Default 8. */
  handlerMaxAttempts?: number;
}

/** A plugin handler, as the deliverer calls it. */
export interface RegisteredHandler extends HandlerTarget {
  handler: (event: TollgateEvent) => Promise<void>;
  maxAttempts?: number;
}

export interface DeliveryRound {
  delivered: number;
  /** Failed this time; tried again later. */
  retried: number;
  /** Handler deliveries that used their last attempt (see GET /admin/events/parked). */
  parked: number;
  /** Webhook deliveries given up after the retry window. */
  failed: number;
  /** Endpoints disabled in this round. */
  disabled: string[];
}

/** Seconds to wait after the n-th failed webhook attempt (then 10 h until the window closes). */
export const WEBHOOK_BACKOFF_SECONDS = [60, 300, 1800, 7200, 18_000, 36_000];
/** Seconds to wait after the n-th failed handler attempt: 30 s doubling, at most an hour. */
export const handlerBackoffSeconds = (attempt: number): number => Math.min(30 * 2 ** (attempt - 1), 3600);

interface DeliveryRow {
  id: string;
  event_id: string;
  account_id: string;
  seq: string;
  kind: 'handler' | 'webhook';
  target: string;
  attempts: number;
  first_attempt_at: Date;
}

interface ClaimedWebhook {
  id: string;
  event_id: string;
  seq: string;
  attempts: number;
  first_attempt_at: Date | null;
  next_attempt_at: Date;
}

/** Deliveries of one endpoint leased at a time: sent one after another, the rest released at the first failure. */
const CLAIM_BATCH = 25;
/** Successes recorded together at most this many at a time (a lease must outlast FLUSH_EVERY slow answers). */
const FLUSH_EVERY = 10;

interface Taken {
  id: string;
  status: number;
  durationMs: number;
  body: string | null;
}

interface EndpointRow {
  id: string;
  account_id: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_expires_at: Date | null;
  failing_since: Date | null;
}

const errorText = (error: unknown): string => {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
};

/**
 * Delivers due event deliveries, at least once, on the injected clock. Handler deliveries are
 * independent (a failing handler never holds up another). Webhook deliveries go to each endpoint
 * one at a time in sequence order: the oldest pending delivery of an endpoint is its head, and
 * nothing after it goes before it succeeds or is given up, so an endpoint that was down receives
 * its backlog in order. Claims are leases on the row (several hosts, crashed workers).
 */
export class EventDeliverer {
  #handlers = new Map<string, RegisteredHandler>();
  readonly #timeoutMs: number;
  readonly #retryMs: number;
  readonly #disableMs: number;
  readonly #leaseMs: number;
  readonly #handlerMaxAttempts: number;
  /** Keep-alive connections per endpoint origin (each new connection's address is checked). */
  readonly #agents = new WebhookAgents();

  constructor(
    private readonly deps: {
      db: Database;
      clock: Clock;
      options: EventDeliveryOptions;
      /** Called in the transaction that disables an endpoint (the e-mail to the account). */
      onEndpointDisabled?: (input: { tx: Transaction; accountId: string; endpointId: string; url: string; failingSince: Date }) => Promise<void>;
    },
  ) {
    const o = deps.options;
    this.#timeoutMs = o.webhookTimeoutMs ?? 10_000;
    this.#retryMs = (o.webhookRetryHours ?? 72) * 3_600_000;
    this.#disableMs = (o.disableAfterHours ?? 72) * 3_600_000;
    // A claim must outlive the answers recorded together (FLUSH_EVERY of them, each up to the timeout).
    this.#leaseMs = (o.leaseSeconds ?? Math.max(120, Math.ceil((FLUSH_EVERY * this.#timeoutMs) / 1000) + 30)) * 1000;
    this.#handlerMaxAttempts = o.handlerMaxAttempts ?? 8;
  }

  /** Closes the kept-alive connections (host shutdown). */
  close(): void {
    this.#agents.close();
  }

  setHandlers(handlers: readonly RegisteredHandler[]): void {
    this.#handlers = new Map(handlers.map((h) => [h.target, h]));
  }

  /** One round: due handler deliveries, then each endpoint's due backlog (up to `perEndpoint` in order). */
  async deliverDue(input: { limit?: number; perEndpoint?: number } = {}): Promise<DeliveryRound> {
    const round: DeliveryRound = { delivered: 0, retried: 0, parked: 0, failed: 0, disabled: [] };
    await this.#deliverHandlers(Math.min(input.limit ?? 50, 50), round);
    await this.#deliverWebhooks(input.limit ?? 200, input.perEndpoint ?? 200, round);
    return round;
  }

  async #claimHandlers(limit: number): Promise<DeliveryRow[]> {
    if (!this.#handlers.size) return [];
    const now = this.deps.clock.now();
    const { rows } = await this.deps.db.query<DeliveryRow>(
      `update event_deliveries d set leased_until = $2, attempts = d.attempts + 1, last_attempt_at = $1, first_attempt_at = coalesce(d.first_attempt_at, $1)
        where d.id in (
          select id from event_deliveries
           where kind = 'handler' and status = 'pending' and next_attempt_at <= $1 and (leased_until is null or leased_until <= $1) and target = any($3::text[])
           order by id limit $4 for update skip locked)
        returning d.id, d.event_id, d.account_id, d.seq, d.kind, d.target, d.attempts, d.first_attempt_at`,
      [now, new Date(now.getTime() + this.#leaseMs), pgArray([...this.#handlers.keys()]), limit],
    );
    // In each account's sequence order (ids follow it too: deliveries are created in that order).
    return rows.sort((a, b) => Number(a.seq) - Number(b.seq) || Number(a.id) - Number(b.id));
  }

  async #deliverHandlers(limit: number, round: DeliveryRound): Promise<void> {
    const claimed = await this.#claimHandlers(limit);
    if (!claimed.length) return;
    const events = await this.#events(claimed.map((d) => d.event_id));
    // One subscription's deliveries run one after another (in sequence order); subscriptions side by side.
    const byTarget = new Map<string, DeliveryRow[]>();
    for (const d of claimed) byTarget.set(d.target, [...(byTarget.get(d.target) ?? []), d]);
    await Promise.all(
      [...byTarget.entries()].map(async ([target, deliveries]) => {
        const registered = this.#handlers.get(target)!;
        for (const delivery of deliveries) {
          // The lease is renewed right before the call: a batch whose first handlers were slow must
          // not run a delivery another host has taken since its lease ran out.
          const renewed = await this.deps.db.query(
            `update event_deliveries set leased_until = $2 where id = $1 and attempts = $3 and status = 'pending' returning id`,
            [delivery.id, new Date(this.deps.clock.now().getTime() + this.#leaseMs), delivery.attempts],
          );
          if (!renewed.rowCount) continue;
          try {
            await registered.handler(events.get(delivery.event_id)!);
            await this.deps.db.query(
              `update event_deliveries set status = 'delivered', delivered_at = $2, leased_until = null, last_error = null where id = $1 and attempts = $3`,
              [delivery.id, this.deps.clock.now(), delivery.attempts],
            );
            round.delivered++;
          } catch (error) {
            const now = this.deps.clock.now();
            const park = delivery.attempts >= (registered.maxAttempts ?? this.#handlerMaxAttempts);
            await this.deps.db.query(
              `update event_deliveries set status = $2, next_attempt_at = $3, leased_until = null, last_error = $4 where id = $1 and attempts = $5`,
              [
                delivery.id,
                park ? 'parked' : 'pending',
                new Date(now.getTime() + handlerBackoffSeconds(delivery.attempts) * 1000),
                errorText(error),
                delivery.attempts,
              ],
            );
            if (park) round.parked++;
            else round.retried++;
          }
        }
      }),
    );
  }

  async #events(ids: readonly string[]): Promise<Map<string, TollgateEvent>> {
    const { rows } = await this.deps.db.query<Parameters<typeof eventView>[0]>(
      'select id, account_id, seq, type, version, data, occurred_at from events where id = any($1::text[])',
      [pgArray([...new Set(ids)])],
    );
    return new Map(rows.map((r) => [r.id, eventView(r)]));
  }

  /** Endpoints with a due, unleased pending delivery (from the due index; the head is checked when claiming). */
  async #dueEndpoints(limit: number): Promise<string[]> {
    const now = this.deps.clock.now();
    const { rows } = await this.deps.db.query<{ target: string }>(
      `select distinct d.target from event_deliveries d join webhook_endpoints w on w.id = d.target
        where d.kind = 'webhook' and d.status = 'pending' and d.next_attempt_at <= $1 and (d.leased_until is null or d.leased_until <= $1)
          and w.status = 'enabled' and w.deleted_at is null
        limit $2`,
      [now, limit],
    );
    return rows.map((r) => r.target);
  }

  /**
   * Leases the endpoint's next `limit` pending deliveries in sequence order, if its head is due and
   * nobody holds it (the head's lease is the endpoint's lock). The lease value is the claim's token:
   * a worker whose lease ran out and was taken over cannot record over the new holder.
   */
  async #claimBatch(endpointId: string, limit: number): Promise<{ lease: Date; rows: ClaimedWebhook[] }> {
    const now = this.deps.clock.now();
    const lease = new Date(now.getTime() + this.#leaseMs);
    const { rows } = await this.deps.db.query<ClaimedWebhook>(
      `with head as (
         select id, next_attempt_at, leased_until from event_deliveries
          where target = $1 and kind = 'webhook' and status = 'pending' order by seq, id limit 1 for update
       ),
       batch as (
         select d.id from event_deliveries d, head
          where d.target = $1 and d.kind = 'webhook' and d.status = 'pending'
            and head.next_attempt_at <= $2 and (head.leased_until is null or head.leased_until <= $2)
            and exists (select 1 from webhook_endpoints w where w.id = $1 and w.status = 'enabled' and w.deleted_at is null)
          order by d.seq, d.id limit $4 for update skip locked
       )
       update event_deliveries d set leased_until = $3 from batch where d.id = batch.id
       returning d.id, d.event_id, d.seq, d.attempts, d.first_attempt_at, d.next_attempt_at`,
      [endpointId, now, lease, limit],
    );
    return { lease, rows: rows.sort((a, b) => Number(a.seq) - Number(b.seq) || Number(a.id) - Number(b.id)) };
  }

  async #deliverWebhooks(limit: number, perEndpoint: number, round: DeliveryRound): Promise<void> {
    const endpoints = await this.#dueEndpoints(limit);
    await Promise.all(
      endpoints.map(async (endpointId) => {
        let sent = 0;
        while (sent < perEndpoint) {
          const { lease, rows } = await this.#claimBatch(endpointId, Math.min(CLAIM_BATCH, perEndpoint - sent));
          if (!rows.length) return;
          const { rows: found } = await this.deps.db.query<EndpointRow>(
            'select id, account_id, url, secret, previous_secret, previous_expires_at, failing_since from webhook_endpoints where id = $1',
            [endpointId],
          );
          const endpoint = found[0]!;
          const events = await this.#events(rows.map((r) => r.event_id));
          const taken: Taken[] = [];
          // Successes are recorded together (every FLUSH_EVERY, before a failure, at the end): one statement, not one each.
          const flush = async (): Promise<boolean> => {
            if (!taken.length) return true;
            const recorded = await this.#recordTaken({ lease, endpoint, taken: taken.splice(0) });
            round.delivered += recorded.count;
            return recorded.complete;
          };
          let stopAt = rows.length;
          for (const [i, delivery] of rows.entries()) {
            // A pending delivery scheduled later (a head that failed before a replay overtook it) waits for its time.
            if (new Date(delivery.next_attempt_at) > this.deps.clock.now()) {
              stopAt = i;
              break;
            }
            const outcome = await this.#post({ delivery, endpoint, event: events.get(delivery.event_id)! });
            if (outcome.status !== null && outcome.status >= 200 && outcome.status < 300) {
              taken.push({ id: delivery.id, status: outcome.status, durationMs: outcome.durationMs, body: outcome.body });
              sent++;
              // A worker whose lease ran out stops: the delivery is someone else's now.
              if (taken.length >= FLUSH_EVERY && !(await flush())) return;
              continue;
            }
            if (!(await flush())) return;
            await this.deps.db.transaction((tx) => this.#recordFailure(tx, { delivery, lease, endpoint, outcome, round }));
            stopAt = i;
            break;
          }
          if (!(await flush())) return;
          if (stopAt < rows.length) {
            // The rest of the batch goes back; the one that failed was recorded (and released) already.
            await this.deps.db.query('update event_deliveries set leased_until = null where id = any($1::bigint[]) and leased_until = $2 and status = $3', [
              pgArray(rows.slice(stopAt).map((r) => r.id)),
              lease,
              'pending',
            ]);
            return;
          }
        }
      }),
    );
  }

  /** One POST of one delivery, signed with the endpoint's secret (and the previous one during a rotation). */
  #post(input: { delivery: ClaimedWebhook; endpoint: EndpointRow; event: TollgateEvent }): Promise<SendOutcome> {
    const { delivery, endpoint, event } = input;
    const body = JSON.stringify(event);
    const sentAt = this.deps.clock.now();
    const secrets = [endpoint.secret];
    if (endpoint.previous_secret && endpoint.previous_expires_at && endpoint.previous_expires_at > sentAt) secrets.push(endpoint.previous_secret);
    return postWebhook({
      url: endpoint.url,
      body,
      timeoutMs: this.#timeoutMs,
      policy: { sandbox: this.deps.options.sandbox },
      agents: this.#agents,
      headers: {
        [SIGNATURE_HEADER]: signatureHeader({ secrets, timestamp: sentAt, body }),
        'Tollgate-Event-Id': event.id,
        'Tollgate-Delivery-Id': delivery.id,
        'user-agent': 'Tollgate-Webhooks/1',
      },
    });
  }

  /**
   * Records deliveries the endpoint took, with their attempts, in one statement — only those this
   * worker still holds (its lease token). `complete` is false when some were taken over meanwhile.
   */
  async #recordTaken(input: { lease: Date; endpoint: EndpointRow; taken: Taken[] }): Promise<{ count: number; complete: boolean }> {
    const { lease, endpoint, taken } = input;
    const now = this.deps.clock.now();
    const { rowCount } = await this.deps.db.query(
      `with input as (
         select * from jsonb_to_recordset($1::jsonb) as x(id bigint, status int, duration_ms int, body text)
       ),
       done as (
         update event_deliveries d set status = 'delivered', delivered_at = $3, leased_until = null, last_error = null, last_status = i.status,
                last_duration_ms = i.duration_ms, attempts = d.attempts + 1, last_attempt_at = $3, first_attempt_at = coalesce(d.first_attempt_at, $3)
           from input i where d.id = i.id and d.leased_until = $2 and d.status = 'pending'
         returning d.id
       )
       insert into webhook_attempts (delivery_id, endpoint_id, at, duration_ms, status_code, response_body, error)
       select i.id, $4, $3, i.duration_ms, i.status, i.body, null from input i join done using (id) order by i.id`,
      [JSON.stringify(taken.map((t) => ({ id: Number(t.id), status: t.status, duration_ms: t.durationMs, body: t.body }))), lease, now, endpoint.id],
    );
    if (rowCount && endpoint.failing_since) {
      await this.deps.db.query('update webhook_endpoints set failing_since = null where id = $1', [endpoint.id]);
      endpoint.failing_since = null;
    }
    return { count: rowCount, complete: rowCount === taken.length };
  }

  async #recordFailure(
    tx: Transaction,
    input: { delivery: ClaimedWebhook; lease: Date; endpoint: EndpointRow; outcome: SendOutcome; round: DeliveryRound },
  ): Promise<void> {
    const { delivery, lease, endpoint, outcome, round } = input;
    const now = this.deps.clock.now();
    const error = outcome.error ?? `HTTP ${outcome.status}`;
    const attempts = delivery.attempts + 1;
    const first = delivery.first_attempt_at ? new Date(delivery.first_attempt_at) : now;
    const wait = WEBHOOK_BACKOFF_SECONDS[attempts - 1] ?? WEBHOOK_BACKOFF_SECONDS.at(-1)!;
    const next = new Date(now.getTime() + wait * 1000);
    const giveUp = next.getTime() - first.getTime() > this.#retryMs;
    const { rowCount } = await tx.query(
      `update event_deliveries set status = $3, next_attempt_at = $4, leased_until = null, last_error = $5, last_status = $6, last_duration_ms = $7,
              attempts = attempts + 1, last_attempt_at = $8, first_attempt_at = coalesce(first_attempt_at, $8)
        where id = $1 and leased_until = $2 and status = 'pending'`,
      [delivery.id, lease, giveUp ? 'failed' : 'pending', next, error, outcome.status, outcome.durationMs, now],
    );
    if (!rowCount) return; // taken over after the lease ran out: the new holder records its own attempt
    await tx.query(
      `insert into webhook_attempts (delivery_id, endpoint_id, at, duration_ms, status_code, response_body, error) values ($1, $2, $3, $4, $5, $6, $7)`,
      [delivery.id, endpoint.id, now, outcome.durationMs, outcome.status, outcome.body, error],
    );
    if (giveUp) round.failed++;
    else round.retried++;
    const failingSince = endpoint.failing_since ? new Date(endpoint.failing_since) : now;
    if (!endpoint.failing_since) await tx.query('update webhook_endpoints set failing_since = $2 where id = $1 and failing_since is null', [endpoint.id, now]);
    // Failing for the whole period, or for longer by the time the delivery just given up would have gone again.
    const failingFor = (giveUp ? next.getTime() : now.getTime()) - failingSince.getTime();
    if (failingFor >= this.#disableMs) {
      const { rowCount: disabled } = await tx.query(
        `update webhook_endpoints set status = 'disabled', disabled_reason = 'failing', updated_at = $2 where id = $1 and status = 'enabled'`,
        [endpoint.id, now],
      );
      if (disabled) {
        round.disabled.push(endpoint.id);
        await this.deps.onEndpointDisabled?.({ tx, accountId: endpoint.account_id, endpointId: endpoint.id, url: endpoint.url, failingSince });
      }
    }
  }
}
