import type { MigrationSet } from '@tollgate/db';

/**
 * The event log and its deliveries. Sources write to an outbox in the transaction of the change
 * (the wallet to `wallet_events`, everything else to `event_outbox`); one relay at a time (an
 * advisory lock) appends them to `events` with the next sequence of their account, and fans each
 * out to a delivery row per subscribed handler and webhook endpoint. A delivery row is the unit of
 * retry: pending → delivered, or parked (handlers) / failed (webhooks) after its last attempt.
 */
export const eventMigrations: MigrationSet = {
  namespace: 'events',
  migrations: [
    {
      id: '0001_events',
      sql: `
        create table event_outbox (
          id            bigserial primary key,
          account_id    text not null,
          type          text not null,
          data          jsonb not null,
          occurred_at   timestamptz not null,
          published_at  timestamptz
        );
        create index event_outbox_unpublished on event_outbox (id) where published_at is null;

        create table event_account_seq (
          account_id  text primary key,
          last_seq    bigint not null
        );

        create table events (
          id           text primary key,
          account_id   text not null,
          seq          bigint not null,
          type         text not null,
          version      integer not null,
          data         jsonb not null,
          occurred_at  timestamptz not null,
          recorded_at  timestamptz not null,
          source       text not null,
          source_id    text not null,
          unique (account_id, seq),
          unique (source, source_id)
        );
        create index events_account_type on events (account_id, type, seq);
        create index events_recorded on events (recorded_at);

        create table webhook_endpoints (
          id                  text primary key,
          account_id          text not null,
          url                 text not null,
          description         text not null default '',
          event_types         text[] not null,
          status              text not null check (status in ('enabled', 'disabled')),
          disabled_reason     text,
          secret              text not null,
          previous_secret     text,
          previous_expires_at timestamptz,
          failing_since       timestamptz,
          created_at          timestamptz not null,
          updated_at          timestamptz not null,
          deleted_at          timestamptz
        );
        create index webhook_endpoints_account on webhook_endpoints (account_id) where deleted_at is null;

        create table event_deliveries (
          id               bigserial primary key,
          event_id         text not null references events(id),
          account_id       text not null,
          seq              bigint not null,
          kind             text not null check (kind in ('handler', 'webhook')),
          -- 'plugin-id/name' for a handler, the endpoint id for a webhook
          target           text not null,
          replay           integer not null default 0,
          status           text not null check (status in ('pending', 'delivered', 'parked', 'failed')),
          attempts         integer not null default 0,
          next_attempt_at  timestamptz not null,
          leased_until     timestamptz,
          first_attempt_at timestamptz,
          last_attempt_at  timestamptz,
          last_error       text,
          last_status      integer,
          last_duration_ms integer,
          delivered_at     timestamptz,
          created_at       timestamptz not null,
          unique (target, event_id, replay)
        );
        create index event_deliveries_due on event_deliveries (kind, next_attempt_at) where status = 'pending';
        create index event_deliveries_webhook_head on event_deliveries (target, seq, id) where status = 'pending' and kind = 'webhook';
        create index event_deliveries_target on event_deliveries (target, id desc);
        create index event_deliveries_event on event_deliveries (event_id);
        create index event_deliveries_ended on event_deliveries (created_at) where status in ('delivered', 'failed');

        create table webhook_attempts (
          id             bigserial primary key,
          delivery_id    bigint not null references event_deliveries(id),
          endpoint_id    text not null,
          at             timestamptz not null,
          duration_ms    integer not null,
          status_code    integer,
          response_body  text,
          error          text
        );
        create index webhook_attempts_delivery on webhook_attempts (delivery_id, id);
        create index webhook_attempts_at on webhook_attempts (at);
      `,
    },
  ],
};
