import { randomBytes } from 'node:crypto';
import type { Clock } from '@tollgate/clock';
import { pgArray, type Database } from '@tollgate/db';
import { ValidationError } from '@tollgate/errors';
import { isEventType } from '@tollgate/plugin-sdk';
import {
  DeliveryNotFoundError,
  EventNotFoundError,
  ParkedDeliveryNotFoundError,
  TooManyWebhookEndpointsError,
  UnknownEventTypeError,
  WebhookEndpointNotFoundError,
} from './events.errors.js';
import { newWebhookSecret } from './webhook-signature.js';
import { checkWebhookUrl, type resolveAll } from './webhook-url.js';

export interface WebhookEndpoint {
  id: string;
  accountId: string;
  url: string;
  description: string;
  /** Event types it receives; ['*'] for all. */
  eventTypes: string[];
  status: 'enabled' | 'disabled';
  /** 'failing' (disabled by Tollgate after a long run of failures) or 'manual'. */
  disabledReason: string | null;
  /** Until when the previous secret still signs deliveries (a rotation's overlap). */
  previousSecretExpiresAt: Date | null;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  sequence: number;
  target: string;
  status: 'pending' | 'delivered' | 'parked' | 'failed';
  attempts: number;
  /** Status code of the last answer (webhooks), null when none came. */
  lastStatus: number | null;
  lastDurationMs: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  replay: number;
  createdAt: Date;
}

export interface AttemptView {
  at: Date;
  durationMs: number;
  statusCode: number | null;
  responseBody: string | null;
  error: string | null;
}

/** An account has at most this many endpoints (each event is signed and sent once per endpoint). */
export const MAX_ENDPOINTS = 16;
/** A replay of a time range sends at most this many events. */
export const MAX_REPLAY = 10_000;

