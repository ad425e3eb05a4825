import type { Migration } from '@tollgate/plugin-sdk';

/** The plugin's tables (prefixed with its id: the database is shared). */
export const sourceTeamleaderMigrations: readonly Migration[] = Object.freeze([
  {
    id: '0001_connections',
    // One Teamleader connection per Tollgate account; `version` is the TokenStore's compare-and-set.
    sql: `CREATE TABLE source_teamleader_connections (
  id text PRIMARY KEY,
  account_id text NOT NULL UNIQUE,
  teamleader_account_id text,
  sealed_tokens text,
  version integer NOT NULL DEFAULT 0,
  reconsent_reason text,
  webhook_token text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
)`,
  },
  {
    id: '0002_oauth_states',
    sql: `CREATE TABLE source_teamleader_oauth_states (
  state text PRIMARY KEY,
  account_id text NOT NULL,
  expires_at timestamptz NOT NULL
)`,
  },
  {
    id: '0003_webhook_events',
    // Teamleader gives no delivery id; event_id is derived (see teamleader-webhooks.ts) so replays are stored once.
    sql: `CREATE TABLE source_teamleader_webhook_events (
  event_id text PRIMARY KEY,
  connection_id text NOT NULL,
  teamleader_account_id text NOT NULL,
  type text NOT NULL,
  event jsonb NOT NULL,
  received_at timestamptz NOT NULL
)`,
  },
  {
    id: '0004_written_payments',
    // Write-back idempotency: one row per (connection, payment, status) already written to Teamleader.
    sql: `CREATE TABLE source_teamleader_written_payments (
  connection_id text NOT NULL,
  payment_id text NOT NULL,
  status text NOT NULL,
  invoice_id text NOT NULL,
  written_at timestamptz NOT NULL,
  PRIMARY KEY (connection_id, payment_id, status)
)`,
  },
  {
    id: '0005_webhook_event_delivery',
    // Stored events are handed to the core by the 'webhook-events' job; failed ones are retried with backoff.
    // `generation` re-arms an event id for a change that arrives after the first was handed over (see the route).
    sql: `ALTER TABLE source_teamleader_webhook_events
  ADD COLUMN processed_at timestamptz,
  ADD COLUMN outcome text,
  ADD COLUMN attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN next_attempt_at timestamptz,
  ADD COLUMN last_error text,
  ADD COLUMN generation integer NOT NULL DEFAULT 0,
  ADD COLUMN rearm boolean NOT NULL DEFAULT false;
CREATE INDEX source_teamleader_webhook_events_pending ON source_teamleader_webhook_events (received_at) WHERE processed_at IS NULL`,
  },
  {
    id: '0007_strict_mode',
    // Teamleader's strict mode (booked invoices locked) as last probed: at connect and on demand.
    sql: `ALTER TABLE source_teamleader_connections
  ADD COLUMN strict_mode text NOT NULL DEFAULT 'unknown' CHECK (strict_mode IN ('on', 'off', 'unknown')),
  ADD COLUMN strict_mode_checked_at timestamptz,
  ADD COLUMN strict_mode_detail text`,
  },
]);