/* eslint-disable @typescript-eslint/no-explicit-any -- rows as the driver returns them */
const endpointView = (r: any): WebhookEndpoint => ({
  id: r.id,
  accountId: r.account_id,
  url: r.url,
  description: r.description,
  eventTypes: r.event_types,
  status: r.status,
  disabledReason: r.disabled_reason,
  previousSecretExpiresAt: r.previous_expires_at ? new Date(r.previous_expires_at) : null,
  failingSince: r.failing_since ? new Date(r.failing_since) : null,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

const deliveryView = (r: any): DeliveryView => ({
  id: String(r.id),
  eventId: r.event_id,
  eventType: r.type,
  sequence: Number(r.seq),
  target: r.target,
  status: r.status,
  attempts: r.attempts,
  lastStatus: r.last_status,
  lastDurationMs: r.last_duration_ms,
  lastError: r.last_error,
  nextAttemptAt: r.status === 'pending' ? new Date(r.next_attempt_at) : null,
  deliveredAt: r.delivered_at ? new Date(r.delivered_at) : null,
  replay: r.replay,
  createdAt: new Date(r.created_at),
});
/* eslint-enable @typescript-eslint/no-explicit-any */

const DELIVERY_COLUMNS =
  'd.id, d.event_id, e.type, d.seq, d.target, d.status, d.attempts, d.last_status, d.last_duration_ms, d.last_error, d.next_attempt_at, d.delivered_at, d.replay, d.created_at';

function checkTypes(types: readonly string[]): string[] {
  const unique = [...new Set(types)];
  if (unique.includes('*')) return ['*'];
  const unknown = unique.filter((t) => !isEventType(t));
  if (unknown.length) throw new UnknownEventTypeError({ types: unknown });
  return unique;
}

/**
 * An account's webhook endpoints: saved after the URL passes the SSRF guard, each with its own
 * secret (shown when created and when rotated, never again), a delivery log, and replays.
 */
export class WebhookEndpoints {
  constructor(private readonly deps: { db: Database; clock: Clock; sandbox: boolean; resolve?: typeof resolveAll }) {}

  async create(input: {
    accountId: string;
    url: string;
    eventTypes: readonly string[];
    description?: string;
  }): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const types = checkTypes(input.eventTypes);
    const url = await checkWebhookUrl({ url: input.url, policy: { sandbox: this.deps.sandbox }, ...(this.deps.resolve ? { resolve: this.deps.resolve } : {}) });
    const secret = newWebhookSecret();
    const now = this.deps.clock.now();
    const row = await this.deps.db.transaction(async (tx) => {
      // The account's endpoints are counted under a lock on its first row: two creates at once cannot both pass the limit.
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`webhook_endpoints:${input.accountId}`]);
      const { rows: count } = await tx.query<{ n: string }>('select count(*) as n from webhook_endpoints where account_id = $1 and deleted_at is null', [
        input.accountId,
      ]);
      if (Number(count[0]!.n) >= MAX_ENDPOINTS) throw new TooManyWebhookEndpointsError({ max: MAX_ENDPOINTS });
      const { rows } = await tx.query(
        `insert into webhook_endpoints (id, account_id, url, description, event_types, status, secret, created_at, updated_at)
         values ($1, $2, $3, $4, $5, 'enabled', $6, $7, $7) returning *`,
        [`we_${randomBytes(12).toString('base64url')}`, input.accountId, url.toString(), input.description ?? '', pgArray(types), secret, now],
      );
      return rows[0];
    });
    return { endpoint: endpointView(row), secret };
  }

  async list(input: { accountId: string }): Promise<WebhookEndpoint[]> {
    const { rows } = await this.deps.db.query('select * from webhook_endpoints where account_id = $1 and deleted_at is null order by created_at, id', [
      input.accountId,
    ]);
    return rows.map(endpointView);
  }

  async get(input: { accountId: string; endpointId: string }): Promise<WebhookEndpoint> {
    const { rows } = await this.deps.db.query('select * from webhook_endpoints where account_id = $1 and id = $2 and deleted_at is null', [
      input.accountId,
      input.endpointId,
    ]);
    if (!rows[0]) throw new WebhookEndpointNotFoundError({ endpointId: input.endpointId });
    return endpointView(rows[0]);
  }

  /** Changes the URL, types, description or status; enabling an endpoint clears its failure run, and its pending deliveries go again. */
  async update(input: {
    accountId: string;
    endpointId: string;
    url?: string;
    eventTypes?: readonly string[];
    description?: string;
    status?: 'enabled' | 'disabled';
  }): Promise<WebhookEndpoint> {
    await this.get(input);
    const types = input.eventTypes ? checkTypes(input.eventTypes) : null;
    const url = input.url
      ? (
          await checkWebhookUrl({ url: input.url, policy: { sandbox: this.deps.sandbox }, ...(this.deps.resolve ? { resolve: this.deps.resolve } : {}) })
        ).toString()
      : null;
    const now = this.deps.clock.now();
    const { rows } = await this.deps.db.query(
      `update webhook_endpoints set
         url = coalesce($3, url),
         event_types = coalesce($4::text[], event_types),
         description = coalesce($5, description),
         status = coalesce($6, status),
         disabled_reason = case when $6 = 'disabled' then 'manual' when $6 = 'enabled' then null else disabled_reason end,
         failing_since = case when $6 = 'enabled' then null else failing_since end,
         updated_at = $7
       where account_id = $1 and id = $2 and deleted_at is null returning *`,
      [input.accountId, input.endpointId, url, types ? pgArray(types) : null, input.description ?? null, input.status ?? null, now],
    );
    if (input.status === 'enabled') {
      // Deliveries given up while it was failing stay failed (replay them); waiting ones go now.
      await this.deps.db.query(`update event_deliveries set next_attempt_at = $2 where target = $1 and status = 'pending'`, [input.endpointId, now]);
    }
    return endpointView(rows[0]);
  }

  /** Deletes the endpoint; its waiting deliveries are failed ('endpoint deleted'). */
  async delete(input: { accountId: string; endpointId: string }): Promise<void> {
    await this.get(input);
    const now = this.deps.clock.now();
    await this.deps.db.transaction(async (tx) => {
      await tx.query('update webhook_endpoints set deleted_at = $3, status = $4, updated_at = $3 where account_id = $1 and id = $2', [
        input.accountId,
        input.endpointId,
        now,
        'disabled',
      ]);
      await tx.query(`update event_deliveries set status = 'failed', last_error = 'endpoint deleted' where target = $1 and status = 'pending'`, [
        input.endpointId,
      ]);
    });
  }

  /** A new secret; the old one keeps signing (a second v1) for `overlapHours` so receivers can switch without losing a delivery. */
  async rotateSecret(input: { accountId: string; endpointId: string; overlapHours: number }): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    await this.get(input);
    if (!Number.isInteger(input.overlapHours) || input.overlapHours < 0 || input.overlapHours > 168)
      throw new ValidationError({ code: 'invalid_overlap', message: 'overlapHours must be a whole number from 0 to 168.' });
    const secret = newWebhookSecret();
    const now = this.deps.clock.now();
    const { rows } = await this.deps.db.query(
      `update webhook_endpoints set previous_secret = case when $4 > 0 then secret else null end,
         previous_expires_at = case when $4 > 0 then $5::timestamptz else null end, secret = $3, updated_at = $6
       where account_id = $1 and id = $2 returning *`,
      [input.accountId, input.endpointId, secret, input.overlapHours, new Date(now.getTime() + input.overlapHours * 3_600_000), now],
    );
    return { endpoint: endpointView(rows[0]), secret };
  }

  /** The endpoint's deliveries, newest first, with their last attempt. */
  async deliveries(input: { accountId: string; endpointId: string; status?: string; limit: number; before?: string }): Promise<DeliveryView[]> {
    await this.get(input);
    const { rows } = await this.deps.db.query(
      `select ${DELIVERY_COLUMNS} from event_deliveries d join events e on e.id = d.event_id
        where d.target = $1 and d.kind = 'webhook' and ($2::text is null or d.status = $2) and ($3::bigint is null or d.id < $3)
        order by d.id desc limit $4`,
      [input.endpointId, input.status ?? null, input.before ?? null, input.limit],
    );
    return rows.map(deliveryView);
  }

  /** Every attempt of one delivery (status code, duration, the start of the answer). */
  async attempts(input: { accountId: string; endpointId: string; deliveryId: string }): Promise<AttemptView[]> {
    await this.get(input);
    const { rows: found } = await this.deps.db.query("select 1 from event_deliveries where id = $1 and target = $2 and kind = 'webhook'", [
      input.deliveryId,
      input.endpointId,
    ]);
    if (!found[0]) throw new DeliveryNotFoundError({ deliveryId: input.deliveryId });
    const { rows } = await this.deps.db.query<{
      at: Date;
      duration_ms: number;
      status_code: number | null;
      response_body: string | null;
      error: string | null;
    }>('select at, duration_ms, status_code, response_body, error from webhook_attempts where delivery_id = $1 and endpoint_id = $2 order by id', [
      input.deliveryId,
      input.endpointId,
    ]);
    return rows.map((r) => ({ at: new Date(r.at), durationMs: r.duration_ms, statusCode: r.status_code, responseBody: r.response_body, error: r.error }));
  }

  /**
   * Sends events again to the endpoint (a new delivery each, same event id: receivers dedupe on it):
   * one event, or the account's events of the endpoint's types recorded in [from, to).
   */
  async replay(input: { accountId: string; endpointId: string; eventId?: string; from?: Date; to?: Date }): Promise<{ replayed: number }> {
    const endpoint = await this.get(input);
    const now = this.deps.clock.now();
    if (input.eventId) {
      const { rows } = await this.deps.db.query('select 1 from events where account_id = $1 and id = $2', [input.accountId, input.eventId]);
      if (!rows[0]) throw new EventNotFoundError({ eventId: input.eventId });
    }
    const types = endpoint.eventTypes.includes('*') ? null : pgArray(endpoint.eventTypes);
    // One replay of an endpoint at a time: each numbers its rows after the last (unique per target, event, replay).
    const { rowCount } = await this.deps.db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`webhook_replay:${input.endpointId}`]);
      return tx.query(
        `insert into event_deliveries (event_id, account_id, seq, kind, target, replay, status, next_attempt_at, created_at)
       select e.id, e.account_id, e.seq, 'webhook', $2,
              coalesce((select max(replay) from event_deliveries p where p.target = $2 and p.event_id = e.id), 0) + 1, 'pending', $6, $6
         from events e
        where e.account_id = $1 and ($3::text is null or e.id = $3)
          and ($4::timestamptz is null or e.occurred_at >= $4) and ($5::timestamptz is null or e.occurred_at < $5)
          and ($7::text[] is null or e.type = any($7::text[]) or $3::text is not null)
        order by e.seq limit $8`,
        [input.accountId, input.endpointId, input.eventId ?? null, input.from ?? null, input.to ?? null, now, types, MAX_REPLAY],
      );
    });
    return { replayed: rowCount };
  }

  /** Handler deliveries that used their last attempt, newest first (operators). */
  async parked(input: { limit: number; target?: string }): Promise<Array<DeliveryView & { accountId: string }>> {
    const { rows } = await this.deps.db.query(
      `select ${DELIVERY_COLUMNS}, d.account_id from event_deliveries d join events e on e.id = d.event_id
        where d.kind = 'handler' and d.status = 'parked' and ($1::text is null or d.target = $1) order by d.id desc limit $2`,
      [input.target ?? null, input.limit],
    );
    return rows.map((r) => ({ ...deliveryView(r), accountId: r.account_id as string }));
  }

  /** Puts a parked delivery back in line with a fresh set of attempts. */
  async retryParked(input: { deliveryId: string }): Promise<DeliveryView> {
    const now = this.deps.clock.now();
    const { rowCount } = await this.deps.db.query(
      `update event_deliveries set status = 'pending', attempts = 0, next_attempt_at = $2, leased_until = null where id = $1 and kind = 'handler' and status = 'parked'`,
      [input.deliveryId, now],
    );
    if (!rowCount) throw new ParkedDeliveryNotFoundError({ deliveryId: input.deliveryId });
    const { rows } = await this.deps.db.query(`select ${DELIVERY_COLUMNS} from event_deliveries d join events e on e.id = d.event_id where d.id = $1`, [
      input.deliveryId,
    ]);
    return deliveryView(rows[0]);
  }
}
